package keeper_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/app/apptesting"
	"github.com/gotensor/gotensor/x/subnet/keeper"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// swapWorld is two open subnets whose owner hotkey (coldkey 0's) holds uid 0 on subnet 1 and a
// uid on subnet 2, with stake from its owner and from a nominator (coldkey 2) on both.
type swapWorld struct {
	*stakeFixture
	old sdk.AccAddress
}

func newSwapWorld(t *testing.T) *swapWorld {
	f := newStakeFixture(t, nil)
	old := f.openSubnet(1, 1_000*taoUnit, 1_000*taoUnit)
	f.openSubnet(2, 2_000*taoUnit, 1_000*taoUnit)
	_, err := f.srv.BurnedRegister(f.ctx(), &types.MsgBurnedRegister{Coldkey: f.coldkey(0).String(), Netuid: 2, Hotkey: old.String()})
	require.NoError(t, err)
	for _, netuid := range []uint32{1, 2} {
		for _, c := range []int{0, 2} {
			_, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: f.coldkey(c).String(), Hotkey: old.String(), Netuid: netuid, Amount: 7*taoUnit + uint64(c)*1_234_567})
			require.NoError(t, err)
		}
	}
	_, err = f.srv.SetDelegateTake(f.ctx(), &types.MsgSetDelegateTake{Coldkey: f.coldkey(0).String(), Hotkey: old.String(), Take: 5_000})
	require.NoError(t, err)
	f.next()
	return &swapWorld{stakeFixture: f, old: old}
}

func (w *swapWorld) swap(msg types.MsgSwapHotkey) (*types.MsgSwapHotkeyResponse, error) {
	return keeper.SwapServer(w.k).SwapHotkey(w.ctx(), &msg)
}

// holdings is every (coldkey, netuid) stake on a hotkey, by value.
func (w *swapWorld) holdings(hotkey sdk.AccAddress) map[string]uint64 {
	out := map[string]uint64{}
	for _, c := range []int{0, 1, 2} {
		for _, netuid := range []uint32{1, 2} {
			if v := w.stakeOf(hotkey, w.coldkey(c), netuid); v > 0 {
				out[w.coldkey(c).String()+"/"+string(rune('0'+netuid))] = v
			}
		}
	}
	return out
}

