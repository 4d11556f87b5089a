package yuma

import (
	"math"
	"math/bits"

	"github.com/gotensor/gotensor/fixed"
)

// The epoch divides every weight by its row's sum and every bond by its
// column's sum and maximum. A hardware division costs several times a
// multiplication, and fixed's SafeDiv is too large to inline, so these
// quotients by a divisor used many times go through its reciprocal. They
// are exactly fixed's SafeDiv (TestDividersMatchSafeDiv): each helper
// states the operands for which that holds and leaves the others to
// SafeDiv.

// reciprocal divides 64-bit integers by one d ≥ 1: floor(n/d).
type reciprocal struct {
	d, m uint64 // m = floor((2^64−1)/d)
}

func newReciprocal(d uint64) reciprocal { return reciprocal{d: d, m: math.MaxUint64 / d} }

// div is floor(n/d). For any n < 2^64, n·m/2^64 lies in (n/d − 1, n/d],
// so its floor is the quotient or one less; the remainder tells which.
func (r reciprocal) div(n uint64) uint64 {
	q, _ := bits.Mul64(n, r.m)
	if n-q*r.d >= r.d {
		q++
	}
	return q
}

// columnDivisor is perColumn(·, by) for one column's sum or maximum.
type columnDivisor struct {
	r  reciprocal // d = 0 when by is not positive
	by fixed.I32F32
}

func newColumnDivisor(by fixed.I32F32) columnDivisor {
	if by.Bits() <= 0 {
		return columnDivisor{by: by}
	}
	return columnDivisor{r: newReciprocal(uint64(by.Bits())), by: by}
}

// quo is perColumn(v, by) for v in [0, 1) and a positive divisor; false
// for the other operands, which the caller gives to perColumn. It has no
// calls so that it inlines into the per-cell loops. For v < 1 the
// numerator v·2^32 fits 64 bits and SafeDiv is its floor quotient unless
// that exceeds the I32F32 range (possible for a divisor of one ulp).
func (c columnDivisor) quo(v fixed.I32F32) (fixed.I32F32, bool) {
	x := uint64(v.Bits())
	if x >= 1<<32 || c.r.d == 0 {
		return fixed.I32F32{}, false
	}
	q := c.r.div(x << 32)
	return fixed.I32F32FromBits(int64(q)), q <= math.MaxInt64
}

// perColumn is perColumn(v, c.by).
func (c columnDivisor) perColumn(v fixed.I32F32) fixed.I32F32 {
	if q, ok := c.quo(v); ok {
		return q
	}
	return perColumn(v, c.by)
}

// integerDivisor is SafeDiv by a positive whole-number divisor S·2^32
// (a sum of u16 weights or bonds lifted to I32F32) of a u16 x lifted to
// x·2^32: the quotient x·2^64/(S·2^32) is floor(x·2^32/S), below 2^48.
type integerDivisor struct{ r reciprocal }

// newIntegerDivisor returns the divisor for by, or false when by is not a
// positive whole number.
func newIntegerDivisor(by fixed.I32F32) (integerDivisor, bool) {
	b := by.Bits()
	if b <= 0 || b&(1<<32-1) != 0 {
		return integerDivisor{}, false
	}
	return integerDivisor{newReciprocal(uint64(b) >> 32)}, true
}

// quo is SafeDiv(U16ToFixed(x), S·2^32).
func (d integerDivisor) quo(x uint16) fixed.I32F32 {
	return fixed.I32F32FromBits(int64(d.r.div(uint64(x) << 32)))
}
