package keeper_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// addEmission credits alpha to a hotkey's nominators as an epoch does: the coinbase has already
// counted it in alpha_out, and the dividends go to the whole share pool.
func (f *stakeFixture) addEmission(hotkey sdk.AccAddress, netuid uint32, alpha uint64) {
	f.t.Helper()
	p := f.pool(netuid)
	p.AlphaOut += alpha
	p.AlphaIssued += alpha
	require.NoError(f.t, f.k.Pools.Set(f.ctx(), netuid, p))
	require.NoError(f.t, f.k.AddToHotkeyPool(f.ctx(), hotkey, netuid, alpha))
}

// disableTransfers has the subnet's owner turn transfers_enabled off.
func (f *stakeFixture) disableTransfers(netuid uint32) {
	f.t.Helper()
	_, err := f.srv.SetHyperparameter(f.ctx(), &types.MsgSetHyperparameter{
		Signer: f.coldkey(0).String(), Netuid: netuid, Name: "transfers_enabled", Value: "false",
	})
	require.NoError(f.t, err)
}

// Two coldkeys stake 10 and 20 TAO through one hotkey; 3 alpha (and 7 rao) of dividends raise
// both stakes pro rata; each removes all of it. The first out gets ⌊A·s/S⌋, the last out gets the
// rest, so between them they take out exactly what the pool held.
func TestSharePoolTwoColdkeys_8_2(t *testing.T) {
	f := newStakeFixture(t, nil)
	hotkey := f.openSubnet(1, 1000*taoUnit, 1000*taoUnit)
	f.next()
	c1, c2 := f.coldkey(1), f.coldkey(2)
	r1, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: c1.String(), Hotkey: hotkey.String(), Netuid: 1, Amount: 10 * taoUnit})
	require.NoError(t, err)
	require.Equal(t, uint64(9_896_053_816), r1.AlphaReceived)
	f.next()
	r2, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: c2.String(), Hotkey: hotkey.String(), Netuid: 1, Amount: 20 * taoUnit})
	require.NoError(t, err)
	require.Equal(t, uint64(19_215_920_307), r2.AlphaReceived)
	require.Equal(t, uint64(9_896_053_816), f.stakeOf(hotkey, c1, 1))
	require.Equal(t, uint64(19_215_920_307), f.stakeOf(hotkey, c2, 1))
	f.next()

	f.addEmission(hotkey, 1, 3*taoUnit+7)
	total, err := f.k.HotkeyAlpha(f.ctx(), hotkey, 1)
	require.NoError(t, err)
	require.Equal(t, uint64(32_111_974_130), total)
	// 3 000 000 007 · 9 896 053 816 / 29 111 974 123 = 1 019 792 110.4: both gain 10.31 %.
	require.Equal(t, uint64(10_915_845_926), f.stakeOf(hotkey, c1, 1))
	require.Equal(t, uint64(21_196_128_203), f.stakeOf(hotkey, c2, 1))
	f.next()

	out1, err := f.srv.RemoveStake(f.ctx(), &types.MsgRemoveStake{Coldkey: c1.String(), Hotkey: hotkey.String(), Netuid: 1, Alpha: 10_915_845_926})
	require.NoError(t, err)
	require.Equal(t, &types.MsgRemoveStakeResponse{AlphaSpent: 10_915_845_926, TaoReceived: 11_445_827_598, Fee: 5_496_649}, out1)
	require.Equal(t, uint64(21_196_128_204), f.stakeOf(hotkey, c2, 1), "the rounding rao stays with who remains")
	f.next()
	out2, err := f.srv.RemoveStake(f.ctx(), &types.MsgRemoveStake{Coldkey: c2.String(), Hotkey: hotkey.String(), Netuid: 1, Alpha: 21_196_128_204})
	require.NoError(t, err)
	require.Equal(t, &types.MsgRemoveStakeResponse{AlphaSpent: 21_196_128_204, TaoReceived: 21_513_780_961, Fee: 10_673_262}, out2)
	require.Equal(t, total, out1.AlphaSpent+out2.AlphaSpent, "everything staked and earned came out")

	_, err = f.k.HotkeyPools.Get(f.ctx(), pairOf(hotkey, 1))
	require.Error(t, err, "the emptied pool is gone")
	p := f.pool(1)
	require.Equal(t, uint64(0), f.staked(1))
	require.Equal(t, uint64(997_008_973_077), p.Tao)
	require.Equal(t, uint64(1_003_000_000_007), p.AlphaIn)
	f.next()
}

