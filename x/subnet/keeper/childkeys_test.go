package keeper_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/app/apptesting"
	"github.com/gotensor/gotensor/x/subnet/keeper"
	"github.com/gotensor/gotensor/x/subnet/types"
)

const (
	allOfIt = uint64(math.MaxUint64) // a u64 proportion of 1
	halfOf  = allOfIt / 2            // u64::MAX / 2, as subtensor's tests write a half
	thirdOf = allOfIt / 3
)

// childNet is a subnet with hotkeys of two coldkeys, before its start-call, so lists of children
// apply at once (§8.4).
type childNet struct {
	*netFixture
	netuid     uint32
	owner      sdk.AccAddress
	ownerHot   sdk.AccAddress
	coldA      sdk.AccAddress
	coldB      sdk.AccAddress
	registered []sdk.AccAddress
}

func newChildNet(t *testing.T, opts ...apptesting.Option) *childNet {
	f := newNetFixture(t, append([]apptesting.Option{apptesting.WithAccounts(4, 100_000*oneTAO)}, opts...)...)
	n := &childNet{netFixture: f, owner: f.account(0), ownerHot: newKey(), coldA: f.account(1), coldB: f.account(2)}
	n.netuid = f.registerNetwork(n.owner, n.ownerHot, "children").Netuid
	return n
}

// hotkey registers a new hotkey of coldkey on the subnet.
func (n *childNet) hotkey(coldkey sdk.AccAddress) sdk.AccAddress {
	h := newKey()
	n.burnedRegister(coldkey, h, n.netuid)
	n.registered = append(n.registered, h)
	return h
}

func (n *childNet) setChildren(coldkey, hotkey sdk.AccAddress, netuid uint32, children []sdk.AccAddress, props []uint64) (*types.MsgSetChildrenResponse, error) {
	msg := &types.MsgSetChildren{Coldkey: coldkey.String(), Hotkey: hotkey.String(), Netuid: netuid, Proportions: props}
	for _, c := range children {
		msg.Children = append(msg.Children, c.String())
	}
	return n.srv.SetChildren(n.ctx(), msg)
}

func (n *childNet) children(hotkey sdk.AccAddress) *types.QueryChildrenResponse {
	res, err := n.qry.Children(n.ctx(), &types.QueryChildrenRequest{Hotkey: hotkey.String(), Netuid: n.netuid})
	require.NoError(n.t, err)
	return res
}

func (n *childNet) parents(hotkey sdk.AccAddress) []types.Child {
	res, err := n.qry.Parents(n.ctx(), &types.QueryParentsRequest{Hotkey: hotkey.String(), Netuid: n.netuid})
	require.NoError(n.t, err)
	return res.Parents
}

// stakeExactly credits alpha straight to a stake (and alpha_out), for the arithmetic tests.
func (n *childNet) stakeExactly(hotkey, coldkey sdk.AccAddress, alpha uint64) {
	require.NoError(n.t, n.k.StakeAlpha(n.ctx(), hotkey, coldkey, n.netuid, alpha))
	pool := n.pool(n.netuid)
	pool.AlphaOut += alpha
	pool.AlphaIssued += alpha
	require.NoError(n.t, n.k.Pools.Set(n.ctx(), n.netuid, pool))
}

