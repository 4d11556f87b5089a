package keeper

import (
	"context"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Reserve weights move in one place on subtensor's HEAD chain: the block's liquidity injection
// (§5.4 step 1, adjust_protocol_liquidity). The TAO and alpha a subnet's pool takes each block are
// in the proportion of its price only up to rounding (and not at all once the root proportion
// caps the alpha), so before they are added the weights are recomputed to keep the price where it
// is (§6.2, "Liquidity injection"). Swaps never change the weights. The rule runs while the
// pool_weight_updates parameter is on; off (the default) every pool keeps equal weights and is
// the constant-product pool it always was.

// reweightForInjection recomputes a pool's weights for this block's injection `in`, from its
// reserves before the chain's buy, as subtensor orders it, and stores them (0 for equal weights).
// If the weights the injection needs leave [0.01, 0.99], the pool keeps its weights and the
// injection is cut to nothing: the TAO is recycled and no alpha is minted into the pool (the
// chain's buy with the excess TAO is not part of it and still happens).
func (k Keeper) reweightForInjection(ctx context.Context, netuid uint32, pool *types.Pool, in injection) (injection, error) {
	before := balancerOf(pool.QuoteWeight)
	after, ok := before.afterLiquidity(pool.Tao, pool.AlphaIn, in.taoIn, in.alphaIn)
	if !ok {
		refused := in
		in.taoIn, in.alphaIn = 0, 0
		return in, emit(ctx, &types.EventInjectionRefused{
			Netuid: netuid, QuoteWeight: before.quote, RefusedQuoteWeight: after.quote,
			TaoIn: refused.taoIn, AlphaIn: refused.alphaIn,
		})
	}
	if after == before {
		return in, nil
	}
	pool.QuoteWeight = storedWeight(after)
	if err := k.Pools.Set(ctx, netuid, *pool); err != nil {
		return in, err
	}
	return in, emit(ctx, &types.EventPoolReweighted{
		Netuid: netuid, QuoteWeightBefore: before.quote, QuoteWeight: after.quote,
		TaoIn: in.taoIn, AlphaIn: in.alphaIn,
	})
}

// storedWeight is a balancer as Pool.quote_weight records it: 0 for equal weights, so a pool whose
// weights come back to ½ is stored as it was before weights existed.
func storedWeight(b balancer) uint64 {
	if b.equal() {
		return 0
	}
	return b.quote
}
