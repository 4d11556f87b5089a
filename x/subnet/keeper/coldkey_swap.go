package keeper

import (
	"context"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Coldkey swap (§8.1, §10.2; subtensor's announce_coldkey_swap, dispute_coldkey_swap,
// clear_coldkey_swap_announcement, reset_coldkey_swap, do_swap_coldkey). A coldkey announces the
// coldkey it moves to and pays key_swap_cost once; coldkey_swap_announcement_delay blocks later the
// block's start moves its balance, its stakes, its hotkeys and its subnets to the new coldkey. In
// the meantime the coldkey can dispute the announcement (a stolen key's owner stops the thief's
// swap), after which only the chain authority can reset it. An announcement can be replaced, or
// withdrawn, only coldkey_swap_reannouncement_delay blocks after it fell due, which with a swap run
// at its due block leaves only one that could not run (its new coldkey took stake or became a
// hotkey meanwhile).
//
// Two deliberate differences from subtensor: the announcement names the new coldkey instead of its
// hash, because the chain itself runs the swap at the due block (subtensor waits for the old
// coldkey to reveal the key in swap_coldkey_announced); and stakes on a pruned subnet being paid
// out stay with the old coldkey, which the payout pays in TAO (moving them would reorder the
// payout's walk under its cursor).

// maxColdkeySwapsPerBlock bounds the swaps one block's start runs; later ones wait a block each.
// A swap's own work is the coldkey's stakes and hotkeys, which it pays to announce.
const maxColdkeySwapsPerBlock = 8

// SwapColdkey announces (or re-announces) the signer's swap to a new coldkey.
func (s msgServer) SwapColdkey(ctx context.Context, msg *types.MsgSwapColdkey) (*types.MsgSwapColdkeyResponse, error) {
	k := s.k
	coldkey, err := k.parseAddress("coldkey", msg.Coldkey)
	if err != nil {
		return nil, err
	}
	next, err := k.parseAddress("new_coldkey", msg.NewColdkey)
	if err != nil {
		return nil, err
	}
	if coldkey.Equals(next) {
		return nil, errorsmod.Wrapf(types.ErrSameColdkey, "%s", msg.Coldkey)
	}
	params, err := k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	now := blockHeight(ctx)
	prior, announced, err := k.coldkeySwap(ctx, coldkey)
	if err != nil {
		return nil, err
	}
	cost := params.KeySwapCost
	if announced {
		if prior.DisputedAt != 0 {
			return nil, errorsmod.Wrapf(types.ErrColdkeySwapDisputed, "coldkey %s disputed its swap at block %d", msg.Coldkey, prior.DisputedAt)
		}
		if from := prior.ExecuteAt + params.ColdkeySwapReannouncementDelay; now < from {
			return nil, errorsmod.Wrapf(types.ErrColdkeySwapTooEarly,
				"coldkey %s has a swap to %s due at block %d, which runs then unless disputed; another announcement is possible from block %d (now %d)",
				msg.Coldkey, prior.NewColdkey, prior.ExecuteAt, from, now)
		}
		cost = 0 // only the first announcement pays
	}
	if k.isSystemAccount(ctx, next) {
		return nil, errorsmod.Wrapf(types.ErrNewColdkeyInUse, "%s is a module account", msg.NewColdkey)
	}
	if balance := k.spendable(ctx, coldkey); balance < cost {
		return nil, errorsmod.Wrapf(types.ErrInsufficientBalance, "announcing a coldkey swap costs %s TAO but coldkey %s can spend %s",
			types.FormatTAO(cost), msg.Coldkey, types.FormatTAO(balance))
	}
	swap := types.ColdkeySwap{NewColdkey: next, AnnouncedAt: now, ExecuteAt: now + params.ColdkeySwapAnnouncementDelay}
	err = atomically(ctx, func(ctx sdk.Context) error {
		if cost > 0 {
			if err := k.bank.SendCoinsFromAccountToModule(ctx, coldkey, types.ModuleName, rao(cost)); err != nil {
				return err
			}
			if err := k.recycleTAO(ctx, cost, "coldkey_swap"); err != nil {
				return err
			}
		}
		if announced {
			if err := k.ColdkeySwapsDue.Remove(ctx, collections.Join(prior.ExecuteAt, coldkey)); err != nil {
				return err
			}
		}
		if err := k.setColdkeySwap(ctx, coldkey, swap); err != nil {
			return err
		}
		return emit(ctx, &types.EventColdkeySwapAnnounced{Coldkey: msg.Coldkey, NewColdkey: next.String(), ExecuteAt: swap.ExecuteAt, Cost: cost})
	})
	if err != nil {
		return nil, err
	}
	return &types.MsgSwapColdkeyResponse{ExecuteAt: swap.ExecuteAt, Cost: cost}, nil
}

// DisputeColdkeySwap stops the signer's announced swap until the authority resets it.
func (s msgServer) DisputeColdkeySwap(ctx context.Context, msg *types.MsgDisputeColdkeySwap) (*types.MsgDisputeColdkeySwapResponse, error) {
	k := s.k
	coldkey, swap, err := k.announcedSwap(ctx, msg.Coldkey)
	if err != nil {
		return nil, err
	}
	if swap.DisputedAt != 0 {
		return nil, errorsmod.Wrapf(types.ErrColdkeySwapDisputed, "coldkey %s already disputed its swap at block %d", msg.Coldkey, swap.DisputedAt)
	}
	swap.DisputedAt = blockHeight(ctx)
	if err := k.ColdkeySwapsDue.Remove(ctx, collections.Join(swap.ExecuteAt, coldkey)); err != nil {
		return nil, err
	}
	if err := k.ColdkeySwaps.Set(ctx, coldkey, swap); err != nil {
		return nil, err
	}
	return &types.MsgDisputeColdkeySwapResponse{}, emit(ctx, &types.EventColdkeySwapDisputed{Coldkey: msg.Coldkey})
}

// ClearColdkeySwap withdraws the signer's undisputed announcement once the re-announcement delay
// after its due block has passed.
func (s msgServer) ClearColdkeySwap(ctx context.Context, msg *types.MsgClearColdkeySwap) (*types.MsgClearColdkeySwapResponse, error) {
	k := s.k
	coldkey, swap, err := k.announcedSwap(ctx, msg.Coldkey)
	if err != nil {
		return nil, err
	}
	if swap.DisputedAt != 0 {
		return nil, errorsmod.Wrapf(types.ErrColdkeySwapDisputed, "coldkey %s disputed its swap at block %d", msg.Coldkey, swap.DisputedAt)
	}
	params, err := k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	now := blockHeight(ctx)
	if from := swap.ExecuteAt + params.ColdkeySwapReannouncementDelay; now < from {
		return nil, errorsmod.Wrapf(types.ErrColdkeySwapTooEarly, "coldkey %s may withdraw its announcement from block %d (now %d)", msg.Coldkey, from, now)
	}
	if err := k.deleteColdkeySwap(ctx, coldkey, swap); err != nil {
		return nil, err
	}
	return &types.MsgClearColdkeySwapResponse{}, emit(ctx, &types.EventColdkeySwapCleared{Coldkey: msg.Coldkey})
}

// ResetColdkeySwap is the authority's resolution of a dispute: the announcement and the dispute go.
func (s msgServer) ResetColdkeySwap(ctx context.Context, msg *types.MsgResetColdkeySwap) (*types.MsgResetColdkeySwapResponse, error) {
	k := s.k
	if err := k.requireAuthority(ctx, msg.Authority); err != nil {
		return nil, err
	}
	coldkey, swap, err := k.announcedSwap(ctx, msg.Coldkey)
	if err != nil {
		return nil, err
	}
	if err := k.deleteColdkeySwap(ctx, coldkey, swap); err != nil {
		return nil, err
	}
	return &types.MsgResetColdkeySwapResponse{}, emit(ctx, &types.EventColdkeySwapCleared{Coldkey: msg.Coldkey, ByAuthority: true})
}

// ColdkeySwap answers whether a coldkey has a swap announced, to whom, and when it runs.
func (q queryServer) ColdkeySwap(ctx context.Context, req *types.QueryColdkeySwapRequest) (*types.QueryColdkeySwapResponse, error) {
	if req == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidAddress, "empty request: give a coldkey")
	}
	coldkey, err := q.k.parseAddress("coldkey", req.Coldkey)
	if err != nil {
		return nil, err
	}
	swap, ok, err := q.k.coldkeySwap(ctx, coldkey)
	if err != nil || !ok {
		return &types.QueryColdkeySwapResponse{Coldkey: req.Coldkey}, err
	}
	return &types.QueryColdkeySwapResponse{
		Coldkey: req.Coldkey, Announced: true, NewColdkey: swap.NewColdkey.String(),
		AnnouncedAt: swap.AnnouncedAt, ExecuteAt: swap.ExecuteAt, DisputedAt: swap.DisputedAt, Blocked: true,
	}, nil
}

