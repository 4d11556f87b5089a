package keeper

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Child keys (§8.3, §8.4). A parent hotkey's coldkey lends shares of the parent's stake weight on
// one subnet to at most five child hotkeys: the children validate with it (their epoch stake
// inherits it) and pass the parent its part of their dividends, less the child's take. Lists are
// scheduled and take effect at the subnet's first epoch after a cooldown, so a parent cannot move
// its weight to whichever child is about to be paid. A hotkey is never both a parent and a child
// of the same hotkey, and never its own child.
//
// Subtensor's CKBurn (a share of a parent's dividend recycled when parent and child belong to
// different coldkeys) is not a parameter here: at its default, 0, it changes nothing, and at any
// other value subtensor recycles alpha that the validators' share is then paid from anyway, which
// would leave alpha_out short of the stakes.

// MaxChildren is the most children one hotkey may have on a subnet (§8.4).
const MaxChildren = 5

// SetChildrenRateLimit is the number of blocks between two set-children of one (hotkey, subnet)
// (subtensor's TransactionType::SetChildren, 150 blocks, not a parameter there either).
const SetChildrenRateLimit = 150

// childLinkKey keys the child-key maps by (netuid, hotkey), so a subnet's graph is one prefix.
type childLinkKey = collections.Pair[uint32, sdk.AccAddress]

func childPrefix(netuid uint32) *collections.PairRange[uint32, sdk.AccAddress] {
	return collections.NewPrefixedPairRange[uint32, sdk.AccAddress](netuid)
}

// Children are the children of a hotkey on a subnet in force now, ordered by address.
func (k Keeper) Children(ctx context.Context, netuid uint32, hotkey sdk.AccAddress) ([]types.ChildLink, error) {
	return k.links(ctx, k.ChildKeys, netuid, hotkey)
}

// Parents are the parents of a hotkey on a subnet in force now, ordered by address.
func (k Keeper) Parents(ctx context.Context, netuid uint32, hotkey sdk.AccAddress) ([]types.ChildLink, error) {
	return k.links(ctx, k.ParentKeys, netuid, hotkey)
}

func (k Keeper) links(ctx context.Context, m collections.Map[childLinkKey, types.ChildLinks], netuid uint32,
	hotkey sdk.AccAddress,
) ([]types.ChildLink, error) {
	l, err := m.Get(ctx, pairKey(netuid, hotkey))
	if isNotFound(err) {
		return nil, nil
	}
	return l.Links, err
}

// setLinks stores a list, sorted by address; an empty list is no entry.
func setLinks(ctx context.Context, m collections.Map[childLinkKey, types.ChildLinks], netuid uint32,
	hotkey sdk.AccAddress, links []types.ChildLink,
) error {
	if len(links) == 0 {
		return m.Remove(ctx, pairKey(netuid, hotkey))
	}
	slices.SortFunc(links, func(a, b types.ChildLink) int { return bytes.Compare(a.Hotkey, b.Hotkey) })
	return m.Set(ctx, pairKey(netuid, hotkey), types.ChildLinks{Links: links})
}

// proportion is a u64 proportion as subtensor reads it: p / (2^64−1) in U96F32 (truncated).
func proportion(p uint64) fixed.U96F32 {
	return fixed.U96F32FromUint(p).SafeDiv(fixed.U96F32FromUint(math.MaxUint64))
}

// taoWeightU96 is TaoWeight / (2^64−1), as get_tao_weight reads it.
func taoWeightU96(params types.Params) fixed.U96F32 { return proportion(params.TaoWeight) }

// rootStakeOf is a hotkey's TAO stake on the root network (netuid 0), the τ of §8.3. It is 0 until
// the root network holds stake.
func (k Keeper) rootStakeOf(ctx context.Context, hotkey sdk.AccAddress) (uint64, error) {
	return k.HotkeyAlpha(ctx, hotkey, 0)
}

// inherit is §8.3 for one stake kind: own − Σ own·p_child + Σ parent·p_parent, each product
// truncated in U96F32, the result floored (saturating at both ends, as subtensor saturates).
func inherit(own uint64, children []types.ChildLink, parentStakes []uint64, parents []types.ChildLink) uint64 {
	o := fixed.U96F32FromUint(own)
	var toChildren, fromParents fixed.U96F32
	for _, c := range children {
		toChildren = toChildren.SatAdd(o.SatMul(proportion(c.Proportion)))
	}
	for i, p := range parents {
		fromParents = fromParents.SatAdd(fixed.U96F32FromUint(parentStakes[i]).SatMul(proportion(p.Proportion)))
	}
	return o.SatSub(toChildren).SatAdd(fromParents).ToUint64()
}