// set_children's refusals (§8.4), in subtensor's order, each leaving no state behind.
func TestSetChildrenRefusals_8_4(t *testing.T) {
	n := newChildNet(t)
	parent := n.hotkey(n.coldA)
	kids := make([]sdk.AccAddress, 6)
	for i := range kids {
		kids[i] = newKey()
	}
	grand := n.hotkey(n.coldB)
	_, err := n.setChildren(n.coldB, grand, n.netuid, []sdk.AccAddress{parent}, []uint64{halfOf})
	require.NoError(t, err, "grand is now a parent of parent")

	cases := []struct {
		name     string
		coldkey  sdk.AccAddress
		hotkey   sdk.AccAddress
		netuid   uint32
		children []sdk.AccAddress
		props    []uint64
		want     error
	}{
		{"lengths differ", n.coldA, parent, n.netuid, kids[:2], []uint64{1}, types.ErrChildrenMismatch},
		{"root network", n.coldA, parent, 0, kids[:1], []uint64{1}, types.ErrChildkeysOnRoot},
		{"no such subnet", n.coldA, parent, 77, kids[:1], []uint64{1}, types.ErrSubnetNotFound},
		{"unknown hotkey", n.coldA, newKey(), n.netuid, kids[:1], []uint64{1}, types.ErrHotkeyNotFound},
		{"another coldkey's hotkey", n.coldB, parent, n.netuid, kids[:1], []uint64{1}, types.ErrHotkeyNotOwned},
		{"a child twice", n.coldA, parent, n.netuid, []sdk.AccAddress{kids[0], kids[0]}, []uint64{1, 1}, types.ErrDuplicateChild},
		{"itself", n.coldA, parent, n.netuid, []sdk.AccAddress{kids[0], parent}, []uint64{1, 1}, types.ErrChildIsSelf},
		{"six children", n.coldA, parent, n.netuid, kids, []uint64{1, 1, 1, 1, 1, 1}, types.ErrTooManyChildren},
		{"more than all", n.coldA, parent, n.netuid, kids[:2], []uint64{allOfIt, 1}, types.ErrProportionOverflow},
		{"its own parent", n.coldA, parent, n.netuid, []sdk.AccAddress{grand}, []uint64{1}, types.ErrChildIsParent},
	}
	for _, c := range cases {
		before := n.stateHash()
		_, err := n.setChildren(c.coldkey, c.hotkey, c.netuid, c.children, c.props)
		require.ErrorIs(t, err, c.want, c.name)
		require.Equal(t, before, n.stateHash(), "%s: nothing changed", c.name)
	}

	// Five children summing to exactly all of the stake are allowed.
	_, err = n.setChildren(n.coldA, parent, n.netuid, kids[:5], []uint64{allOfIt - 4, 1, 1, 1, 1})
	require.NoError(t, err)
	require.Len(t, n.children(parent).Children, 5)

	// The rate limit: 150 blocks per (hotkey, subnet), counted from the last set.
	_, err = n.setChildren(n.coldA, parent, n.netuid, nil, nil)
	require.ErrorIs(t, err, types.ErrSetChildrenRateLimit)
	require.NoError(t, n.k.ChildrenSetAt.Set(n.ctx(), collections.Join(n.netuid, parent), 1))
	for n.block() < 1+keeper.SetChildrenRateLimit-1 {
		n.next()
	}
	_, err = n.setChildren(n.coldA, parent, n.netuid, nil, nil)
	require.ErrorIs(t, err, types.ErrSetChildrenRateLimit, "149 blocks later")
	n.next()
	_, err = n.setChildren(n.coldA, parent, n.netuid, nil, nil)
	require.NoError(t, err, "150 blocks later; the empty list revokes")
	require.Empty(t, n.children(parent).Children)
	for _, k := range kids[:5] {
		require.Empty(t, n.parents(k), "revoked children lose their parent")
	}
	require.NoError(t, n.k.BrokenInvariants(n.ctx()))
}

// Children need StakeThreshold of stake in TAO (§8.4), except for the subnet owner's hotkey and
// for a revocation.
func TestSetChildrenStakeThreshold_8_4(t *testing.T) {
	n := newChildNet(t, withNetParams(func(p *types.Params) { p.StakeThreshold = 1_000 }))
	parent := n.hotkey(n.coldA)
	child := newKey()
	_, err := n.setChildren(n.coldA, parent, n.netuid, []sdk.AccAddress{child}, []uint64{halfOf})
	require.ErrorIs(t, err, types.ErrNotEnoughStakeForChildren)
	_, err = n.setChildren(n.coldA, parent, n.netuid, nil, nil)
	require.NoError(t, err, "revoking needs no stake")
	_, err = n.setChildren(n.owner, n.ownerHot, n.netuid, []sdk.AccAddress{child}, []uint64{halfOf})
	require.NoError(t, err, "the owner hotkey needs no stake")

	other := n.hotkey(n.coldA)
	n.stakeExactly(other, n.coldA, 2_000) // alpha at the pool's price of 1 TAO
	_, err = n.setChildren(n.coldA, other, n.netuid, []sdk.AccAddress{child}, []uint64{halfOf})
	require.NoError(t, err)
}

