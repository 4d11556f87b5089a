package keeper

import (
	"context"
	"fmt"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Delegate take (§8.5): the u16 share of a hotkey's dividends its owner keeps before the rest
// goes to its nominators. Nominators are protected from a bait and switch: a take may fall at any
// time but rise only once per DelegateTakeRateLimit blocks after its last change, so a delegate
// cannot lower its take to attract stake and raise it straight back.

// DelegateTake is a hotkey's take; a hotkey that never set one takes Params.MaxDelegateTake (§8.1).
func (k Keeper) DelegateTake(ctx context.Context, hotkey sdk.AccAddress) (uint32, error) {
	d, err := k.delegate(ctx, hotkey)
	return d.Take, err
}

func (k Keeper) delegate(ctx context.Context, hotkey sdk.AccAddress) (types.Delegate, error) {
	d, err := k.Delegates.Get(ctx, hotkey)
	if !isNotFound(err) {
		return d, err
	}
	params, err := k.mustParams(ctx)
	if err != nil {
		return types.Delegate{}, err
	}
	return types.Delegate{Take: params.MaxDelegateTake}, nil
}

// SetDelegateTake changes a hotkey's take; only the coldkey owning the hotkey may.
func (s msgServer) SetDelegateTake(ctx context.Context, msg *types.MsgSetDelegateTake) (*types.MsgSetDelegateTakeResponse, error) {
	k := s.k
	coldkey, hotkey, err := k.parseKeys(msg.Coldkey, msg.Hotkey)
	if err != nil {
		return nil, err
	}
	owner, ok, err := k.HotkeyOwner(ctx, hotkey)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errorsmod.Wrapf(types.ErrHotkeyNotFound, "%s", msg.Hotkey)
	}
	if !owner.Equals(coldkey) {
		return nil, errorsmod.Wrapf(types.ErrHotkeyNotOwned, "hotkey %s belongs to %s; sign with that coldkey", msg.Hotkey, owner)
	}
	params, err := k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	if msg.Take < params.MinDelegateTake || msg.Take > params.MaxDelegateTake {
		return nil, errorsmod.Wrapf(types.ErrTakeOutOfRange, "take %d (%s) must be between %d (%s) and %d (%s)",
			msg.Take, takePercent(msg.Take), params.MinDelegateTake, takePercent(params.MinDelegateTake),
			params.MaxDelegateTake, takePercent(params.MaxDelegateTake))
	}
	d, err := k.delegate(ctx, hotkey)
	if err != nil {
		return nil, err
	}
	now := blockHeight(ctx)
	switch {
	case msg.Take == d.Take:
		return nil, errorsmod.Wrapf(types.ErrTakeUnchanged, "hotkey %s already takes %d (%s)", msg.Hotkey, d.Take, takePercent(d.Take))
	case msg.Take > d.Take && takeIncreaseLimited(d.LastTakeIncrease, now, params.DelegateTakeRateLimit):
		return nil, errorsmod.Wrapf(types.ErrTakeRateLimit,
			"hotkey %s changed its take at block %d; it may raise it from block %d (now %d)",
			msg.Hotkey, d.LastTakeIncrease, d.LastTakeIncrease+params.DelegateTakeRateLimit+1, now)
	}
	// A decrease also restarts the clock (§8.5), which is what stops lower-then-raise.
	d.Take, d.LastTakeIncrease = msg.Take, now
	if err := k.Delegates.Set(ctx, hotkey, d); err != nil {
		return nil, err
	}
	return &types.MsgSetDelegateTakeResponse{}, emit(ctx, &types.EventDelegateTakeSet{Hotkey: msg.Hotkey, Take: msg.Take})
}

// takeIncreaseLimited is subtensor's rate limit: a change at block last (0: never) blocks an
// increase for the next limit blocks.
func takeIncreaseLimited(last, now, limit uint64) bool {
	return limit != 0 && last != 0 && satSub(now, last) <= limit
}

// takePercent renders a u16 take as a percentage with two decimals, e.g. 11796 → "18.00 %".
func takePercent(take uint32) string {
	bp := (uint64(take)*10_000 + types.MaxU16/2) / types.MaxU16 // basis points, rounded
	return fmt.Sprintf("%d.%02d %%", bp/100, bp%100)
}
