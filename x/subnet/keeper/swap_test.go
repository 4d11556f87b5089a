package keeper_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	sdkmath "cosmossdk.io/math"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/keeper"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// A 10 TAO stake into the 1000 TAO / 1000 alpha pool of a new subnet, then its removal, every
// amount computed by hand: fee ⌊10e9·33/65535⌋ = 5 035 477 rao; 9 994 964 523 rao buy
// ⌊1000e9·9 994 964 523/1 009 994 964 523⌋ = 9 896 053 816 alpha. Selling it back pays a fee of
// 4 983 135 alpha (sold for 4 983 159 rao) and 9 989 981 362 rao; the pool keeps 2 rao of rounding.
func TestStakeAndUnstakeHandComputed_6_3(t *testing.T) {
	f := newStakeFixture(t, nil)
	hotkey := f.openSubnet(1, 1000*taoUnit, 1000*taoUnit)
	f.next()
	staker := f.coldkey(1)
	start, fees := f.balance(staker), f.balance(feeCollector)

	res, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{
		Coldkey: staker.String(), Hotkey: hotkey.String(), Netuid: 1, Amount: 10 * taoUnit,
	})
	require.NoError(t, err)
	require.Equal(t, &types.MsgAddStakeResponse{TaoSpent: 10 * taoUnit, AlphaReceived: 9_896_053_816, Fee: 5_035_477}, res)
	require.Equal(t, &types.EventStakeAdded{
		Coldkey: staker.String(), Hotkey: hotkey.String(), Netuid: 1, Tao: 10 * taoUnit, Alpha: 9_896_053_816, Fee: 5_035_477,
	}, f.lastEvent(&types.EventStakeAdded{}))
	require.Equal(t, start-10*taoUnit, f.balance(staker))
	require.Equal(t, fees+5_035_477, f.balance(feeCollector))
	p := f.pool(1)
	require.Equal(t, uint64(1_009_994_964_523), p.Tao)
	require.Equal(t, uint64(990_103_946_184), p.AlphaIn)
	require.Equal(t, uint64(9_896_053_816), p.AlphaOut)
	require.Equal(t, sdkmath.NewUint(10*taoUnit), p.Volume)
	require.Equal(t, uint64(9_896_053_816), f.stakeOf(hotkey, staker, 1), "the first staker's stake is exact")
	alpha, err := f.k.HotkeyAlpha(f.ctx(), hotkey, 1)
	require.NoError(t, err)
	require.Equal(t, uint64(9_896_053_816), alpha)
	price, err := f.k.Price(f.ctx(), 1)
	require.NoError(t, err)
	require.Equal(t, "1.020089828361620802534177887554989183627185411751270294189453125", price.String())
	f.next()

	fees = f.balance(feeCollector)
	out, err := f.srv.RemoveStake(f.ctx(), &types.MsgRemoveStake{
		Coldkey: staker.String(), Hotkey: hotkey.String(), Netuid: 1, Alpha: 9_896_053_816,
	})
	require.NoError(t, err)
	require.Equal(t, &types.MsgRemoveStakeResponse{AlphaSpent: 9_896_053_816, TaoReceived: 9_989_981_362, Fee: 4_983_135}, out)
	require.Equal(t, &types.EventStakeRemoved{
		Coldkey: staker.String(), Hotkey: hotkey.String(), Netuid: 1, Alpha: 9_896_053_816, Tao: 9_989_981_362, Fee: 4_983_135,
	}, f.lastEvent(&types.EventStakeRemoved{}))
	require.Equal(t, start-10*taoUnit+9_989_981_362, f.balance(staker))
	require.Equal(t, fees+4_983_159, f.balance(feeCollector), "the alpha fee was sold for the fee collector")
	p = f.pool(1)
	require.Equal(t, 1000*taoUnit+2, p.Tao)
	require.Equal(t, 1000*taoUnit, p.AlphaIn)
	require.Equal(t, uint64(0), f.staked(1))
	require.Equal(t, sdkmath.NewUint(10*taoUnit+9_989_981_362+4_983_159), p.Volume)
	require.Equal(t, uint64(0), f.stakeOf(hotkey, staker, 1))
	_, err = f.k.HotkeyPools.Get(f.ctx(), pairOf(hotkey, 1))
	require.Error(t, err, "an emptied hotkey pool is deleted")
	f.next()
}