// Dividends to a hotkey nobody stakes to go to its owner's stake rather than nowhere.
func TestEmissionToAnUnstakedHotkeyPaysItsOwner_8_2(t *testing.T) {
	f := newStakeFixture(t, nil)
	hotkey := f.openSubnet(1, 1000*taoUnit, 1000*taoUnit)
	f.addEmission(hotkey, 1, 5*taoUnit)
	require.Equal(t, 5*taoUnit, f.stakeOf(hotkey, f.coldkey(0), 1))
	f.next()
	require.ErrorIs(t, f.k.AddToHotkeyPool(f.ctx(), sdk.AccAddress("never-registered-key"), 1, 1), types.ErrHotkeyNotFound)
	require.NoError(t, f.k.AddToHotkeyPool(f.ctx(), sdk.AccAddress("never-registered-key"), 1, 0), "nothing to pay")
}

// After 2^53 rao of dividends on a 1-rao stake a share is worth 2^21 rao: a minimum stake buys
// less alpha than that and is refused before any TAO moves.
func TestZeroShareStakeRefused_8_2(t *testing.T) {
	f := newStakeFixture(t, nil)
	hotkey := f.openSubnet(1, 1000*taoUnit, 1000*taoUnit)
	f.next()
	p := f.pool(1)
	p.AlphaOut++
	p.AlphaIssued++
	require.NoError(t, f.k.Pools.Set(f.ctx(), 1, p))
	require.NoError(t, f.k.StakeAlpha(f.ctx(), hotkey, f.coldkey(0), 1, 1))
	f.addEmission(hotkey, 1, 1<<53)
	f.next()

	before := f.snapshot()
	_, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: f.coldkey(1).String(), Hotkey: hotkey.String(), Netuid: 1, Amount: 2_050_000})
	require.ErrorIs(t, err, types.ErrZeroShares)
	require.Contains(t, err.Error(), "buys no share: one share is worth 2097152.000000000233 alpha rao")
	require.Equal(t, before, f.snapshot())
	f.next()
}

