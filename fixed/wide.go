package fixed

import "math/bits"

// u128 is a 128-bit word pair. The signed formats read it as two's complement.
type u128 struct{ hi, lo uint64 }

var (
	u128Zero   = u128{}
	maxI128    = u128{hi: 1<<63 - 1, lo: ^uint64(0)}
	minI128    = u128{hi: 1 << 63}
	maxU128    = u128{hi: ^uint64(0), lo: ^uint64(0)}
	u128SignHi = uint64(1 << 63)
)

func u128From64(x uint64) u128 { return u128{lo: x} }

func i128From64(x int64) u128 { return u128{hi: uint64(x >> 63), lo: uint64(x)} }

func (a u128) isNeg() bool  { return a.hi&u128SignHi != 0 }
func (a u128) isZero() bool { return a.hi|a.lo == 0 }

func (a u128) add(b u128) (u128, uint64) {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi, c := bits.Add64(a.hi, b.hi, c)
	return u128{hi, lo}, c
}

func (a u128) sub(b u128) (u128, uint64) {
	lo, br := bits.Sub64(a.lo, b.lo, 0)
	hi, br := bits.Sub64(a.hi, b.hi, br)
	return u128{hi, lo}, br
}

func (a u128) neg() u128 {
	r, _ := u128Zero.sub(a)
	return r
}

// abs returns the magnitude of a signed value; |MIN| = 2^127 fits unsigned.
func (a u128) abs() u128 {
	if a.isNeg() {
		return a.neg()
	}
	return a
}

func (a u128) cmpU(b u128) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

func (a u128) cmpS(b u128) int {
	return u128{a.hi ^ u128SignHi, a.lo}.cmpU(u128{b.hi ^ u128SignHi, b.lo})
}

func (a u128) shl(s uint) u128 {
	switch {
	case s == 0:
		return a
	case s >= 128:
		return u128Zero
	case s >= 64:
		return u128{hi: a.lo << (s - 64)}
	}
	return u128{hi: a.hi<<s | a.lo>>(64-s), lo: a.lo << s}
}

// shrU is a logical shift right.
func (a u128) shrU(s uint) u128 {
	switch {
	case s == 0:
		return a
	case s >= 128:
		return u128Zero
	case s >= 64:
		return u128{lo: a.hi >> (s - 64)}
	}
	return u128{hi: a.hi >> s, lo: a.lo>>s | a.hi<<(64-s)}
}

// shrS is an arithmetic shift right, i.e. floor division by 2^s.
func (a u128) shrS(s uint) u128 {
	sign := uint64(int64(a.hi) >> 63)
	switch {
	case s == 0:
		return a
	case s >= 128:
		return u128{sign, sign}
	case s >= 64:
		return u128{hi: sign, lo: uint64(int64(a.hi) >> (s - 64))}
	}
	return u128{hi: uint64(int64(a.hi) >> s), lo: a.lo>>s | a.hi<<(64-s)}
}

// u256 holds an unsigned 256-bit intermediate, least significant word first.
type u256 [4]uint64

// mul128 is the full 256-bit product of two unsigned 128-bit values.
func mul128(a, b u128) u256 {
	var r u256
	h0, l0 := bits.Mul64(a.lo, b.lo)
	h1, l1 := bits.Mul64(a.lo, b.hi)
	h2, l2 := bits.Mul64(a.hi, b.lo)
	h3, l3 := bits.Mul64(a.hi, b.hi)
	r[0] = l0
	var c, c2 uint64
	r[1], c = bits.Add64(h0, l1, 0)
	r[2], c2 = bits.Add64(h1, l3, c)
	r[3] = h3 + c2
	r[1], c = bits.Add64(r[1], l2, 0)
	r[2], c2 = bits.Add64(r[2], h2, c)
	r[3] += c2
	return r
}

// shr shifts right by s < 128 and reports whether the result still needs
// more than 128 bits.
func (x u256) shr(s uint) (u128, bool) {
	var w [4]uint64
	if s == 0 {
		w = x
	} else if s < 64 {
		w[0] = x[0]>>s | x[1]<<(64-s)
		w[1] = x[1]>>s | x[2]<<(64-s)
		w[2] = x[2]>>s | x[3]<<(64-s)
		w[3] = x[3] >> s
	} else {
		t := s - 64
		if t == 0 {
			w[0], w[1], w[2] = x[1], x[2], x[3]
		} else {
			w[0] = x[1]>>t | x[2]<<(64-t)
			w[1] = x[2]>>t | x[3]<<(64-t)
			w[2] = x[3] >> t
		}
	}
	return u128{w[1], w[0]}, w[2]|w[3] != 0
}

