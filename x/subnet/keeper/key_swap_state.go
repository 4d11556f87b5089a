package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// The key-swap state in the genesis file and the identities it keeps: announced coldkey swaps
// (their due queue is rebuilt on import) and the hotkey-swap rate-limit records.

// exportKeySwaps writes the announced coldkey swaps and the rate-limit records, in store order.
func (k Keeper) exportKeySwaps(ctx context.Context, gs *types.GenesisState) error {
	err := k.ColdkeySwaps.Walk(ctx, nil, func(coldkey sdk.AccAddress, s types.ColdkeySwap) (bool, error) {
		gs.ColdkeySwaps = append(gs.ColdkeySwaps, types.GenesisColdkeySwap{
			Coldkey: coldkey.String(), NewColdkey: s.NewColdkey.String(),
			AnnouncedAt: s.AnnouncedAt, ExecuteAt: s.ExecuteAt, DisputedAt: s.DisputedAt,
		})
		return false, nil
	})
	if err != nil {
		return err
	}
	err = k.LastHotkeySwap.Walk(ctx, nil, func(coldkey sdk.AccAddress, block uint64) (bool, error) {
		gs.KeySwapBlocks = append(gs.KeySwapBlocks, types.GenesisKeySwapBlock{Coldkey: coldkey.String(), Block: block})
		return false, nil
	})
	if err != nil {
		return err
	}
	return k.HotkeySwapsOnSubnet.Walk(ctx, nil, func(key collections.Pair[uint32, sdk.AccAddress], block uint64) (bool, error) {
		gs.KeySwapBlocks = append(gs.KeySwapBlocks, types.GenesisKeySwapBlock{
			Coldkey: key.K2().String(), OnSubnet: true, Netuid: key.K1(), Block: block,
		})
		return false, nil
	})
}

// initKeySwaps reads them back and queues the undisputed swaps.
func (k Keeper) initKeySwaps(ctx context.Context, gs types.GenesisState) error {
	for i, g := range gs.ColdkeySwaps {
		coldkey, err := k.parseAddress("coldkey", g.Coldkey)
		if err != nil {
			return fmt.Errorf("coldkey_swaps[%d]: %w", i, err)
		}
		next, err := k.parseAddress("new_coldkey", g.NewColdkey)
		if err != nil {
			return fmt.Errorf("coldkey_swaps[%d]: %w", i, err)
		}
		if has, err := k.ColdkeySwaps.Has(ctx, coldkey); err != nil {
			return err
		} else if has {
			return fmt.Errorf("coldkey_swaps[%d]: coldkey %s announced twice", i, g.Coldkey)
		}
		swap := types.ColdkeySwap{NewColdkey: next, AnnouncedAt: g.AnnouncedAt, ExecuteAt: g.ExecuteAt, DisputedAt: g.DisputedAt}
		if err := k.setColdkeySwap(ctx, coldkey, swap); err != nil {
			return err
		}
	}
	for i, g := range gs.KeySwapBlocks {
		coldkey, err := k.parseAddress("coldkey", g.Coldkey)
		if err != nil {
			return fmt.Errorf("key_swap_blocks[%d]: %w", i, err)
		}
		if g.OnSubnet {
			err = k.HotkeySwapsOnSubnet.Set(ctx, pairKey(g.Netuid, coldkey), g.Block)
		} else {
			err = k.LastHotkeySwap.Set(ctx, coldkey, g.Block)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// checkOwnershipIndexes is the invariant that swaps keep the key indexes in step: every owner is
// indexed under its coldkey and every index entry is an owner; every neuron's hotkey has an owner
// and the uid index points at it; every subnet's owner hotkey has an owner.
func checkOwnershipIndexes(ctx context.Context, k Keeper) (bool, string, error) {
	var owners, indexed, bad uint64
	err := k.Owners.Walk(ctx, nil, func(hotkey, coldkey sdk.AccAddress) (bool, error) {
		owners++
		has, err := k.OwnedHotkeys.Has(ctx, collections.Join(coldkey, hotkey))
		if !has {
			bad++
		}
		return false, err
	})
	if err != nil {
		return false, "", err
	}
	err = k.OwnedHotkeys.Walk(ctx, nil, func(key collections.Pair[sdk.AccAddress, sdk.AccAddress]) (bool, error) {
		indexed++
		return false, nil
	})
	if err != nil {
		return false, "", err
	}
	var neurons uint64
	err = k.Neurons.Walk(ctx, nil, func(key collectionsPair, n types.Neuron) (bool, error) {
		neurons++
		uid, err := k.Uids.Get(ctx, pairKey(key.K1(), n.Hotkey))
		switch {
		case isNotFound(err):
			bad++
			return false, nil
		case err != nil:
			return true, err
		}
		has, err := k.Owners.Has(ctx, n.Hotkey)
		if uid != key.K2() || !has {
			bad++
		}
		return false, err
	})
	if err != nil {
		return false, "", err
	}
	err = k.Subnets.Walk(ctx, nil, func(_ uint32, s types.Subnet) (bool, error) {
		has, err := k.Owners.Has(ctx, s.OwnerHotkey)
		if !has {
			bad++
		}
		return false, err
	})
	if err != nil {
		return false, "", err
	}
	return bad == 0 && owners == indexed,
		fmt.Sprintf("%d owned hotkeys, %d index entries, %d neurons; %d without an owner, index or uid entry", owners, indexed, neurons, bad), nil
}

// checkColdkeySwapQueue is the invariant that the due queue holds every undisputed announcement
// not yet due, each at its due block, and nothing else (a due one that could not run leaves it).
func checkColdkeySwapQueue(ctx context.Context, k Keeper) (bool, string, error) {
	now := blockHeight(ctx)
	var announced, queued, bad uint64
	err := k.ColdkeySwaps.Walk(ctx, nil, func(coldkey sdk.AccAddress, s types.ColdkeySwap) (bool, error) {
		announced++
		if s.DisputedAt != 0 || s.ExecuteAt <= now {
			return false, nil
		}
		has, err := k.ColdkeySwapsDue.Has(ctx, collections.Join(s.ExecuteAt, coldkey))
		if !has {
			bad++
		}
		return false, err
	})
	if err != nil {
		return false, "", err
	}
	err = k.ColdkeySwapsDue.Walk(ctx, nil, func(key collections.Pair[uint64, sdk.AccAddress]) (bool, error) {
		queued++
		s, ok, err := k.coldkeySwap(ctx, key.K2())
		if !ok || s.DisputedAt != 0 || s.ExecuteAt != key.K1() {
			bad++
		}
		return false, err
	})
	return bad == 0,
		fmt.Sprintf("%d coldkey swaps announced, %d queued, %d out of step", announced, queued, bad), err
}