// Limit prices on messages: refused whole (nothing changes) or, with allow_partial, filled up to
// the limit, the rest of the TAO or alpha staying with the coldkey.
func TestLimitPricePartialFills_6_2(t *testing.T) {
	f := newStakeFixture(t, nil)
	hotkey := f.openSubnet(1, 1000*taoUnit, 1000*taoUnit)
	f.next()
	staker := f.coldkey(1)
	start := f.balance(staker)
	add := &types.MsgAddStake{Coldkey: staker.String(), Hotkey: hotkey.String(), Netuid: 1, Amount: 10 * taoUnit, LimitPrice: 1_005_000_000}

	before := f.snapshot()
	_, err := f.srv.AddStake(f.ctx(), add)
	require.ErrorIs(t, err, types.ErrSlippage)
	require.Contains(t, err.Error(), "would move the price to 1.020089828 TAO/alpha, past your limit of 1.005000000; at most 2.498140721 TAO fits")
	require.Equal(t, before, f.snapshot())

	add.AllowPartial = true
	res, err := f.srv.AddStake(f.ctx(), add)
	require.NoError(t, err)
	require.Equal(t, &types.MsgAddStakeResponse{TaoSpent: 2_498_140_721, AlphaReceived: 2_490_663_892, Fee: 1_257_933}, res)
	require.Equal(t, start-2_498_140_721, f.balance(staker), "only the TAO that fit was taken")
	require.Equal(t, uint64(1_002_496_882_788), f.pool(1).Tao)
	f.next()

}

// Unstaking against a sell limit: refused whole, or sold down to the limit with the rest staying
// staked.
func TestRemoveStakeLimitPrice_6_2(t *testing.T) {
	f := newStakeFixture(t, nil)
	hotkey := f.openSubnet(1, 1000*taoUnit, 1000*taoUnit)
	f.next()
	staker := f.coldkey(1)
	_, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: staker.String(), Hotkey: hotkey.String(), Netuid: 1, Amount: 10 * taoUnit})
	require.NoError(t, err)
	f.next()
	start := f.balance(staker)

	remove := &types.MsgRemoveStake{Coldkey: staker.String(), Hotkey: hotkey.String(), Netuid: 1, Alpha: 9_896_053_816, LimitPrice: 1_015_000_000}
	before := f.snapshot()
	_, err = f.srv.RemoveStake(f.ctx(), remove)
	require.ErrorIs(t, err, types.ErrSlippage)
	require.Contains(t, err.Error(), "would move the price to 1.000000000 TAO/alpha, past your limit of 1.015000000; at most 2479387787 fits")
	require.Equal(t, before, f.snapshot())

	remove.AllowPartial = true
	out, err := f.srv.RemoveStake(f.ctx(), remove)
	require.NoError(t, err)
	require.Equal(t, &types.MsgRemoveStakeResponse{AlphaSpent: 2_479_387_787, TaoReceived: 2_521_613_323, Fee: 1_248_490}, out)
	require.Equal(t, start+2_521_613_323, f.balance(staker))
	require.Equal(t, uint64(9_896_053_816-2_479_387_787), f.stakeOf(hotkey, staker, 1), "the alpha not sold stays staked")
	p := f.pool(1)
	require.Equal(t, uint64(1_007_472_083_982), p.Tao)
	require.Equal(t, uint64(992_583_333_971), p.AlphaIn)
	f.next()

	// The pool is now at the limit: selling more with the same limit refuses at once.
	remove.Alpha = 7_416_666_029
	before = f.snapshot()
	_, err = f.srv.RemoveStake(f.ctx(), remove)
	require.ErrorIs(t, err, types.ErrSlippage)
	require.Contains(t, err.Error(), "your limit of 1.015000000 TAO/alpha lets nothing be sold at the price 1.015000000")
	require.Equal(t, before, f.snapshot())
	rest := &types.MsgRemoveStake{Coldkey: staker.String(), Hotkey: hotkey.String(), Netuid: 1, Alpha: 7_416_666_029}
	out, err = f.srv.RemoveStake(f.ctx(), rest)
	require.NoError(t, err)
	require.Equal(t, &types.MsgRemoveStakeResponse{AlphaSpent: 7_416_666_029, TaoReceived: 7_468_349_321, Fee: 3_734_645}, out)
	require.Equal(t, 1000*taoUnit+3, f.pool(1).Tao)
	f.next()
}

