package keeper

import (
	"context"
	"math"
	"math/big"

	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Executing swaps on a subnet's pool (§6.2, §6.3). TAO stays in the module account throughout:
// Pool.tao is the part of it that belongs to the pool, so the module account holds Σ Pool.tao
// between operations. Alpha is accounting only: a swap moves it between alpha_in and alpha_out.

// SwapResult is one swap as executed. AmountIn entered the pool and AmountOut left it; Fee was
// charged on top of AmountIn, in the unit paid in (TAO on a buy, alpha on a sell).
type SwapResult struct{ AmountIn, AmountOut, Fee uint64 }

// Price is the pool's spot price in TAO per alpha, (w1/w2)·(tao/alpha_in) as §6.2 computes it
// (tao/alpha_in at equal weights; 0 while alpha_in is 0).
func (k Keeper) Price(ctx context.Context, netuid uint32) (fixed.U64F64, error) {
	pool, err := k.GetPool(ctx, netuid)
	if err != nil {
		return fixed.U64F64{}, err
	}
	return reservePrice(reservesOf(pool)), nil
}

func reservePrice(r poolReserves) fixed.U64F64 { return r.weights().price(r.alpha, r.tao) }

func reservesOf(p types.Pool) poolReserves {
	return poolReserves{tao: p.Tao, alpha: p.AlphaIn, quote: p.QuoteWeight}
}

// swapTaoForAlpha buys alpha with tao rao that are already in the module account. The fee goes to
// the fee collector unless dropFees (chain buys). If limitPrice (rao per alpha, 0 for none) stops
// the swap early, the unspent tao − AmountIn − Fee is still in the module account and the caller
// must return it. The alpha bought moves from alpha_in to alpha_out; the caller credits it.
func (k Keeper) swapTaoForAlpha(ctx context.Context, netuid uint32, tao, limitPrice uint64, dropFees bool) (SwapResult, error) {
	pool, params, err := k.swapTerms(ctx, netuid)
	if err != nil {
		return SwapResult{}, err
	}
	q, err := quoteBuy(reservesOf(pool), newSwapRequest(params, tao, limitPrice, true, dropFees))
	if err != nil {
		return SwapResult{}, err
	}
	alphaOut, ok := addAlpha(pool.AlphaOut, q.AmountOut)
	if !ok {
		return SwapResult{}, errorsmod.Wrapf(types.ErrInconsistentState, "subnet %d: alpha_out %d + %d overflows", netuid, pool.AlphaOut, q.AmountOut)
	}
	pool.Tao, pool.AlphaIn, pool.AlphaOut = q.after.tao, q.after.alpha, alphaOut
	return q.SwapResult, k.settleSwap(ctx, netuid, pool, q.AmountIn+q.Fee, q.feeTao)
}

// swapAlphaForTao sells alpha that the caller has already taken out of a stake: it moves from
// alpha_out back into the pool. The TAO bought stays in the module account for the caller to send
// on; the alpha fee is sold too, fee-free, and its TAO goes to the fee collector. If limitPrice
// stops the swap early, alpha − AmountIn − Fee was not sold and is still the caller's.
func (k Keeper) swapAlphaForTao(ctx context.Context, netuid uint32, alpha, limitPrice uint64, dropFees bool) (SwapResult, error) {
	pool, params, err := k.swapTerms(ctx, netuid)
	if err != nil {
		return SwapResult{}, err
	}
	q, err := quoteSell(reservesOf(pool), newSwapRequest(params, alpha, limitPrice, true, dropFees))
	if err != nil {
		return SwapResult{}, err
	}
	sold := q.AmountIn + q.Fee
	if pool.AlphaOut < sold {
		return SwapResult{}, errorsmod.Wrapf(types.ErrInconsistentState,
			"subnet %d: selling %d alpha but alpha_out counts only %d", netuid, sold, pool.AlphaOut)
	}
	pool.Tao, pool.AlphaIn, pool.AlphaOut = q.after.tao, q.after.alpha, pool.AlphaOut-sold
	return q.SwapResult, k.settleSwap(ctx, netuid, pool, q.AmountOut+q.feeTao, q.feeTao)
}

// settleSwap stores the pool with traded more TAO in its volume and pays feeTao to the fee collector.
func (k Keeper) settleSwap(ctx context.Context, netuid uint32, pool types.Pool, traded, feeTao uint64) error {
	pool.Volume = zeroIfNil(pool.Volume).Add(sdkmath.NewUint(traded))
	if err := k.Pools.Set(ctx, netuid, pool); err != nil {
		return err
	}
	if feeTao == 0 {
		return nil
	}
	return k.bank.SendCoinsFromModuleToModule(ctx, types.ModuleName, authtypes.FeeCollectorName, rao(feeTao))
}

// swapTerms reads a subnet's pool and the parameters that price its swaps.
func (k Keeper) swapTerms(ctx context.Context, netuid uint32) (types.Pool, types.Params, error) {
	pool, err := k.GetPool(ctx, netuid)
	if err != nil {
		return types.Pool{}, types.Params{}, err
	}
	params, err := k.mustParams(ctx)
	return pool, params, err
}

func newSwapRequest(p types.Params, amount, limit uint64, allowPartial, dropFees bool) swapRequest {
	rate := p.SwapFeeRate
	if dropFees {
		rate = 0
	}
	return swapRequest{amount: amount, limit: limit, allowPartial: allowPartial, feeRate: rate, minReserve: p.MinPoolReserve}
}

// SwapQuote simulates a stake (TAO → alpha) or an unstake (alpha → TAO) of the whole amount at the
// pool's current state, fee included and without a limit price.
func (q queryServer) SwapQuote(ctx context.Context, req *types.QuerySwapQuoteRequest) (*types.QuerySwapQuoteResponse, error) {
	if req == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidAmount, "empty request")
	}
	if err := checkNetuidRange(req.Netuid); err != nil {
		return nil, err
	}
	if _, err := q.k.GetSubnet(ctx, req.Netuid); err != nil {
		return nil, err
	}
	pool, params, err := q.k.swapTerms(ctx, req.Netuid)
	if err != nil {
		return nil, err
	}
	before := reservesOf(pool)
	quote := quoteSell
	if req.Stake {
		quote = quoteBuy
	}
	sq, err := quote(before, newSwapRequest(params, req.Amount, 0, false, false))
	if err != nil {
		return nil, err
	}
	return &types.QuerySwapQuoteResponse{
		AmountIn:    sq.AmountIn,
		AmountOut:   sq.AmountOut,
		Fee:         sq.Fee,
		PriceBefore: reservePrice(before).String(),
		PriceAfter:  reservePrice(sq.after).String(),
		SlippagePpm: slippagePpm(before, sq, req.Stake),
	}, nil
}