// InheritedStake is a hotkey's epoch stake on a subnet (§8.3): its alpha and its root TAO, each
// less what it lends its children plus what its parents lend it. The engine weighs the TAO by
// TaoWeight (§4.3).
func (k Keeper) InheritedStake(ctx context.Context, netuid uint32, hotkey sdk.AccAddress) (alpha, tao uint64, err error) {
	children, err := k.Children(ctx, netuid, hotkey)
	if err != nil {
		return 0, 0, err
	}
	parents, err := k.Parents(ctx, netuid, hotkey)
	if err != nil {
		return 0, 0, err
	}
	ownAlpha, err := k.HotkeyAlpha(ctx, hotkey, netuid)
	if err != nil {
		return 0, 0, err
	}
	ownTao, err := k.rootStakeOf(ctx, hotkey)
	if err != nil {
		return 0, 0, err
	}
	if len(children) == 0 && len(parents) == 0 {
		return ownAlpha, ownTao, nil
	}
	parentAlpha := make([]uint64, len(parents))
	parentTao := make([]uint64, len(parents))
	for i, p := range parents {
		if parentAlpha[i], err = k.HotkeyAlpha(ctx, p.Hotkey, netuid); err != nil {
			return 0, 0, err
		}
		if parentTao[i], err = k.rootStakeOf(ctx, p.Hotkey); err != nil {
			return 0, 0, err
		}
	}
	return inherit(ownAlpha, children, parentAlpha, parents), inherit(ownTao, children, parentTao, parents), nil
}

// ChildkeyTake is the share of its parents' dividends a hotkey keeps on a subnet: what it set,
// raised to the minimum (get_childkey_take).
func (k Keeper) ChildkeyTake(ctx context.Context, netuid uint32, hotkey sdk.AccAddress) (uint32, error) {
	params, err := k.mustParams(ctx)
	if err != nil {
		return 0, err
	}
	t, err := k.ChildkeyTakes.Get(ctx, pairKey(netuid, hotkey))
	if err != nil && !isNotFound(err) {
		return 0, err
	}
	return max(t.Take, params.MinChildkeyTake), nil
}

// hotkeyDividend is one hotkey's part of the validators' dividends, in U96F32 as subtensor sums
// them (each part floored to whole rao first).
type hotkeyDividend struct {
	hotkey sdk.AccAddress
	amount fixed.U96F32
}

// dividendsThroughParents is §5.8 step 3: every uid's validator emission is split between the
// hotkey and its parents (§8.4), and the parts are summed per hotkey, in the order each hotkey is
// first met (uids in order, a uid's parents before the uid).
func (k Keeper) dividendsThroughParents(ctx context.Context, netuid uint32, hotkeys []sdk.AccAddress,
	emission []uint64,
) ([]hotkeyDividend, error) {
	params, err := k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	var out []hotkeyDividend
	index := map[string]int{}
	add := func(hotkey sdk.AccAddress, amount uint64) {
		i, ok := index[string(hotkey)]
		if !ok {
			i = len(out)
			index[string(hotkey)] = i
			out = append(out, hotkeyDividend{hotkey: hotkey})
		}
		out[i].amount = out[i].amount.SatAdd(fixed.U96F32FromUint(amount))
	}
	for i, hotkey := range hotkeys {
		if emission[i] == 0 {
			continue
		}
		parts, err := k.parentChildDividends(ctx, netuid, hotkey, emission[i], params)
		if err != nil {
			return nil, err
		}
		for _, p := range parts {
			add(p.hotkey, p.amount)
		}
	}
	return out, nil
}

// dividendPart is a whole number of rao of one hotkey's dividend going to a hotkey.
type dividendPart struct {
	hotkey sdk.AccAddress
	amount uint64
}