// Inherited stake (§8.3), the vectors of subtensor's tests/children.rs, bit for bit: a half is
// u64::MAX/2, which U96F32 reads as 0.49999999976716936, so what a parent lends is a fraction of a
// rao short of half and every result is floored.
func TestInheritedStake_8_3(t *testing.T) {
	link := func(p uint64) types.ChildLink { return types.ChildLink{Proportion: p} }
	half := []types.ChildLink{link(halfOf)}

	// test_get_stake_for_hotkey_on_subnet_multiple_parents_single_child: parents of 1000 and 2000
	// alpha each lend half to one child.
	require.Equal(t, uint64(500), keeper.Inherit(1000, half, nil, nil))
	require.Equal(t, uint64(1000), keeper.Inherit(2000, half, nil, nil))
	require.Equal(t, uint64(1499), keeper.Inherit(0, nil, []uint64{1000, 2000}, []types.ChildLink{link(halfOf), link(halfOf)}))

	// ..._single_parent_multiple_children: 3000 alpha, a third to each of two children.
	thirds := []types.ChildLink{link(thirdOf), link(thirdOf)}
	require.Equal(t, uint64(1000), keeper.Inherit(3000, thirds, nil, nil))
	require.Equal(t, uint64(999), keeper.Inherit(0, nil, []uint64{3000}, thirds[:1]))

	// ..._edge_cases: 0 % and 100 % of 600 000 TAO.
	const big = 600_000_000_000_000
	require.Equal(t, uint64(0), keeper.Inherit(big, []types.ChildLink{link(0), link(allOfIt)}, nil, nil))
	require.Equal(t, uint64(0), keeper.Inherit(0, nil, []uint64{big}, []types.ChildLink{link(0)}))
	require.Equal(t, uint64(big), keeper.Inherit(0, nil, []uint64{big}, []types.ChildLink{link(allOfIt)}))

	// A hotkey that is both keeps 1000 less its loan and receives a loan from its parent of 2000:
	// 1000 + 1000·0.49999999976716936 = 1499.9999997, floored.
	require.Equal(t, uint64(1499), keeper.Inherit(1000, half, []uint64{2000}, half))
}

// The same rules read from state: the epoch's alpha and root stake both move (§8.3), and the
// engine is fed the inherited figures.
func TestInheritedStakeFromState_8_3(t *testing.T) {
	n := newChildNet(t)
	p1, p2, child := n.hotkey(n.coldA), n.hotkey(n.coldA), n.hotkey(n.coldB)
	n.stakeExactly(p1, n.coldA, 1000)
	n.stakeExactly(p2, n.coldA, 2000)
	// Root stake lives in the hotkey pools of netuid 0.
	require.NoError(t, n.k.StakeAlpha(n.ctx(), p1, n.coldA, 0, 4000))
	for _, p := range []sdk.AccAddress{p1, p2} {
		_, err := n.setChildren(n.coldA, p, n.netuid, []sdk.AccAddress{child}, []uint64{halfOf})
		require.NoError(t, err)
	}
	stake := func(h sdk.AccAddress) [2]uint64 {
		a, r, err := n.k.InheritedStake(n.ctx(), n.netuid, h)
		require.NoError(t, err)
		return [2]uint64{a, r}
	}
	require.Equal(t, [2]uint64{500, 2000}, stake(p1))
	require.Equal(t, [2]uint64{1000, 0}, stake(p2))
	require.Equal(t, [2]uint64{1499, 1999}, stake(child))
	ps := n.parents(child)
	require.Len(t, ps, 2)
	require.ElementsMatch(t, []string{p1.String(), p2.String()}, []string{ps[0].Hotkey, ps[1].Hotkey})
	require.Equal(t, halfOf, ps[0].Proportion)
}