// The swap-quote query at the pool's state: 10 TAO in, or 10 alpha out, of the 1000/1000 pool.
func TestSwapQuoteQuery_6_2(t *testing.T) {
	f := newStakeFixture(t, nil)
	f.openSubnet(1, 1000*taoUnit, 1000*taoUnit)
	f.openSubnet(2, taoUnit, taoUnit)
	f.next()

	q, err := f.qry.SwapQuote(f.ctx(), &types.QuerySwapQuoteRequest{Netuid: 1, Stake: true, Amount: 10 * taoUnit})
	require.NoError(t, err)
	require.Equal(t, &types.QuerySwapQuoteResponse{
		AmountIn: 9_994_964_523, AmountOut: 9_896_053_816, Fee: 5_035_477,
		PriceBefore: "1.0", PriceAfter: "1.020089828361620802534177887554989183627185411751270294189453125",
		// (10e9 − 9 896 053 816)/9 896 053 816 of the spot price: 1.05 % worse.
		SlippagePpm: 10_503,
	}, q)

	q, err = f.qry.SwapQuote(f.ctx(), &types.QuerySwapQuoteRequest{Netuid: 1, Stake: false, Amount: 10 * taoUnit})
	require.NoError(t, err)
	require.Equal(t, &types.QuerySwapQuoteResponse{
		AmountIn: 9_994_964_523, AmountOut: 9_896_053_816, Fee: 5_035_477,
		PriceBefore: "1.0", PriceAfter: "0.98029604940792079204904541089860003921785391867160797119140625",
		SlippagePpm: 10_394,
	}, q)

	for _, c := range []struct {
		name string
		req  *types.QuerySwapQuoteRequest
		err  error
	}{
		{"unknown subnet", &types.QuerySwapQuoteRequest{Netuid: 9, Stake: true, Amount: taoUnit}, types.ErrSubnetNotFound},
		{"root", &types.QuerySwapQuoteRequest{Netuid: 0, Stake: true, Amount: taoUnit}, types.ErrRootNetuid},
		{"netuid past u16", &types.QuerySwapQuoteRequest{Netuid: 70_000, Stake: true, Amount: taoUnit}, types.ErrValueOutOfRange},
		{"zero", &types.QuerySwapQuoteRequest{Netuid: 1, Stake: true}, types.ErrInvalidAmount},
		{"over 1000× the reserve", &types.QuerySwapQuoteRequest{Netuid: 2, Stake: true, Amount: 1002 * taoUnit}, types.ErrSwapTooLarge},
		{"u64 max", &types.QuerySwapQuoteRequest{Netuid: 1, Stake: false, Amount: math.MaxUint64}, types.ErrSwapTooLarge},
		{"no request", nil, types.ErrInvalidAmount},
	} {
		_, err := f.qry.SwapQuote(f.ctx(), c.req)
		require.ErrorIs(t, err, c.err, c.name)
	}
}