// lowBitsSet reports whether any of the s lowest bits are set (s < 128).
func (x u256) lowBitsSet(s uint) bool {
	if s >= 64 {
		return x[0] != 0 || (s > 64 && x[1]<<(128-s) != 0)
	}
	return s > 0 && x[0]<<(64-s) != 0
}

// divShifted computes floor((a << s) / b) for unsigned a, b and s <= 64,
// reporting whether the quotient exceeds 128 bits. b must be non-zero.
func divShifted(a u128, s uint, b u128) (u128, bool) {
	// Numerator as three words, least significant first.
	var n [3]uint64
	if s == 0 {
		n = [3]uint64{a.lo, a.hi, 0}
	} else if s == 64 {
		n = [3]uint64{0, a.lo, a.hi}
	} else {
		n = [3]uint64{a.lo << s, a.hi<<s | a.lo>>(64-s), a.hi >> (64 - s)}
	}
	if b.hi == 0 {
		// Schoolbook division by one word.
		if n[2] >= b.lo {
			return u128Zero, true
		}
		q1, r := bits.Div64(n[2], n[1], b.lo)
		q0, _ := bits.Div64(r, n[0], b.lo)
		return u128{q1, q0}, false
	}
	// Knuth algorithm D with a two-word divisor; the quotient has at most
	// two words because the divisor is at least 2^64.
	sh := uint(bits.LeadingZeros64(b.hi))
	// Go defines x>>64 == 0 for unsigned x, so sh == 0 needs no special case.
	v1 := b.hi<<sh | b.lo>>(64-sh)
	v0 := b.lo << sh
	var u [4]uint64
	u[0] = n[0] << sh
	u[1] = n[1]<<sh | n[0]>>(64-sh)
	u[2] = n[2]<<sh | n[1]>>(64-sh)
	u[3] = n[2] >> (64 - sh)
	var q [2]uint64
	for j := 1; j >= 0; j-- {
		q[j] = knuthStep(&u, j, v1, v0)
	}
	return u128{q[1], q[0]}, false
}

// knuthStep divides the three words u[j..j+2] by the normalized divisor
// (v1, v0), leaves the remainder in place and returns the quotient word.
func knuthStep(u *[4]uint64, j int, v1, v0 uint64) uint64 {
	ujn, ujn1, ujn2 := u[j+2], u[j+1], u[j]
	var qhat, rhat uint64
	overflowR := false
	if ujn >= v1 {
		qhat = ^uint64(0)
		var c uint64
		rhat, c = bits.Add64(ujn1, v1, 0)
		overflowR = c != 0
		// When ujn == v1, rhat = ujn*b + ujn1 - qhat*v1 = ujn1 + v1.
	} else {
		qhat, rhat = bits.Div64(ujn, ujn1, v1)
	}
	for !overflowR {
		ph, pl := bits.Mul64(qhat, v0)
		if ph < rhat || (ph == rhat && pl <= ujn2) {
			break
		}
		qhat--
		var c uint64
		rhat, c = bits.Add64(rhat, v1, 0)
		overflowR = c != 0
	}
	// Multiply and subtract qhat*(v1,v0) from u[j..j+2].
	p0h, p0l := bits.Mul64(qhat, v0)
	p1h, p1l := bits.Mul64(qhat, v1)
	var br uint64
	var t0, t1, t2 uint64
	t0, br = bits.Sub64(u[j], p0l, 0)
	mid, c := bits.Add64(p1l, p0h, 0)
	t1, br = bits.Sub64(u[j+1], mid, br)
	t2, br = bits.Sub64(u[j+2], p1h+c, br)
	if br != 0 {
		// qhat was one too large: add the divisor back.
		qhat--
		var c2 uint64
		t0, c2 = bits.Add64(t0, v0, 0)
		t1, c2 = bits.Add64(t1, v1, c2)
		t2 += c2
	}
	u[j], u[j+1], u[j+2] = t0, t1, t2
	return qhat
}
