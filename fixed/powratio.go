package fixed

import "math/big"

// The weighted pool of spec §6.2 raises reserve ratios to a ratio of weights with the big-number
// routine subtensor links (safe-bigmath `SafeInt::pow_ratio_scaled`, rev 013c4998). Its result
// depends on every rounding step of that routine, so PowRatioScaled repeats them one for one:
// an exact integer root when the reduced exponent is small, otherwise a Taylor-series logarithm
// and exponential on fixed-point integers with guard bits and an early stop when the rounded
// digits stop changing. The numbers are big.Int throughout; no step uses a float.

const (
	// powMaxExactExponent bounds numerator and denominator of the reduced exponent for the exact
	// path (safe-bigmath's MAX_EXACT_EXPONENT).
	powMaxExactExponent = 1024
	// powGuardBits are the extra fraction bits of the series evaluation.
	powGuardBits = 24
	// powMaxIters caps the terms of each series (DEFAULT_MAX_ITERS).
	powMaxIters = 4096
)

// PowRatioScaled is floor((baseNum/baseDen)^(expNum/expDen) · scale), computed as
// safe-bigmath's pow_ratio_scaled computes it (spec §6.2): the exponent is reduced by its gcd;
// if both of its parts are at most 1024 the result is the exact floor of the expDen-th root of
// baseNum^expNum·scale^expDen / baseDen^expNum; otherwise it is evaluated as
// exp(expNum/expDen · (ln baseNum − ln baseDen)) on integers with max(precision, 32,
// bits(scale)+8) fraction bits plus 24 guard bits, rounded to the requested precision and
// multiplied by scale (floored). ok is false where subtensor gets None: a zero denominator or a
// negative argument. A zero base gives 0 and a zero exponent gives scale, as there.
func PowRatioScaled(baseNum, baseDen, expNum, expDen *big.Int, precision uint32, scale *big.Int) (result *big.Int, ok bool) {
	if baseDen.Sign() == 0 || expDen.Sign() == 0 {
		return nil, false
	}
	if baseNum.Sign() == 0 {
		return new(big.Int), true
	}
	if scale.Sign() < 0 || baseNum.Sign() < 0 || baseDen.Sign() < 0 || expNum.Sign() < 0 || expDen.Sign() < 0 {
		return nil, false
	}
	if expNum.Sign() == 0 {
		return new(big.Int).Set(scale), true
	}
	a, b := new(big.Int).Set(expNum), new(big.Int).Set(expDen)
	if g := new(big.Int).GCD(nil, nil, a, b); g.Cmp(big.NewInt(1)) > 0 {
		a.Quo(a, g)
		b.Quo(b, g)
	}
	if a.IsUint64() && b.IsUint64() && a.Uint64() <= powMaxExactExponent && b.Uint64() <= powMaxExactExponent {
		num := new(big.Int).Exp(baseNum, a, nil)
		num.Mul(num, new(big.Int).Exp(scale, b, nil))
		den := new(big.Int).Exp(baseDen, a, nil)
		return rootFloor(num.Quo(num, den), uint(b.Uint64())), true
	}

	requested := max(precision, 32, satAddU32(uint32(scale.BitLen()), 8))
	internalBits := satAddU32(requested, powGuardBits)
	maxIters := max(min(powMaxIters, int(internalBits)+128), 1)
	targetScale := new(big.Int).Lsh(big.NewInt(1), uint(requested))
	guard := new(big.Int).Lsh(big.NewInt(1), powGuardBits)
	internal := new(big.Int).Lsh(targetScale, powGuardBits)

	half := new(big.Int).Rsh(internal, 1)
	lnTwo := ln1pFixed(half.Neg(half), internal, guard, maxIters)
	lnTwo.Neg(lnTwo)
	lnBase := lnFixed(baseNum, internalBits, internal, guard, lnTwo, maxIters)
	lnBase.Sub(lnBase, lnFixed(baseDen, internalBits, internal, guard, lnTwo, maxIters))
	lnScaled := lnBase.Mul(lnBase, a)
	lnScaled.Div(lnScaled, b) // b > 0: Euclidean division is floor division
	e := roundAwayGuard(expFixed(lnScaled, internal, guard, maxIters), guard)
	e.Mul(e, scale)
	return e.Div(e, targetScale), true
}

func satAddU32(a, b uint32) uint32 {
	if s := a + b; s >= a {
		return s
	}
	return ^uint32(0)
}