// The refusals of §6.2 reach the messages with their errors, and leave everything unchanged.
func TestSwapRefusalsOnMessages_6_2(t *testing.T) {
	f := newStakeFixture(t, nil)
	shallow := f.openSubnet(1, 10*taoUnit, 10*taoUnit)
	dry := f.openSubnet(2, 1000*taoUnit, 999_999)
	f.next()
	staker := f.coldkey(1).String()
	for _, c := range []struct {
		name string
		msg  *types.MsgAddStake
		err  error
		text string
	}{
		{"over 1000× the TAO reserve", &types.MsgAddStake{Coldkey: staker, Hotkey: shallow.String(), Netuid: 1, Amount: 10_011 * taoUnit},
			types.ErrSwapTooLarge, "more than 1000× the pool's 10.000000000 TAO; stake at most 10005.038014106 TAO"},
		{"alpha reserve under the minimum", &types.MsgAddStake{Coldkey: staker, Hotkey: dry.String(), Netuid: 2, Amount: taoUnit},
			types.ErrPoolReservesTooLow, "the pool holds 999999 alpha rao, below the 1000000"},
	} {
		before := f.snapshot()
		_, err := f.srv.AddStake(f.ctx(), c.msg)
		require.ErrorIs(t, err, c.err, c.name)
		require.Contains(t, err.Error(), c.text, c.name)
		require.Equal(t, before, f.snapshot(), c.name)
	}
	f.next()
}

// The entry points other rule families use: a chain buy without fee, and a limited swap that
// leaves the unspent input with the caller.
func TestInternalSwaps_6_2(t *testing.T) {
	f := newStakeFixture(t, nil)
	f.openSubnet(1, 1000*taoUnit, 1000*taoUnit)
	f.next()
	ctx := f.ctx()
	fees := f.balance(feeCollector)

	// The caller put 10 TAO in the module account (here, as the coinbase's credit would).
	require.NoError(t, f.c.App.BankKeeper.SendCoinsFromAccountToModule(ctx, f.coldkey(2), types.ModuleName, raoCoins(10*taoUnit)))
	res, err := f.k.SwapTaoForAlpha(ctx, 1, 10*taoUnit, 0, true)
	require.NoError(t, err)
	require.Equal(t, keeper.SwapResult{AmountIn: 10 * taoUnit, AmountOut: 9_900_990_099}, res)
	require.Equal(t, fees, f.balance(feeCollector), "fees dropped")
	p := f.pool(1)
	require.Equal(t, uint64(1010*taoUnit), p.Tao)
	require.Equal(t, uint64(9_900_990_099), p.AlphaOut)

	// Selling more alpha than alpha_out counts is a broken caller, refused before any change.
	_, err = f.k.SwapAlphaForTao(ctx, 1, 9_900_990_100, 0, false)
	require.ErrorIs(t, err, types.ErrInconsistentState)

	// A limited sell stops at the limit; the TAO bought stays in the module account for the
	// caller, who here pays it out.
	res, err = f.k.SwapAlphaForTao(ctx, 1, 9_900_990_099, 1_015_000_000, false)
	require.NoError(t, err)
	require.Less(t, res.AmountIn+res.Fee, uint64(9_900_990_099))
	price, err := f.k.Price(ctx, 1)
	require.NoError(t, err)
	require.True(t, price.Ge(fixed.U64F64FromUint(1_015_000_000).SafeDiv(fixed.U64F64FromUint(taoUnit))))
	require.NoError(t, f.c.App.BankKeeper.SendCoinsFromModuleToAccount(ctx, types.ModuleName, f.coldkey(2), raoCoins(res.AmountOut)))
	f.next()

	_, err = f.k.Price(f.ctx(), 7)
	require.ErrorIs(t, err, types.ErrSubnetNotFound)
}

// BenchmarkStakeRoundTrip is one add-stake and one remove-stake of the whole stake, through the
// message server, each iteration on its own branch of the committed state as a transaction runs.
func BenchmarkStakeRoundTrip(b *testing.B) {
	f := newStakeFixture(b, nil)
	hotkey := f.openSubnet(1, 1000*taoUnit, 1000*taoUnit).String()
	f.next()
	staker := f.coldkey(1).String()
	for b.Loop() {
		ctx, _ := f.ctx().CacheContext()
		res, err := f.srv.AddStake(ctx, &types.MsgAddStake{Coldkey: staker, Hotkey: hotkey, Netuid: 1, Amount: 10 * taoUnit})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.srv.RemoveStake(ctx, &types.MsgRemoveStake{Coldkey: staker, Hotkey: hotkey, Netuid: 1, Alpha: res.AlphaReceived}); err != nil {
			b.Fatal(err)
		}
	}
}