// parentChildDividends is get_parent_child_dividends_distribution (§8.4): a hotkey's dividend d is
// shared by stake contribution between the hotkey (what it did not lend its children) and each
// parent (what it lent this hotkey); from a parent of another coldkey the hotkey keeps its
// childkey take. Parents come first, the hotkey last with the remainder and the takes.
func (k Keeper) parentChildDividends(ctx context.Context, netuid uint32, hotkey sdk.AccAddress, d uint64,
	params types.Params,
) ([]dividendPart, error) {
	parents, err := k.Parents(ctx, netuid, hotkey)
	if err != nil {
		return nil, err
	}
	if len(parents) == 0 {
		return []dividendPart{{hotkey, d}}, nil
	}
	tw := taoWeightU96(params)
	children, err := k.Children(ctx, netuid, hotkey)
	if err != nil {
		return nil, err
	}
	selfContribution, err := k.selfContribution(ctx, netuid, hotkey, children, tw)
	if err != nil {
		return nil, err
	}
	take, err := k.ChildkeyTake(ctx, netuid, hotkey)
	if err != nil {
		return nil, err
	}
	takeProportion := fixed.U96F32FromUint(uint64(take)).SafeDiv(fixed.U96F32FromUint(types.MaxU16))
	childOwner, err := k.ownerOf(ctx, hotkey)
	if err != nil {
		return nil, err
	}

	total := fixed.U96F32FromUint(selfContribution)
	contributions := make([]fixed.U96F32, len(parents))
	for i, p := range parents {
		alpha, err := k.HotkeyAlpha(ctx, p.Hotkey, netuid)
		if err != nil {
			return nil, err
		}
		root, err := k.rootStakeOf(ctx, p.Hotkey)
		if err != nil {
			return nil, err
		}
		prop := proportion(p.Proportion)
		c := fixed.U96F32FromUint(alpha).SatMul(prop).SatAdd(fixed.U96F32FromUint(root).SatMul(prop).SatMul(tw))
		contributions[i] = c
		total = total.SatAdd(c)
	}

	validating := fixed.U96F32FromUint(d)
	remaining := validating
	var totalTake fixed.U96F32
	parts := make([]dividendPart, 0, len(parents)+1)
	for i, p := range parents {
		factor, ok := contributions[i].CheckedDiv(total)
		if !ok {
			factor = fixed.U96F32{}
		}
		e := validating.SatMul(factor)
		remaining = remaining.SatSub(e)
		parentOwner, err := k.ownerOf(ctx, p.Hotkey)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(parentOwner, childOwner) {
			t := takeProportion.SatMul(e)
			e = e.SatSub(t)
			totalTake = totalTake.SatAdd(t)
		}
		parts = append(parts, dividendPart{p.Hotkey, e.ToUint64()})
	}
	return append(parts, dividendPart{hotkey, remaining.SatAdd(totalTake).ToUint64()}), nil
}

// selfContribution is get_self_contribution: the stake weight a hotkey keeps for itself,
// (1 − Σ p_child)·(alpha + root·TaoWeight), floored to rao.
func (k Keeper) selfContribution(ctx context.Context, netuid uint32, hotkey sdk.AccAddress,
	children []types.ChildLink, tw fixed.U96F32,
) (uint64, error) {
	kept := fixed.U96F32One()
	for _, c := range children {
		kept = kept.SatSub(proportion(c.Proportion))
	}
	alpha, err := k.HotkeyAlpha(ctx, hotkey, netuid)
	if err != nil {
		return 0, err
	}
	root, err := k.rootStakeOf(ctx, hotkey)
	if err != nil {
		return 0, err
	}
	a := fixed.U96F32FromUint(alpha).SatMul(kept)
	r := fixed.U96F32FromUint(root).SatMul(kept).SatMul(tw)
	return a.SatAdd(r).ToUint64(), nil
}

// childSet is a requested list of children, checked against the hotkey's graph on the subnet.
type childSet struct {
	links []types.ChildLink // sorted by address
}

// checkChildren is PCRelations::ensure_pending_consistency: no self-loop, at most MaxChildren, the
// proportions summing to at most 2^64−1, and no child that is a parent of the hotkey now.
func (k Keeper) checkChildren(ctx context.Context, netuid uint32, hotkey sdk.AccAddress, links []types.ChildLink) error {
	for _, c := range links {
		if bytes.Equal(c.Hotkey, hotkey) {
			return errorsmod.Wrapf(types.ErrChildIsSelf, "hotkey %s", hotkey)
		}
	}
	if len(links) > MaxChildren {
		return errorsmod.Wrapf(types.ErrTooManyChildren, "%d children; at most %d", len(links), MaxChildren)
	}
	var sum uint64
	for _, c := range links {
		next := sum + c.Proportion
		if next < sum {
			return errorsmod.Wrapf(types.ErrProportionOverflow,
				"the proportions sum beyond %d (all of the parent's stake)", uint64(math.MaxUint64))
		}
		sum = next
	}
	parents, err := k.Parents(ctx, netuid, hotkey)
	if err != nil {
		return err
	}
	for _, c := range links {
		for _, p := range parents {
			if bytes.Equal(c.Hotkey, p.Hotkey) {
				return errorsmod.Wrapf(types.ErrChildIsParent, "%s is a parent of %s on subnet %d", c.Hotkey, hotkey, netuid)
			}
		}
	}
	return nil
}

