package fixed

import (
	"math"
	"math/bits"
)

// I32F32 is a signed fixed-point number with 32 integer and 32 fraction
// bits: the value is Bits()/2^32. Every Yuma vector and matrix is I32F32.
type I32F32 struct{ bits int64 }

const i32f32Frac = 32

// I32F32FromBits wraps raw bits.
func I32F32FromBits(b int64) I32F32 { return I32F32{b} }

// I32F32FromInt is from_num of an integer: exact, saturating outside the
// 32-bit integer range.
func I32F32FromInt(n int64) I32F32 {
	switch {
	case n > math.MaxInt32:
		return I32F32Max()
	case n < math.MinInt32:
		return I32F32Min()
	}
	return I32F32{n << i32f32Frac}
}

// I32F32FromUint is from_num of an unsigned integer, saturating.
func I32F32FromUint(n uint64) I32F32 {
	if n > math.MaxInt32 {
		return I32F32Max()
	}
	return I32F32{int64(n) << i32f32Frac}
}

// I32F32Max is the largest I32F32 (2^31 − 2^−32).
func I32F32Max() I32F32 { return I32F32{math.MaxInt64} }

// I32F32Min is the smallest I32F32 (−2^31).
func I32F32Min() I32F32 { return I32F32{math.MinInt64} }

// I32F32One is 1.0.
func I32F32One() I32F32 { return I32F32{1 << i32f32Frac} }

// Bits returns the raw representation.
func (a I32F32) Bits() int64 { return a.bits }

func (a I32F32) IsZero() bool { return a.bits == 0 }

// Cmp returns -1, 0 or +1 as a is less than, equal to or greater than b.
func (a I32F32) Cmp(b I32F32) int {
	switch {
	case a.bits < b.bits:
		return -1
	case a.bits > b.bits:
		return 1
	}
	return 0
}

func (a I32F32) Lt(b I32F32) bool { return a.bits < b.bits }
func (a I32F32) Le(b I32F32) bool { return a.bits <= b.bits }
func (a I32F32) Gt(b I32F32) bool { return a.bits > b.bits }
func (a I32F32) Ge(b I32F32) bool { return a.bits >= b.bits }

// Min returns the smaller of a and b.
func (a I32F32) Min(b I32F32) I32F32 {
	if b.bits < a.bits {
		return b
	}
	return a
}

// Max returns the larger of a and b.
func (a I32F32) Max(b I32F32) I32F32 {
	if b.bits > a.bits {
		return b
	}
	return a
}

// Add is the plain `+` of a release-built runtime: it wraps on overflow.
// Rust's Sum over fixed values folds with it.
func (a I32F32) Add(b I32F32) I32F32 { return I32F32{a.bits + b.bits} }

// Sub is the plain `-` of a release-built runtime: it wraps on overflow.
func (a I32F32) Sub(b I32F32) I32F32 { return I32F32{a.bits - b.bits} }

// The saturating and checked sums below test overflow on the sign bits
// alone, branching only on overflow: they run in the epoch's per-cell loops.

// SatAdd adds, clamping to the representable range.
func (a I32F32) SatAdd(b I32F32) I32F32 {
	s := a.bits + b.bits
	if (a.bits^s)&(b.bits^s) < 0 { // s has lost the sign a and b share
		return I32F32{math.MaxInt64 ^ b.bits>>63} // MIN when adding a negative
	}
	return I32F32{s}
}

// CheckedAdd adds and reports false on overflow.
func (a I32F32) CheckedAdd(b I32F32) (I32F32, bool) {
	s := a.bits + b.bits
	if (a.bits^s)&(b.bits^s) < 0 {
		return I32F32{}, false
	}
	return I32F32{s}, true
}

// SatSub subtracts, clamping to the representable range.
func (a I32F32) SatSub(b I32F32) I32F32 {
	d := a.bits - b.bits
	if (a.bits^b.bits)&(a.bits^d) < 0 { // signs differ and d has lost a's
		return I32F32{math.MinInt64 ^ b.bits>>63} // MAX when subtracting a negative
	}
	return I32F32{d}
}

// CheckedSub subtracts and reports false on overflow.
func (a I32F32) CheckedSub(b I32F32) (I32F32, bool) {
	d := a.bits - b.bits
	if (a.bits^b.bits)&(a.bits^d) < 0 {
		return I32F32{}, false
	}
	return I32F32{d}, true
}

// SatNeg negates, mapping MIN to MAX.
func (a I32F32) SatNeg() I32F32 {
	if a.bits == math.MinInt64 {
		return I32F32Max()
	}
	return I32F32{-a.bits}
}

// mulBits returns floor(a*b / 2^32) and whether it fits in 64 bits.
func mulBits(a, b int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	// Correct the unsigned high word to the signed 128-bit product.
	shi := int64(hi)
	if a < 0 {
		shi -= b
	}
	if b < 0 {
		shi -= a
	}
	// The product shifted right by 32 fits iff the top 33 bits agree.
	if top := shi >> 31; top != 0 && top != -1 {
		return 0, false
	}
	return shi<<32 | int64(lo>>32), true
}

// SatMul multiplies, flooring the exact product to 32 fraction bits and
// clamping on overflow. It makes no calls, so that it inlines into the
// epoch's per-cell loops, whose operands are nearly all non-negative.
func (a I32F32) SatMul(b I32F32) I32F32 {
	hi, lo := bits.Mul64(uint64(a.bits), uint64(b.bits))
	if a.bits|b.bits < 0 {
		// The signed high word of the 128-bit product, as in mulBits.
		hi -= uint64(a.bits>>63&b.bits + b.bits>>63&a.bits)
	}
	if uint64(int64(hi)>>31+1) > 1 { // the top 33 bits disagree: overflow
		return I32F32{math.MaxInt64 ^ (a.bits^b.bits)>>63} // MIN when the signs differ
	}
	return I32F32{int64(hi<<32 | lo>>32)}
}

