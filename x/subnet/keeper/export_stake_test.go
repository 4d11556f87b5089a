package keeper

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// The pool and share-pool entry points other rule families call, opened to the keeper_test package.

func (k Keeper) StakeAlpha(ctx context.Context, hotkey, coldkey sdk.AccAddress, netuid uint32, alpha uint64) error {
	return k.stakeAlpha(ctx, hotkey, coldkey, netuid, alpha)
}

func (k Keeper) UnstakeAlpha(ctx context.Context, hotkey, coldkey sdk.AccAddress, netuid uint32, alpha uint64) error {
	return k.unstakeAlpha(ctx, hotkey, coldkey, netuid, alpha)
}

func (k Keeper) AddToHotkeyPool(ctx context.Context, hotkey sdk.AccAddress, netuid uint32, alpha uint64) error {
	return k.addToHotkeyPool(ctx, hotkey, netuid, alpha)
}

func (k Keeper) SwapTaoForAlpha(ctx context.Context, netuid uint32, tao, limitPrice uint64, dropFees bool) (SwapResult, error) {
	return k.swapTaoForAlpha(ctx, netuid, tao, limitPrice, dropFees)
}

func (k Keeper) SwapAlphaForTao(ctx context.Context, netuid uint32, alpha, limitPrice uint64, dropFees bool) (SwapResult, error) {
	return k.swapAlphaForTao(ctx, netuid, alpha, limitPrice, dropFees)
}
