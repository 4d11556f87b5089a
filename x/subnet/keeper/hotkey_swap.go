package keeper

import (
	"context"
	"slices"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Hotkey swap (§8.1, swap_hotkey). The coldkey owning a hotkey moves the hotkey's identity to a new
// hotkey, on every subnet or on one: each uid keeps its position and its weights, bonds and axon
// (stored by uid, they need no move) under the new key; the uid index, the unrevealed commits, the
// subnet-owner hotkey, the child-key ties and the stake move; on every subnet the delegate take and the ownership move
// too, and the old hotkey stops existing. The swap costs key_swap_cost (key_swap_on_subnet_cost on
// one subnet), recycled, and is rate limited per coldkey. Nothing of value is created or lost: the
// stake pools move as they are, or merge rao for rao into a pool the new hotkey already has.

// rootNetuidForSwaps is the root network's netuid, whose stake a swap moves like any subnet's.
const rootNetuidForSwaps uint32 = 0

// txRateLimited is subtensor's exceeds_tx_rate_limit: a transaction at block last (0: never)
// blocks another for the next limit blocks; a limit of 0 blocks nothing.
func txRateLimited(last, now, limit uint64) bool {
	return limit != 0 && last != 0 && satSub(now, last) <= limit
}

// SwapHotkey checks every rule first, in subtensor's order, then pays and moves.
func (s msgServer) SwapHotkey(ctx context.Context, msg *types.MsgSwapHotkey) (*types.MsgSwapHotkeyResponse, error) {
	k := s.k
	coldkey, old, err := k.parseKeys(msg.Coldkey, msg.Hotkey)
	if err != nil {
		return nil, err
	}
	next, err := k.parseAddress("new_hotkey", msg.NewHotkey)
	if err != nil {
		return nil, err
	}
	if err := k.requireOwnedHotkey(ctx, coldkey, old); err != nil {
		return nil, err
	}
	if owner, ok, err := k.HotkeyOwner(ctx, next); err != nil {
		return nil, err
	} else if ok && !owner.Equals(coldkey) {
		return nil, errorsmod.Wrapf(types.ErrHotkeyNotOwned, "new hotkey %s belongs to coldkey %s; swap to a new key or one of yours", msg.NewHotkey, owner)
	}
	if old.Equals(next) {
		return nil, errorsmod.Wrapf(types.ErrSameHotkey, "%s", msg.Hotkey)
	}
	if k.isSystemAccount(ctx, next) {
		return nil, errorsmod.Wrapf(types.ErrHotkeyIsSystemAccount, "%s is a module account; use a key you created (`gotensor keys add`)", msg.NewHotkey)
	}
	params, err := k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	now := blockHeight(ctx)
	last, err := getOrZero(ctx, func(ctx context.Context) (uint64, error) { return k.LastHotkeySwap.Get(ctx, coldkey) })
	if err != nil {
		return nil, err
	}
	if txRateLimited(last, now, params.HotkeySwapRateLimit) {
		return nil, errorsmod.Wrapf(types.ErrHotkeySwapRateLimit, "coldkey %s swapped a hotkey at block %d; it may swap again from block %d (now %d)",
			msg.Coldkey, last, last+params.HotkeySwapRateLimit+1, now)
	}

	// The subnets the swap moves: the one named, or every subnet (and the root network's stake)
	// where the old hotkey holds a uid or stake. A pruned subnet being paid out is left alone: its
	// stakes are paid to their coldkeys whatever hotkey they sit on.
	var netuids, cooled []uint32
	cost := params.KeySwapCost
	if msg.OneSubnet {
		if err := checkNetuidRange(msg.Netuid); err != nil {
			return nil, err
		}
		if err := k.requireSwappableSubnet(ctx, msg.Netuid); err != nil {
			return nil, err
		}
		if uid, err := k.Uids.Get(ctx, pairKey(msg.Netuid, next)); err == nil {
			return nil, errorsmod.Wrapf(types.ErrAlreadyRegistered, "new hotkey %s is uid %d on subnet %d", msg.NewHotkey, uid, msg.Netuid)
		} else if !isNotFound(err) {
			return nil, err
		}
		netuids, cooled, cost = []uint32{msg.Netuid}, []uint32{msg.Netuid}, params.KeySwapOnSubnetCost
	} else {
		if msg.Netuid != 0 {
			return nil, errorsmod.Wrapf(types.ErrValueOutOfRange, "netuid %d given without one_subnet: add --one-subnet to swap on that subnet only", msg.Netuid)
		}
		if netuid, ok, err := k.registeredAnywhere(ctx, next); err != nil {
			return nil, err
		} else if ok {
			return nil, errorsmod.Wrapf(types.ErrAlreadyRegistered, "new hotkey %s is registered on subnet %d; swap to an unregistered key, or on one subnet (--one-subnet)", msg.NewHotkey, netuid)
		}
		if netuids, cooled, err = k.hotkeySubnets(ctx, old); err != nil {
			return nil, err
		}
	}
	for _, netuid := range cooled {
		if err := k.checkSwapOnSubnetCooldown(ctx, coldkey, netuid, now, params); err != nil {
			return nil, err
		}
	}
	for _, netuid := range netuids {
		if err := k.checkChildKeysMergeable(ctx, old, next, netuid); err != nil {
			return nil, err
		}
	}
	if slices.Contains(netuids, rootNetuidForSwaps) || (msg.OneSubnet && msg.Netuid == rootNetuidForSwaps) {
		if pool, err := k.hotkeyPool(ctx, next, rootNetuidForSwaps); err != nil {
			return nil, err
		} else if pool.Alpha != 0 || !pool.Shares.IsZero() {
			return nil, errorsmod.Wrapf(types.ErrNewHotkeyHoldsRootStake, "new hotkey %s has %d rao staked on root", msg.NewHotkey, pool.Alpha)
		}
	}
	if balance := k.spendable(ctx, coldkey); balance < cost {
		return nil, errorsmod.Wrapf(types.ErrInsufficientBalance, "swapping a hotkey costs %s TAO but coldkey %s can spend %s",
			types.FormatTAO(cost), msg.Coldkey, types.FormatTAO(balance))
	}

	var moved []uint32
	err = atomically(ctx, func(ctx sdk.Context) error {
		if cost > 0 {
			if err := k.bank.SendCoinsFromAccountToModule(ctx, coldkey, types.ModuleName, rao(cost)); err != nil {
				return err
			}
			if err := k.recycleTAO(ctx, cost, "hotkey_swap"); err != nil {
				return err
			}
		}
		if err := k.claimHotkey(ctx, coldkey, next); err != nil {
			return err
		}
		if !msg.OneSubnet {
			if err := k.retireHotkey(ctx, coldkey, old, next); err != nil {
				return err
			}
		}
		for _, netuid := range netuids {
			touched, err := k.swapHotkeyOnSubnet(ctx, old, next, netuid)
			if err != nil {
				return err
			}
			if touched {
				moved = append(moved, netuid)
			}
		}
		if err := k.LastHotkeySwap.Set(ctx, coldkey, now); err != nil {
			return err
		}
		for _, netuid := range cooled {
			if err := k.HotkeySwapsOnSubnet.Set(ctx, pairKey(netuid, coldkey), now); err != nil {
				return err
			}
		}
		return emit(ctx, &types.EventHotkeySwapped{
			Coldkey: coldkey.String(), OldHotkey: old.String(), NewHotkey: next.String(),
			OneSubnet: msg.OneSubnet, Netuids: moved, Cost: cost,
		})
	})
	if err != nil {
		return nil, err
	}
	return &types.MsgSwapHotkeyResponse{Cost: cost, Netuids: moved}, nil
}

// requireOwnedHotkey fails unless hotkey exists and coldkey owns it.
func (k Keeper) requireOwnedHotkey(ctx context.Context, coldkey, hotkey sdk.AccAddress) error {
	owner, ok, err := k.HotkeyOwner(ctx, hotkey)
	if err != nil {
		return err
	}
	if !ok {
		return errorsmod.Wrapf(types.ErrHotkeyNotFound, "%s", hotkey)
	}
	if !owner.Equals(coldkey) {
		return errorsmod.Wrapf(types.ErrHotkeyNotOwned, "hotkey %s belongs to %s; sign with that coldkey", hotkey, owner)
	}
	return nil
}

// requireSwappableSubnet fails unless netuid is a subnet that trades, or the root network.
func (k Keeper) requireSwappableSubnet(ctx context.Context, netuid uint32) error {
	if netuid == rootNetuidForSwaps {
		return nil
	}
	_, err := k.GetSubnet(ctx, netuid)
	return err
}

// registeredAnywhere reports a subnet where hotkey holds a uid.
func (k Keeper) registeredAnywhere(ctx context.Context, hotkey sdk.AccAddress) (uint32, bool, error) {
	netuids, err := k.Netuids(ctx)
	if err != nil {
		return 0, false, err
	}
	for _, netuid := range netuids {
		if has, err := k.Uids.Has(ctx, pairKey(netuid, hotkey)); err != nil || has {
			return netuid, has, err
		}
	}
	return 0, false, nil
}

// hotkeySubnets lists, in ascending order, the netuids an all-subnet swap of hotkey moves: every
// subnet where it holds a uid, stake or a child-key tie, and the root network's stake. cooled are
// those where it holds a uid or has children, which the per-subnet cooldown covers (subtensor:
// IsNetworkMember or ChildKeys; being someone's child is set without the child's consent, so it
// does not hold the hotkey back).
func (k Keeper) hotkeySubnets(ctx context.Context, hotkey sdk.AccAddress) (netuids, cooled []uint32, err error) {
	all, err := k.Netuids(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, netuid := range all {
		member, err := k.Uids.Has(ctx, pairKey(netuid, hotkey))
		if err != nil {
			return nil, nil, err
		}
		staked, err := k.HotkeyPools.Has(ctx, pairKey(hotkey, netuid))
		if err != nil {
			return nil, nil, err
		}
		parent, linked, err := k.childKeyTies(ctx, hotkey, netuid)
		if err != nil {
			return nil, nil, err
		}
		if member || parent {
			cooled = append(cooled, netuid)
		}
		if member || staked || linked {
			netuids = append(netuids, netuid)
		}
	}
	if staked, err := k.HotkeyPools.Has(ctx, pairKey(hotkey, rootNetuidForSwaps)); err != nil {
		return nil, nil, err
	} else if staked {
		netuids = append([]uint32{rootNetuidForSwaps}, netuids...)
	}
	return netuids, cooled, nil
}

// checkSwapOnSubnetCooldown enforces HotkeySwapOnSubnetInterval: a coldkey swaps a hotkey on a
// subnet at most once per interval. A coldkey that never swapped there is not held back (subtensor
// holds back the per-subnet path until the chain is one interval old; gotensor does not).
func (k Keeper) checkSwapOnSubnetCooldown(ctx context.Context, coldkey sdk.AccAddress, netuid uint32, now uint64, params types.Params) error {
	last, err := getOrZero(ctx, func(ctx context.Context) (uint64, error) {
		return k.HotkeySwapsOnSubnet.Get(ctx, pairKey(netuid, coldkey))
	})
	if err != nil {
		return err
	}
	if last != 0 && last+params.HotkeySwapOnSubnetInterval >= now {
		return errorsmod.Wrapf(types.ErrHotkeySwapOnSubnetLimit, "coldkey %s swapped a hotkey on subnet %d at block %d; it may again from block %d (now %d)",
			coldkey, netuid, last, last+params.HotkeySwapOnSubnetInterval+1, now)
	}
	return nil
}

// retireHotkey ends the old hotkey of an all-subnet swap: its owner and ownership index go, and
// its delegate record (take and the block of its last change) becomes the new hotkey's.
func (k Keeper) retireHotkey(ctx context.Context, coldkey, old, next sdk.AccAddress) error {
	if err := k.Owners.Remove(ctx, old); err != nil {
		return err
	}
	if err := k.OwnedHotkeys.Remove(ctx, collections.Join(coldkey, old)); err != nil {
		return err
	}
	d, err := k.Delegates.Get(ctx, old)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := k.Delegates.Remove(ctx, old); err != nil {
		return err
	}
	return k.Delegates.Set(ctx, next, d)
}

// swapHotkeyOnSubnet moves what old holds on one subnet to next: its uid (the neuron keeps its
// position, weights, bonds and axon), its unrevealed commits, the subnet's owner hotkey, and the
// stake. touched says whether anything moved.
func (k Keeper) swapHotkeyOnSubnet(ctx context.Context, old, next sdk.AccAddress, netuid uint32) (bool, error) {
	touched := false
	uid, err := k.Uids.Get(ctx, pairKey(netuid, old))
	switch {
	case err == nil:
		n, err := k.GetNeuron(ctx, netuid, uid)
		if err != nil {
			return false, err
		}
		n.Hotkey = next
		for _, write := range []func() error{
			func() error { return k.Uids.Remove(ctx, pairKey(netuid, old)) },
			func() error { return k.Uids.Set(ctx, pairKey(netuid, next), uid) },
			func() error { return k.Neurons.Set(ctx, pairKey(netuid, uid), n) },
		} {
			if err := write(); err != nil {
				return false, err
			}
		}
		touched = true
	case !isNotFound(err):
		return false, err
	}
	// Commits hash the committing hotkey (§9.2), so the new hotkey cannot reveal the old one's;
	// they move as on subtensor, so they expire where the epoch's commit mask looks for them.
	if q, err := k.Commits.Get(ctx, pairKey(netuid, old)); err == nil {
		if err := k.Commits.Remove(ctx, pairKey(netuid, old)); err != nil {
			return false, err
		}
		if err := k.Commits.Set(ctx, pairKey(netuid, next), q); err != nil {
			return false, err
		}
	} else if !isNotFound(err) {
		return false, err
	}
	if subnet, err := k.Subnets.Get(ctx, netuid); err == nil && subnet.OwnerHotkey.Equals(old) {
		subnet.OwnerHotkey = next
		if err := k.Subnets.Set(ctx, netuid, subnet); err != nil {
			return false, err
		}
	} else if err != nil && !isNotFound(err) {
		return false, err
	}
	linked, err := k.swapChildKeyTies(ctx, old, next, netuid)
	if err != nil {
		return false, err
	}
	staked, err := k.moveHotkeyStake(ctx, old, next, netuid)
	return touched || linked || staked, err
}

// checkChildKeysMergeable refuses a swap onto a hotkey that already has a place in a subnet's
// child-key graph, or that old schedules as its child: the two graphs are not merged (subtensor
// merges them edge by edge; gotensor asks for a new hotkey free of ties instead).
func (k Keeper) checkChildKeysMergeable(ctx context.Context, old, next sdk.AccAddress, netuid uint32) error {
	if _, linked, err := k.childKeyTies(ctx, next, netuid); err != nil {
		return err
	} else if linked {
		return errorsmod.Wrapf(types.ErrHotkeyInUse, "new hotkey %s has children, parents or a childkey take on subnet %d", next, netuid)
	}
	p, err := k.PendingChildKeys.Get(ctx, pairKey(netuid, old))
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, c := range p.Children {
		if sdk.AccAddress(c.Hotkey).Equals(next) {
			return errorsmod.Wrapf(types.ErrHotkeyInUse, "hotkey %s schedules the new hotkey %s as its child on subnet %d", old, next, netuid)
		}
	}
	return nil
}

// childKeyTies reports whether hotkey has children (in force or scheduled) on a subnet, and
// whether it has any child-key tie there at all (children, parents or a childkey take).
func (k Keeper) childKeyTies(ctx context.Context, hotkey sdk.AccAddress, netuid uint32) (parent, linked bool, err error) {
	key := pairKey(netuid, hotkey)
	for _, has := range []func() (bool, error){
		func() (bool, error) { return k.ChildKeys.Has(ctx, key) },
		func() (bool, error) { return k.PendingChildKeys.Has(ctx, key) },
	} {
		if ok, err := has(); err != nil || ok {
			return ok, ok, err
		}
	}
	for _, has := range []func() (bool, error){
		func() (bool, error) { return k.ParentKeys.Has(ctx, key) },
		func() (bool, error) { return k.ChildkeyTakes.Has(ctx, key) },
	} {
		if ok, err := has(); err != nil || ok {
			return false, ok, err
		}
	}
	return false, false, nil
}

// swapChildKeyTies moves old's place in a subnet's child-key graph to next (§8.4,
// parent_child_swap_hotkey): its children and their parent lists, its parents and their child
// lists, its scheduled children and every schedule that names it as a child (keeping each
// proportion), its childkey take and its set-children rate limit.
func (k Keeper) swapChildKeyTies(ctx context.Context, old, next sdk.AccAddress, netuid uint32) (bool, error) {
	rename := func(links []types.ChildLink) []types.ChildLink {
		out := slices.Clone(links)
		for i := range out {
			if sdk.AccAddress(out[i].Hotkey).Equals(old) {
				out[i].Hotkey = next
			}
		}
		return out
	}
	touched := false
	for _, side := range []struct {
		own, other collections.Map[childLinkKey, types.ChildLinks]
	}{
		{k.ChildKeys, k.ParentKeys}, {k.ParentKeys, k.ChildKeys},
	} {
		links, err := k.links(ctx, side.own, netuid, old)
		if err != nil || len(links) == 0 {
			if err != nil {
				return false, err
			}
			continue
		}
		touched = true
		if err := setLinks(ctx, side.own, netuid, old, nil); err != nil {
			return false, err
		}
		if err := setLinks(ctx, side.own, netuid, next, links); err != nil {
			return false, err
		}
		for _, l := range links {
			theirs, err := k.links(ctx, side.other, netuid, l.Hotkey)
			if err != nil {
				return false, err
			}
			if err := setLinks(ctx, side.other, netuid, l.Hotkey, rename(theirs)); err != nil {
				return false, err
			}
		}
	}
	type pending struct {
		parent sdk.AccAddress
		p      types.PendingChildren
	}
	var schedules []pending
	err := k.PendingChildKeys.Walk(ctx, childPrefix(netuid), func(key childLinkKey, p types.PendingChildren) (bool, error) {
		named := key.K2().Equals(old)
		for _, c := range p.Children {
			named = named || sdk.AccAddress(c.Hotkey).Equals(old)
		}
		if named {
			schedules = append(schedules, pending{parent: key.K2(), p: p})
		}
		return false, nil
	})
	if err != nil {
		return false, err
	}
	for _, s := range schedules {
		touched = true
		s.p.Children = rename(s.p.Children)
		parent := s.parent
		if parent.Equals(old) {
			if err := k.PendingChildKeys.Remove(ctx, pairKey(netuid, old)); err != nil {
				return false, err
			}
			parent = next
		}
		if err := k.PendingChildKeys.Set(ctx, pairKey(netuid, parent), s.p); err != nil {
			return false, err
		}
	}
	if take, err := k.ChildkeyTakes.Get(ctx, pairKey(netuid, old)); err == nil {
		touched = true
		if err := k.ChildkeyTakes.Remove(ctx, pairKey(netuid, old)); err != nil {
			return false, err
		}
		if err := k.ChildkeyTakes.Set(ctx, pairKey(netuid, next), take); err != nil {
			return false, err
		}
	} else if !isNotFound(err) {
		return false, err
	}
	if at, err := k.ChildrenSetAt.Get(ctx, pairKey(netuid, old)); err == nil {
		if err := k.ChildrenSetAt.Remove(ctx, pairKey(netuid, old)); err != nil {
			return false, err
		}
		if err := k.ChildrenSetAt.Set(ctx, pairKey(netuid, next), at); err != nil {
			return false, err
		}
	} else if !isNotFound(err) {
		return false, err
	}
	return touched, nil
}

// moveHotkeyStake moves old's share pool on a subnet, with every coldkey's holding, to next. Into
// an empty place the pool moves as it is, shares and all, so every stake keeps its value exactly.
// Into a pool next already has, each coldkey's stake is deposited at its value, and the rounding
// left in the old pool (under a rao per holder) is credited to the merged pool: the alpha staked to
// the two hotkeys before equals the alpha staked to next after, to the rao.
func (k Keeper) moveHotkeyStake(ctx context.Context, old, next sdk.AccAddress, netuid uint32) (bool, error) {
	from, err := k.HotkeyPools.Get(ctx, pairKey(old, netuid))
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	from.Shares = zeroIfNil(from.Shares)
	type holding struct {
		coldkey sdk.AccAddress
		shares  sdkmath.Uint
	}
	var holders []holding
	rng := collections.NewSuperPrefixedTripleRange[uint32, sdk.AccAddress, sdk.AccAddress](netuid, old)
	err = k.SubnetStakes.Walk(ctx, rng, func(key collections.Triple[uint32, sdk.AccAddress, sdk.AccAddress]) (bool, error) {
		shares, err := k.Stakes.Get(ctx, collections.Join3(key.K3(), old, netuid))
		holders = append(holders, holding{coldkey: key.K3(), shares: shares})
		return false, err
	})
	if err != nil {
		return false, err
	}
	for _, h := range holders {
		if err := k.removeStake(ctx, h.coldkey, old, netuid); err != nil {
			return false, err
		}
	}
	if err := k.removeHotkeyPool(ctx, old, netuid); err != nil {
		return false, err
	}

	exists, err := k.HotkeyPools.Has(ctx, pairKey(next, netuid))
	if err != nil {
		return false, err
	}
	if !exists {
		for _, h := range holders {
			if err := k.setStake(ctx, h.coldkey, next, netuid, h.shares); err != nil {
				return false, err
			}
		}
		return true, k.setHotkeyPool(ctx, next, netuid, from)
	}
	into, err := k.hotkeyPool(ctx, next, netuid)
	if err != nil {
		return false, err
	}
	var deposited uint64
	for _, h := range holders {
		value := shareValue(from, h.shares)
		at := stakeSpot{coldkey: h.coldkey, hotkey: next, netuid: netuid}
		_, held, err := k.holding(ctx, at)
		if err != nil {
			return false, err
		}
		pool, held, err := poolDeposit(into, held, value)
		if errorsmod.IsOf(err, types.ErrZeroShares) {
			continue // worth less than one share of the merged pool: it joins the remainder below
		}
		if err != nil {
			return false, err
		}
		if err := k.setStake(ctx, h.coldkey, next, netuid, held); err != nil {
			return false, err
		}
		into, deposited = pool, deposited+value
	}
	if into, err = poolCredit(into, from.Alpha-deposited); err != nil {
		return false, err
	}
	return true, k.setHotkeyPool(ctx, next, netuid, into)
}