// The dividend split of §8.4 (get_parent_child_dividends_distribution), with exact proportions so
// the arithmetic is readable: a parent of 3000 alpha lends all of it to a child of 1000, so the
// parent contributes 3/4 of the child's stake and is owed 750 000 of a 1 000 000 dividend. From a
// parent of another coldkey the child keeps its take, 11796/65535 read as U96F32
// (773074452/2^32), of that: 134 996.57 rao; the parent gets floor(750 000 − take) = 615 003 and
// the child floor(250 000 + take) = 384 996. One rao is lost to the two floors, as on subtensor.
func TestParentChildDividends_8_4(t *testing.T) {
	n := newChildNet(t)
	parent, child := n.hotkey(n.coldA), n.hotkey(n.coldB)
	sameOwner := n.hotkey(n.coldB)
	n.stakeExactly(parent, n.coldA, 3000)
	n.stakeExactly(child, n.coldB, 1000)
	_, err := n.setChildren(n.coldA, parent, n.netuid, []sdk.AccAddress{child}, []uint64{allOfIt})
	require.NoError(t, err)
	_, err = n.srv.SetChildkeyTake(n.ctx(), &types.MsgSetChildkeyTake{Coldkey: n.coldB.String(), Hotkey: child.String(), Netuid: n.netuid, Take: 11_796})
	require.NoError(t, err)

	split, err := n.k.ParentChildDividends(n.ctx(), n.netuid, child, 1_000_000)
	require.NoError(t, err)
	require.Equal(t, map[string]uint64{parent.String(): 615_003, child.String(): 384_996}, split)

	// A parent of the child's own coldkey pays no take.
	n.stakeExactly(sameOwner, n.coldB, 3000)
	n.advance(keeper.SetChildrenRateLimit)
	_, err = n.setChildren(n.coldA, parent, n.netuid, nil, nil)
	require.NoError(t, err)
	_, err = n.setChildren(n.coldB, sameOwner, n.netuid, []sdk.AccAddress{child}, []uint64{allOfIt})
	require.NoError(t, err)
	split, err = n.k.ParentChildDividends(n.ctx(), n.netuid, child, 1_000_000)
	require.NoError(t, err)
	require.Equal(t, map[string]uint64{sameOwner.String(): 750_000, child.String(): 250_000}, split)

	// A hotkey without parents keeps all of it.
	split, err = n.k.ParentChildDividends(n.ctx(), n.netuid, sameOwner, 1_000_000)
	require.NoError(t, err)
	require.Equal(t, map[string]uint64{sameOwner.String(): 1_000_000}, split)
}

// set_childkey_take (§8.4): within [min, max], a rise waits ChildkeyTakeRateLimit blocks after the
// last change, a fall does not.
func TestSetChildkeyTake_8_4(t *testing.T) {
	n := newChildNet(t, withNetParams(func(p *types.Params) { p.ChildkeyTakeRateLimit = 10 }))
	hot := n.hotkey(n.coldA)
	set := func(coldkey sdk.AccAddress, netuid, take uint32) error {
		_, err := n.srv.SetChildkeyTake(n.ctx(), &types.MsgSetChildkeyTake{Coldkey: coldkey.String(), Hotkey: hot.String(), Netuid: netuid, Take: take})
		return err
	}
	require.Equal(t, uint32(0), n.children(hot).ChildkeyTake, "default 0")
	require.ErrorIs(t, set(n.coldA, n.netuid, 11_797), types.ErrChildkeyTakeOutOfRange)
	require.ErrorIs(t, set(n.coldB, n.netuid, 100), types.ErrHotkeyNotOwned)
	require.ErrorIs(t, set(n.coldA, 0, 100), types.ErrChildkeysOnRoot)
	require.NoError(t, set(n.coldA, n.netuid, 5_000), "the first rise is free")
	require.Equal(t, uint32(5_000), n.children(hot).ChildkeyTake)
	require.ErrorIs(t, set(n.coldA, n.netuid, 6_000), types.ErrChildkeyTakeRateLimit)
	require.NoError(t, set(n.coldA, n.netuid, 4_000), "a fall is always allowed")
	n.advance(9)
	require.ErrorIs(t, set(n.coldA, n.netuid, 6_000), types.ErrChildkeyTakeRateLimit, "9 blocks after the fall")
	n.next()
	require.NoError(t, set(n.coldA, n.netuid, 11_796), "10 blocks after")
	require.Len(t, n.events("gotensor.subnet.v1.EventChildkeyTakeSet"), 1)

	// A raised minimum raises every take below it.
	params, err := n.k.Params.Get(n.ctx())
	require.NoError(t, err)
	params.MinChildkeyTake = 2_000
	require.NoError(t, n.k.Params.Set(n.ctx(), params))
	other := n.hotkey(n.coldA)
	take, err := n.k.ChildkeyTake(n.ctx(), n.netuid, other)
	require.NoError(t, err)
	require.Equal(t, uint32(2_000), take)
}