func TestAddStakeRefusals_6_3(t *testing.T) {
	f := newStakeFixture(t, nil)
	hotkey := f.openSubnet(1, 1000*taoUnit, 1000*taoUnit).String()
	f.openSubnet(2, 1000*taoUnit, 1000*taoUnit)
	idle := f.registerSubnet(3, 1000*taoUnit, 1000*taoUnit).String()
	f.next()
	c1 := f.coldkey(1).String()
	stranger := sdk.AccAddress("never-registered-key").String()

	for _, c := range []struct {
		name string
		msg  types.MsgAddStake
		err  error
		text string
	}{
		{"coldkey not an address", types.MsgAddStake{Coldkey: "tao1bad", Hotkey: hotkey, Netuid: 1, Amount: taoUnit}, types.ErrInvalidAddress, "coldkey"},
		{"hotkey not an address", types.MsgAddStake{Coldkey: c1, Hotkey: "", Netuid: 1, Amount: taoUnit}, types.ErrInvalidAddress, "hotkey"},
		{"zero amount", types.MsgAddStake{Coldkey: c1, Hotkey: hotkey, Netuid: 1}, types.ErrInvalidAmount, "amount is 0"},
		{"unknown subnet", types.MsgAddStake{Coldkey: c1, Hotkey: hotkey, Netuid: 9, Amount: taoUnit}, types.ErrSubnetNotFound, "netuid 9"},
		{"root, unknown hotkey", types.MsgAddStake{Coldkey: c1, Hotkey: stranger, Netuid: 0, Amount: taoUnit}, types.ErrHotkeyNotFound, stranger},
		{"netuid past u16", types.MsgAddStake{Coldkey: c1, Hotkey: hotkey, Netuid: 65_536, Amount: taoUnit}, types.ErrValueOutOfRange, "at most 65535"},
		{"not started", types.MsgAddStake{Coldkey: c1, Hotkey: idle, Netuid: 3, Amount: taoUnit}, types.ErrSubnetNotStarted, "start-call"},
		{"unknown hotkey", types.MsgAddStake{Coldkey: c1, Hotkey: stranger, Netuid: 1, Amount: taoUnit}, types.ErrHotkeyNotFound, stranger},
		{"below the minimum after the fee", types.MsgAddStake{Coldkey: c1, Hotkey: hotkey, Netuid: 1, Amount: 2_000_000}, types.ErrAmountTooLow,
			"0.002000000 TAO is 0.001998993 TAO after the fee; the minimum stake is 0.002000000 TAO plus the fee"},
		{"only a sliver fits under the limit", types.MsgAddStake{Coldkey: c1, Hotkey: hotkey, Netuid: 1, Amount: taoUnit, LimitPrice: 1_000_000_001, AllowPartial: true},
			types.ErrAmountTooLow, "only 0.000000499 TAO fits under your limit price, below the minimum stake of 0.002000000 TAO"},
		{"above the balance", types.MsgAddStake{Coldkey: c1, Hotkey: hotkey, Netuid: 1, Amount: 100_000*taoUnit + 1}, types.ErrInsufficientBalance,
			"can spend 100000000000000 rao"},
		{"u64 max", types.MsgAddStake{Coldkey: c1, Hotkey: hotkey, Netuid: 1, Amount: math.MaxUint64}, types.ErrInsufficientBalance, ""},
	} {
		before := f.snapshot()
		_, err := f.srv.AddStake(f.ctx(), &c.msg)
		require.ErrorIs(t, err, c.err, c.name)
		require.Contains(t, err.Error(), c.text, c.name)
		require.Equal(t, before, f.snapshot(), c.name)
	}
	f.next()
}

func TestRemoveStakeRefusals_6_3(t *testing.T) {
	f := newStakeFixture(t, nil)
	hotkey := f.openSubnet(1, 1000*taoUnit, 1000*taoUnit)
	f.next()
	c1, c2 := f.coldkey(1).String(), f.coldkey(2).String()
	_, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: c1, Hotkey: hotkey.String(), Netuid: 1, Amount: 10 * taoUnit})
	require.NoError(t, err)
	f.next()
	h := hotkey.String()

	for _, c := range []struct {
		name string
		msg  types.MsgRemoveStake
		err  error
		text string
	}{
		{"zero", types.MsgRemoveStake{Coldkey: c1, Hotkey: h, Netuid: 1}, types.ErrInvalidAmount, "alpha is 0"},
		{"more than staked", types.MsgRemoveStake{Coldkey: c1, Hotkey: h, Netuid: 1, Alpha: 9_896_053_817}, types.ErrInsufficientStake,
			"unstaking 9896053817 alpha rao but coldkey " + c1 + " has 9896053816 staked"},
		{"u64 max", types.MsgRemoveStake{Coldkey: c1, Hotkey: h, Netuid: 1, Alpha: math.MaxUint64}, types.ErrInsufficientStake, ""},
		{"someone else's stake", types.MsgRemoveStake{Coldkey: c2, Hotkey: h, Netuid: 1, Alpha: taoUnit}, types.ErrInsufficientStake, "has 0 staked"},
		{"pays less than the minimum", types.MsgRemoveStake{Coldkey: c1, Hotkey: h, Netuid: 1, Alpha: 1_000_000}, types.ErrAmountTooLow,
			"unstake more, or all 9896053816"},
		{"unknown subnet", types.MsgRemoveStake{Coldkey: c1, Hotkey: h, Netuid: 9, Alpha: taoUnit}, types.ErrSubnetNotFound, ""},
		{"netuid past u16", types.MsgRemoveStake{Coldkey: c1, Hotkey: h, Netuid: math.MaxUint32, Alpha: taoUnit}, types.ErrValueOutOfRange, ""},
		{"coldkey not an address", types.MsgRemoveStake{Coldkey: "x", Hotkey: h, Netuid: 1, Alpha: taoUnit}, types.ErrInvalidAddress, ""},
	} {
		before := f.snapshot()
		_, err := f.srv.RemoveStake(f.ctx(), &c.msg)
		require.ErrorIs(t, err, c.err, c.name)
		require.Contains(t, err.Error(), c.text, c.name)
		require.Equal(t, before, f.snapshot(), c.name)
	}
	f.next()
}

