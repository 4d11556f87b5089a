package yuma

import (
	"math"
	"math/bits"

	"github.com/gotensor/gotensor/fixed"
)

// The epoch divides every weight by its row's sum and every bond by its
// column's sum and maximum. A hardware division costs several times a
// multiplication, and fixed's SafeDiv is too large to inline (a call in a
// per-cell loop also makes Go keep the loop's values in memory), so these
// quotients by a divisor used many times go through its reciprocal, in
// code that inlines. They are exactly fixed's SafeDiv on the operands the
// epoch gives them, all non-negative (TestDividersMatchSafeDiv).

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

// columnDivisor is perColumn(·, by) for a column's sum or maximum by ≥ 0.
type columnDivisor struct{ r reciprocal }

func newColumnDivisor(by fixed.I32F32) columnDivisor {
	switch {
	case by.Bits() < 0:
		panic("yuma: a column sum or maximum is negative")
	case by.IsZero():
		by = fixed.I32F32One() // perColumn keeps v, as dividing by 1 does
	}
	return columnDivisor{newReciprocal(uint64(by.Bits()))}
}

// quo is perColumn(v, by) for 0 ≤ v ≤ by (by = 0 leaves only v = 0): a
// normalized value in [0, 1], as the epoch's are. Below 1.0 the numerator
// v·2^32 fits 64 bits and the reciprocal serves; at 1.0 and above (a lone
// bond in its column) the hardware divides the 96-bit numerator, and
// by ≥ v keeps that quotient in range.
func (c columnDivisor) quo(v fixed.I32F32) fixed.I32F32 {
	x := uint64(v.Bits())
	if x < 1<<32 {
		return fixed.I32F32FromBits(int64(c.r.div(x << 32)))
	}
	q, _ := bits.Div64(x>>32, x<<32, c.r.d)
	return fixed.I32F32FromBits(int64(q))
}

// u16Divisor is perColumn(U16ToFixed(x), by) for a u16 x and a sum by
// of such lifted u16s: a whole number S·2^32, I32F32's maximum where the
// sum saturated, or 0. For a whole by the quotient x·2^64/(S·2^32) is
// floor(x·2^32/S); for the maximum, 2^63 − 1, it is 2x, which is
// floor(x·2^32/2^31); for 0 perColumn keeps x·2^32, which is floor(x·2^32/1).
type u16Divisor struct{ r reciprocal }

func newU16Divisor(by fixed.I32F32) u16Divisor {
	b := by.Bits()
	switch {
	case b == 0:
		return u16Divisor{newReciprocal(1)}
	case b == math.MaxInt64:
		return u16Divisor{newReciprocal(1 << 31)}
	case b < 0 || b&(1<<32-1) != 0:
		panic("yuma: a sum of u16 values is neither whole nor saturated")
	}
	return u16Divisor{newReciprocal(uint64(b) >> 32)}
}

// quo is perColumn(U16ToFixed(x), by).
func (d u16Divisor) quo(x uint16) fixed.I32F32 {
	return fixed.I32F32FromBits(int64(d.r.div(uint64(x) << 32)))
}