// hotkeyAlpha is every hotkey's alpha on a subnet.
func hotkeyAlpha(t *testing.T, k keeper.Keeper, ctx sdk.Context, netuid uint32) map[string]uint64 {
	out := map[string]uint64{}
	require.NoError(t, k.HotkeyPools.Walk(ctx, nil, func(key collections.Pair[sdk.AccAddress, uint32], p types.HotkeyPool) (bool, error) {
		if key.K2() == netuid {
			out[key.K1().String()] = p.Alpha
		}
		return false, nil
	}))
	return out
}

// A parent with a large stake and no weights of its own lends all of it to a small validator
// (§8.3, §8.4) on a running subnet. The list waits for its cooldown and the epoch after it; from
// then on the child validates with the parent's stake, and every epoch the parent is paid its part
// of the child's dividends less the child's take, while it earns none as a uid of its own. Every
// epoch's payouts add up to the rao (owner cut + miners + validators = what the hotkeys' stakes
// grew by), the invariants hold after every block, and the graph survives a genesis export.
func TestParentPaidThroughChildOverEpochs_8_4(t *testing.T) {
	e := newEconomy(t, 3, []uint64{300 * oneTAO, 10 * oneTAO})
	params, err := e.k.Params.Get(e.ctx())
	require.NoError(t, err)
	params.PendingChildkeyCooldown = 15
	require.NoError(t, e.k.Params.Set(e.ctx(), params))

	validator, child := e.validators[0], e.validators[1]
	childCold, parentCold := e.account(6), e.account(7)
	parent := newKey()
	e.burnedRegister(parentCold, parent, e.netuid)
	_, err = e.srv.AddStake(e.ctx(), &types.MsgAddStake{Coldkey: parentCold.String(), Hotkey: parent.String(), Netuid: e.netuid, Amount: 1_000 * oneTAO})
	require.NoError(t, err)
	_, err = e.srv.SetChildkeyTake(e.ctx(), &types.MsgSetChildkeyTake{Coldkey: childCold.String(), Hotkey: child.String(), Netuid: e.netuid, Take: 11_796})
	require.NoError(t, err)
	res, err := e.srv.SetChildren(e.ctx(), &types.MsgSetChildren{
		Coldkey: parentCold.String(), Hotkey: parent.String(), Netuid: e.netuid, Children: []string{child.String()}, Proportions: []uint64{allOfIt},
	})
	require.NoError(t, err)
	require.Equal(t, e.block()+15, res.CooldownBlock)
	q, err := e.qry.Children(e.ctx(), &types.QueryChildrenRequest{Hotkey: parent.String(), Netuid: e.netuid})
	require.NoError(t, err)
	require.Empty(t, q.Children, "scheduled, not yet in force")
	require.True(t, q.HasPending)

	// Epochs before the cooldown leave the list pending; the first after it applies it.
	for {
		e.untilEpoch()
		s, err := e.k.GetSchedule(e.ctx(), e.netuid)
		require.NoError(t, err)
		children, err := e.k.Children(e.ctx(), e.netuid, parent)
		require.NoError(t, err)
		if s.LastEpochBlock <= res.CooldownBlock {
			require.Empty(t, children, "epoch at %d, cooldown %d", s.LastEpochBlock, res.CooldownBlock)
			continue
		}
		require.Len(t, children, 1, "epoch at %d, cooldown %d", s.LastEpochBlock, res.CooldownBlock)
		break
	}
	e.commitThenReveal(map[string][]uint32{validator.String(): {65_535, 30_000, 1_000}, child.String(): {65_535, 30_000, 1_000}})

	parentEarned := uint64(0)
	for range 4 {
		before := hotkeyAlpha(t, e.k, e.ctx(), e.netuid)
		parentAlpha, childAlpha := before[parent.String()], before[child.String()]
		seen := len(e.epochs)
		e.untilEpoch()
		require.Len(t, e.epochs, seen+1)
		ev := e.epochs[seen]
		after := hotkeyAlpha(t, e.k, e.ctx(), e.netuid)
		var grew uint64
		for h, a := range after {
			grew += a - before[h]
		}
		require.Equal(t, ev.OwnerCut+ev.Miners+ev.Validators, grew, "the epoch's payouts are what the stakes grew by, to the rao")

		ns := e.neurons()
		require.Zero(t, ns[parent.String()].Dividends, "the parent lent all its stake: no dividends as a uid")
		require.False(t, ns[parent.String()].ValidatorPermit)
		require.Greater(t, ns[child.String()].StakeWeight, ns[validator.String()].StakeWeight, "the child validates with the parent's stake")

		// The child's dividend is shared by stake contribution, the parent's part less the take.
		toParent, toChild := after[parent.String()]-parentAlpha, after[child.String()]-childAlpha
		require.NotZero(t, toParent)
		take := 11_796.0 / 65_535.0
		want := float64(parentAlpha) * (1 - take) / float64(parentAlpha+childAlpha)
		require.InDelta(t, want, float64(toParent)/float64(toParent+toChild), 1e-6)
		parentEarned += toParent
	}
	require.NotZero(t, parentEarned)

	// The graph, schedules and takes survive an export and a restart.
	exported, err := e.k.ExportGenesis(e.ctx())
	require.NoError(t, err)
	require.Len(t, exported.ChildKeys.Children, 1)
	require.Equal(t, []types.Child{{Proportion: allOfIt, Hotkey: child.String()}}, exported.ChildKeys.Children[0].Children)
	require.Len(t, exported.ChildKeys.Takes, 1)
	require.Len(t, exported.ChildKeys.SetAt, 1)
	restarted := apptesting.NewFromState(t, e.c.Export())
	again, err := restarted.App.SubnetKeeper.ExportGenesis(restarted.Ctx())
	require.NoError(t, err)
	require.Equal(t, exported.ChildKeys, again.ChildKeys)
	ps, err := restarted.App.SubnetKeeper.Parents(restarted.Ctx(), e.netuid, child)
	require.NoError(t, err)
	require.Len(t, ps, 1, "the parents' index is rebuilt")
	require.NoError(t, restarted.App.SubnetKeeper.BrokenInvariants(restarted.Ctx()))
}