func (k Keeper) coldkeySwap(ctx context.Context, coldkey sdk.AccAddress) (types.ColdkeySwap, bool, error) {
	swap, err := k.ColdkeySwaps.Get(ctx, coldkey)
	if isNotFound(err) {
		return swap, false, nil
	}
	return swap, err == nil, err
}

// announcedSwap decodes a coldkey and reads its announcement, or ErrColdkeySwapNotFound.
func (k Keeper) announcedSwap(ctx context.Context, text string) (sdk.AccAddress, types.ColdkeySwap, error) {
	coldkey, err := k.parseAddress("coldkey", text)
	if err != nil {
		return nil, types.ColdkeySwap{}, err
	}
	swap, ok, err := k.coldkeySwap(ctx, coldkey)
	if err == nil && !ok {
		err = errorsmod.Wrapf(types.ErrColdkeySwapNotFound, "coldkey %s; announce one with swap-coldkey", text)
	}
	return coldkey, swap, err
}

// setColdkeySwap writes an undisputed announcement and its place in the queue.
func (k Keeper) setColdkeySwap(ctx context.Context, coldkey sdk.AccAddress, swap types.ColdkeySwap) error {
	if err := k.ColdkeySwaps.Set(ctx, coldkey, swap); err != nil {
		return err
	}
	if swap.DisputedAt != 0 {
		return nil
	}
	return k.ColdkeySwapsDue.Set(ctx, collections.Join(swap.ExecuteAt, coldkey))
}