// CheckedMul multiplies (floor) and reports false on overflow.
func (a I32F32) CheckedMul(b I32F32) (I32F32, bool) {
	r, ok := mulBits(a.bits, b.bits)
	return I32F32{r}, ok
}

// divBits returns trunc((a << 32) / b); ok is false on overflow. b != 0.
func divBits(a, b int64) (q int64, ok bool, negative bool) {
	negative = (a < 0) != (b < 0)
	ua, ub := absU64(a), absU64(b)
	hi, lo := ua>>32, ua<<32
	if hi >= ub {
		return 0, false, negative
	}
	uq, _ := bits.Div64(hi, lo, ub)
	if negative {
		if uq > 1<<63 {
			return 0, false, true
		}
		return -int64(uq), true, true
	}
	if uq > math.MaxInt64 {
		return 0, false, false
	}
	return int64(uq), true, false
}

func absU64(x int64) uint64 {
	if x < 0 {
		return uint64(-x) // -MinInt64 wraps to 2^63, which is the magnitude.
	}
	return uint64(x)
}

// CheckedDiv divides, truncating toward zero; false on division by zero or
// overflow.
func (a I32F32) CheckedDiv(b I32F32) (I32F32, bool) {
	// The epoch's normalizations, kept inlinable: a in [0, 1) and b above
	// one ulp, so that a·2^32 and the quotient fit 64 and 63 bits.
	if uint64(a.bits) < 1<<32 && b.bits > 1 {
		return I32F32{int64(uint64(a.bits) << 32 / uint64(b.bits))}, true
	}
	return a.checkedDivSlow(b)
}

func (a I32F32) checkedDivSlow(b I32F32) (I32F32, bool) {
	switch {
	case b.bits == 0:
		return I32F32{}, false
	case a.bits >= 0 && b.bits > 0:
		// Non-negative values of 1.0 and more (raw u16 bonds, stake sums).
		hi := uint64(a.bits) >> 32
		if hi >= uint64(b.bits) {
			return I32F32{}, false
		}
		q, _ := bits.Div64(hi, uint64(a.bits)<<32, uint64(b.bits))
		if q > math.MaxInt64 {
			return I32F32{}, false
		}
		return I32F32{int64(q)}, true
	}
	q, ok, _ := divBits(a.bits, b.bits)
	return I32F32{q}, ok
}

// SatDiv divides (truncating), clamping on overflow. Dividing by zero is a
// programming error, as in the Rust crate.
func (a I32F32) SatDiv(b I32F32) I32F32 {
	if b.bits == 0 {
		panic("fixed: I32F32 division by zero")
	}
	q, ok, neg := divBits(a.bits, b.bits)
	if ok {
		return I32F32{q}
	}
	if neg {
		return I32F32Min()
	}
	return I32F32Max()
}

// SafeDiv is the project's safe_div: the truncated quotient, or 0 on
// division by zero and on overflow.
func (a I32F32) SafeDiv(b I32F32) I32F32 {
	q, _ := a.CheckedDiv(b)
	return q
}

// SafeDivOr is safe_div_or: the quotient, or d on division by zero or overflow.
func (a I32F32) SafeDivOr(b, d I32F32) I32F32 {
	if q, ok := a.CheckedDiv(b); ok {
		return q
	}
	return d
}

// Floor rounds toward −∞.
func (a I32F32) Floor() I32F32 { return I32F32{a.bits &^ (1<<i32f32Frac - 1)} }

// Frac is a − Floor(a), always in [0, 1).
func (a I32F32) Frac() I32F32 { return I32F32{a.bits & (1<<i32f32Frac - 1)} }

// Round rounds half away from zero, saturating.
func (a I32F32) Round() I32F32 {
	const half = 1 << (i32f32Frac - 1)
	if a.bits >= 0 {
		if a.bits > math.MaxInt64-half {
			return I32F32Max()
		}
		return I32F32{a.bits + half}.Floor()
	}
	m := absU64(a.bits) + half
	m &^= 1<<i32f32Frac - 1
	return I32F32{-int64(m)}
}

// ToInt64 is to_num::<i64>: floor.
func (a I32F32) ToInt64() int64 { return a.bits >> i32f32Frac }

// ToUint64 is saturating_to_num::<u64>: floor, negative → 0.
func (a I32F32) ToUint64() uint64 {
	if a.bits < 0 {
		return 0
	}
	return uint64(a.bits >> i32f32Frac)
}

// ToUint16 is saturating_to_num::<u16>: floor, clamped to [0, 65535].
func (a I32F32) ToUint16() uint16 {
	v := a.bits >> i32f32Frac
	switch {
	case v < 0:
		return 0
	case v > math.MaxUint16:
		return math.MaxUint16
	}
	return uint16(v)
}

// ToI64F64 widens exactly.
func (a I32F32) ToI64F64() I64F64 { return I64F64{i128From64(a.bits).shl(32)} }

// ToI96F32 widens exactly.
func (a I32F32) ToI96F32() I96F32 { return I96F32{i128From64(a.bits)} }

// ToU96F32 widens; negative values saturate to 0.
func (a I32F32) ToU96F32() U96F32 {
	if a.bits < 0 {
		return U96F32{}
	}
	return U96F32{u128From64(uint64(a.bits))}
}

// ToU64F64 widens; negative values saturate to 0.
func (a I32F32) ToU64F64() U64F64 {
	if a.bits < 0 {
		return U64F64{}
	}
	return U64F64{u128From64(uint64(a.bits)).shl(32)}
}

func (a I32F32) String() string { return formatBits(i128From64(a.bits), true, i32f32Frac) }