// A pruned subnet's child keys go with it (§6.4), so a subnet reusing the netuid starts without
// them; another subnet's stay.
func TestChildKeysClearedWithTheSubnet_8_4(t *testing.T) {
	f := newDissolving(t, 5, 1_024)
	cold := f.account(2)
	keep, gone := newKey(), newKey()
	f.burnedRegister(cold, keep, 1)
	f.burnedRegister(cold, gone, 2)
	for netuid, hot := range map[uint32]sdk.AccAddress{1: keep, 2: gone} {
		_, err := f.srv.SetChildren(f.ctx(), &types.MsgSetChildren{
			Coldkey: cold.String(), Hotkey: hot.String(), Netuid: netuid, Children: []string{newKey().String()}, Proportions: []uint64{halfOf},
		})
		require.NoError(t, err)
		_, err = f.srv.SetChildkeyTake(f.ctx(), &types.MsgSetChildkeyTake{Coldkey: cold.String(), Hotkey: hot.String(), Netuid: netuid, Take: 100})
		require.NoError(t, err)
	}
	f.next()
	g, err := f.k.ExportGenesis(f.ctx())
	require.NoError(t, err)
	require.Len(t, g.ChildKeys.Children, 1, "subnet 1 has not started: its list is in force")
	require.Len(t, g.ChildKeys.Pending, 1, "subnet 2 has: its list is scheduled")

	f.prune()
	g, err = f.k.ExportGenesis(f.ctx())
	require.NoError(t, err)
	for _, c := range g.ChildKeys.Children {
		require.Equal(t, uint32(1), c.Netuid)
	}
	require.Empty(t, g.ChildKeys.Pending)
	require.Len(t, g.ChildKeys.Takes, 1)
	require.Equal(t, uint32(1), g.ChildKeys.Takes[0].Netuid)
	require.Len(t, g.ChildKeys.SetAt, 1)
	require.NoError(t, f.k.BrokenInvariants(f.ctx()))
}