// TestSwapHotkeyAllSubnets_8_1: the owner hotkey moves on both subnets. Its uids keep their
// positions under the new key, every stake keeps its value to the rao and the pools move whole,
// the take and the subnet-owner hotkey follow, the old hotkey stops existing, and the coldkey pays
// key_swap_cost (0.1 TAO), which is recycled: issuance falls by exactly that, nothing else moves.
func TestSwapHotkeyAllSubnets_8_1(t *testing.T) {
	w := newSwapWorld(t)
	ctx := w.ctx()
	next := w.freshHotkey()
	uid2, err := w.k.UidOf(ctx, 2, w.old)
	require.NoError(t, err)
	before := w.holdings(w.old)
	pools := map[uint32]types.HotkeyPool{}
	for _, netuid := range []uint32{1, 2} {
		pools[netuid], err = w.k.HotkeyPools.Get(ctx, pairOf(w.old, netuid))
		require.NoError(t, err)
	}
	staked := []uint64{w.staked(1), w.staked(2)}
	balance, module := w.balance(w.coldkey(0)), w.balance(subnetModule)
	issuance, err := w.k.GetTotalIssuance(ctx)
	require.NoError(t, err)
	require.NoError(t, w.k.Commits.Set(ctx, collections.Join(uint32(1), w.old), types.CommitQueue{Commits: []types.WeightCommit{{Hash: make([]byte, 32), CommitBlock: 3}}}))

	res, err := w.swap(types.MsgSwapHotkey{Coldkey: w.coldkey(0).String(), Hotkey: w.old.String(), NewHotkey: next.String()})
	require.NoError(t, err)
	require.Equal(t, uint64(100_000_000), res.Cost, "KeySwapCost is 0.1 TAO")
	require.Equal(t, []uint32{1, 2}, res.Netuids)

	// Uids keep their positions under the new key.
	for netuid, uid := range map[uint32]uint32{1: 0, 2: uid2} {
		got, err := w.k.UidOf(ctx, netuid, next)
		require.NoError(t, err)
		require.Equal(t, uid, got)
		n, err := w.k.GetNeuron(ctx, netuid, uid)
		require.NoError(t, err)
		require.Equal(t, next, n.Hotkey)
		_, err = w.k.UidOf(ctx, netuid, w.old)
		require.ErrorIs(t, err, types.ErrHotkeyNotRegistered)
		// The pool moved whole: same alpha, same shares.
		moved, err := w.k.HotkeyPools.Get(ctx, pairOf(next, netuid))
		require.NoError(t, err)
		require.Equal(t, pools[netuid].Alpha, moved.Alpha)
		require.Equal(t, pools[netuid].Shares.String(), moved.Shares.String())
		has, err := w.k.HotkeyPools.Has(ctx, pairOf(w.old, netuid))
		require.NoError(t, err)
		require.False(t, has)
	}
	require.Equal(t, []uint64{w.staked(1), w.staked(2)}, staked, "alpha staked on each subnet unchanged")
	after := w.holdings(next)
	require.Equal(t, before, after, "every coldkey's stake keeps its value to the rao")
	require.Empty(t, w.holdings(w.old))

	subnet, err := w.k.GetSubnet(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, next, subnet.OwnerHotkey)
	owner, ok, err := w.k.HotkeyOwner(ctx, next)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, w.coldkey(0), owner)
	_, ok, err = w.k.HotkeyOwner(ctx, w.old)
	require.NoError(t, err)
	require.False(t, ok, "the old hotkey no longer exists")
	has, err := w.k.OwnedHotkeys.Has(ctx, collections.Join(w.coldkey(0), w.old))
	require.NoError(t, err)
	require.False(t, has)
	take, err := w.k.DelegateTake(ctx, next)
	require.NoError(t, err)
	require.Equal(t, uint32(5_000), take)
	q, err := w.k.Commits.Get(ctx, collections.Join(uint32(1), next))
	require.NoError(t, err)
	require.Len(t, q.Commits, 1)

	require.Equal(t, balance-100_000_000, w.balance(w.coldkey(0)))
	require.Equal(t, module, w.balance(subnetModule), "the pools' TAO did not move")
	after2, err := w.k.GetTotalIssuance(ctx)
	require.NoError(t, err)
	require.Equal(t, issuance-100_000_000, after2, "the cost is recycled")
	ev := w.lastEvent(&types.EventHotkeySwapped{}).(*types.EventHotkeySwapped)
	require.Equal(t, next.String(), ev.NewHotkey)
	require.Equal(t, uint64(100_000_000), ev.Cost)
	w.next()
}

// TestSwapHotkeyOneSubnet_8_1: with one_subnet only that subnet moves; the old hotkey keeps its
// other uid, its stake there and its ownership, and the swap costs key_swap_on_subnet_cost
// (0.001 TAO).
func TestSwapHotkeyOneSubnet_8_1(t *testing.T) {
	w := newSwapWorld(t)
	ctx := w.ctx()
	next := w.freshHotkey()
	balance := w.balance(w.coldkey(0))
	on1 := w.stakeOf(w.old, w.coldkey(2), 1)
	res, err := w.swap(types.MsgSwapHotkey{Coldkey: w.coldkey(0).String(), Hotkey: w.old.String(), NewHotkey: next.String(), OneSubnet: true, Netuid: 2})
	require.NoError(t, err)
	require.Equal(t, uint64(1_000_000), res.Cost)
	require.Equal(t, []uint32{2}, res.Netuids)
	require.Equal(t, balance-1_000_000, w.balance(w.coldkey(0)))

	_, err = w.k.UidOf(ctx, 2, next)
	require.NoError(t, err)
	uid, err := w.k.UidOf(ctx, 1, w.old)
	require.NoError(t, err)
	require.Equal(t, uint32(0), uid)
	require.Equal(t, on1, w.stakeOf(w.old, w.coldkey(2), 1))
	require.Zero(t, w.stakeOf(w.old, w.coldkey(2), 2))
	for _, h := range []sdk.AccAddress{w.old, next} {
		owner, ok, err := w.k.HotkeyOwner(ctx, h)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, w.coldkey(0), owner)
	}
	take, err := w.k.DelegateTake(ctx, next)
	require.NoError(t, err)
	require.Equal(t, types.DefaultParams().MaxDelegateTake, take, "the take stays with the old hotkey on a one-subnet swap")
	subnet, err := w.k.GetSubnet(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, w.old, subnet.OwnerHotkey)
	w.next()

	// A second swap on subnet 2 within hotkey_swap_on_subnet_interval is refused even after the
	// coldkey's hotkey_swap_rate_limit has passed.
	for range 1_001 {
		w.c.NextBlock()
	}
	_, err = w.swap(types.MsgSwapHotkey{Coldkey: w.coldkey(0).String(), Hotkey: next.String(), NewHotkey: w.freshHotkey().String(), OneSubnet: true, Netuid: 2})
	require.ErrorIs(t, err, types.ErrHotkeySwapOnSubnetLimit)
	_, err = w.swap(types.MsgSwapHotkey{Coldkey: w.coldkey(0).String(), Hotkey: w.old.String(), NewHotkey: w.freshHotkey().String(), OneSubnet: true, Netuid: 1})
	require.NoError(t, err, "another subnet is not held back")
	w.next()
}

