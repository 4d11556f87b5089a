package fixed

import "math/bits"

// eI9F23Bits is substrate-fixed's constant e truncated to 23 fraction bits
// (floor(e·2^23)); exp(1) returns exactly this, widened.
const eI9F23Bits = 22802600

const expTerms = 32 // the series adds the terms i = 2 … expTerms−1

// termDivisor divides a non-negative 63-bit term by i exactly with one
// multiplication (Granlund–Montgomery): floor(t/i) = (t·m) >> (63+l) for
// m = floor(2^(63+l)/i) + 1, 2^(l−1) < i ≤ 2^l. The series is the hot
// path of liquid alpha, and a hardware division per term dominated it.
type termDivisor struct {
	m     uint64
	shift uint // l − 1: the high word of t·m shifted right by it
}

var termDivisors = func() (d [expTerms]termDivisor) {
	for i := uint64(2); i < expTerms; i++ {
		l := uint(bits.Len64(i - 1)) // smallest l with i ≤ 2^l
		q, _ := bits.Div64(1<<(l-1), 0, i)
		d[i] = termDivisor{m: q + 1, shift: l - 1}
	}
	return d
}()

// expSeries sums 1 + x + Σ_{i=2}^{31} x^i/i! for x ≥ 0 (raw I32F32 bits) as
// substrate-fixed does: each term floor-multiplied by x then truncated by
// i, each step checked. A term that reaches 0 ends the sum early: every
// later term is 0 too.
func expSeries(x int64) (int64, bool) {
	result := x + 1<<i32f32Frac
	if result < x {
		return 0, false
	}
	term := x
	for i := 2; i < expTerms; i++ {
		var ok bool
		if term, ok = mulBits(term, x); !ok {
			return 0, false
		}
		hi, _ := bits.Mul64(uint64(term), termDivisors[i].m)
		term = int64(hi >> termDivisors[i].shift)
		if term == 0 {
			break
		}
		if result += term; result < term {
			return 0, false
		}
	}
	return result, true
}

// Exp is substrate-fixed's transcendental::exp for I32F32: the Taylor
// series 1 + x + Σ_{i=2}^{31} x^i/i! on |x| with checked floor
// multiplications and truncating divisions, inverted for negative x.
// It reports false where the Rust function returns an error (overflow).
func Exp(x I32F32) (I32F32, bool) {
	const one = 1 << i32f32Frac
	switch x.bits {
	case 0:
		return I32F32{one}, true
	case one:
		return I32F32{eI9F23Bits << (i32f32Frac - 23)}, true
	}
	negative := x.bits < 0
	v := x.bits
	if negative {
		if v == I32F32Min().bits {
			return I32F32{}, false // checked_neg fails
		}
		v = -v
	}
	result, ok := expSeries(v)
	if !ok {
		return I32F32{}, false
	}
	if negative {
		return I32F32{one}.CheckedDiv(I32F32{result})
	}
	return I32F32{result}, true
}

// ExpSafe is subtensor's exp_safe: x clamped to [−20, 20]; where Exp fails,
// 0 for x ≤ 0 and MAX otherwise.
func ExpSafe(x I32F32) I32F32 {
	lo, hi := I32F32FromInt(-20), I32F32FromInt(20)
	x = x.Max(lo).Min(hi)
	r, ok := Exp(x)
	if ok {
		return r
	}
	if x.bits <= 0 {
		return I32F32{}
	}
	return I32F32Max()
}

// ExpSafe4 is ExpSafe of four arguments. Their series are summed in
// lockstep so that the processor overlaps four independent chains of
// multiplications; the results are exactly ExpSafe's.
func ExpSafe4(x [4]I32F32) [4]I32F32 {
	const one = 1 << i32f32Frac
	lo, hi := I32F32FromInt(-20), I32F32FromInt(20)
	var v [4]int64
	var out [4]I32F32
	for l := range x {
		x[l] = x[l].Max(lo).Min(hi)
		v[l] = x[l].bits
		if v[l] < 0 {
			v[l] = -v[l] // |x| ≤ 20 after clamping, so this cannot overflow
		}
	}
	sums, ok := expSeries4(v)
	for l := range x {
		switch {
		case x[l].bits == 0:
			out[l] = I32F32{one}
		case x[l].bits == one:
			out[l] = I32F32{eI9F23Bits << (i32f32Frac - 23)}
		case !ok[l]:
			if x[l].bits > 0 {
				out[l] = I32F32Max()
			}
		case x[l].bits < 0:
			if q, good := (I32F32{one}).CheckedDiv(I32F32{sums[l]}); good {
				out[l] = q
			}
		default:
			out[l] = I32F32{sums[l]}
		}
	}
	return out
}

// expSeries4 is expSeries for four non-negative arguments at once, kept
// in registers (four named lanes). Lanes run on after they finish: a zero
// term stays zero and adds nothing, and a lane that overflowed is only
// reported.
func expSeries4(x [4]int64) (res [4]int64, ok [4]bool) {
	const one = 1 << i32f32Frac
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	t0, t1, t2, t3 := x0, x1, x2, x3
	r0, r1, r2, r3 := x0+one, x1+one, x2+one, x3+one
	ok0, ok1, ok2, ok3 := r0 >= 0, r1 >= 0, r2 >= 0, r3 >= 0
	for i := 2; i < expTerms; i++ {
		d := termDivisors[i]
		t0, r0, ok0 = expStep(t0, x0, r0, ok0, d)
		t1, r1, ok1 = expStep(t1, x1, r1, ok1, d)
		t2, r2, ok2 = expStep(t2, x2, r2, ok2, d)
		t3, r3, ok3 = expStep(t3, x3, r3, ok3, d)
		if t0|t1|t2|t3 == 0 {
			break
		}
	}
	return [4]int64{r0, r1, r2, r3}, [4]bool{ok0, ok1, ok2, ok3}
}

// expStep adds the next term: t·x floored (checked), divided by i.
func expStep(t, x, r int64, ok bool, d termDivisor) (int64, int64, bool) {
	h, lo := bits.Mul64(uint64(t), uint64(x))
	ok = ok && h < 1<<31
	q, _ := bits.Mul64((h<<32|lo>>32)&(1<<63-1), d.m)
	t = int64(q >> d.shift)
	r += t
	return t, r, ok && r >= 0
}