// applyChildren puts a parent's new list of children in force and keeps every child's list of
// parents in step (persist_child_parent_relations). It checks the list against the graph as it
// is now: a list scheduled earlier may no longer fit.
func (k Keeper) applyChildren(ctx context.Context, netuid uint32, hotkey sdk.AccAddress, links []types.ChildLink) error {
	if err := k.checkChildren(ctx, netuid, hotkey, links); err != nil {
		return err
	}
	prev, err := k.Children(ctx, netuid, hotkey)
	if err != nil {
		return err
	}
	for _, old := range prev {
		if slices.ContainsFunc(links, func(c types.ChildLink) bool { return bytes.Equal(c.Hotkey, old.Hotkey) }) {
			continue
		}
		parents, err := k.Parents(ctx, netuid, old.Hotkey)
		if err != nil {
			return err
		}
		parents = slices.DeleteFunc(parents, func(p types.ChildLink) bool { return bytes.Equal(p.Hotkey, hotkey) })
		if err := setLinks(ctx, k.ParentKeys, netuid, old.Hotkey, parents); err != nil {
			return err
		}
	}
	for _, c := range links {
		parents, err := k.Parents(ctx, netuid, c.Hotkey)
		if err != nil {
			return err
		}
		parents = slices.DeleteFunc(parents, func(p types.ChildLink) bool { return bytes.Equal(p.Hotkey, hotkey) })
		parents = append(parents, types.ChildLink{Proportion: c.Proportion, Hotkey: hotkey})
		if err := setLinks(ctx, k.ParentKeys, netuid, c.Hotkey, parents); err != nil {
			return err
		}
	}
	if err := setLinks(ctx, k.ChildKeys, netuid, hotkey, slices.Clone(links)); err != nil {
		return err
	}
	return emit(ctx, &types.EventChildrenSet{Hotkey: hotkey.String(), Netuid: netuid, Children: k.childrenOut(links)})
}

// applyPendingChildren is try_set_pending_children (§2 step 8, §8.4): on every subnet whose epoch
// ran this block, the scheduled lists whose cooldown has passed take effect (all of them on a
// subnet not yet started). A list that no longer fits the graph is dropped, as subtensor drops it.
func (k Keeper) applyPendingChildren(ctx context.Context) error {
	now := blockHeight(ctx)
	netuids, err := k.Netuids(ctx)
	if err != nil {
		return err
	}
	for _, netuid := range netuids {
		sched, err := k.GetSchedule(ctx, netuid)
		if err != nil {
			return err
		}
		if sched.LastEpochBlock != now {
			continue
		}
		subnet, err := k.GetSubnet(ctx, netuid)
		if err != nil {
			return err
		}
		started := subnet.FirstEmissionBlock != 0
		type due struct {
			hotkey sdk.AccAddress
			links  []types.ChildLink
		}
		var ready []due
		err = k.PendingChildKeys.Walk(ctx, childPrefix(netuid), func(key childLinkKey, p types.PendingChildren) (bool, error) {
			if p.CooldownBlock < now || !started {
				ready = append(ready, due{key.K2(), p.Children})
			}
			return false, nil
		})
		if err != nil {
			return err
		}
		for _, r := range ready {
			if err := k.PendingChildKeys.Remove(ctx, pairKey(netuid, r.hotkey)); err != nil {
				return err
			}
			// Applied on a branch, so a list refused half-way leaves nothing behind.
			err := atomically(ctx, func(c sdk.Context) error { return k.applyChildren(c, netuid, r.hotkey, r.links) })
			if err == nil {
				continue
			}
			if !isChildRuleError(err) {
				return err
			}
			if err := emit(ctx, &types.EventChildrenDropped{Hotkey: r.hotkey.String(), Netuid: netuid, Reason: err.Error()}); err != nil {
				return err
			}
		}
	}
	return nil
}

func isChildRuleError(err error) bool {
	for _, e := range []*errorsmod.Error{types.ErrChildIsSelf, types.ErrTooManyChildren, types.ErrProportionOverflow, types.ErrChildIsParent} {
		if e.Is(err) {
			return true
		}
	}
	return false
}

func (k Keeper) childrenOut(links []types.ChildLink) []types.Child {
	out := make([]types.Child, len(links))
	for i, l := range links {
		out[i] = types.Child{Proportion: l.Proportion, Hotkey: sdk.AccAddress(l.Hotkey).String()}
	}
	return out
}

// totalStakeInTao is get_total_stake_for_hotkey: the hotkey's alpha on every subnet at the pool's
// spot price, plus its root TAO, floored to rao.
func (k Keeper) totalStakeInTao(ctx context.Context, hotkey sdk.AccAddress) (uint64, error) {
	var sum fixed.U64F64
	var failed error
	err := k.HotkeyPools.Walk(ctx, collections.NewPrefixedPairRange[sdk.AccAddress, uint32](hotkey),
		func(key collections.Pair[sdk.AccAddress, uint32], p types.HotkeyPool) (bool, error) {
			price := fixed.U64F64One()
			if netuid := key.K2(); netuid != 0 {
				pr, err := k.Price(ctx, netuid)
				if err != nil {
					failed = err
					return true, nil
				}
				price = pr
			}
			sum = sum.SatAdd(fixed.U64F64FromUint(p.Alpha).SatMul(price))
			return false, nil
		})
	if err == nil {
		err = failed
	}
	return sum.ToUint64(), err
}