// TestSwapHotkeyMergesIntoExistingStake_8_1: the new hotkey already has nominators on the subnet
// (it exists, owned by the same coldkey, registered elsewhere). Each old stake is deposited at its
// value and the rounding left over is credited to the merged pool: the alpha staked to the two
// hotkeys before equals the alpha staked to the new one after, to the rao, and no coldkey's stake
// moves by more than a rao of rounding.
func TestSwapHotkeyMergesIntoExistingStake_8_1(t *testing.T) {
	w := newSwapWorld(t)
	ctx := w.ctx()
	next := w.registerHotkey(0, 2) // coldkey 0's, a uid on subnet 2 only
	for _, c := range []int{1, 2} {
		_, err := w.srv.AddStake(ctx, &types.MsgAddStake{Coldkey: w.coldkey(c).String(), Hotkey: next.String(), Netuid: 1, Amount: 3*taoUnit + uint64(c)*777_777})
		require.NoError(t, err)
	}
	// Emission appreciates the new hotkey's pool, so its shares are worth more than the old one's.
	require.NoError(t, w.k.AddToHotkeyPool(ctx, next, 1, 123_456_789))
	p := w.pool(1)
	p.AlphaOut += 123_456_789
	p.AlphaIssued += 123_456_789
	require.NoError(t, w.k.Pools.Set(ctx, 1, p))
	w.next()
	ctx = w.ctx()

	oldAlpha, err := w.k.HotkeyAlpha(ctx, w.old, 1)
	require.NoError(t, err)
	newAlpha, err := w.k.HotkeyAlpha(ctx, next, 1)
	require.NoError(t, err)
	var want [3]uint64
	for c := range want {
		want[c] = w.stakeOf(w.old, w.coldkey(c), 1) + w.stakeOf(next, w.coldkey(c), 1)
	}
	staked := w.staked(1)

	_, err = w.swap(types.MsgSwapHotkey{Coldkey: w.coldkey(0).String(), Hotkey: w.old.String(), NewHotkey: next.String(), OneSubnet: true, Netuid: 1})
	require.NoError(t, err)
	merged, err := w.k.HotkeyAlpha(ctx, next, 1)
	require.NoError(t, err)
	require.Equal(t, oldAlpha+newAlpha, merged, "the merged pool holds both pools' alpha to the rao")
	require.Equal(t, staked, w.staked(1))
	var total uint64
	for c := range want {
		got := w.stakeOf(next, w.coldkey(c), 1)
		require.LessOrEqual(t, got, want[c]+2, "coldkey %d", c)
		require.GreaterOrEqual(t, got+2, want[c], "coldkey %d", c)
		total += got
	}
	require.LessOrEqual(t, total, merged)
	w.next()
}