// rootFloor is the largest m with m^q ≤ t (t ≥ 0, q ≥ 1). That m satisfies m^q·den ≤ num exactly
// when m^q ≤ floor(num/den), so it is safe-bigmath's nth_root_ratio_floor; it is found by
// bisection between the powers of two that bracket it.
func rootFloor(t *big.Int, q uint) *big.Int {
	if t.Sign() == 0 {
		return new(big.Int)
	}
	if q == 1 {
		return new(big.Int).Set(t)
	}
	if q == 2 {
		return new(big.Int).Sqrt(t)
	}
	k := uint(t.BitLen()-1) / q // 2^(k·q) ≤ t < 2^((k+1)·q)
	lo := new(big.Int).Lsh(big.NewInt(1), k)
	hi := new(big.Int).Lsh(big.NewInt(1), k+1) // hi^q > t
	exp := new(big.Int).SetUint64(uint64(q))
	one := big.NewInt(1)
	mid, pow := new(big.Int), new(big.Int)
	for new(big.Int).Sub(hi, lo).Cmp(one) > 0 {
		mid.Add(lo, hi).Rsh(mid, 1)
		if pow.Exp(mid, exp, nil).Cmp(t) <= 0 {
			lo.Set(mid)
		} else {
			hi.Set(mid)
		}
	}
	return lo
}

// roundAwayGuard drops the guard bits of v, rounding half away from zero (round_to_precision).
func roundAwayGuard(v, guard *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(v, guard, new(big.Int))
	if r.Sign() != 0 && new(big.Int).Lsh(new(big.Int).Abs(r), 1).Cmp(guard) >= 0 {
		q.Add(q, big.NewInt(int64(r.Sign())))
	}
	return q
}

// ln1pFixed is ln(1+x) for x in fixed point with the given scale, by its Taylor series with
// floored terms, stopping at a zero term, a term below the guard, or when the result rounded to
// the requested precision stops changing (ln1p_fixed).
func ln1pFixed(x, scale, guard *big.Int, maxIters int) *big.Int {
	term := new(big.Int).Set(x)
	result := new(big.Int).Set(x)
	prev := roundAwayGuard(result, guard)
	next := new(big.Int)
	for n := 2; n <= maxIters; n++ {
		term.Mul(term, x).Div(term, scale)
		if term.Sign() == 0 {
			break
		}
		next.Div(term, big.NewInt(int64(n)))
		if next.Sign() == 0 {
			break
		}
		if n%2 == 0 {
			result.Sub(result, next)
		} else {
			result.Add(result, next)
		}
		rounded := roundAwayGuard(result, guard)
		if next.CmpAbs(guard) < 0 || rounded.Cmp(prev) == 0 {
			break
		}
		prev = rounded
	}
	return result
}

// expFixed is e^x for x in fixed point, by its Taylor series with the same stopping rules
// (exp_fixed).
func expFixed(x, scale, guard *big.Int, maxIters int) *big.Int {
	term := new(big.Int).Set(scale)
	result := new(big.Int).Set(scale)
	prev := roundAwayGuard(result, guard)
	den := new(big.Int)
	for n := 1; n <= maxIters; n++ {
		den.Mul(scale, big.NewInt(int64(n)))
		term.Mul(term, x).Div(term, den)
		if term.Sign() == 0 {
			break
		}
		result.Add(result, term)
		rounded := roundAwayGuard(result, guard)
		if term.CmpAbs(guard) < 0 || rounded.Cmp(prev) == 0 {
			break
		}
		prev = rounded
	}
	return result
}

// lnFixed is ln(v) for an integer v > 0: v = m·2^s with the mantissa m kept in [0.75, 1.5), so
// ln v = ln1p(m − 1) + s·ln 2 (ln_biguint).
func lnFixed(v *big.Int, bits uint32, scale, guard, lnTwo *big.Int, maxIters int) *big.Int {
	shift := uint(max(v.BitLen()-1, 0))
	m := new(big.Int).Lsh(v, uint(bits))
	m.Rsh(m, shift)
	threshold := new(big.Int).Rsh(scale, 1)
	threshold.Add(threshold, scale)
	if m.Cmp(threshold) >= 0 {
		m.Rsh(m, 1)
		shift++
	}
	ln := ln1pFixed(m.Sub(m, scale), scale, guard, maxIters)
	return ln.Add(ln, new(big.Int).Mul(lnTwo, new(big.Int).SetUint64(uint64(shift))))
}
