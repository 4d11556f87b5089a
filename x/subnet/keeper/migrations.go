package keeper

import (
	"context"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// IndexStakes is the v1→v2 store migration: it builds the by-subnet indexes of Stakes and
// HotkeyPools that bounded subnet dissolution walks. It runs once, in the upgrade's block.
func (k Keeper) IndexStakes(ctx context.Context) error {
	err := k.Stakes.Walk(ctx, nil, func(key collections.Triple[sdk.AccAddress, sdk.AccAddress, uint32], _ sdkmath.Uint) (bool, error) {
		return false, k.SubnetStakes.Set(ctx, collections.Join3(key.K3(), key.K2(), key.K1()))
	})
	if err != nil {
		return err
	}
	return k.HotkeyPools.Walk(ctx, nil, func(key collections.Pair[sdk.AccAddress, uint32], _ types.HotkeyPool) (bool, error) {
		return false, k.SubnetHotkeyPools.Set(ctx, pairKey(key.K2(), key.K1()))
	})
}