// Stake moves between hotkeys and subnets, and to other coldkeys, then the stakes query shows
// what is left with its TAO value. Subnet 1 is 1000 TAO / 1000 alpha, subnet 2 500 / 2000.
func TestMoveAndTransferStake_6_3(t *testing.T) {
	f := newStakeFixture(t, nil)
	h1 := f.openSubnet(1, 1000*taoUnit, 1000*taoUnit)
	h2 := f.openSubnet(2, 500*taoUnit, 2000*taoUnit)
	f.openSubnet(3, 1000*taoUnit, 1000*taoUnit)
	h3 := f.registerHotkey(2, 3) // registered elsewhere, so subnets 1 and 2 keep their pools
	f.next()
	c1, c3 := f.coldkey(1), f.coldkey(3)
	_, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: c1.String(), Hotkey: h1.String(), Netuid: 1, Amount: 10 * taoUnit})
	require.NoError(t, err)
	f.next()

	// Within a subnet the alpha moves as it is: no swap, no fee.
	pool1 := f.pool(1)
	moved, err := f.srv.MoveStake(f.ctx(), &types.MsgMoveStake{
		Coldkey: c1.String(), OriginHotkey: h1.String(), DestinationHotkey: h3.String(), OriginNetuid: 1, DestinationNetuid: 1, Alpha: taoUnit,
	})
	require.NoError(t, err)
	require.Equal(t, taoUnit, moved.AlphaReceived)
	require.Equal(t, pool1, f.pool(1))
	require.Equal(t, uint64(8_896_053_816), f.stakeOf(h1, c1, 1))
	require.Equal(t, taoUnit, f.stakeOf(h3, c1, 1))
	require.Equal(t, &types.EventStakeMoved{
		Coldkey: c1.String(), DestinationColdkey: c1.String(), OriginHotkey: h1.String(), DestinationHotkey: h3.String(),
		OriginNetuid: 1, DestinationNetuid: 1, AlphaOut: taoUnit, AlphaIn: taoUnit,
	}, f.lastEvent(&types.EventStakeMoved{}))
	f.next()

	// Across subnets: 5 alpha sell for 5 072 278 840 rao on subnet 1 (fee 2 517 738 alpha), which
	// buy 20 075 345 870 alpha on subnet 2 (fee 2 554 134 rao).
	fees := f.balance(feeCollector)
	moved, err = f.srv.MoveStake(f.ctx(), &types.MsgMoveStake{
		Coldkey: c1.String(), OriginHotkey: h1.String(), DestinationHotkey: h2.String(), OriginNetuid: 1, DestinationNetuid: 2, Alpha: 5 * taoUnit,
	})
	require.NoError(t, err)
	require.Equal(t, uint64(20_075_345_870), moved.AlphaReceived)
	require.Equal(t, uint64(20_075_345_870), f.stakeOf(h2, c1, 2))
	require.Equal(t, fees+2_542_580+2_554_134, f.balance(feeCollector), "both legs paid the fee")
	require.Equal(t, uint64(1_004_920_143_103), f.pool(1).Tao)
	require.Equal(t, uint64(505_069_724_706), f.pool(2).Tao)
	require.Equal(t, uint64(20_075_345_870), f.staked(2))
	f.next()

	// A transfer within a subnet hands over the alpha as it is.
	sent, err := f.srv.TransferStake(f.ctx(), &types.MsgTransferStake{
		Coldkey: c1.String(), DestinationColdkey: c3.String(), Hotkey: h1.String(), OriginNetuid: 1, DestinationNetuid: 1, Alpha: 2 * taoUnit,
	})
	require.NoError(t, err)
	require.Equal(t, 2*taoUnit, sent.AlphaReceived)
	require.Equal(t, 2*taoUnit, f.stakeOf(h1, c3, 1))
	require.Equal(t, uint64(1_896_053_816), f.stakeOf(h1, c1, 1))
	f.next()

	// Across subnets it swaps like a move, keeping the hotkey.
	sent, err = f.srv.TransferStake(f.ctx(), &types.MsgTransferStake{
		Coldkey: c1.String(), DestinationColdkey: c3.String(), Hotkey: h3.String(), OriginNetuid: 1, DestinationNetuid: 2, Alpha: taoUnit,
	})
	require.NoError(t, err)
	require.Equal(t, uint64(3_942_949_433), sent.AlphaReceived)
	require.Equal(t, uint64(3_942_949_433), f.stakeOf(h3, c3, 2))
	require.Equal(t, uint64(0), f.stakeOf(h3, c1, 1))
	require.Equal(t, &types.EventStakeMoved{
		Coldkey: c1.String(), DestinationColdkey: c3.String(), OriginHotkey: h3.String(), DestinationHotkey: h3.String(),
		OriginNetuid: 1, DestinationNetuid: 2, AlphaOut: taoUnit, AlphaIn: 3_942_949_433,
	}, f.lastEvent(&types.EventStakeMoved{}))
	f.next()

	stakes, err := f.qry.Stakes(f.ctx(), &types.QueryStakesRequest{Coldkey: c1.String()})
	require.NoError(t, err)
	require.Equal(t, &types.QueryStakesResponse{
		Coldkey: c1.String(),
		Balance: 100_000*taoUnit - 10*taoUnit,
		Stakes: []types.StakeView{
			{Hotkey: h1.String(), Netuid: 1, Alpha: 1_896_053_816, TaoValue: 1_906_325_821},
			{Hotkey: h2.String(), Netuid: 2, Alpha: 20_075_345_870, TaoValue: 5_087_338_358},
		},
	}, stakes)
	empty, err := f.qry.Stakes(f.ctx(), &types.QueryStakesRequest{Coldkey: f.coldkey(4).String()})
	require.NoError(t, err)
	require.Equal(t, &types.QueryStakesResponse{Coldkey: f.coldkey(4).String(), Balance: 100_000 * taoUnit}, empty)
	_, err = f.qry.Stakes(f.ctx(), &types.QueryStakesRequest{Coldkey: "nope"})
	require.ErrorIs(t, err, types.ErrInvalidAddress)
}

