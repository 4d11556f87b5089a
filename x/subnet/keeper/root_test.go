package keeper_test

import (
	"math"
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/keeper"
	"github.com/gotensor/gotensor/x/subnet/types"
	"github.com/gotensor/gotensor/yuma"
)

// rootStake stakes tao rao of coldkey's on hotkey on root.
func (f *netFixture) rootStake(coldkey, hotkey sdk.AccAddress, tao uint64) {
	f.t.Helper()
	_, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: coldkey.String(), Hotkey: hotkey.String(), Netuid: types.RootNetuid, Amount: tao})
	require.NoError(f.t, err)
}

func (f *netFixture) rootRegister(coldkey, hotkey sdk.AccAddress) (*types.MsgRootRegisterResponse, error) {
	return f.srv.RootRegister(f.ctx(), &types.MsgRootRegister{Coldkey: coldkey.String(), Hotkey: hotkey.String()})
}

func (f *netFixture) rootTao() uint64 {
	f.t.Helper()
	v, err := f.k.GetRootTao(f.ctx())
	require.NoError(f.t, err)
	return v
}

// Root stake is TAO, moved 1:1 without a fee (§6.1 stable mechanism, §6.3 on ROOT): every rao
// that leaves the coldkey is held for it on root and comes back on unstaking.
func TestRootStake_8_1(t *testing.T) {
	f := newNetFixture(t)
	cold, other := f.account(1), f.account(2)
	hot := newKey()
	_, err := f.rootRegister(cold, hot)
	require.NoError(t, err)
	f.next()

	supply := f.c.App.BankKeeper.GetSupply(f.ctx(), types.Denom).Amount.Uint64()
	before, module := f.balance(cold), f.moduleBalance()
	f.rootStake(cold, hot, 10*oneTAO)
	require.Equal(t, before-10*oneTAO, f.balance(cold))
	require.Equal(t, module+10*oneTAO, f.moduleBalance())
	require.Equal(t, 10*oneTAO, f.rootTao())
	stake, err := f.k.StakeOf(f.ctx(), hot, cold, types.RootNetuid)
	require.NoError(t, err)
	require.Equal(t, 10*oneTAO, stake)
	f.rootStake(other, hot, 3*oneTAO) // a nominator on root
	f.next()

	// Refusals change nothing.
	refused := []struct {
		name string
		msg  *types.MsgAddStake
		want error
	}{
		{"below the minimum stake", &types.MsgAddStake{Coldkey: cold.String(), Hotkey: hot.String(), Amount: 1_999_999}, types.ErrAmountTooLow},
		{"more than the balance", &types.MsgAddStake{Coldkey: cold.String(), Hotkey: hot.String(), Amount: 1_000_000 * oneTAO}, types.ErrInsufficientBalance},
		{"unknown hotkey", &types.MsgAddStake{Coldkey: cold.String(), Hotkey: newKey().String(), Amount: oneTAO}, types.ErrHotkeyNotFound},
	}
	for _, c := range refused {
		_, err := f.srv.AddStake(f.ctx(), c.msg)
		require.ErrorIs(t, err, c.want, c.name)
	}
	_, err = f.srv.RemoveStake(f.ctx(), &types.MsgRemoveStake{Coldkey: cold.String(), Hotkey: hot.String(), Netuid: 0, Alpha: 11 * oneTAO})
	require.ErrorIs(t, err, types.ErrInsufficientStake)
	_, err = f.srv.RemoveStake(f.ctx(), &types.MsgRemoveStake{Coldkey: cold.String(), Hotkey: hot.String(), Netuid: 0, Alpha: 1_000})
	require.ErrorIs(t, err, types.ErrAmountTooLow)
	require.Equal(t, 13*oneTAO, f.rootTao())

	before = f.balance(cold)
	res, err := f.srv.RemoveStake(f.ctx(), &types.MsgRemoveStake{Coldkey: cold.String(), Hotkey: hot.String(), Netuid: 0, Alpha: 4 * oneTAO})
	require.NoError(t, err)
	require.Equal(t, 4*oneTAO, res.TaoReceived)
	require.Equal(t, before+4*oneTAO, f.balance(cold))
	_, err = f.srv.RemoveStake(f.ctx(), &types.MsgRemoveStake{Coldkey: cold.String(), Hotkey: hot.String(), Netuid: 0, Alpha: 6 * oneTAO})
	require.NoError(t, err)
	require.Equal(t, 3*oneTAO, f.rootTao())
	f.next()

	// Queries: by coldkey, by hotkey, and the coldkey's stakes list root at its TAO value.
	byHot, err := f.qry.RootStake(f.ctx(), &types.QueryRootStakeRequest{Hotkey: hot.String()})
	require.NoError(t, err)
	require.Equal(t, uint64(3*oneTAO), byHot.Total)
	require.Len(t, byHot.Stakes, 1)
	require.Equal(t, other.String(), byHot.Stakes[0].Coldkey)
	stakes, err := f.qry.Stakes(f.ctx(), &types.QueryStakesRequest{Coldkey: other.String()})
	require.NoError(t, err)
	require.Equal(t, []types.StakeView{{Hotkey: hot.String(), Netuid: 0, Alpha: 3 * oneTAO, TaoValue: 3 * oneTAO}}, stakes.Stakes)
	// Not a rao was created or destroyed.
	require.Equal(t, supply, f.c.App.BankKeeper.GetSupply(f.ctx(), types.Denom).Amount.Uint64())
}

