package fixed

import (
	"math"
	"math/big"
)

//go:generate go run gen_types.go

// format describes one 128-bit fixed-point layout; the four 128-bit types
// share their arithmetic through it.
type format struct {
	frac   uint
	signed bool
}

var (
	fmtI64F64 = format{frac: 64, signed: true}
	fmtI96F32 = format{frac: 32, signed: true}
	fmtU96F32 = format{frac: 32, signed: false}
	fmtU64F64 = format{frac: 64, signed: false}
)

// Overflow directions reported by the arithmetic below.
const (
	fits  = 0
	above = 1
	below = -1
)

func (f format) max() u128 {
	if f.signed {
		return maxI128
	}
	return maxU128
}

func (f format) min() u128 {
	if f.signed {
		return minI128
	}
	return u128Zero
}

func (f format) one() u128 { return u128From64(1).shl(f.frac) }

func (f format) neg(a u128) bool { return f.signed && a.isNeg() }

func (f format) sat(r u128, ovf int) u128 {
	switch ovf {
	case above:
		return f.max()
	case below:
		return f.min()
	}
	return r
}

func (f format) cmp(a, b u128) int {
	if f.signed {
		return a.cmpS(b)
	}
	return a.cmpU(b)
}

func (f format) add(a, b u128) (u128, int) {
	s, c := a.add(b)
	if !f.signed {
		if c != 0 {
			return s, above
		}
		return s, fits
	}
	if a.isNeg() == b.isNeg() && s.isNeg() != a.isNeg() {
		if a.isNeg() {
			return s, below
		}
		return s, above
	}
	return s, fits
}

func (f format) sub(a, b u128) (u128, int) {
	d, br := a.sub(b)
	if !f.signed {
		if br != 0 {
			return d, below
		}
		return d, fits
	}
	if a.isNeg() != b.isNeg() && d.isNeg() != a.isNeg() {
		if a.isNeg() {
			return d, below
		}
		return d, above
	}
	return d, fits
}

// fromMagnitude applies a sign to an unsigned magnitude and range-checks it.
func (f format) fromMagnitude(mag u128, negative, tooBig bool) (u128, int) {
	if negative && (tooBig || !mag.isZero()) {
		if !f.signed {
			return u128Zero, below
		}
		if tooBig || mag.cmpU(minI128) > 0 {
			return u128Zero, below
		}
		return mag.neg(), fits
	}
	if tooBig || (f.signed && mag.isNeg()) {
		return u128Zero, above
	}
	return mag, fits
}

// mul is the full-width product floored to f.frac fraction bits.
func (f format) mul(a, b u128) (u128, int) {
	negative := f.neg(a) != f.neg(b)
	ma, mb := a, b
	if f.signed {
		ma, mb = a.abs(), b.abs()
	}
	p := mul128(ma, mb)
	q, tooBig := p.shr(f.frac)
	if negative && p.lowBitsSet(f.frac) {
		// floor(−x) = −ceil(x)
		var c uint64
		q, c = q.add(u128From64(1))
		tooBig = tooBig || c != 0
	}
	return f.fromMagnitude(q, negative, tooBig)
}

// div is (a << frac) / b truncated toward zero. b must be non-zero.
func (f format) div(a, b u128) (u128, int) {
	negative := f.neg(a) != f.neg(b)
	ma, mb := a, b
	if f.signed {
		ma, mb = a.abs(), b.abs()
	}
	q, tooBig := divShifted(ma, f.frac, mb)
	return f.fromMagnitude(q, negative, tooBig)
}

func (f format) fromInt64(n int64) u128 {
	// |n| < 2^64 and frac <= 64, so the shifted magnitude fits 128 bits.
	r, ovf := f.fromMagnitude(u128From64(absU64(n)).shl(f.frac), n < 0, false)
	return f.sat(r, ovf)
}

func (f format) fromUint64(n uint64) u128 {
	r, ovf := f.fromMagnitude(u128From64(n).shl(f.frac), false, false)
	return f.sat(r, ovf)
}

func (f format) floor(a u128) u128 {
	m := u128From64(1).shl(f.frac)
	m, _ = m.sub(u128From64(1))
	return u128{a.hi &^ m.hi, a.lo &^ m.lo}
}

func (f format) fracPart(a u128) u128 {
	m := u128From64(1).shl(f.frac)
	m, _ = m.sub(u128From64(1))
	return u128{a.hi & m.hi, a.lo & m.lo}
}

