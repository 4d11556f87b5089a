package keeper

import (
	"context"
	"encoding/binary"
	"math"

	errorsmod "cosmossdk.io/errors"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Network pruning (§6.4): past the subnet limit, a registration dissolves the subnet with the
// lowest moving price among those out of immunity (dissolve.go pays it out).

// movingPrice decodes a pool's moving price (I96F32 bits, 16 bytes big-endian; empty is 0).
func movingPrice(p types.Pool) (fixed.I96F32, error) {
	switch len(p.MovingPrice) {
	case 0:
		return fixed.I96F32{}, nil
	case 16:
		return fixed.I96F32FromBits(int64(binary.BigEndian.Uint64(p.MovingPrice[:8])), binary.BigEndian.Uint64(p.MovingPrice[8:])), nil
	}
	return fixed.I96F32{}, errorsmod.Wrapf(types.ErrInconsistentState, "moving price is %d bytes, not 16", len(p.MovingPrice))
}

// networkToPrune is the subnet a registration beyond the subnet limit dissolves: among those past
// their immunity, the lowest moving price, then the earliest registered, then the lowest netuid.
func (k Keeper) networkToPrune(ctx context.Context, p types.Params, block uint64) (netuid uint32, ok bool, err error) {
	var bestPrice fixed.I96F32
	var bestAt uint64
	err = k.Subnets.Walk(ctx, nil, func(n uint32, s types.Subnet) (bool, error) {
		if block < s.RegisteredAt+min(p.NetworkImmunityPeriod, math.MaxUint64-s.RegisteredAt) {
			return false, nil
		}
		pool, err := k.GetPool(ctx, n)
		if err != nil {
			return true, err
		}
		price, err := movingPrice(pool)
		if err != nil {
			return true, err
		}
		if !ok || price.Lt(bestPrice) || (price.Cmp(bestPrice) == 0 && s.RegisteredAt < bestAt) {
			netuid, ok, bestPrice, bestAt = n, true, price, s.RegisteredAt
		}
		return false, nil
	})
	return netuid, ok, err
}