// dropPendingChildrenBelowThreshold is remove_stake's step 6 (§8.4): a hotkey whose stake in TAO
// fell below StakeThreshold loses the lists of children it scheduled, on every subnet; the lists
// in force stay.
func (k Keeper) dropPendingChildrenBelowThreshold(ctx context.Context, hotkey sdk.AccAddress) error {
	params, err := k.mustParams(ctx)
	if err != nil {
		return err
	}
	if params.StakeThreshold == 0 {
		return nil
	}
	stake, err := k.totalStakeInTao(ctx, hotkey)
	if err != nil || stake >= params.StakeThreshold {
		return err
	}
	netuids, err := k.Netuids(ctx)
	if err != nil {
		return err
	}
	for _, netuid := range netuids {
		key := pairKey(netuid, hotkey)
		has, err := k.PendingChildKeys.Has(ctx, key)
		if err != nil || !has {
			return err
		}
		if err := k.PendingChildKeys.Remove(ctx, key); err != nil {
			return err
		}
		reason := fmt.Sprintf("the hotkey's stake, %s TAO, fell below stake_threshold, %s TAO",
			types.FormatTAO(stake), types.FormatTAO(params.StakeThreshold))
		if err := emit(ctx, &types.EventChildrenDropped{Hotkey: hotkey.String(), Netuid: netuid, Reason: reason}); err != nil {
			return err
		}
	}
	return nil
}

// SetChildren is set_children (§8.4), checked in subtensor's order: rate limit, not root, the
// subnet exists, the signer owns the hotkey, no child twice, the graph rules, and the parent's
// stake. Before the subnet's start-call the list applies at once; after, at the first epoch after
// PendingChildkeyCooldown blocks. Empty lists revoke every child.
func (s msgServer) SetChildren(ctx context.Context, msg *types.MsgSetChildren) (*types.MsgSetChildrenResponse, error) {
	k := s.k
	coldkey, hotkey, err := k.parseKeys(msg.Coldkey, msg.Hotkey)
	if err != nil {
		return nil, err
	}
	if len(msg.Children) != len(msg.Proportions) {
		return nil, errorsmod.Wrapf(types.ErrChildrenMismatch, "%d children, %d proportions", len(msg.Children), len(msg.Proportions))
	}
	links := make([]types.ChildLink, len(msg.Children))
	for i, c := range msg.Children {
		addr, err := k.parseAddress(fmt.Sprintf("child %d", i+1), c)
		if err != nil {
			return nil, err
		}
		links[i] = types.ChildLink{Proportion: msg.Proportions[i], Hotkey: addr}
	}
	netuid := msg.Netuid
	now := blockHeight(ctx)
	last, err := k.ChildrenSetAt.Get(ctx, pairKey(netuid, hotkey))
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	if last != 0 && satSub(now, last) < SetChildrenRateLimit {
		return nil, errorsmod.Wrapf(types.ErrSetChildrenRateLimit,
			"hotkey %s set children on subnet %d at block %d; it may again from block %d (now %d)",
			msg.Hotkey, netuid, last, last+SetChildrenRateLimit, now)
	}
	if netuid == 0 {
		return nil, errorsmod.Wrap(types.ErrChildkeysOnRoot, "set children on a subnet (netuid ≥ 1)")
	}
	subnet, err := k.GetSubnet(ctx, netuid)
	if err != nil {
		return nil, err
	}
	if err := k.requireOwner(ctx, coldkey, hotkey, msg.Hotkey); err != nil {
		return nil, err
	}
	for i := range links {
		for j := range i {
			if bytes.Equal(links[i].Hotkey, links[j].Hotkey) {
				return nil, errorsmod.Wrapf(types.ErrDuplicateChild, "%s is listed twice", msg.Children[i])
			}
		}
	}
	if err := k.checkChildren(ctx, netuid, hotkey, links); err != nil {
		return nil, err
	}
	params, err := k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	if len(links) > 0 && !bytes.Equal(hotkey, subnet.OwnerHotkey) {
		stake, err := k.totalStakeInTao(ctx, hotkey)
		if err != nil {
			return nil, err
		}
		if stake < params.StakeThreshold {
			return nil, errorsmod.Wrapf(types.ErrNotEnoughStakeForChildren,
				"hotkey %s holds stake worth %s; children need %s", msg.Hotkey, types.FormatTAO(stake), types.FormatTAO(params.StakeThreshold))
		}
	}
	if err := k.ChildrenSetAt.Set(ctx, pairKey(netuid, hotkey), now); err != nil {
		return nil, err
	}
	slices.SortFunc(links, func(a, b types.ChildLink) int { return bytes.Compare(a.Hotkey, b.Hotkey) })
	if subnet.FirstEmissionBlock == 0 {
		return &types.MsgSetChildrenResponse{}, k.applyChildren(ctx, netuid, hotkey, links)
	}
	cooldown := now + params.PendingChildkeyCooldown
	if err := k.PendingChildKeys.Set(ctx, pairKey(netuid, hotkey), types.PendingChildren{Children: links, CooldownBlock: cooldown}); err != nil {
		return nil, err
	}
	return &types.MsgSetChildrenResponse{CooldownBlock: cooldown}, emit(ctx, &types.EventChildrenScheduled{
		Hotkey: msg.Hotkey, Netuid: netuid, CooldownBlock: cooldown, Children: k.childrenOut(links),
	})
}