func TestMoveAndTransferRefusals_6_3(t *testing.T) {
	f := newStakeFixture(t, nil)
	h1 := f.openSubnet(1, 1000*taoUnit, 1000*taoUnit)
	h2 := f.openSubnet(2, 500*taoUnit, 2000*taoUnit)
	idle := f.registerSubnet(3, 1000*taoUnit, 1000*taoUnit)
	f.disableTransfers(2)
	f.next()
	c1, c2 := f.coldkey(1).String(), f.coldkey(2).String()
	_, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: c1, Hotkey: h1.String(), Netuid: 1, Amount: 10 * taoUnit})
	require.NoError(t, err)
	f.next()
	stranger := sdk.AccAddress("never-registered-key").String()

	move := func(from, to string, fromNet, toNet uint32, alpha uint64) *types.MsgMoveStake {
		return &types.MsgMoveStake{Coldkey: c1, OriginHotkey: from, DestinationHotkey: to, OriginNetuid: fromNet, DestinationNetuid: toNet, Alpha: alpha}
	}
	for _, c := range []struct {
		name string
		msg  *types.MsgMoveStake
		err  error
		text string
	}{
		{"same place", move(h1.String(), h1.String(), 1, 1, taoUnit), types.ErrSameStakeLocation, "where the stake already is"},
		{"zero", move(h1.String(), h2.String(), 1, 1, 0), types.ErrInvalidAmount, ""},
		{"more than staked", move(h1.String(), h2.String(), 1, 1, 9_896_053_817), types.ErrInsufficientStake, "asked for 9896053817 alpha rao but the stake is 9896053816"},
		{"u64 max", move(h1.String(), h2.String(), 1, 2, math.MaxUint64), types.ErrInsufficientStake, ""},
		{"unknown destination hotkey", move(h1.String(), stranger, 1, 1, taoUnit), types.ErrHotkeyNotFound, ""},
		{"destination not started", move(h1.String(), idle.String(), 1, 3, taoUnit), types.ErrSubnetNotStarted, ""},
		{"unknown destination subnet", move(h1.String(), h2.String(), 1, 9, taoUnit), types.ErrSubnetNotFound, ""},
		{"worth less than the minimum", move(h1.String(), h2.String(), 1, 1, 1_900_000), types.ErrAmountTooLow,
			"1900000 alpha rao is worth 0.001938170 TAO at the current price"},
		{"sells for less than the minimum", move(h1.String(), h2.String(), 1, 2, 1_900_000), types.ErrAmountTooLow, "sells for 0.001937191 TAO"},
		{"someone else's stake", &types.MsgMoveStake{Coldkey: c2, OriginHotkey: h1.String(), DestinationHotkey: h2.String(),
			OriginNetuid: 1, DestinationNetuid: 1, Alpha: taoUnit}, types.ErrInsufficientStake, "the stake is 0"},
		{"destination hotkey not an address", move(h1.String(), "bad", 1, 1, taoUnit), types.ErrInvalidAddress, "destination_hotkey"},
	} {
		before := f.snapshot()
		_, err := f.srv.MoveStake(f.ctx(), c.msg)
		require.ErrorIs(t, err, c.err, c.name)
		require.Contains(t, err.Error(), c.text, c.name)
		require.Equal(t, before, f.snapshot(), c.name)
	}

	transfer := func(to string, fromNet, toNet uint32, alpha uint64) *types.MsgTransferStake {
		return &types.MsgTransferStake{Coldkey: c1, DestinationColdkey: to, Hotkey: h1.String(), OriginNetuid: fromNet, DestinationNetuid: toNet, Alpha: alpha}
	}
	for _, c := range []struct {
		name string
		msg  *types.MsgTransferStake
		err  error
		text string
	}{
		{"transfers disabled at the destination", transfer(c2, 1, 2, taoUnit), types.ErrTransfersDisabled, "subnet 2: its owner has turned transfers_enabled off"},
		{"to oneself on the same subnet", transfer(c1, 1, 1, taoUnit), types.ErrSameStakeLocation, ""},
		{"destination not an address", transfer("tao1", 1, 1, taoUnit), types.ErrInvalidAddress, "destination_coldkey"},
		{"more than staked", transfer(c2, 1, 1, 10*taoUnit), types.ErrInsufficientStake, ""},
		{"u64 max", transfer(c2, 1, 1, math.MaxUint64), types.ErrInsufficientStake, ""},
		{"unknown subnet", transfer(c2, 9, 1, taoUnit), types.ErrSubnetNotFound, ""},
		{"netuid past u16", transfer(c2, 1, 1<<20, taoUnit), types.ErrValueOutOfRange, ""},
	} {
		before := f.snapshot()
		_, err := f.srv.TransferStake(f.ctx(), c.msg)
		require.ErrorIs(t, err, c.err, c.name)
		require.Contains(t, err.Error(), c.text, c.name)
		require.Equal(t, before, f.snapshot(), c.name)
	}
	// Keeping the stake under one's own coldkey is a move, which no subnet's toggle gates.
	got, err := f.srv.TransferStake(f.ctx(), transfer(c1, 1, 2, taoUnit))
	require.NoError(t, err)
	require.NotZero(t, got.AlphaReceived)
	f.next()

	// Disabled at the origin too.
	f.disableTransfers(1)
	before := f.snapshot()
	_, err = f.srv.TransferStake(f.ctx(), transfer(c2, 1, 1, taoUnit))
	require.ErrorIs(t, err, types.ErrTransfersDisabled)
	require.Contains(t, err.Error(), "subnet 1")
	require.Equal(t, before, f.snapshot())
	f.next()
}
