package keeper

import (
	"context"
	"math"
	"math/bits"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Lock cost (§6.4): the TAO a subnet registration locks into its pool, doubled by each
// registration and decaying back block by block.

// lockCost is §6.4's get_network_lock_cost: twice the last lock paid (once before any subnet was
// registered), less last_lock/interval for every block since, never below the minimum.
func lockCost(reg types.NetworkRegistration, p types.Params, block uint64) uint64 {
	last := reg.LastLockCost
	if last == 0 {
		last = p.NetworkMinLockCost
	}
	var mult uint64 = 1
	if reg.Registered {
		mult = 2
	}
	cost := saturatingProduct(last, mult)
	cost = satSub(cost, saturatingProduct(last/p.NetworkLockReductionInterval, satSub(block, reg.LastLockBlock)))
	return max(cost, p.NetworkMinLockCost)
}

func saturatingProduct(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return math.MaxUint64
	}
	return lo
}

// LockCost is the TAO a subnet registered now locks, in rao.
func (k Keeper) LockCost(ctx context.Context) (uint64, error) {
	p, err := k.mustParams(ctx)
	if err != nil {
		return 0, err
	}
	reg, err := getOrZero(ctx, k.NetworkRegistration.Get)
	if err != nil {
		return 0, err
	}
	return lockCost(reg, p, blockHeight(ctx)), nil
}

func (q queryServer) LockCost(ctx context.Context, _ *types.QueryLockCostRequest) (*types.QueryLockCostResponse, error) {
	cost, err := q.k.LockCost(ctx)
	if err != nil {
		return nil, err
	}
	return &types.QueryLockCostResponse{LockCost: cost}, nil
}