// requireOwner refuses a signer that does not own the hotkey (subtensor's NonAssociatedColdKey).
func (k Keeper) requireOwner(ctx context.Context, coldkey, hotkey sdk.AccAddress, hotkeyText string) error {
	owner, ok, err := k.HotkeyOwner(ctx, hotkey)
	if err != nil {
		return err
	}
	if !ok {
		return errorsmod.Wrapf(types.ErrHotkeyNotFound, "%s", hotkeyText)
	}
	if !owner.Equals(coldkey) {
		return errorsmod.Wrapf(types.ErrHotkeyNotOwned, "hotkey %s belongs to %s; sign with that coldkey", hotkeyText, owner)
	}
	return nil
}

// SetChildkeyTake is set_childkey_take (§8.4): the owner sets the share of its parents' dividends a
// hotkey keeps on a subnet, within [MinChildkeyTake, MaxChildkeyTake]; an increase waits
// ChildkeyTakeRateLimit blocks after the last change.
func (s msgServer) SetChildkeyTake(ctx context.Context, msg *types.MsgSetChildkeyTake) (*types.MsgSetChildkeyTakeResponse, error) {
	k := s.k
	coldkey, hotkey, err := k.parseKeys(msg.Coldkey, msg.Hotkey)
	if err != nil {
		return nil, err
	}
	// Subtensor does not check the subnet; a take is kept per subnet here only for one that exists,
	// so a pruned subnet's takes are cleared with it.
	if msg.Netuid == 0 {
		return nil, errorsmod.Wrap(types.ErrChildkeysOnRoot, "set a childkey take on a subnet (netuid ≥ 1)")
	}
	if _, err := k.GetSubnet(ctx, msg.Netuid); err != nil {
		return nil, err
	}
	if err := k.requireOwner(ctx, coldkey, hotkey, msg.Hotkey); err != nil {
		return nil, err
	}
	params, err := k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	if msg.Take < params.MinChildkeyTake || msg.Take > params.MaxChildkeyTake {
		return nil, errorsmod.Wrapf(types.ErrChildkeyTakeOutOfRange, "take %d (%s) must be between %d (%s) and %d (%s)",
			msg.Take, takePercent(msg.Take), params.MinChildkeyTake, takePercent(params.MinChildkeyTake),
			params.MaxChildkeyTake, takePercent(params.MaxChildkeyTake))
	}
	key := pairKey(msg.Netuid, hotkey)
	stored, err := k.ChildkeyTakes.Get(ctx, key)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	current := max(stored.Take, params.MinChildkeyTake)
	now := blockHeight(ctx)
	if msg.Take > current && stored.SetAt != 0 && satSub(now, stored.SetAt) < params.ChildkeyTakeRateLimit {
		return nil, errorsmod.Wrapf(types.ErrChildkeyTakeRateLimit,
			"hotkey %s changed its childkey take on subnet %d at block %d; it may raise it from block %d (now %d)",
			msg.Hotkey, msg.Netuid, stored.SetAt, stored.SetAt+params.ChildkeyTakeRateLimit, now)
	}
	if err := k.ChildkeyTakes.Set(ctx, key, types.ChildkeyTake{Take: msg.Take, SetAt: now}); err != nil {
		return nil, err
	}
	return &types.MsgSetChildkeyTakeResponse{}, emit(ctx, &types.EventChildkeyTakeSet{Hotkey: msg.Hotkey, Netuid: msg.Netuid, Take: msg.Take})
}

// Children answers `q subnet children`: a hotkey's children in force, its scheduled list and its
// childkey take.
func (q queryServer) Children(ctx context.Context, req *types.QueryChildrenRequest) (*types.QueryChildrenResponse, error) {
	k := q.k
	hotkey, err := k.parseAddress("hotkey", req.Hotkey)
	if err != nil {
		return nil, err
	}
	children, err := k.Children(ctx, req.Netuid, hotkey)
	if err != nil {
		return nil, err
	}
	take, err := k.ChildkeyTake(ctx, req.Netuid, hotkey)
	if err != nil {
		return nil, err
	}
	resp := &types.QueryChildrenResponse{Children: k.childrenOut(children), ChildkeyTake: take}
	pending, err := k.PendingChildKeys.Get(ctx, pairKey(req.Netuid, hotkey))
	switch {
	case err == nil:
		resp.HasPending, resp.Pending, resp.PendingCooldownBlock = true, k.childrenOut(pending.Children), pending.CooldownBlock
	case !isNotFound(err):
		return nil, err
	}
	return resp, nil
}