// TestSwapHotkeyRefusals_8_1: each refusal names its cause and leaves every balance, pool, stake
// and take as it was.
func TestSwapHotkeyRefusals_8_1(t *testing.T) {
	w := newSwapWorld(t)
	other := w.registerHotkey(1, 1) // coldkey 1's, uid on subnet 1
	mine2 := w.registerHotkey(0, 2) // coldkey 0's, uid on subnet 2
	poor := w.registerHotkey(3, 1)
	bank := w.c.App.BankKeeper
	require.NoError(t, bank.SendCoins(w.ctx(), w.coldkey(3), w.coldkey(4), raoCoins(w.balance(w.coldkey(3))-50_000_000)))
	w.next()
	fresh := w.freshHotkey()
	cold := w.coldkey(0).String()
	cases := []struct {
		name string
		msg  types.MsgSwapHotkey
		want error
	}{
		{"not an address", types.MsgSwapHotkey{Coldkey: cold, Hotkey: w.old.String(), NewHotkey: "tao1nope"}, types.ErrInvalidAddress},
		{"unknown hotkey", types.MsgSwapHotkey{Coldkey: cold, Hotkey: w.freshHotkey().String(), NewHotkey: fresh.String()}, types.ErrHotkeyNotFound},
		{"someone else's hotkey", types.MsgSwapHotkey{Coldkey: cold, Hotkey: other.String(), NewHotkey: fresh.String()}, types.ErrHotkeyNotOwned},
		{"new hotkey owned by another", types.MsgSwapHotkey{Coldkey: cold, Hotkey: w.old.String(), NewHotkey: other.String()}, types.ErrHotkeyNotOwned},
		{"same hotkey", types.MsgSwapHotkey{Coldkey: cold, Hotkey: w.old.String(), NewHotkey: w.old.String()}, types.ErrSameHotkey},
		{"module account", types.MsgSwapHotkey{Coldkey: cold, Hotkey: w.old.String(), NewHotkey: subnetModule.String()}, types.ErrHotkeyIsSystemAccount},
		{"new hotkey registered somewhere", types.MsgSwapHotkey{Coldkey: cold, Hotkey: w.old.String(), NewHotkey: mine2.String()}, types.ErrAlreadyRegistered},
		{"new hotkey registered on the subnet", types.MsgSwapHotkey{Coldkey: cold, Hotkey: w.old.String(), NewHotkey: mine2.String(), OneSubnet: true, Netuid: 2}, types.ErrAlreadyRegistered},
		{"netuid without one_subnet", types.MsgSwapHotkey{Coldkey: cold, Hotkey: w.old.String(), NewHotkey: fresh.String(), Netuid: 2}, types.ErrValueOutOfRange},
		{"no such subnet", types.MsgSwapHotkey{Coldkey: cold, Hotkey: w.old.String(), NewHotkey: fresh.String(), OneSubnet: true, Netuid: 9}, types.ErrSubnetNotFound},
		{"cannot pay", types.MsgSwapHotkey{Coldkey: w.coldkey(3).String(), Hotkey: poor.String(), NewHotkey: fresh.String()}, types.ErrInsufficientBalance},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := w.snapshot()
			_, err := w.swap(tc.msg)
			require.ErrorIs(t, err, tc.want)
			require.Equal(t, before, w.snapshot())
		})
	}

	// TxRateLimit: one swap per 1 000 blocks per coldkey (§8.6); after it, the per-subnet interval
	// (7 200 blocks) still holds subnet 2, where the first swap moved a uid.
	_, err := w.swap(types.MsgSwapHotkey{Coldkey: cold, Hotkey: w.old.String(), NewHotkey: fresh.String()})
	require.NoError(t, err)
	w.next()
	_, err = w.swap(types.MsgSwapHotkey{Coldkey: cold, Hotkey: mine2.String(), NewHotkey: w.freshHotkey().String()})
	require.ErrorIs(t, err, types.ErrHotkeySwapRateLimit)
	for range 1_000 {
		w.c.NextBlock()
	}
	_, err = w.swap(types.MsgSwapHotkey{Coldkey: cold, Hotkey: mine2.String(), NewHotkey: w.freshHotkey().String()})
	require.ErrorIs(t, err, types.ErrHotkeySwapOnSubnetLimit, "1 001 blocks later")
	w.next()
}