func (k Keeper) deleteColdkeySwap(ctx context.Context, coldkey sdk.AccAddress, swap types.ColdkeySwap) error {
	if err := k.ColdkeySwapsDue.Remove(ctx, collections.Join(swap.ExecuteAt, coldkey)); err != nil {
		return err
	}
	return k.ColdkeySwaps.Remove(ctx, coldkey)
}

// KeySwapBlockStep is the key swaps' share of a block's start: the coldkey swaps that fell due
// run, and the per-subnet hotkey-swap records of one slice of subnets that can no longer hold a
// coldkey back are dropped (subtensor's clean_up_hotkey_swap_records, §2 step 1).
func (k Keeper) KeySwapBlockStep(ctx context.Context) error {
	if err := k.runDueColdkeySwaps(ctx); err != nil {
		return err
	}
	return k.pruneHotkeySwapRecords(ctx)
}

// runDueColdkeySwaps runs the announced swaps that fell due, oldest first, at most
// maxColdkeySwapsPerBlock. A swap that cannot run leaves nothing behind but an
// EventColdkeySwapFailed; its announcement stays until the coldkey replaces or withdraws it.
func (k Keeper) runDueColdkeySwaps(ctx context.Context) error {
	now := blockHeight(ctx)
	var due []collections.Pair[uint64, sdk.AccAddress]
	err := k.ColdkeySwapsDue.Walk(ctx, nil, func(key collections.Pair[uint64, sdk.AccAddress]) (bool, error) {
		if key.K1() > now {
			return true, nil
		}
		due = append(due, key)
		return len(due) == maxColdkeySwapsPerBlock, nil
	})
	if err != nil {
		return err
	}
	for _, key := range due {
		old := key.K2()
		if err := k.ColdkeySwapsDue.Remove(ctx, key); err != nil {
			return err
		}
		swap, ok, err := k.coldkeySwap(ctx, old)
		if err != nil {
			return err
		}
		if !ok || swap.DisputedAt != 0 {
			continue
		}
		err = atomically(ctx, func(ctx sdk.Context) error { return k.swapColdkey(ctx, old, swap.NewColdkey) })
		if err != nil {
			if errorsmod.IsOf(err, types.ErrNewColdkeyInUse) {
				if err := emit(ctx, &types.EventColdkeySwapFailed{OldColdkey: old.String(), NewColdkey: swap.NewColdkey.String(), Reason: err.Error()}); err != nil {
					return err
				}
				continue
			}
			return err
		}
		if err := k.ColdkeySwaps.Remove(ctx, old); err != nil {
			return err
		}
	}
	return nil
}