// Parents answers `q subnet parents`: the hotkeys that lend a hotkey stake on a subnet.
func (q queryServer) Parents(ctx context.Context, req *types.QueryParentsRequest) (*types.QueryParentsResponse, error) {
	k := q.k
	hotkey, err := k.parseAddress("hotkey", req.Hotkey)
	if err != nil {
		return nil, err
	}
	parents, err := k.Parents(ctx, req.Netuid, hotkey)
	if err != nil {
		return nil, err
	}
	return &types.QueryParentsResponse{Parents: k.childrenOut(parents)}, nil
}

// clearChildKeys forgets a pruned subnet's child-key graph, schedules, takes and rate limits, so a
// subnet that reuses the netuid starts without them.
func (k Keeper) clearChildKeys(ctx context.Context, netuid uint32) error {
	for _, clear := range []func() error{
		func() error { return k.ChildKeys.Clear(ctx, childPrefix(netuid)) },
		func() error { return k.ParentKeys.Clear(ctx, childPrefix(netuid)) },
		func() error { return k.PendingChildKeys.Clear(ctx, childPrefix(netuid)) },
		func() error { return k.ChildkeyTakes.Clear(ctx, childPrefix(netuid)) },
		func() error { return k.ChildrenSetAt.Clear(ctx, childPrefix(netuid)) },
	} {
		if err := clear(); err != nil {
			return err
		}
	}
	return nil
}

// checkChildKeys is the invariant of the child-key graph: every list has at most MaxChildren
// distinct children, none the parent itself, whose proportions sum to at most 2^64−1; the parents'
// lists are exactly the children's lists read the other way; and no hotkey has the same key as
// both child and parent (the bipartite rule of §8.4: no cycle of two). Longer cycles are allowed,
// as in subtensor: inherited stake reaches one level only, so they compound nothing.
func checkChildKeys(ctx context.Context, k Keeper) (bool, string, error) {
	var problems []string
	edges := map[string]uint64{} // netuid|parent|child → proportion, from the children's side
	var lists int
	err := k.ChildKeys.Walk(ctx, nil, func(key childLinkKey, l types.ChildLinks) (bool, error) {
		lists++
		netuid, parent := key.K1(), key.K2()
		if len(l.Links) == 0 || len(l.Links) > MaxChildren {
			problems = append(problems, fmt.Sprintf("%s on %d has %d children", parent, netuid, len(l.Links)))
		}
		var sum uint64
		for i, c := range l.Links {
			if bytes.Equal(c.Hotkey, parent) {
				problems = append(problems, fmt.Sprintf("%s on %d is its own child", parent, netuid))
			}
			if i > 0 && bytes.Compare(l.Links[i-1].Hotkey, c.Hotkey) >= 0 {
				problems = append(problems, fmt.Sprintf("%s on %d lists children out of order or twice", parent, netuid))
			}
			if sum+c.Proportion < sum {
				problems = append(problems, fmt.Sprintf("%s on %d lends more than all of its stake", parent, netuid))
			}
			sum += c.Proportion
			edges[edgeKey(netuid, parent, c.Hotkey)] = c.Proportion
		}
		return false, nil
	})
	if err != nil {
		return false, "", err
	}
	var indexed int
	err = k.ParentKeys.Walk(ctx, nil, func(key childLinkKey, l types.ChildLinks) (bool, error) {
		netuid, child := key.K1(), key.K2()
		for _, p := range l.Links {
			indexed++
			prop, ok := edges[edgeKey(netuid, p.Hotkey, child)]
			if !ok || prop != p.Proportion {
				problems = append(problems, fmt.Sprintf("%s on %d lists parent %s, which does not list it so", child, netuid, sdk.AccAddress(p.Hotkey)))
			}
			if _, twoWay := edges[edgeKey(netuid, child, p.Hotkey)]; twoWay {
				problems = append(problems, fmt.Sprintf("%s and %s on %d are each other's parent", child, sdk.AccAddress(p.Hotkey), netuid))
			}
		}
		return false, nil
	})
	if err != nil {
		return false, "", err
	}
	if indexed != len(edges) {
		problems = append(problems, fmt.Sprintf("%d child links but %d parent links", len(edges), indexed))
	}
	if len(problems) > 0 {
		return false, fmt.Sprint(problems), nil
	}
	return true, fmt.Sprintf("%d parents with %d child links: proportions ≤ 1, no self or two-way links, parent index agrees", lists, len(edges)), nil
}

func edgeKey(netuid uint32, parent, child []byte) string {
	return fmt.Sprintf("%d|%x|%x", netuid, parent, child)
}

