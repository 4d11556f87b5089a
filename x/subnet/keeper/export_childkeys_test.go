package keeper

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// ParentChildDividends exposes the §8.4 split of one hotkey's dividend, as hotkey → rao.
func (k Keeper) ParentChildDividends(ctx context.Context, netuid uint32, hotkey sdk.AccAddress, d uint64) (map[string]uint64, error) {
	params, err := k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	parts, err := k.parentChildDividends(ctx, netuid, hotkey, d, params)
	if err != nil {
		return nil, err
	}
	out := map[string]uint64{}
	for _, p := range parts {
		out[p.hotkey.String()] += p.amount
	}
	return out, nil
}

// Inherit exposes §8.3's arithmetic for one stake kind.
func Inherit(own uint64, children []types.ChildLink, parentStakes []uint64, parents []types.ChildLink) uint64 {
	return inherit(own, children, parentStakes, parents)
}
