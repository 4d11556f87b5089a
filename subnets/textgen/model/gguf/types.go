package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Type is a ggml tensor type.
type Type uint32

// The tensor types this package encodes and decodes. Others (the k-quants,
// Q4_0, …) are named in errors but refused.
const (
	F32  Type = 0
	F16  Type = 1
	Q8_0 Type = 8
	BF16 Type = 30
)

// q8Block is the number of values in one Q8_0 block (an F16 scale and 32 int8).
const q8Block = 32

var typeNames = map[Type]string{
	0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1",
	10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS",
	17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S",
	23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64", 29: "IQ1_M", 30: "BF16",
}

func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("type(%d)", t)
}

// size is the byte size of a tensor of type t with dims.
func (t Type) size(dims []uint64) (uint64, error) {
	n := uint64(1)
	for _, d := range dims {
		if d == 0 || n > math.MaxInt64/d {
			return 0, fmt.Errorf("dimensions %v", dims)
		}
		n *= d
	}
	switch t {
	case F32:
		return 4 * n, nil
	case F16, BF16:
		return 2 * n, nil
	case Q8_0:
		if len(dims) == 0 || dims[0]%q8Block != 0 {
			return 0, fmt.Errorf("Q8_0 needs the first dimension to be a multiple of %d, got %v", q8Block, dims)
		}
		return n / q8Block * 34, nil
	}
	return 0, fmt.Errorf("tensor type %v is not supported (F32, F16, BF16 and Q8_0 are)", t)
}

// Float32 decodes the tensor's values.
func (t *Tensor) Float32() ([]float32, error) {
	size, err := t.Type.size(t.Dims)
	if err != nil {
		return nil, fmt.Errorf("gguf: tensor %q: %v", t.Name, err)
	}
	if uint64(len(t.Data)) != size {
		return nil, fmt.Errorf("gguf: tensor %q holds %d bytes, want %d", t.Name, len(t.Data), size)
	}
	out := make([]float32, t.Elements())
	le := binary.LittleEndian
	switch t.Type {
	case F32:
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(t.Data[4*i:]))
		}
	case F16:
		for i := range out {
			out[i] = F16ToF32(le.Uint16(t.Data[2*i:]))
		}
	case BF16:
		for i := range out {
			out[i] = math.Float32frombits(uint32(le.Uint16(t.Data[2*i:])) << 16)
		}
	case Q8_0:
		for blk := 0; blk < len(out)/q8Block; blk++ {
			b := t.Data[34*blk : 34*blk+34]
			d := F16ToF32(le.Uint16(b))
			for j := 0; j < q8Block; j++ {
				out[blk*q8Block+j] = float32(int8(b[2+j])) * d
			}
		}
	}
	return out, nil
}

// NewTensor encodes values (fastest-varying dimension first, as Dims) as
// type typ.
func NewTensor(name string, dims []uint64, typ Type, values []float32) (Tensor, error) {
	t := Tensor{Name: name, Dims: append([]uint64(nil), dims...), Type: typ}
	size, err := typ.size(dims)
	if err != nil {
		return Tensor{}, fmt.Errorf("gguf: tensor %q: %v", name, err)
	}
	if uint64(len(values)) != t.Elements() {
		return Tensor{}, fmt.Errorf("gguf: tensor %q: %d values for dimensions %v", name, len(values), dims)
	}
	t.Data = make([]byte, size)
	le := binary.LittleEndian
	switch typ {
	case F32:
		for i, v := range values {
			le.PutUint32(t.Data[4*i:], math.Float32bits(v))
		}
	case F16:
		for i, v := range values {
			le.PutUint16(t.Data[2*i:], F32ToF16(v))
		}
	case BF16:
		for i, v := range values {
			le.PutUint16(t.Data[2*i:], F32ToBF16(v))
		}
	case Q8_0:
		for blk := 0; blk < len(values)/q8Block; blk++ {
			quantizeQ8(t.Data[34*blk:34*blk+34], values[blk*q8Block:(blk+1)*q8Block])
		}
	}
	return t, nil
}

// quantizeQ8 is ggml's reference Q8_0: scale amax/127 stored as F16, each
// value rounded half away from zero against the unrounded scale.
func quantizeQ8(dst []byte, xs []float32) {
	var amax float32
	for _, x := range xs {
		amax = max(amax, float32(math.Abs(float64(x))))
	}
	d := amax / 127
	var id float32
	if d != 0 {
		id = 1 / d
	}
	binary.LittleEndian.PutUint16(dst, F32ToF16(d))
	for j, x := range xs {
		dst[2+j] = byte(int8(math.Round(float64(x * id))))
	}
}

// F16ToF32 widens an IEEE half-precision value exactly.
func F16ToF32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch exp {
	case 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case 0:
		v := float32(mant) / (1 << 24) // subnormal: mant·2⁻²⁴, exact in float32
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}

// F32ToF16 rounds to the nearest half-precision value, ties to even;
// overflow gives infinity, NaN stays NaN.
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	e := exp - 112 // the half's biased exponent
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 { // a half subnormal (or zero): m·2⁻²⁴ with m = M >> shift
		shift := uint(126 - exp)
		if shift > 24 {
			return sign
		}
		m := mant | 0x800000
		h := uint32(m >> shift)
		rem, half := m&(1<<shift-1), uint32(1)<<(shift-1)
		if rem > half || (rem == half && h&1 == 1) {
			h++ // may carry into the smallest normal, which is right
		}
		return sign | uint16(h)
	}
	h := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // may carry into the exponent, up to infinity, which is right
	}
	return sign | uint16(h)
}

// F32ToBF16 rounds to the nearest bfloat16, ties to even (NaN stays NaN).
func F32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}
