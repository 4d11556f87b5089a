package fixed

import (
	"math/big"
	"testing"
)

// Fuzz targets: every operation on fuzzer-chosen raw bits must agree with
// the big.Rat model (and so never panic except SatDiv by zero, which the
// model check skips).

func bits128(l layout, hi, lo uint64) *big.Int {
	x := new(big.Int).SetUint64(hi)
	x.Lsh(x, 64).Or(x, new(big.Int).SetUint64(lo))
	return l.wrap(x)
}

func FuzzI32F32(f *testing.F) {
	for _, s := range [][2]int64{{0, 0}, {1 << 32, -1}, {-1 << 63, -1 << 32}, {1<<63 - 1, 1<<63 - 1}, {3, 1 << 31}} {
		f.Add(s[0], s[1])
	}
	c := codecI32F32()
	f.Fuzz(func(t *testing.T, a, b int64) {
		checkPair(t, c, big.NewInt(a), big.NewInt(b))
		// exp must match the naive series wherever it is defined.
		want, wantOK := naiveExp(a)
		got, ok := Exp(I32F32FromBits(a))
		if ok != wantOK || (ok && got.Bits() != want) {
			t.Fatalf("Exp(%d) = %d,%v want %d,%v", a, got.Bits(), ok, want, wantOK)
		}
	})
}

func fuzz128[T arith[T]](f *testing.F, c codec[T]) {
	f.Add(uint64(0), uint64(0), uint64(0), uint64(1))
	f.Add(uint64(1<<63), uint64(0), ^uint64(0), ^uint64(0))
	f.Add(uint64(1<<63-1), ^uint64(0), uint64(0), uint64(1)<<32)
	f.Add(uint64(0), uint64(1)<<40, uint64(1), uint64(3))
	f.Fuzz(func(t *testing.T, ahi, alo, bhi, blo uint64) {
		checkPair(t, c, bits128(c.lay, ahi, alo), bits128(c.lay, bhi, blo))
	})
}

func FuzzI64F64(f *testing.F) { fuzz128(f, codecI64F64()) }
func FuzzI96F32(f *testing.F) { fuzz128(f, codecI96F32()) }
func FuzzU96F32(f *testing.F) { fuzz128(f, codecU96F32()) }
func FuzzU64F64(f *testing.F) { fuzz128(f, codecU64F64()) }

func FuzzEmissionForIssuance(f *testing.F) {
	for _, i := range []uint64{0, 10_500_000_000_000_000, totalSupply - 1, totalSupply} {
		f.Add(i)
	}
	f.Fuzz(func(t *testing.T, issuance uint64) {
		if got, want := EmissionForIssuance(issuance, totalSupply, defaultEmission), naiveEmission(issuance); got != want {
			t.Fatalf("EmissionForIssuance(%d) = %d, want %d", issuance, got, want)
		}
	})
}