// Root registration (§7.4): per-block and per-interval admission, uids appended until
// root_max_uids, then the lowest root stake is replaced by a strictly larger one.
func TestRootRegister_7_4(t *testing.T) {
	f := newNetFixture(t, withNetParams(func(p *types.Params) {
		p.RootMaxUids = 2
		p.RootTargetRegistrationsPerInterval = 1 // 3 an interval
		p.RootTempo = 100
	}))
	cold := f.account(1)
	h1, h2, h3, h4 := newKey(), newKey(), newKey(), newKey()

	res, err := f.rootRegister(cold, h1)
	require.NoError(t, err)
	require.Equal(t, uint32(0), res.Uid)
	take, err := f.k.DelegateTake(f.ctx(), h1)
	require.NoError(t, err)
	require.Equal(t, uint32(11_796), take, "root members are delegates at 18 %")
	_, err = f.rootRegister(cold, h2)
	require.ErrorIs(t, err, types.ErrRootRegistrationLimit, "one a block, checked first")
	f.next()

	res, err = f.rootRegister(cold, h2)
	require.NoError(t, err)
	require.Equal(t, uint32(1), res.Uid)
	f.next()
	_, err = f.rootRegister(f.account(2), h2)
	require.ErrorIs(t, err, types.ErrAlreadyRegistered)
	_, err = f.rootRegister(f.account(2), h1)
	require.ErrorIs(t, err, types.ErrAlreadyRegistered)

	// Full: h3 needs more root stake than the lowest member (h1 and h2 have none; h1, the lower
	// uid, is the one replaced).
	_, err = f.rootRegister(cold, h3)
	require.ErrorIs(t, err, types.ErrRootStakeTooLow)
	f.rootStake(cold, h2, 5*oneTAO)
	claimHotkey(t, f, cold, h3)
	f.rootStake(cold, h3, oneTAO)
	res, err = f.rootRegister(cold, h3)
	require.NoError(t, err)
	require.Equal(t, uint32(0), res.Uid)
	require.Equal(t, h1.String(), res.Replaced)
	f.next()

	// Three registrations this interval (blocks 1–100) used: the fourth waits for the next one.
	claimHotkey(t, f, cold, h4)
	f.rootStake(cold, h4, 10*oneTAO)
	_, err = f.rootRegister(cold, h4)
	require.ErrorIs(t, err, types.ErrRootRegistrationLimit)
	for f.block()%100 != 0 {
		f.next()
	}
	res, err = f.rootRegister(cold, h4)
	require.NoError(t, err)
	require.Equal(t, uint32(0), res.Uid, "h3's 1 TAO is now the lowest")
	require.Equal(t, h3.String(), res.Replaced)
	f.next()

	net, err := f.qry.RootNetwork(f.ctx(), &types.QueryRootNetworkRequest{})
	require.NoError(t, err)
	require.Equal(t, uint32(2), net.MaxUids)
	require.Equal(t, 16*oneTAO, net.TotalStake)
	require.Equal(t, []types.RootNeuronView{
		{Uid: 0, Hotkey: h4.String(), Coldkey: cold.String(), Stake: 10 * oneTAO, BlockAtRegistration: net.Neurons[0].BlockAtRegistration},
		{Uid: 1, Hotkey: h2.String(), Coldkey: cold.String(), Stake: 5 * oneTAO, BlockAtRegistration: net.Neurons[1].BlockAtRegistration},
	}, net.Neurons)

	// Another coldkey's hotkey cannot be registered.
	_, err = f.rootRegister(f.account(3), h1)
	require.ErrorIs(t, err, types.ErrHotkeyNotOwned)
}