// slippagePpm is how much worse than the spot price a swap pays, fee included, in parts per
// million (floored): a buy's TAO per alpha above spot, a sell's below it. The spot price is
// w1·y/(w2·x), so x is weighed by w2 and y by w1 (a common factor at equal weights).
func slippagePpm(r poolReserves, q swapQuote, buy bool) uint64 {
	paid := new(big.Int).SetUint64(q.AmountIn + q.Fee)
	got := new(big.Int).SetUint64(q.AmountOut)
	w := r.weights()
	x := new(big.Int).Mul(new(big.Int).SetUint64(r.alpha), new(big.Int).SetUint64(w.quote))
	y := new(big.Int).Mul(new(big.Int).SetUint64(r.tao), new(big.Int).SetUint64(w.base()))
	// Buy: effective/spot = paid·x/(got·y). Sell: effective/spot = got·x/(paid·y).
	var worse, base *big.Int
	if buy {
		base = new(big.Int).Mul(got, y)
		worse = new(big.Int).Sub(new(big.Int).Mul(paid, x), base)
	} else {
		base = new(big.Int).Mul(paid, y)
		worse = new(big.Int).Sub(base, new(big.Int).Mul(got, x))
	}
	if base.Sign() == 0 || worse.Sign() <= 0 {
		return 0
	}
	worse.Mul(worse, big.NewInt(1_000_000)).Quo(worse, base)
	if !worse.IsUint64() {
		return math.MaxUint64
	}
	return worse.Uint64()
}