// The invariant names a graph the rules could not have made: a parent index out of step with
// the children, and two hotkeys each other's parent.
func TestChildKeysInvariantCatchesBrokenGraphs_8_4(t *testing.T) {
	n := newChildNet(t)
	a, b := n.hotkey(n.coldA), n.hotkey(n.coldA)
	_, err := n.setChildren(n.coldA, a, n.netuid, []sdk.AccAddress{b}, []uint64{halfOf})
	require.NoError(t, err)
	require.NoError(t, n.k.BrokenInvariants(n.ctx()))

	require.NoError(t, n.k.ParentKeys.Set(n.ctx(), collections.Join(n.netuid, b),
		types.ChildLinks{Links: []types.ChildLink{{Proportion: thirdOf, Hotkey: a}}}))
	require.ErrorContains(t, n.k.BrokenInvariants(n.ctx()), "child-keys-consistent")

	require.NoError(t, n.k.ParentKeys.Set(n.ctx(), collections.Join(n.netuid, b),
		types.ChildLinks{Links: []types.ChildLink{{Proportion: halfOf, Hotkey: a}}}))
	require.NoError(t, n.k.BrokenInvariants(n.ctx()))
	require.NoError(t, n.k.ChildKeys.Set(n.ctx(), collections.Join(n.netuid, b),
		types.ChildLinks{Links: []types.ChildLink{{Proportion: 1, Hotkey: a}}}))
	require.NoError(t, n.k.ParentKeys.Set(n.ctx(), collections.Join(n.netuid, a),
		types.ChildLinks{Links: []types.ChildLink{{Proportion: 1, Hotkey: b}}}))
	require.ErrorContains(t, n.k.BrokenInvariants(n.ctx()), "each other's parent")
}

// A hotkey whose stake falls below StakeThreshold by remove-stake loses the children it scheduled
// (§8.4, remove_stake's last step); above it they stay scheduled.
func TestRemoveStakeDropsPendingChildren_8_4(t *testing.T) {
	e := newEconomy(t, 1, []uint64{300 * oneTAO})
	params, err := e.k.Params.Get(e.ctx())
	require.NoError(t, err)
	params.StakeThreshold = 100 * oneTAO
	require.NoError(t, e.k.Params.Set(e.ctx(), params))
	parent, cold := e.validators[0], e.account(5)
	_, err = e.srv.SetChildren(e.ctx(), &types.MsgSetChildren{
		Coldkey: cold.String(), Hotkey: parent.String(), Netuid: e.netuid, Children: []string{newKey().String()}, Proportions: []uint64{halfOf},
	})
	require.NoError(t, err)
	pending := func() bool {
		has, err := e.k.PendingChildKeys.Has(e.ctx(), collections.Join(e.netuid, parent))
		require.NoError(t, err)
		return has
	}
	require.True(t, pending())
	staked, err := e.k.StakeOf(e.ctx(), parent, cold, e.netuid)
	require.NoError(t, err)
	_, err = e.srv.RemoveStake(e.ctx(), &types.MsgRemoveStake{Coldkey: cold.String(), Hotkey: parent.String(), Netuid: e.netuid, Alpha: staked / 10})
	require.NoError(t, err)
	require.True(t, pending(), "still above the threshold")
	staked, err = e.k.StakeOf(e.ctx(), parent, cold, e.netuid)
	require.NoError(t, err)
	_, err = e.srv.RemoveStake(e.ctx(), &types.MsgRemoveStake{Coldkey: cold.String(), Hotkey: parent.String(), Netuid: e.netuid, Alpha: staked * 9 / 10})
	require.NoError(t, err)
	require.False(t, pending(), "below the threshold")
	require.Len(t, e.events("gotensor.subnet.v1.EventChildrenDropped"), 1, "the drop is an event")
}