// round rounds half away from zero, saturating.
func (f format) round(a u128) u128 {
	half := u128From64(1).shl(f.frac - 1)
	negative := f.neg(a)
	mag := a
	if negative {
		mag = a.abs()
	}
	m, c := mag.add(half)
	m = f.floor(m)
	r, ovf := f.fromMagnitude(m, negative, c != 0)
	return f.sat(r, ovf)
}

// intPart returns floor(a) as a signed magnitude pair.
func (f format) intPart(a u128) (mag u128, negative bool) {
	if f.signed {
		return a.shrS(f.frac).abs(), a.isNeg()
	}
	return a.shrU(f.frac), false
}

// toUint64 is floor to u64; ok is false (and the result clamped) outside range.
func (f format) toUint64(a u128) (uint64, bool) {
	mag, negative := f.intPart(a)
	switch {
	case negative && !mag.isZero():
		return 0, false
	case mag.hi != 0:
		return math.MaxUint64, false
	}
	return mag.lo, true
}

// toInt64 is floor to i64; ok is false (and the result clamped) outside range.
func (f format) toInt64(a u128) (int64, bool) {
	mag, negative := f.intPart(a)
	if negative {
		if mag.hi != 0 || mag.lo > 1<<63 {
			return math.MinInt64, false
		}
		return -int64(mag.lo), true
	}
	if mag.hi != 0 || mag.lo > math.MaxInt64 {
		return math.MaxInt64, false
	}
	return int64(mag.lo), true
}

// exact is a format-independent value: ±mag / 2^64. Every supported type
// fits: the widest integer part is 96 bits.
type exact struct {
	negative bool
	mag      u256
}

func (f format) toExact(a u128) exact {
	negative := f.neg(a)
	mag := a
	if negative {
		mag = a.abs()
	}
	s := 64 - f.frac
	var w u256
	w[0], w[1] = mag.lo<<s, mag.hi<<s|mag.lo>>(64-s)
	w[2] = mag.hi >> (64 - s)
	if s == 0 {
		w = u256{mag.lo, mag.hi, 0, 0}
	}
	return exact{negative, w}
}

// fromExact converts with floor on the dropped fraction bits and saturation.
func (f format) fromExact(e exact) u128 {
	s := 64 - f.frac
	q, tooBig := e.mag.shr(s)
	if e.negative && e.mag.lowBitsSet(s) {
		var c uint64
		q, c = q.add(u128From64(1))
		tooBig = tooBig || c != 0
	}
	r, ovf := f.fromMagnitude(q, e.negative, tooBig)
	return f.sat(r, ovf)
}

func i32f32ToExact(a I32F32) exact { return fmtI96F32.toExact(i128From64(a.bits)) }

func i32f32FromExact(e exact) I32F32 {
	r := fmtI96F32.fromExact(e)
	hi, lo := int64(r.hi), r.lo
	switch {
	case hi > 0 || (hi == 0 && lo > math.MaxInt64):
		return I32F32Max()
	case hi < -1 || (hi == -1 && lo < 1<<63):
		return I32F32Min()
	}
	return I32F32{int64(lo)}
}

// toBig returns the raw bits as a big.Int (for formatting and literals only).
func (f format) toBig(a u128) *big.Int {
	x := new(big.Int).SetUint64(a.hi)
	x.Lsh(x, 64)
	x.Or(x, new(big.Int).SetUint64(a.lo))
	if f.signed && a.isNeg() {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	return x
}

// fromBig converts raw bits held in a big.Int, saturating.
func (f format) fromBig(x *big.Int) u128 {
	lo := new(big.Int).Lsh(big.NewInt(-1), 127)
	hi := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 127), big.NewInt(1))
	if !f.signed {
		lo = big.NewInt(0)
		hi = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))
	}
	switch {
	case x.Cmp(hi) > 0:
		return f.max()
	case x.Cmp(lo) < 0:
		return f.min()
	}
	b := new(big.Int).Abs(x).FillBytes(make([]byte, 16))
	var r u128
	for i := 0; i < 8; i++ {
		r.hi = r.hi<<8 | uint64(b[i])
		r.lo = r.lo<<8 | uint64(b[8+i])
	}
	if x.Sign() < 0 {
		r = r.neg()
	}
	return r
}