// claimHotkey gives coldkey a hotkey with no uid anywhere, through a subnet registration the
// test does not otherwise use: root-register and add-stake need an existing hotkey.
func claimHotkey(t *testing.T, f *netFixture, coldkey, hotkey sdk.AccAddress) {
	t.Helper()
	var netuid uint32
	netuids, err := f.k.Netuids(f.ctx())
	require.NoError(t, err)
	if len(netuids) == 0 {
		netuid = f.registerNetwork(f.account(0), newKey(), "keys").Netuid
	} else {
		netuid = netuids[0]
	}
	f.burnedRegister(coldkey, hotkey, netuid)
}

// §4.3 with the spec's TaoWeight (971 718 665 099 567 868 ≈ 0.052677): root stake counts
// root·floor32(TaoWeight/(2^64−1)), floored to rao, on top of alpha.
func TestCombinedStake_4_3(t *testing.T) {
	const tw = 971_718_665_099_567_868
	require.Equal(t, types.DefaultParams().TaoWeight, uint64(tw))
	twBits := new(big.Int).Lsh(big.NewInt(tw), 32)
	twBits.Quo(twBits, new(big.Int).SetUint64(math.MaxUint64)) // U96F32 safe_div truncates
	for _, c := range []struct{ alpha, root uint64 }{
		{0, 1_000 * oneTAO}, {5 * oneTAO, 1_000 * oneTAO}, {123, 456_789}, {oneTAO, 0}, {0, 21_000_000 * oneTAO},
	} {
		want := new(big.Int).Mul(new(big.Int).SetUint64(c.root), twBits)
		want.Rsh(want, 32).Add(want, new(big.Int).SetUint64(c.alpha))
		require.Equal(t, want.Uint64(), yuma.CombinedStake(c.alpha, c.root, tw), "%+v", c)
		require.Equal(t, want.Uint64(), keeper.StakeWeight{Alpha: c.alpha, Root: c.root}.Combined(tw))
	}
	// 1000 TAO on root weighs 52.677 TAO: 52 676 974 330 rao.
	require.Equal(t, uint64(52_676_974_330), yuma.CombinedStake(0, 1_000*oneTAO, tw))
}

// The epoch weighs a hotkey by its alpha plus its root stake times TaoWeight (§4.3): a validator
// with only root stake has stake weight, in the ratio of the combined stakes.
func TestTaoWeightInEpoch_4_3(t *testing.T) {
	f := newNetFixture(t)
	owner := f.account(0)
	netuid := f.registerNetwork(owner, newKey(), "tao-weight").Netuid
	f.tune(netuid, "tempo", "10", "commit_reveal", "false")
	_, err := f.srv.StartCall(f.ctx(), &types.MsgStartCall{Owner: owner.String(), Netuid: netuid})
	require.NoError(t, err)
	f.next()
	alphaOnly, rootOnly := newKey(), newKey()
	a := f.burnedRegister(f.account(1), alphaOnly, netuid).Uid
	b := f.burnedRegister(f.account(2), rootOnly, netuid).Uid
	_, err = f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: f.account(1).String(), Hotkey: alphaOnly.String(), Netuid: netuid, Amount: 50 * oneTAO})
	require.NoError(t, err)
	f.rootStake(f.account(2), rootOnly, 1_000*oneTAO)
	w, err := f.k.HotkeyStakeWeight(f.ctx(), rootOnly, netuid)
	require.NoError(t, err)
	require.Equal(t, keeper.StakeWeight{Root: 1_000 * oneTAO}, w)
	sched, err := f.k.GetSchedule(f.ctx(), netuid)
	require.NoError(t, err)
	var alpha uint64 // the alpha stake the epoch read: the last before it paid dividends
	for {
		if alpha, err = f.k.HotkeyAlpha(f.ctx(), alphaOnly, netuid); err != nil {
			t.Fatal(err)
		}
		f.next()
		s, err := f.k.GetSchedule(f.ctx(), netuid)
		require.NoError(t, err)
		if s.EpochIndex > sched.EpochIndex {
			break
		}
	}
	wa, wb := f.neuron(netuid, a).StakeWeight, f.neuron(netuid, b).StakeWeight
	require.Positive(t, wb, "root stake alone gives stake weight")
	want := float64(yuma.CombinedStake(0, 1_000*oneTAO, types.DefaultParams().TaoWeight)) / float64(alpha)
	require.InEpsilon(t, want, float64(wb)/float64(wa), 1e-3)
}
