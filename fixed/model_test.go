package fixed

import (
	"math/big"
	"math/rand"
)

// The deliberately naive model: a fixed value is the rational bits/2^frac,
// every operation is done exactly on big.Rat and only then brought back to
// the format by the rule the spec states (§1.2): floor for products and
// conversions, truncation toward zero for quotients, half away from zero
// for round, and clamping for saturation.

type layout struct {
	name   string
	width  uint // total bits
	frac   uint
	signed bool
}

var (
	layI32F32 = layout{"I32F32", 64, 32, true}
	layI64F64 = layout{"I64F64", 128, 64, true}
	layI96F32 = layout{"I96F32", 128, 32, true}
	layU96F32 = layout{"U96F32", 128, 32, false}
	layU64F64 = layout{"U64F64", 128, 64, false}
)

func (l layout) minBits() *big.Int {
	if !l.signed {
		return big.NewInt(0)
	}
	return new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), l.width-1))
}

func (l layout) maxBits() *big.Int {
	w := l.width
	if l.signed {
		w--
	}
	return new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), w), big.NewInt(1))
}

func (l layout) inRange(b *big.Int) bool {
	return b.Cmp(l.minBits()) >= 0 && b.Cmp(l.maxBits()) <= 0
}

func (l layout) clamp(b *big.Int) *big.Int {
	switch {
	case b.Cmp(l.maxBits()) > 0:
		return l.maxBits()
	case b.Cmp(l.minBits()) < 0:
		return l.minBits()
	}
	return b
}

func (l layout) scale() *big.Int { return new(big.Int).Lsh(big.NewInt(1), l.frac) }

func (l layout) value(b *big.Int) *big.Rat { return new(big.Rat).SetFrac(b, l.scale()) }

// floorBits is floor(r·2^frac).
func (l layout) floorBits(r *big.Rat) *big.Int {
	s := new(big.Rat).Mul(r, new(big.Rat).SetInt(l.scale()))
	return new(big.Int).Div(s.Num(), s.Denom()) // Euclidean: floor for a positive denominator
}

// truncBits is trunc(r·2^frac), toward zero.
func (l layout) truncBits(r *big.Rat) *big.Int {
	s := new(big.Rat).Mul(r, new(big.Rat).SetInt(l.scale()))
	return new(big.Int).Quo(s.Num(), s.Denom())
}

func modelMul(l layout, a, b *big.Int) *big.Int {
	return l.floorBits(new(big.Rat).Mul(l.value(a), l.value(b)))
}

func modelDiv(l layout, a, b *big.Int) *big.Int {
	return l.truncBits(new(big.Rat).Quo(l.value(a), l.value(b)))
}

func modelRound(l layout, a *big.Int) *big.Int {
	r := l.value(a)
	half := big.NewRat(1, 2)
	mag := new(big.Rat).Abs(r)
	mag.Add(mag, half)
	i := new(big.Int).Div(mag.Num(), mag.Denom())
	if r.Sign() < 0 {
		i.Neg(i)
	}
	return new(big.Int).Mul(i, l.scale())
}

func modelFloor(l layout, a *big.Int) *big.Int {
	r := l.value(a)
	i := new(big.Int).Div(r.Num(), r.Denom())
	return new(big.Int).Mul(i, l.scale())
}

// modelConvert re-expresses a value of layout from in layout to (floor).
func modelConvert(from, to layout, a *big.Int) *big.Int {
	return to.floorBits(from.value(a))
}

func modelToInt(l layout, a *big.Int) *big.Int {
	r := l.value(a)
	return new(big.Int).Div(r.Num(), r.Denom())
}

// randBits draws raw bits biased toward the edges: zero, ±1 ulp, the
// extremes, their neighbours, powers of two, integers, small magnitudes and
// uniformly random words.
func randBits(r *rand.Rand, l layout) *big.Int {
	one := big.NewInt(1)
	pick := func() *big.Int {
		switch r.Intn(12) {
		case 0:
			return big.NewInt(0)
		case 1:
			return big.NewInt(1)
		case 2:
			return big.NewInt(-1)
		case 3:
			return l.maxBits()
		case 4:
			return new(big.Int).Sub(l.maxBits(), big.NewInt(int64(r.Intn(3))))
		case 5:
			return new(big.Int).Add(l.minBits(), big.NewInt(int64(r.Intn(3))))
		case 6:
			p := new(big.Int).Lsh(one, uint(r.Intn(int(l.width))))
			if r.Intn(2) == 0 {
				p.Neg(p)
			}
			return p.Add(p, big.NewInt(int64(r.Intn(3)-1)))
		case 7:
			// an integer value
			i := new(big.Int).Rand(r, new(big.Int).Lsh(one, uint(r.Intn(int(l.width-l.frac)))))
			if r.Intn(2) == 0 {
				i.Neg(i)
			}
			return i.Lsh(i, l.frac)
		case 8, 9:
			// small magnitude: below 4.0
			i := new(big.Int).Rand(r, new(big.Int).Lsh(one, l.frac+2))
			if r.Intn(2) == 0 {
				i.Neg(i)
			}
			return i
		default:
			i := new(big.Int).Rand(r, new(big.Int).Lsh(one, uint(1+r.Intn(int(l.width)))))
			if r.Intn(2) == 0 {
				i.Neg(i)
			}
			return i
		}
	}
	return l.clamp(pick())
}
