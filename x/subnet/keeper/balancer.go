package keeper

import (
	"math/big"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// The weighted ("Balancer") pool of spec §6.2: TAO (y) and alpha (x) carry reserve weights w2 and
// w1 = 1 − w2, the price is (w1/w2)·(y/x), and a trade keeps x^w1·y^w2 constant. With equal
// weights it is the constant-product pool, which pool.go computes with exact integers (DESIGN.md);
// every other weight is computed here as subtensor computes it, step for step: the weights as
// Perquintill parts, prices and fractions in U64F64, and the powers through fixed.PowRatioScaled
// with subtensor's precision and scale. Nothing here reads or writes state.

const (
	// weightAccuracy is one whole in Perquintill parts (10^18).
	weightAccuracy = types.PoolWeightAccuracy
	// equalWeight is w2 = ½, the weight of every pool until an injection moves it, and what a
	// stored quote_weight of 0 means.
	equalWeight = types.EqualPoolWeight
	// swapPowPrecision and limitPowPrecision are the fraction bits subtensor asks of the power in
	// a swap's output and in a limit price's input amount.
	swapPowPrecision  = 256
	limitPowPrecision = 1024
)

var (
	bigWeightAccuracy = new(big.Int).SetUint64(weightAccuracy)
	maxU128           = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))
)

// balancer is a pool's reserve weights: quote is w2, TAO's weight, in parts of 10^18.
type balancer struct{ quote uint64 }

// balancerOf reads a stored Pool.quote_weight, where 0 stands for equal weights.
func balancerOf(quoteWeight uint64) balancer {
	if quoteWeight == 0 {
		return balancer{quote: equalWeight}
	}
	return balancer{quote: quoteWeight}
}

// base is w1, alpha's weight: 10^18 − w2, saturating as Perquintill's subtraction does.
func (b balancer) base() uint64 {
	if b.quote > weightAccuracy {
		return 0
	}
	return weightAccuracy - b.quote
}

// equal reports w1 = w2: the constant-product pool.
func (b balancer) equal() bool { return b.quote == equalWeight }

// price is calculate_price: (w1/w2)·(y/x), each quotient a U64F64 safe_div (0 when x = 0).
func (b balancer) price(alpha, tao uint64) fixed.U64F64 {
	ratio := fixed.U64F64FromUint(b.base()).SafeDiv(fixed.U64F64FromUint(b.quote))
	return ratio.SatMul(fixed.U64F64FromUint(tao).SafeDiv(fixed.U64F64FromUint(alpha)))
}

// exp is exp_scaled for a non-negative delta: (r/(r+Δ))^(w1/w2) if baseOverQuote, else
// (r/(r+Δ))^(w2/w1), as floor(pow_ratio_scaled(…, 256, 10^18)) / 10^18 in U64F64, at most 1.
// A result that subtensor cannot represent as u64, or a zero denominator, is 0.
func (b balancer) exp(reserve, delta uint64, baseOverQuote bool) fixed.U64F64 {
	sum := reserve + delta
	if sum < reserve {
		sum = ^uint64(0) // saturating_add
	}
	if sum == 0 {
		return fixed.U64F64FromUint(0)
	}
	num, den := b.base(), b.quote
	if !baseOverQuote {
		num, den = den, num
	}
	scale := bigWeightAccuracy
	e, ok := fixed.PowRatioScaled(new(big.Int).SetUint64(reserve), new(big.Int).SetUint64(sum),
		new(big.Int).SetUint64(num), new(big.Int).SetUint64(den), swapPowPrecision, scale)
	if !ok || !e.IsUint64() {
		return fixed.U64F64FromUint(0)
	}
	return fixed.U64F64FromUint(e.Uint64()).SafeDiv(fixed.U64F64FromUint(weightAccuracy)).Min(fixed.U64F64One())
}

// buyOut is the alpha a buy of Δy TAO takes out: floor(x·(1 − (y/(y+Δy))^(w2/w1))).
func (b balancer) buyOut(r poolReserves, taoIn uint64) uint64 {
	e := b.exp(r.tao, taoIn, false)
	return fixed.U64F64FromUint(r.alpha).SatMul(fixed.U64F64One().SatSub(e)).ToUint64()
}

// sellOut is the TAO a sale of Δx alpha takes out: floor(y·(1 − (x/(x+Δx))^(w1/w2))).
func (b balancer) sellOut(r poolReserves, alphaIn uint64) uint64 {
	e := b.exp(r.alpha, alphaIn, true)
	return fixed.U64F64FromUint(r.tao).SatMul(fixed.U64F64One().SatSub(e)).ToUint64()
}

// taoToReach is calculate_quote_delta_in: the TAO a buy pays in to move the price from current
// up to target, Δy = y·((target/current)^w1 − 1), the power taken on the two prices' U64F64 bits
// at precision 1024 and scale 10^18.
func (b balancer) taoToReach(current, target fixed.U64F64, taoReserve uint64) uint64 {
	return deltaToReach(target, current, b.base(), taoReserve)
}