// TestSwapHotkeyNextEpochPaysNewHotkey_8_1: a validator's and a miner's hotkeys are swapped in the
// block before an epoch. The epoch of that block, run on two branches of the same state, pays the
// new hotkeys exactly what the old ones earn without the swap: every uid's results are the same,
// and each new hotkey's stake grows by what the old one's would have, for every coldkey.
func TestSwapHotkeyNextEpochPaysNewHotkey_8_1(t *testing.T) {
	f := newNetFixture(t, apptesting.WithAccounts(8, 100_000*oneTAO))
	owner, ownerHot := f.account(0), newKey()
	netuid := f.registerNetwork(owner, ownerHot, "swap-epoch").Netuid
	f.tune(netuid, "tempo", "10", "emission_enabled", "true", "weights_set_rate_limit", "0", "commit_reveal", "false")
	_, err := f.srv.StartCall(f.ctx(), &types.MsgStartCall{Owner: owner.String(), Netuid: netuid})
	require.NoError(t, err)
	var miners, validators []sdk.AccAddress
	for i := range 3 {
		hot := newKey()
		f.burnedRegister(f.account(1+i), hot, netuid)
		miners = append(miners, hot)
	}
	for i, stake := range []uint64{300 * oneTAO, 100 * oneTAO} {
		hot, cold := newKey(), f.account(5+i)
		f.burnedRegister(cold, hot, netuid)
		_, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: cold.String(), Hotkey: hot.String(), Netuid: netuid, Amount: stake})
		require.NoError(t, err)
		// A nominator (coldkey 4) stakes to each validator too, so take and nominator shares both show.
		_, err = f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: f.account(4).String(), Hotkey: hot.String(), Netuid: netuid, Amount: stake / 3})
		require.NoError(t, err)
		validators = append(validators, hot)
	}
	epochIndex := func(ctx sdk.Context) uint64 {
		s, err := f.k.GetSchedule(ctx, netuid)
		require.NoError(t, err)
		return s.EpochIndex
	}
	// epochNext reports whether the next block's start runs the subnet's epoch.
	epochNext := func() bool {
		branch, _ := f.ctx().CacheContext()
		require.NoError(t, f.k.BlockStep(branch))
		return epochIndex(branch) > epochIndex(f.ctx())
	}
	for !epochNext() { // the first epoch hands out validator permits
		f.next()
	}
	f.next()
	uids := make([]uint32, len(miners))
	for i, m := range miners {
		uids[i], err = f.k.UidOf(f.ctx(), netuid, m)
		require.NoError(t, err)
	}
	for i, v := range validators {
		_, err := f.srv.SetWeights(f.ctx(), &types.MsgSetWeights{Hotkey: v.String(), Netuid: netuid, Uids: uids, Values: []uint32{60_000, 30_000 + uint32(i)*1_000, 5_000}})
		require.NoError(t, err)
	}
	f.next()
	for !epochNext() {
		f.next()
	}

	swapped := map[string]sdk.AccAddress{validators[0].String(): newKey(), miners[1].String(): newKey()}
	coldkeys := []sdk.AccAddress{f.account(0), f.account(1), f.account(2), f.account(3), f.account(4), f.account(5), f.account(6)}
	type outcome struct {
		neurons []types.Neuron
		stakes  map[string]uint64 // (role hotkey, coldkey) → alpha
		alpha   map[string]uint64 // role hotkey → pool alpha
	}
	run := func(swap bool) outcome {
		ctx, _ := f.ctx().CacheContext()
		if swap {
			for old, next := range swapped {
				oldAddr := sdk.MustAccAddressFromBech32(old)
				owner, _, err := f.k.HotkeyOwner(ctx, oldAddr)
				require.NoError(t, err)
				_, err = keeper.SwapServer(f.k).SwapHotkey(ctx, &types.MsgSwapHotkey{Coldkey: owner.String(), Hotkey: old, NewHotkey: next.String()})
				require.NoError(t, err)
			}
		}
		require.NoError(t, f.k.BlockStep(ctx))
		require.NoError(t, f.k.BrokenInvariants(ctx))
		out := outcome{stakes: map[string]uint64{}, alpha: map[string]uint64{}}
		out.neurons, err = f.k.SubnetNeurons(ctx, netuid)
		require.NoError(t, err)
		for _, hot := range append(append([]sdk.AccAddress{ownerHot}, miners...), validators...) {
			at := hot
			if swap && swapped[hot.String()] != nil {
				at = swapped[hot.String()]
			}
			a, err := f.k.HotkeyAlpha(ctx, at, netuid)
			require.NoError(t, err)
			out.alpha[hot.String()] = a
			for _, c := range coldkeys {
				v, err := f.k.StakeOf(ctx, at, c, netuid)
				require.NoError(t, err)
				out.stakes[hot.String()+"/"+c.String()] = v
			}
		}
		return out
	}
	plain, withSwap := run(false), run(true)
	for i := range plain.neurons {
		n := withSwap.neurons[i]
		if next, ok := swapped[plain.neurons[i].Hotkey.String()]; ok {
			require.Equal(t, next, n.Hotkey)
			n.Hotkey = plain.neurons[i].Hotkey
		}
		require.Equal(t, plain.neurons[i], n, "uid %d", i)
	}
	require.Greater(t, plain.neurons[f.mustUid(netuid, validators[0])].Emission, uint64(0), "the swapped validator earns in this epoch")
	require.Greater(t, plain.neurons[f.mustUid(netuid, miners[1])].Emission, uint64(0), "the swapped miner earns in this epoch")
	require.Equal(t, plain.alpha, withSwap.alpha, "every hotkey's pool, the swapped ones under their new keys")
	require.Equal(t, plain.stakes, withSwap.stakes, "every coldkey's stake, the swapped ones under their new keys")
}

