package fixed

import (
	"fmt"
	"math/big"
)

// Constants written as float literals in the Rust source (0.5, 0.000003,
// 10_500_000_000_000_000.0) are converted by from_num(f64): the decimal
// literal first becomes the nearest binary64, which is then rounded to the
// fixed format, ties to even. The constructors below reproduce that with
// exact big-number arithmetic, so no float64 arithmetic ever runs; they are
// meant for constants built once, not for hot paths.

// literalRat parses a decimal float literal and rounds it to binary64.
func literalRat(s string) (*big.Rat, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("fixed: %q is not a decimal number", s)
	}
	f := new(big.Float).SetPrec(53).SetMode(big.ToNearestEven).SetRat(r)
	if exp := f.MantExp(nil); exp > 1024 || (f.Sign() != 0 && exp < -1021) {
		return nil, fmt.Errorf("fixed: %q is outside the normal binary64 range", s)
	}
	exactRat, _ := f.Rat(nil)
	return exactRat, nil
}

// ratBits rounds r·2^frac to the nearest integer, ties to even.
func ratBits(r *big.Rat, frac uint) *big.Int {
	scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), frac)))
	num, den := scaled.Num(), scaled.Denom()
	q, m := new(big.Int).QuoRem(num, den, new(big.Int))
	// Round the truncated quotient to nearest, ties to even.
	twice := new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2))
	switch c := twice.Cmp(den); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

func rat(num, den int64) (*big.Rat, error) {
	if den == 0 {
		return nil, fmt.Errorf("fixed: rational %d/0 has a zero denominator", num)
	}
	return big.NewRat(num, den), nil
}

func i32f32FromBig(x *big.Int) I32F32 {
	switch {
	case !x.IsInt64() && x.Sign() > 0:
		return I32F32Max()
	case !x.IsInt64():
		return I32F32Min()
	}
	return I32F32{x.Int64()}
}

// I32F32FromLiteral is from_num(f64) of a Rust float literal such as "0.5".
func I32F32FromLiteral(s string) (I32F32, error) {
	r, err := literalRat(s)
	if err != nil {
		return I32F32{}, err
	}
	return i32f32FromBig(ratBits(r, i32f32Frac)), nil
}

// I32F32FromRat rounds num/den to the nearest I32F32, ties to even, saturating.
func I32F32FromRat(num, den int64) (I32F32, error) {
	r, err := rat(num, den)
	if err != nil {
		return I32F32{}, err
	}
	return i32f32FromBig(ratBits(r, i32f32Frac)), nil
}

// MustI32F32FromLiteral is I32F32FromLiteral for package-level constants; it
// panics on a malformed literal, which is a programming error.
func MustI32F32FromLiteral(s string) I32F32 {
	v, err := I32F32FromLiteral(s)
	if err != nil {
		panic(err)
	}
	return v
}

func (f format) fromLiteral(s string) (u128, error) {
	r, err := literalRat(s)
	if err != nil {
		return u128{}, err
	}
	return f.fromBig(ratBits(r, f.frac)), nil
}

func (f format) fromRat(num, den int64) (u128, error) {
	r, err := rat(num, den)
	if err != nil {
		return u128{}, err
	}
	return f.fromBig(ratBits(r, f.frac)), nil
}

func must(v u128, err error) u128 {
	if err != nil {
		panic(err)
	}
	return v
}

// formatBits renders raw bits as an exact decimal (every binary fraction
// has a finite decimal expansion).
func formatBits(raw u128, signed bool, frac uint) string {
	f := format{frac: frac, signed: signed}
	x := f.toBig(raw)
	r := new(big.Rat).SetFrac(x, new(big.Int).Lsh(big.NewInt(1), frac))
	s := r.FloatString(int(frac))
	// Trim trailing zeros of the fraction, keeping at least one digit.
	end := len(s)
	for end > 0 && s[end-1] == '0' {
		end--
	}
	if end > 0 && s[end-1] == '.' {
		end++
	}
	return s[:end]
}