// pruneHotkeySwapRecords drops the expired per-subnet hotkey-swap records of the subnets whose
// netuid is the block number modulo the interval, so each subnet is visited once an interval (a
// record of a pruned subnet stays until a subnet reuses its netuid).
func (k Keeper) pruneHotkeySwapRecords(ctx context.Context) error {
	params, err := k.mustParams(ctx)
	if err != nil || params.HotkeySwapOnSubnetInterval == 0 {
		return err
	}
	interval, now := params.HotkeySwapOnSubnetInterval, blockHeight(ctx)
	netuids, err := k.Netuids(ctx)
	if err != nil {
		return err
	}
	var expired []collections.Pair[uint32, sdk.AccAddress]
	for _, netuid := range append([]uint32{rootNetuidForSwaps}, netuids...) {
		if uint64(netuid)%interval != now%interval {
			continue
		}
		err := k.HotkeySwapsOnSubnet.Walk(ctx, collections.NewPrefixedPairRange[uint32, sdk.AccAddress](netuid),
			func(key collections.Pair[uint32, sdk.AccAddress], block uint64) (bool, error) {
				if block+interval < now {
					expired = append(expired, key)
				}
				return false, nil
			})
		if err != nil {
			return err
		}
	}
	for _, key := range expired {
		if err := k.HotkeySwapsOnSubnet.Remove(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// swapColdkey moves everything old owns to next (do_swap_coldkey): its subnets, its stakes (shares
// as they are, so every stake keeps its value exactly), its hotkeys, and its spendable TAO.
func (k Keeper) swapColdkey(ctx context.Context, old, next sdk.AccAddress) error {
	inUse := func(what string) error {
		return errorsmod.Wrapf(types.ErrNewColdkeyInUse, "swapping coldkey %s to %s: the new coldkey %s", old, next, what)
	}
	if has, err := k.Owners.Has(ctx, next); err != nil {
		return err
	} else if has {
		return inUse("is a hotkey")
	}
	if staked, err := k.hasStake(ctx, next); err != nil {
		return err
	} else if staked {
		return inUse("holds stake")
	}

	var subnets uint32
	netuids, err := k.Netuids(ctx)
	if err != nil {
		return err
	}
	for _, netuid := range netuids {
		subnet, err := k.GetSubnet(ctx, netuid)
		if err != nil {
			return err
		}
		if subnet.Owner.Equals(old) {
			subnet.Owner = next
			if err := k.Subnets.Set(ctx, netuid, subnet); err != nil {
				return err
			}
			subnets++
		}
	}

	type holding struct {
		hotkey sdk.AccAddress
		netuid uint32
		shares sdkmath.Uint
	}
	var holdings []holding
	err = k.Stakes.Walk(ctx, collections.NewPrefixedTripleRange[sdk.AccAddress, sdk.AccAddress, uint32](old),
		func(key collections.Triple[sdk.AccAddress, sdk.AccAddress, uint32], shares sdkmath.Uint) (bool, error) {
			dissolving, err := k.Dissolutions.Has(ctx, key.K3())
			if !dissolving {
				holdings = append(holdings, holding{hotkey: key.K2(), netuid: key.K3(), shares: shares})
			}
			return false, err
		})
	if err != nil {
		return err
	}
	for _, h := range holdings {
		if err := k.removeStake(ctx, old, h.hotkey, h.netuid); err != nil {
			return err
		}
		if err := k.setStake(ctx, next, h.hotkey, h.netuid, h.shares); err != nil {
			return err
		}
	}

	var hotkeys []sdk.AccAddress
	err = k.OwnedHotkeys.Walk(ctx, collections.NewPrefixedPairRange[sdk.AccAddress, sdk.AccAddress](old),
		func(key collections.Pair[sdk.AccAddress, sdk.AccAddress]) (bool, error) {
			hotkeys = append(hotkeys, key.K2())
			return false, nil
		})
	if err != nil {
		return err
	}
	for _, h := range hotkeys {
		if err := k.OwnedHotkeys.Remove(ctx, collections.Join(old, h)); err != nil {
			return err
		}
		if err := k.OwnedHotkeys.Set(ctx, collections.Join(next, h)); err != nil {
			return err
		}
		if err := k.Owners.Set(ctx, h, next); err != nil {
			return err
		}
	}

	balance := k.bank.SpendableCoin(ctx, old, types.Denom)
	if balance.IsPositive() {
		if err := k.bank.SendCoins(ctx, old, next, sdk.NewCoins(balance)); err != nil {
			return err
		}
	}
	// The new coldkey starts its hotkey-swap rate limit now, as subtensor sets its last tx block.
	if err := k.LastHotkeySwap.Set(ctx, next, blockHeight(ctx)); err != nil {
		return err
	}
	return emit(ctx, &types.EventColdkeySwapped{
		OldColdkey: old.String(), NewColdkey: next.String(), Balance: balance.Amount.Uint64(),
		Stakes: uint32(len(holdings)), Hotkeys: uint32(len(hotkeys)), Subnets: subnets,
	})
}

// hasStake reports whether a coldkey holds any stake (subtensor: StakingHotkeys non-empty).
func (k Keeper) hasStake(ctx context.Context, coldkey sdk.AccAddress) (bool, error) {
	found := false
	err := k.Stakes.Walk(ctx, collections.NewPrefixedTripleRange[sdk.AccAddress, sdk.AccAddress, uint32](coldkey),
		func(collections.Triple[sdk.AccAddress, sdk.AccAddress, uint32], sdkmath.Uint) (bool, error) {
			found = true
			return true, nil
		})
	return found, err
}
