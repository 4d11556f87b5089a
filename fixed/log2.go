package fixed

// Log2 is substrate-fixed's transcendental::log2 for I96F32, reproduced step
// by step: the integer part is counted by halving with a round-half-up shift
// (so a value one ulp below a power of two can count one too many), the
// fraction by 32 squarings. It reports false for x ≤ 0 and where the Rust
// function fails (1/x overflowing for tiny x).
func (a I96F32) Log2() (I96F32, bool) {
	if a.v.isNeg() || a.v.isZero() {
		return I96F32{}, false
	}
	one := I96F32One()
	if a.Lt(one) {
		inv, ok := one.CheckedDiv(a)
		if !ok {
			return I96F32{}, false
		}
		r := log2Inner(inv.v)
		return I96F32{r.neg()}, true
	}
	return I96F32{log2Inner(a.v)}, true
}

// log2Inner assumes x >= 1.
func log2Inner(x u128) u128 {
	f := fmtI96F32
	one, two := f.one(), u128From64(2).shl(f.frac)
	var result uint64 // integer part, counted in raw units as the crate does
	for x.cmpS(two) >= 0 {
		result++
		x = roundingHalve(x)
	}
	if x == one {
		return f.fromUint64(result)
	}
	r := u128From64(result)
	for i := uint(0); i < f.frac; i++ {
		x, _ = f.mul(x, x) // x < 2, so x² < 4 never overflows
		r = r.shl(1)
		if x.cmpS(two) >= 0 {
			r.lo |= 1
			x = roundingHalve(x)
		}
	}
	return r
}

// roundingHalve is the crate's rs(): (x >> 1) + (x & lsb).
func roundingHalve(x u128) u128 {
	h, _ := x.shrS(1).add(u128From64(x.lo & 1))
	return h
}