// initChildKeys loads the child-key state of a genesis file: each parent's children go through the
// rules of set-children (the parents' lists are rebuilt from them), then the schedules, takes and
// rate limits.
func (k Keeper) initChildKeys(ctx context.Context, g types.GenesisChildKeys) error {
	parse := func(what string, netuid uint32, hotkey string, children []types.Child) (sdk.AccAddress, []types.ChildLink, error) {
		if ok, err := k.Subnets.Has(ctx, netuid); err != nil || !ok {
			return nil, nil, fmt.Errorf("%s of %s: subnet %d does not exist (%v)", what, hotkey, netuid, err)
		}
		h, err := k.parseAddress("hotkey", hotkey)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", what, err)
		}
		links := make([]types.ChildLink, len(children))
		for i, c := range children {
			if links[i].Hotkey, err = k.parseAddress("child", c.Hotkey); err != nil {
				return nil, nil, fmt.Errorf("%s of %s: %w", what, hotkey, err)
			}
			links[i].Proportion = c.Proportion
			for j := range i {
				if bytes.Equal(links[j].Hotkey, links[i].Hotkey) {
					return nil, nil, fmt.Errorf("%s of %s: %w: %s", what, hotkey, types.ErrDuplicateChild, c.Hotkey)
				}
			}
		}
		slices.SortFunc(links, func(a, b types.ChildLink) int { return bytes.Compare(a.Hotkey, b.Hotkey) })
		return h, links, nil
	}
	for _, c := range g.Children {
		h, links, err := parse("children", c.Netuid, c.Hotkey, c.Children)
		if err != nil {
			return err
		}
		if err := k.applyChildren(ctx, c.Netuid, h, links); err != nil {
			return fmt.Errorf("children of %s on subnet %d: %w", c.Hotkey, c.Netuid, err)
		}
	}
	for _, p := range g.Pending {
		h, links, err := parse("pending children", p.Netuid, p.Hotkey, p.Children)
		if err != nil {
			return err
		}
		if err := k.PendingChildKeys.Set(ctx, pairKey(p.Netuid, h), types.PendingChildren{Children: links, CooldownBlock: p.CooldownBlock}); err != nil {
			return err
		}
	}
	for _, t := range g.Takes {
		h, _, err := parse("childkey take", t.Netuid, t.Hotkey, nil)
		if err != nil {
			return err
		}
		if t.Take > types.MaxU16 {
			return fmt.Errorf("childkey take of %s on subnet %d: %d is not a u16 proportion", t.Hotkey, t.Netuid, t.Take)
		}
		if err := k.ChildkeyTakes.Set(ctx, pairKey(t.Netuid, h), types.ChildkeyTake{Take: t.Take, SetAt: t.SetAt}); err != nil {
			return err
		}
	}
	for _, s := range g.SetAt {
		h, _, err := parse("set-children block", s.Netuid, s.Hotkey, nil)
		if err != nil {
			return err
		}
		if err := k.ChildrenSetAt.Set(ctx, pairKey(s.Netuid, h), s.Block); err != nil {
			return err
		}
	}
	return nil
}

// exportChildKeys writes the child-key state in the order of its keys.
func (k Keeper) exportChildKeys(ctx context.Context) (types.GenesisChildKeys, error) {
	var g types.GenesisChildKeys
	err := k.ChildKeys.Walk(ctx, nil, func(key childLinkKey, l types.ChildLinks) (bool, error) {
		g.Children = append(g.Children, types.GenesisChildren{Hotkey: key.K2().String(), Netuid: key.K1(), Children: k.childrenOut(l.Links)})
		return false, nil
	})
	if err != nil {
		return g, err
	}
	err = k.PendingChildKeys.Walk(ctx, nil, func(key childLinkKey, p types.PendingChildren) (bool, error) {
		g.Pending = append(g.Pending, types.GenesisPendingChildren{
			Hotkey: key.K2().String(), Netuid: key.K1(), Children: k.childrenOut(p.Children), CooldownBlock: p.CooldownBlock,
		})
		return false, nil
	})
	if err != nil {
		return g, err
	}
	err = k.ChildkeyTakes.Walk(ctx, nil, func(key childLinkKey, t types.ChildkeyTake) (bool, error) {
		g.Takes = append(g.Takes, types.GenesisChildkeyTake{Hotkey: key.K2().String(), Netuid: key.K1(), Take: t.Take, SetAt: t.SetAt})
		return false, nil
	})
	if err != nil {
		return g, err
	}
	err = k.ChildrenSetAt.Walk(ctx, nil, func(key childLinkKey, block uint64) (bool, error) {
		g.SetAt = append(g.SetAt, types.GenesisChildrenSetAt{Hotkey: key.K2().String(), Netuid: key.K1(), Block: block})
		return false, nil
	})
	return g, err
}