// alphaToReach is calculate_base_delta_in: the alpha a sale pays in to move the price from
// current down to target, Δx = x·((current/target)^w2 − 1).
func (b balancer) alphaToReach(current, target fixed.U64F64, alphaReserve uint64) uint64 {
	return deltaToReach(current, target, b.quote, alphaReserve)
}

func deltaToReach(num, den fixed.U64F64, weight, reserve uint64) uint64 {
	e, ok := fixed.PowRatioScaled(u64f64Big(num), u64f64Big(den), new(big.Int).SetUint64(weight), bigWeightAccuracy,
		limitPowPrecision, bigWeightAccuracy)
	if !ok {
		return 0
	}
	var power fixed.U64F64
	switch {
	case e.IsUint64():
		power = fixed.U64F64FromUint(e.Uint64())
	case e.Sign() > 0:
		power = fixed.U64F64FromUint(^uint64(0))
	default:
		power = fixed.U64F64FromUint(0)
	}
	growth := power.SafeDiv(fixed.U64F64FromUint(weightAccuracy)).SatSub(fixed.U64F64One())
	return fixed.U64F64FromUint(reserve).SatMul(growth).ToUint64()
}

func u64f64Big(v fixed.U64F64) *big.Int {
	hi, lo := v.Bits()
	b := new(big.Int).SetUint64(hi)
	return b.Lsh(b, 64).Or(b, new(big.Int).SetUint64(lo))
}

// afterLiquidity is update_weights_for_added_liquidity (§6.2, "Liquidity injection"): the weights
// under which the pool, given Δy TAO and Δx alpha on top of its reserves, keeps its price:
// q1 = round(w1·y·(x+Δx)), q2 = round(w2·x·(y+Δy)) (u128, saturating; half rounds up) and
// w2′ = floor(10^18·q2/(q1+q2)), or ½ when both are 0. ok is false when w2′ leaves [0.01, 0.99]:
// the pool then keeps its weights and subtensor injects nothing.
func (b balancer) afterLiquidity(tao, alpha, taoIn, alphaIn uint64) (next balancer, ok bool) {
	newAlpha := new(big.Int).Add(new(big.Int).SetUint64(alpha), new(big.Int).SetUint64(alphaIn))
	newTao := new(big.Int).Add(new(big.Int).SetUint64(tao), new(big.Int).SetUint64(taoIn))
	q1 := mulPerquintillRound(b.base(), satU128(newAlpha.Mul(newAlpha, new(big.Int).SetUint64(tao))))
	q2 := mulPerquintillRound(b.quote, satU128(newTao.Mul(newTao, new(big.Int).SetUint64(alpha))))
	sum := satU128(new(big.Int).Add(q1, q2))
	next = balancer{quote: equalWeight}
	if sum.Sign() != 0 {
		// Perquintill::from_rational(q2, sum), rounding down; q2 ≤ sum always.
		next.quote = new(big.Int).Quo(new(big.Int).Mul(q2, bigWeightAccuracy), sum).Uint64()
	}
	return next, next.quote != 0 && types.ValidPoolWeight(next.quote) // Balancer::check_constraints
}

// mulPerquintillRound is round(value·parts/10^18), half up, capped at the u128 maximum.
func mulPerquintillRound(parts uint64, value *big.Int) *big.Int {
	v := new(big.Int).Mul(value, new(big.Int).SetUint64(parts))
	v.Add(v, new(big.Int).SetUint64(weightAccuracy/2))
	return satU128(v.Quo(v, bigWeightAccuracy))
}

func satU128(v *big.Int) *big.Int {
	if v.Cmp(maxU128) > 0 {
		return v.Set(maxU128)
	}
	return v
}

// fixedFee is subtensor's calculate_fee_amount: amount·(rate/65535), the rate a U64F64 quotient,
// floored. It can be a rao below the exact floor(amount·rate/65535) that equal-weight pools take.
func fixedFee(amount uint64, rate uint32) uint64 {
	r := fixed.U64F64FromUint(uint64(rate)).SafeDiv(fixed.U64F64FromUint(feeDenominator))
	return fixed.U64F64FromUint(amount).SatMul(r).ToUint64()
}

// fixedFeeOnNet is the fee subtensor charges when a limit price cuts a swap to Δ:
// Δ·(rate/(65535 − rate)) in U64F64, floored.
func fixedFeeOnNet(net uint64, rate uint32) uint64 {
	rateFixed := fixed.U64F64FromUint(uint64(rate))
	r := rateFixed.SafeDiv(fixed.U64F64FromUint(feeDenominator).SatSub(rateFixed))
	return fixed.U64F64FromUint(net).SatMul(r).ToUint64()
}

// limitPrice is a limit in rao per alpha as subtensor reads it: limit/10^9 in U64F64.
func limitPrice(limit uint64) fixed.U64F64 {
	return fixed.U64F64FromUint(limit).SafeDiv(fixed.U64F64FromUint(limitPriceScale))
}
