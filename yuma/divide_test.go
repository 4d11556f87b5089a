package yuma

import (
	"math"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/fixed"
)

// edgeBits draws raw I32F32 bits biased toward the cases the dividers
// special-case: 0, one ulp, 1.0 and the values around them, powers of
// two, whole numbers, the extremes and negatives.
func edgeBits(r *rand.Rand) int64 {
	switch r.Intn(10) {
	case 0:
		return []int64{0, 1, 2, 3, 1<<32 - 1, 1 << 32, 1<<32 + 1, math.MaxInt64, math.MinInt64, -1}[r.Intn(10)]
	case 1:
		return int64(1)<<uint(r.Intn(63)) + int64(r.Intn(3)) - 1
	case 2:
		return int64(r.Intn(1<<16)) << 32 // a u16 lifted
	case 3:
		return int64(r.Intn(1<<20)) << 32 // a sum of them
	case 4:
		return -r.Int63()
	case 5, 6:
		return r.Int63n(1 << 32) // a proportion
	default:
		return r.Int63() >> uint(r.Intn(63))
	}
}

// TestDividersMatchSafeDiv checks the reciprocal dividers against
// fixed's SafeDiv (through perColumn, which keeps v for a zero divisor) on
// every operand the epoch can give them: a non-negative value and its
// column's sum or maximum, and for u16Divisor a u16 and a sum of lifted
// u16s (whole, saturated or zero).
func TestDividersMatchSafeDiv(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	nonNegative := func() int64 {
		b := edgeBits(r)
		if b < 0 {
			b = ^b
		}
		return b
	}
	for iter := 0; iter < 500_000; iter++ {
		v, by := fixed.I32F32FromBits(nonNegative()), fixed.I32F32FromBits(nonNegative())
		if v.Gt(by) {
			v, by = by, v
		}
		if r.Intn(8) == 0 {
			v = by // a lone cell in its column
		}
		if got, want := newColumnDivisor(by).quo(v), perColumn(v, by); got != want {
			t.Fatalf("quo(%d / %d) = %d, want %d", v.Bits(), by.Bits(), got.Bits(), want.Bits())
		}

		x := uint16(r.Intn(1 << 16))
		if r.Intn(4) == 0 {
			x = []uint16{0, 1, 65534, 65535}[r.Intn(4)]
		}
		sum := fixed.I32F32FromBits([]int64{0, math.MaxInt64, int64(x) << 32, by.Bits() &^ (1<<32 - 1)}[r.Intn(4)])
		lifted := fixed.U16ToFixed(x)
		if got, want := newU16Divisor(sum).quo(x), perColumn(lifted, sum); got != want {
			t.Fatalf("%d / %d = %d, want %d", x, sum.Bits(), got.Bits(), want.Bits())
		}
	}
	require.Panics(t, func() { newColumnDivisor(fixed.I32F32FromBits(-1)) })
	require.Panics(t, func() { newU16Divisor(fixed.I32F32FromBits(1<<32 + 1)) })
}

// TestReciprocal checks floor(n/d) over the 64-bit range, with the
// operands where one multiplication falls short.
func TestReciprocal(t *testing.T) {
	r := rand.New(rand.NewSource(8))
	for iter := 0; iter < 500_000; iter++ {
		d := uint64(edgeBits(r))
		if d == 0 {
			d = 1
		}
		n := uint64(edgeBits(r)) << uint(r.Intn(2))
		switch r.Intn(4) {
		case 0:
			n = n / d * d // a multiple
		case 1:
			n = n/d*d + d - 1 // the largest with that quotient
		case 2:
			n = math.MaxUint64 - uint64(r.Intn(3))
		}
		if got := newReciprocal(d).div(n); got != n/d {
			t.Fatalf("%d / %d = %d, want %d", n, d, got, n/d)
		}
	}
}
