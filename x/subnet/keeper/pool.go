package keeper

import (
	"math/big"
	"math/bits"

	errorsmod "cosmossdk.io/errors"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// A subnet's pool is §6.2's weighted pool of TAO (y) against alpha (x). With equal weights, as
// every pool has until an injection reweights it (pool_weights.go), it is a constant-product pool
// and every quantity here is an exact integer: an output is floor(r_out·Δ/(r_in+Δ)), so rounding
// always stays in the pool and x·y never decreases. (subtensor goes through a 1e18-scaled power
// and can round the other way by a rao; DESIGN.md chooses exact.) With unequal weights the
// outputs, fees and limit amounts are subtensor's own arithmetic (balancer.go). Nothing in this
// file reads or writes state: swap.go applies these quotes.

const (
	// feeDenominator: a fee rate r takes r/65535 of what is paid in (§6.2).
	feeDenominator = 65535
	// maxSwapMultiple bounds what one swap may pay in, net of fee, as a multiple of the reserve it
	// pays into (§6.2 step 1).
	maxSwapMultiple = 1000
	// limitPriceScale: limit prices are rao per alpha, i.e. TAO per alpha × 1e9.
	limitPriceScale = types.RaoPerTAO
)

// poolReserves are the two sides of a pool, TAO and alpha in the pool (Pool.tao, Pool.alpha_in),
// and TAO's reserve weight (Pool.quote_weight, 0 for equal weights).
type poolReserves struct{ tao, alpha, quote uint64 }

func (r poolReserves) weights() balancer { return balancerOf(r.quote) }

// swapQuote is what one swap would do to a pool. AmountIn + Fee is what it takes from the trader;
// when a limit price stops it early that is less than was offered, and the rest stays with them.
type swapQuote struct {
	SwapResult
	// feeTao is the TAO the fee collector receives: the fee itself on a buy; on a sell, what the
	// alpha fee fetches when sold into the pool fee-free after the trade (§6.3).
	feeTao uint64
	// after are the pool's reserves once the swap (and, on a sell, the fee's sale) is done.
	after poolReserves
	// limitAt are the reserves whose price a limit is checked against: after (a buy, or a sale
	// in an equal-weight pool), or, in a weighted pool's sale, the reserves before the fee is sold,
	// as subtensor checks it.
	limitAt poolReserves
	// partial is set when the limit price stopped the swap before the whole amount was used.
	partial bool
}

// swapRequest is a trade to quote. limit is in rao per alpha: the highest price a buy may push the
// pool to, the lowest a sell may; 0 is no limit. Without allowPartial a trade that would cross the
// limit is refused; with it, the part that fits executes.
type swapRequest struct {
	amount       uint64
	limit        uint64
	allowPartial bool
	feeRate      uint32
	minReserve   uint64
}

// quoteBuy prices a TAO → alpha swap of req.amount rao, fee included.
func quoteBuy(r poolReserves, req swapRequest) (swapQuote, error) {
	fee, in, err := splitFee(r, req)
	if err != nil {
		return swapQuote{}, err
	}
	if tooLarge(in, r.tao) {
		return swapQuote{}, errorsmod.Wrapf(types.ErrSwapTooLarge,
			"%s TAO net of fee is more than %d× the pool's %s TAO; stake at most %s TAO",
			types.FormatTAO(in), maxSwapMultiple, types.FormatTAO(r.tao), types.FormatTAO(maxGross(r.tao, req.feeRate)))
	}
	if r.alpha < req.minReserve {
		return swapQuote{}, errorsmod.Wrapf(types.ErrPoolReservesTooLow,
			"the pool holds %d alpha rao, below the %d it must keep to sell any", r.alpha, req.minReserve)
	}
	if req.limit != 0 && priceCmp(r, req.limit) >= 0 {
		return swapQuote{}, errorsmod.Wrapf(types.ErrSlippage,
			"the price is already %s TAO/alpha, at or above your limit of %s; raise the limit to stake",
			formatPrice(r), types.FormatTAO(req.limit))
	}
	q := buyExactly(r, fee, in)
	if req.limit != 0 && priceCmp(q.limitAt, req.limit) > 0 {
		if fitsFee, fits, smaller := buyFit(r, req, in); smaller {
			if !req.allowPartial {
				return swapQuote{}, errorsmod.Wrapf(types.ErrSlippage,
					"staking %s TAO would move the price to %s TAO/alpha, past your limit of %s; at most %s TAO fits, or allow a partial fill",
					types.FormatTAO(req.amount), formatPrice(q.after), types.FormatTAO(req.limit), types.FormatTAO(fits+fitsFee))
			}
			q = buyExactly(r, fitsFee, fits)
			q.partial = true
		}
	}
	if q.AmountIn == 0 {
		return swapQuote{}, errorsmod.Wrapf(types.ErrSlippage,
			"your limit of %s TAO/alpha lets nothing be bought at the price %s", types.FormatTAO(req.limit), formatPrice(r))
	}
	if q.AmountOut == 0 {
		return swapQuote{}, errorsmod.Wrapf(types.ErrPoolReservesTooLow,
			"%d rao buys no alpha at the price %s TAO/alpha; stake more", q.AmountIn, formatPrice(r))
	}
	return q, nil
}

// quoteSell prices an alpha → TAO swap of req.amount alpha rao, fee included. The fee is taken in
// alpha and sold after the trade, so the whole amount enters the pool and the limit applies to it.
func quoteSell(r poolReserves, req swapRequest) (swapQuote, error) {
	fee, in, err := splitFee(r, req)
	if err != nil {
		return swapQuote{}, err
	}
	if _, carry := bits.Add64(r.alpha, req.amount, 0); carry != 0 || tooLarge(in, r.alpha) {
		return swapQuote{}, errorsmod.Wrapf(types.ErrSwapTooLarge,
			"%d alpha rao net of fee is more than %d× the pool's %d; unstake at most %d",
			in, maxSwapMultiple, r.alpha, maxGross(r.alpha, req.feeRate))
	}
	if r.tao < req.minReserve {
		return swapQuote{}, errorsmod.Wrapf(types.ErrPoolReservesTooLow,
			"the pool holds %s TAO, below the %s it must keep to pay any out", types.FormatTAO(r.tao), types.FormatTAO(req.minReserve))
	}
	if req.limit != 0 && priceCmp(r, req.limit) <= 0 {
		return swapQuote{}, errorsmod.Wrapf(types.ErrSlippage,
			"the price is already %s TAO/alpha, at or below your limit of %s; lower the limit to unstake",
			formatPrice(r), types.FormatTAO(req.limit))
	}
	q := sellExactly(r, fee, in)
	if req.limit != 0 && priceCmp(q.limitAt, req.limit) < 0 {
		if fitsFee, fits, smaller := sellFit(r, req, in); smaller {
			if !req.allowPartial {
				return swapQuote{}, errorsmod.Wrapf(types.ErrSlippage,
					"unstaking %d alpha rao would move the price to %s TAO/alpha, past your limit of %s; at most %d fits, or allow a partial fill",
					req.amount, formatPrice(q.limitAt), types.FormatTAO(req.limit), fits+fitsFee)
			}
			q = sellExactly(r, fitsFee, fits)
			q.partial = true
		}
	}
	if q.AmountIn+q.Fee == 0 {
		return swapQuote{}, errorsmod.Wrapf(types.ErrSlippage,
			"your limit of %s TAO/alpha lets nothing be sold at the price %s", types.FormatTAO(req.limit), formatPrice(r))
	}
	if q.AmountOut == 0 {
		return swapQuote{}, errorsmod.Wrapf(types.ErrPoolReservesTooLow,
			"%d alpha rao sells for no TAO at the price %s TAO/alpha; unstake more", q.AmountIn, formatPrice(r))
	}
	return q, nil
}

// buyExactly pays in TAO into the pool; the fee goes to the fee collector, not the pool.
func buyExactly(r poolReserves, fee, in uint64) swapQuote {
	out := r.buyOut(in)
	after := poolReserves{tao: r.tao + in, alpha: r.alpha - out, quote: r.quote}
	return swapQuote{
		SwapResult: SwapResult{AmountIn: in, AmountOut: out, Fee: fee},
		feeTao:     fee,
		after:      after,
		limitAt:    after,
	}
}

// sellExactly pays in alpha, then sells the alpha fee fee-free for the fee collector's TAO.
func sellExactly(r poolReserves, fee, in uint64) swapQuote {
	out := r.sellOut(in)
	mid := poolReserves{tao: r.tao - out, alpha: r.alpha + in, quote: r.quote}
	feeTao := mid.sellOut(fee)
	after := poolReserves{tao: mid.tao - feeTao, alpha: mid.alpha + fee, quote: r.quote}
	limitAt := after
	if !r.weights().equal() {
		limitAt = mid
	}
	return swapQuote{
		SwapResult: SwapResult{AmountIn: in, AmountOut: out, Fee: fee},
		feeTao:     feeTao,
		after:      after,
		limitAt:    limitAt,
	}
}

// buyOut is the alpha that in rao of TAO take out of the pool; sellOut the TAO that in alpha do.
func (r poolReserves) buyOut(in uint64) uint64 {
	if w := r.weights(); !w.equal() {
		return w.buyOut(r, in)
	}
	return cpOut(r.tao, r.alpha, in)
}

func (r poolReserves) sellOut(in uint64) uint64 {
	if w := r.weights(); !w.equal() {
		return w.sellOut(r, in)
	}
	return cpOut(r.alpha, r.tao, in)
}

// buyFit is the part of a buy that keeps the price at or below req.limit, and its fee, for a
// buy of full (net of fee) that would cross it. In a weighted pool it is subtensor's
// calculate_quote_delta_in, with the fee recomputed on it (§6.2 step 5); should its rounding not
// come out below full, smaller is false and the whole buy stands.
func buyFit(r poolReserves, req swapRequest, full uint64) (fee, in uint64, smaller bool) {
	if w := r.weights(); !w.equal() {
		in = w.taoToReach(reservePrice(r), limitPrice(req.limit), r.tao)
		return fixedFeeOnNet(in, req.feeRate), in, in < full
	}
	// With k = x·y, a buy moves the price to (y+Δ)²/k, so y+Δ ≤ √(limit·k/1e9).
	in = satSub(isqrt(r.tao, r.alpha, req.limit, limitPriceScale), r.tao)
	return feeOnNet(in, req.feeRate), in, true
}

// sellFit is the part of a sale that keeps the price at or above req.limit, and its fee, as
// buyFit (calculate_base_delta_in in a weighted pool).
func sellFit(r poolReserves, req swapRequest, full uint64) (fee, in uint64, smaller bool) {
	if w := r.weights(); !w.equal() {
		in = w.alphaToReach(reservePrice(r), limitPrice(req.limit), r.alpha)
		return fixedFeeOnNet(in, req.feeRate), in, in < full
	}
	// Selling G (fee included) moves the price to k/(x+G)², so x+G ≤ √(k·1e9/limit).
	gross := satSub(isqrt(r.tao, r.alpha, limitPriceScale, req.limit), r.alpha)
	fee = feeOf(gross, req.feeRate)
	return fee, gross - fee, true
}

// splitFee checks the request and splits its amount into fee and what the pool receives.
func splitFee(r poolReserves, req swapRequest) (fee, in uint64, err error) {
	if req.amount == 0 {
		return 0, 0, errorsmod.Wrap(types.ErrInvalidAmount, "the amount to swap is zero")
	}
	if req.feeRate > types.MaxSwapFeeRate {
		return 0, 0, errorsmod.Wrapf(types.ErrInvalidParams, "swap_fee_rate %d above %d", req.feeRate, types.MaxSwapFeeRate)
	}
	if r.weights().equal() {
		fee = feeOf(req.amount, req.feeRate)
	} else {
		fee = fixedFee(req.amount, req.feeRate)
	}
	return fee, req.amount - fee, nil
}

// feeOf is floor(amount·rate/65535), the fee on a gross amount.
func feeOf(amount uint64, rate uint32) uint64 {
	hi, lo := bits.Mul64(amount, uint64(rate))
	if hi >= feeDenominator { // only for a rate above 65535, which Params.Validate refuses
		return amount
	}
	q, _ := bits.Div64(hi, lo, feeDenominator)
	return q
}

// feeOnNet is the fee on a net amount, floor(net·rate/(65535−rate)): net plus it is the gross
// amount whose feeOf is exactly it, so re-quoting the gross amount gives the same net (§6.2 step 5).
func feeOnNet(net uint64, rate uint32) uint64 {
	hi, lo := bits.Mul64(net, uint64(rate))
	q, _ := bits.Div64(hi, lo, feeDenominator-uint64(rate)) // hi < rate < 65535 − rate
	return q
}

// maxGross is the largest gross amount whose net stays within maxSwapMultiple × reserve.
func maxGross(reserve uint64, rate uint32) uint64 {
	hi, net := bits.Mul64(reserve, maxSwapMultiple)
	if hi != 0 {
		return ^uint64(0)
	}
	gross, carry := bits.Add64(net, feeOnNet(net, rate), 0)
	if carry != 0 {
		return ^uint64(0)
	}
	return gross
}

// tooLarge reports in > maxSwapMultiple × reserve, or a reserve that could not hold in on top.
func tooLarge(in, reserve uint64) bool {
	if _, carry := bits.Add64(reserve, in, 0); carry != 0 {
		return true
	}
	hi, lo := bits.Mul64(reserve, maxSwapMultiple)
	return hi == 0 && in > lo
}

// cpOut is the constant-product output floor(rOut·in/(rIn+in)). It is below rOut whenever rIn > 0.
func cpOut(rIn, rOut, in uint64) uint64 {
	if in == 0 {
		return 0
	}
	num := new(big.Int).Mul(new(big.Int).SetUint64(rOut), new(big.Int).SetUint64(in))
	den := new(big.Int).Add(new(big.Int).SetUint64(rIn), new(big.Int).SetUint64(in))
	return num.Quo(num, den).Uint64()
}

// isqrt is floor(√(tao·alpha·num/den)), floored inside first (which does not change the result).
func isqrt(tao, alpha, num, den uint64) uint64 {
	v := new(big.Int).Mul(new(big.Int).SetUint64(tao), new(big.Int).SetUint64(alpha))
	v.Mul(v, new(big.Int).SetUint64(num))
	v.Quo(v, new(big.Int).SetUint64(den))
	v.Sqrt(v)
	if !v.IsUint64() {
		return ^uint64(0)
	}
	return v.Uint64()
}

// priceCmp compares the pool's price with a limit in rao per alpha: in an equal-weight pool
// exactly, the sign of tao·1e9 − limit·alpha; in a weighted one as subtensor does, the U64F64
// price against limit/1e9 in U64F64. An empty alpha side prices at 0, as Price does.
func priceCmp(r poolReserves, limit uint64) int {
	if !r.weights().equal() {
		return reservePrice(r).Cmp(limitPrice(limit))
	}
	if r.alpha == 0 {
		return cmpU64(0, limit)
	}
	h1, l1 := bits.Mul64(r.tao, limitPriceScale)
	h2, l2 := bits.Mul64(limit, r.alpha)
	switch {
	case h1 != h2:
		return cmpU64(h1, h2)
	default:
		return cmpU64(l1, l2)
	}
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// priceRao is the pool's price in rao per alpha, floor(w1·tao·1e9/(w2·alpha)), saturating (0 for
// an empty alpha side).
func priceRao(r poolReserves) uint64 {
	if r.alpha == 0 {
		return 0
	}
	return r.taoWorth(limitPriceScale)
}

// taoWorth is alpha's worth in TAO at the spot price, floor(alpha·w1·tao/(w2·alpha_in)),
// saturating, without a swap (0 for an empty alpha side).
func (r poolReserves) taoWorth(alpha uint64) uint64 {
	w := r.weights()
	if r.alpha == 0 {
		return 0
	}
	num := new(big.Int).SetUint64(alpha)
	num.Mul(num, new(big.Int).SetUint64(r.tao)).Mul(num, new(big.Int).SetUint64(w.base()))
	den := new(big.Int).SetUint64(r.alpha)
	den.Mul(den, new(big.Int).SetUint64(w.quote))
	if num.Quo(num, den); !num.IsUint64() {
		return ^uint64(0)
	}
	return num.Uint64()
}

// formatPrice renders the price as TAO per alpha with nine decimals, the unit of limit prices.
func formatPrice(r poolReserves) string { return types.FormatTAO(priceRao(r)) }

// mulDivFloor is floor(a·b/c) for c > 0, saturating at the largest uint64.
func mulDivFloor(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return ^uint64(0)
	}
	q, _ := bits.Div64(hi, lo, c)
	return q
}
