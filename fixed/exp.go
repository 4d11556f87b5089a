package fixed

// eI9F23Bits is substrate-fixed's constant e truncated to 23 fraction bits
// (floor(e·2^23)); exp(1) returns exactly this, widened.
const eI9F23Bits = 22802600

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
	result, ok := I32F32{v}.CheckedAdd(I32F32{one})
	if !ok {
		return I32F32{}, false
	}
	term := v
	for i := int64(2); i < 32; i++ {
		term, ok = mulBits(term, v)
		if !ok {
			return I32F32{}, false
		}
		// checked_div by from_num(i): (term·2^32)/(i·2^32) = term/i,
		// truncated; term is never negative here.
		term /= i
		if term == 0 {
			// Every later term is 0 too and leaves the sum unchanged.
			break
		}
		if result, ok = result.CheckedAdd(I32F32{term}); !ok {
			return I32F32{}, false
		}
	}
	if negative {
		return I32F32{one}.CheckedDiv(result)
	}
	return result, true
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