func (f *netFixture) mustUid(netuid uint32, hotkey sdk.AccAddress) uint32 {
	f.t.Helper()
	uid, err := f.k.UidOf(f.ctx(), netuid, hotkey)
	require.NoError(f.t, err)
	return uid
}

// TestSwapHotkeyMovesChildKeys_8_4: the swapped hotkey's children, its parent, both sides' lists
// and its childkey take follow it to the new hotkey (parent_child_swap_hotkey); a new hotkey that
// already has a place in the graph is refused.
func TestSwapHotkeyMovesChildKeys_8_4(t *testing.T) {
	f := newStakeFixture(t, nil)
	old := f.registerSubnet(1, 1_000*taoUnit, 1_000*taoUnit) // not started: children apply at once
	child, parent := f.registerHotkey(0, 1), f.registerHotkey(1, 1)
	setChildren := func(cold int, hot sdk.AccAddress, kids ...sdk.AccAddress) {
		t.Helper()
		msg := &types.MsgSetChildren{Coldkey: f.coldkey(cold).String(), Hotkey: hot.String(), Netuid: 1}
		for _, c := range kids {
			msg.Children = append(msg.Children, c.String())
			msg.Proportions = append(msg.Proportions, 1<<62)
		}
		_, err := f.srv.SetChildren(f.ctx(), msg)
		require.NoError(t, err)
	}
	setChildren(0, old, child)
	setChildren(1, parent, old)
	_, err := f.srv.SetChildkeyTake(f.ctx(), &types.MsgSetChildkeyTake{Coldkey: f.coldkey(0).String(), Hotkey: old.String(), Netuid: 1, Take: 1_000})
	require.NoError(t, err)
	f.next()

	_, err = keeper.SwapServer(f.k).SwapHotkey(f.ctx(), &types.MsgSwapHotkey{Coldkey: f.coldkey(0).String(), Hotkey: old.String(), NewHotkey: child.String(), OneSubnet: true, Netuid: 1})
	require.ErrorIs(t, err, types.ErrAlreadyRegistered)
	tied := f.freshHotkey()
	_, err = keeper.SwapServer(f.k).AssociateHotkey(f.ctx(), &types.MsgAssociateHotkey{Coldkey: f.coldkey(0).String(), Hotkey: tied.String()})
	require.NoError(t, err)
	_, err = f.srv.SetChildkeyTake(f.ctx(), &types.MsgSetChildkeyTake{Coldkey: f.coldkey(0).String(), Hotkey: tied.String(), Netuid: 1, Take: 500})
	require.NoError(t, err)
	_, err = keeper.SwapServer(f.k).SwapHotkey(f.ctx(), &types.MsgSwapHotkey{Coldkey: f.coldkey(0).String(), Hotkey: old.String(), NewHotkey: tied.String()})
	require.ErrorIs(t, err, types.ErrHotkeyInUse)

	next := f.freshHotkey()
	res, err := keeper.SwapServer(f.k).SwapHotkey(f.ctx(), &types.MsgSwapHotkey{Coldkey: f.coldkey(0).String(), Hotkey: old.String(), NewHotkey: next.String()})
	require.NoError(t, err)
	require.Equal(t, []uint32{1}, res.Netuids)
	ctx := f.ctx()
	links := func(get func(context.Context, uint32, sdk.AccAddress) ([]types.ChildLink, error), hot sdk.AccAddress) []sdk.AccAddress {
		l, err := get(ctx, 1, hot)
		require.NoError(t, err)
		var out []sdk.AccAddress
		for _, c := range l {
			out = append(out, c.Hotkey)
		}
		return out
	}
	require.Equal(t, []sdk.AccAddress{child}, links(f.k.Children, next))
	require.Equal(t, []sdk.AccAddress{next}, links(f.k.Parents, child))
	require.Equal(t, []sdk.AccAddress{parent}, links(f.k.Parents, next))
	require.Equal(t, []sdk.AccAddress{next}, links(f.k.Children, parent))
	require.Empty(t, links(f.k.Children, old))
	require.Empty(t, links(f.k.Parents, old))
	take, err := f.k.ChildkeyTake(ctx, 1, next)
	require.NoError(t, err)
	require.Equal(t, uint32(1_000), take)
	f.next() // the invariants, child-key consistency among them, hold
}
