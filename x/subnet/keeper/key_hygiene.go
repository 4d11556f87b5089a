package keeper

import (
	"context"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Key hygiene (§8.1, §8.6): a coldkey takes ownership of a hotkey without registering it
// (try_associate_hotkey), gives up one that holds nothing (a gotensor addition), and a nominator's
// stake left below nominator_min_required_stake by an unstake is unstaked whole
// (clear_small_nomination_if_required).

// AssociateHotkey makes the signer the owner of a hotkey no one owns, so it can be staked to and
// later registered; a hotkey the signer already owns is left as it is.
func (s msgServer) AssociateHotkey(ctx context.Context, msg *types.MsgAssociateHotkey) (*types.MsgAssociateHotkeyResponse, error) {
	k := s.k
	coldkey, hotkey, err := k.parseKeys(msg.Coldkey, msg.Hotkey)
	if err != nil {
		return nil, err
	}
	if err := k.checkHotkeyUsableBy(ctx, coldkey, hotkey); err != nil {
		return nil, err
	}
	if _, owned, err := k.HotkeyOwner(ctx, hotkey); err != nil || owned {
		return &types.MsgAssociateHotkeyResponse{}, err
	}
	if err := k.claimHotkey(ctx, coldkey, hotkey); err != nil {
		return nil, err
	}
	return &types.MsgAssociateHotkeyResponse{}, emit(ctx, &types.EventHotkeyAssociated{Coldkey: msg.Coldkey, Hotkey: msg.Hotkey})
}

// DisassociateHotkey ends the signer's ownership of a hotkey that holds no uid, no stake on any
// subnet or the root network, and is no subnet's owner hotkey; its take record goes with it.
func (s msgServer) DisassociateHotkey(ctx context.Context, msg *types.MsgDisassociateHotkey) (*types.MsgDisassociateHotkeyResponse, error) {
	k := s.k
	coldkey, hotkey, err := k.parseKeys(msg.Coldkey, msg.Hotkey)
	if err != nil {
		return nil, err
	}
	if err := k.requireOwnedHotkey(ctx, coldkey, hotkey); err != nil {
		return nil, err
	}
	if netuid, ok, err := k.registeredAnywhere(ctx, hotkey); err != nil {
		return nil, err
	} else if ok {
		return nil, errorsmod.Wrapf(types.ErrHotkeyInUse, "hotkey %s holds a uid on subnet %d", msg.Hotkey, netuid)
	}
	var staked []uint32
	err = k.HotkeyPools.Walk(ctx, collections.NewPrefixedPairRange[sdk.AccAddress, uint32](hotkey),
		func(key collections.Pair[sdk.AccAddress, uint32], _ types.HotkeyPool) (bool, error) {
			staked = append(staked, key.K2())
			return true, nil
		})
	if err != nil {
		return nil, err
	}
	if len(staked) > 0 {
		return nil, errorsmod.Wrapf(types.ErrHotkeyInUse, "hotkey %s has stake on subnet %d; its nominators unstake first", msg.Hotkey, staked[0])
	}
	netuids, err := k.Netuids(ctx)
	if err != nil {
		return nil, err
	}
	for _, netuid := range netuids {
		subnet, err := k.GetSubnet(ctx, netuid)
		if err != nil {
			return nil, err
		}
		if subnet.OwnerHotkey.Equals(hotkey) {
			return nil, errorsmod.Wrapf(types.ErrHotkeyInUse, "hotkey %s is subnet %d's owner hotkey", msg.Hotkey, netuid)
		}
	}
	for _, remove := range []func() error{
		func() error { return k.Owners.Remove(ctx, hotkey) },
		func() error { return k.OwnedHotkeys.Remove(ctx, collections.Join(coldkey, hotkey)) },
		func() error { return k.Delegates.Remove(ctx, hotkey) },
	} {
		if err := remove(); err != nil {
			return nil, err
		}
	}
	return &types.MsgDisassociateHotkeyResponse{}, emit(ctx, &types.EventHotkeyDisassociated{Coldkey: msg.Coldkey, Hotkey: msg.Hotkey})
}

// NominatorMinStake is the smallest TAO value, in rao, a nominator may keep on a hotkey:
// nominator_min_required_stake millionths of min_stake (get_nominator_min_required_stake).
func NominatorMinStake(p types.Params) uint64 {
	return mulDivFloor(p.MinStake, p.NominatorMinRequiredStake, 1_000_000)
}

// clearSmallNomination unstakes a nominator's whole stake on a hotkey when it is worth less than
// NominatorMinStake at the spot price, paying the coldkey its TAO. The hotkey's own coldkey is
// never a nominator. Where the pool cannot buy the alpha back the stake stays (subtensor deletes
// it unpaid): no stake is destroyed for being small.
func (k Keeper) clearSmallNomination(ctx context.Context, hotkey, coldkey sdk.AccAddress, netuid uint32, params types.Params) error {
	least := NominatorMinStake(params)
	if least == 0 {
		return nil
	}
	if owner, ok, err := k.HotkeyOwner(ctx, hotkey); err != nil || (ok && owner.Equals(coldkey)) {
		return err
	}
	staked, err := k.StakeOf(ctx, hotkey, coldkey, netuid)
	if err != nil || staked == 0 {
		return err
	}
	pool, err := k.GetPool(ctx, netuid)
	if err != nil {
		return err
	}
	r := reservesOf(pool)
	if r.tao == 0 || staked >= mulDivFloor(least, r.alpha, r.tao) {
		return nil
	}
	if _, err := quoteSell(r, newSwapRequest(params, staked, 0, false, false)); err != nil {
		return nil // the pool cannot pay it out now; the stake stays
	}
	return atomically(ctx, func(ctx sdk.Context) error {
		if err := k.unstakeAlpha(ctx, hotkey, coldkey, netuid, staked); err != nil {
			return err
		}
		res, err := k.swapAlphaForTao(ctx, netuid, staked, 0, false)
		if err != nil {
			return err
		}
		if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, coldkey, rao(res.AmountOut)); err != nil {
			return err
		}
		return emit(ctx, &types.EventSmallNominationCleared{
			Coldkey: coldkey.String(), Hotkey: hotkey.String(), Netuid: netuid, Alpha: staked, Tao: res.AmountOut,
		})
	})
}
