package fixed

import (
	"math"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

func lits(t *testing.T, xs ...string) []I32F32 {
	t.Helper()
	out := make([]I32F32, len(xs))
	for i, s := range xs {
		v, err := I32F32FromLiteral(s)
		require.NoError(t, err)
		out[i] = v
	}
	return out
}

// Vectors of subtensor's tests/math.rs::test_vec_max_upscale_to_u16.
func TestVecMaxUpscaleToU16_1_4(t *testing.T) {
	for _, c := range []struct {
		in   []I32F32
		want []uint16
	}{
		{nil, []uint16{}},
		{lits(t, "0"), []uint16{0}},
		{lits(t, "0", "0"), []uint16{0, 0}},
		{lits(t, "0", "1"), []uint16{0, 65535}},
		{lits(t, "0", "0.000000001"), []uint16{0, 65535}},
		{lits(t, "0", "0.000016", "1"), []uint16{0, 1, 65535}},
		{lits(t, "0.000000001", "0.000000001"), []uint16{65535, 65535}},
		{lits(t, "0.000001", "0.000006", "0.000007", "0.0001", "0.001", "0.01", "0.1", "0.2", "0.3", "0.4"),
			[]uint16{0, 1, 1, 16, 164, 1638, 16384, 32768, 49151, 65535}},
		{lits(t, "16384"), []uint16{65535}},
		{lits(t, "32768"), []uint16{65535}},
		{lits(t, "32769"), []uint16{65535}},
		{lits(t, "65535"), []uint16{65535}},
		{[]I32F32{I32F32Max()}, []uint16{65535}},
		{lits(t, "0", "1", "65535"), []uint16{0, 1, 65535}},
		{lits(t, "0", "0.5", "1", "1.5", "2", "32768"), []uint16{0, 1, 2, 3, 4, 65535}},
		{lits(t, "0", "0.5", "1", "1.5", "2", "32768", "32769"), []uint16{0, 1, 2, 3, 4, 65533, 65535}},
		{[]I32F32{I32F32FromInt(0), I32F32FromInt(1), I32F32FromInt(32768), I32F32FromInt(32769), I32F32Max()},
			[]uint16{0, 0, 1, 1, 65535}},
	} {
		require.Equal(t, c.want, VecMaxUpscaleToU16(c.in), "%v", c.in)
	}
}

// Vectors of subtensor's tests/math.rs::test_vec_u16_max_upscale_to_u16.
func TestVecU16MaxUpscaleToU16_1_4(t *testing.T) {
	for _, c := range []struct{ in, want []uint16 }{
		{[]uint16{}, []uint16{}},
		{[]uint16{0}, []uint16{0}},
		{[]uint16{0, 0}, []uint16{0, 0}},
		{[]uint16{1}, []uint16{65535}},
		{[]uint16{0, 1}, []uint16{0, 65535}},
		{[]uint16{65534}, []uint16{65535}},
		{[]uint16{65535}, []uint16{65535}},
		{[]uint16{65535, 65535}, []uint16{65535, 65535}},
		{[]uint16{0, 1, 65534}, []uint16{0, 1, 65535}},
		{[]uint16{0, 1, 2, 3, 4, 65533, 65535}, []uint16{0, 1, 2, 3, 4, 65533, 65535}},
		// 65535/512 = 127 on every server, as test_512_graph submits it.
		{[]uint16{127, 127}, []uint16{65535, 65535}},
		// test_bonds' servers: [16383, 32767, 49149, 65535] stays.
		{[]uint16{16383, 32767, 49149, 65535}, []uint16{16383, 32767, 49149, 65535}},
	} {
		require.Equal(t, c.want, VecU16MaxUpscaleToU16(c.in), "%v", c.in)
	}
}

func TestProportionConversions_1_4(t *testing.T) {
	require.Equal(t, I32F32FromInt(65535), U16ToFixed(65535))
	require.Equal(t, I32F32{}, U16ProportionToFixed(0))
	require.Equal(t, I32F32One(), U16ProportionToFixed(65535))
	// κ's default 32767/65535, truncated.
	require.Equal(t, int64(2147450879), U16ProportionToFixed(32767).Bits())
	require.Equal(t, U16ProportionToFixed(32767), FixedToFixedU16Proportion(U16ToFixed(32767)))
	require.Equal(t, uint16(0), FixedProportionToU16(I32F32{}))
	require.Equal(t, uint16(65535), FixedProportionToU16(I32F32One()))
	require.Equal(t, uint16(65535), FixedProportionToU16(I32F32FromInt(65535)))
	require.Equal(t, uint16(0), FixedProportionToU16(I32F32FromInt(-1)))
	// Round trip through the stored u16 loses at most one unit, downward.
	for x := 0; x <= 65535; x++ {
		back := FixedProportionToU16(U16ProportionToFixed(uint16(x)))
		require.LessOrEqual(t, int(back), x)
		require.GreaterOrEqual(t, int(back), x-1)
	}
	// From tests/math.rs: fixed64_to_fixed32 saturates, fixed64_to_u64 floors.
	require.Equal(t, I32F32Max(), I64F64FromUint(1<<32-1).ToI32F32())
	require.Equal(t, I32F32FromInt(-1<<31), I64F64FromInt(-1<<31).ToI32F32())
	require.Equal(t, uint64(1<<63-1), I64F64FromInt(1<<63-1).ToUint64())
	require.Equal(t, uint64(0), I64F64FromInt(-1).ToUint64())
}

// TestProportionFastPaths_1_4 checks the closed forms against the general
// operations the helpers are defined by (§1.4).
func TestProportionFastPaths_1_4(t *testing.T) {
	u16Max := U16ToFixed(65535)
	for x := 0; x <= 65535; x++ {
		require.Equal(t, U16ToFixed(uint16(x)).SafeDiv(u16Max), U16ProportionToFixed(uint16(x)), "x=%d", x)
		v := U16ToFixed(uint16(x))
		require.Equal(t, v.SafeDiv(u16Max), FixedToFixedU16Proportion(v), "x=%d", x)
	}
	r := rand.New(rand.NewSource(21))
	for i := 0; i < 200000; i++ {
		var b int64
		switch i % 4 {
		case 0:
			b = r.Int63n(1<<33) - 1<<31 // around [0, 1]
		case 1:
			b = int64(r.Uint64())
		case 2:
			b = 1<<32 + int64(r.Intn(5)) - 2
		default:
			b = int64(r.Intn(5)) - 2
		}
		x := I32F32FromBits(b)
		require.Equal(t, x.SatMul(u16Max).ToUint16(), FixedProportionToU16(x), "bits %d", b)
		require.Equal(t, x.SafeDiv(u16Max), FixedToFixedU16Proportion(x), "bits %d", b)
	}
	for _, b := range []int64{math.MinInt64, math.MaxInt64, 1 << 47, -1 << 47} {
		x := I32F32FromBits(b)
		require.Equal(t, x.SatMul(u16Max).ToUint16(), FixedProportionToU16(x), "bits %d", b)
		require.Equal(t, x.SafeDiv(u16Max), FixedToFixedU16Proportion(x), "bits %d", b)
	}
}

func TestFromLiteral_1_2(t *testing.T) {
	// 0.1 is not a binary fraction: as an f64 literal it is
	// 0x3FB999999999999A = 0x1999999999999A·2^−56, exact with 64 fraction bits, so
	// I64F64 holds the f64 value, not the decimal rounded to 64 bits.
	v, err := I64F64FromLiteral("0.1")
	require.NoError(t, err)
	_, lo := v.Bits()
	require.Equal(t, uint64(0x1999999999999A00), lo)
	dec, err := I64F64FromRat(1, 10)
	require.NoError(t, err)
	_, declo := dec.Bits()
	require.Equal(t, uint64(0x199999999999999A), declo) // 2^64/10 = …161.6, rounded
	// Ties to even at 32 fraction bits: 2^-33 rounds to 0, 3·2^-33 to 2·2^-32.
	half, err := I32F32FromRat(1, 1<<33)
	require.NoError(t, err)
	require.Equal(t, int64(0), half.Bits())
	threeHalves, err := I32F32FromRat(3, 1<<33)
	require.NoError(t, err)
	require.Equal(t, int64(2), threeHalves.Bits())
	neg, err := I32F32FromRat(-3, 1<<33)
	require.NoError(t, err)
	require.Equal(t, int64(-2), neg.Bits())
	// The epoch's constants.
	require.Equal(t, int64(1<<31), MustI32F32FromLiteral("0.5").Bits())
	require.Equal(t, "0.000003", MustU96F32FromLiteral("0.000003").String()[:8])
	require.Equal(t, I96F32FromUint(10_500_000_000_000_000), MustI96F32FromLiteral("10500000000000000.0"))
	require.Equal(t, I32F32Max(), MustI32F32FromLiteral("1e12"))
	_, err = I32F32FromLiteral("zero")
	require.Error(t, err)
	_, err = I32F32FromRat(1, 0)
	require.Error(t, err)
	_, err = U64F64FromLiteral("1e400")
	require.Error(t, err)
}

func TestIntegerConstructors_1_2(t *testing.T) {
	require.Equal(t, I32F32Max(), I32F32FromInt(1<<31))
	require.Equal(t, I32F32Min(), I32F32FromInt(-1<<31-1))
	require.Equal(t, I32F32FromInt(-1<<31), I32F32Min())
	require.Equal(t, I32F32Max(), I32F32FromUint(1<<40))
	require.Equal(t, I64F64Max(), I64F64FromUint(^uint64(0)))
	require.Equal(t, "18446744073709551615.0", U96F32FromUint(^uint64(0)).String())
	require.Equal(t, "18446744073709551615.0", U64F64FromUint(^uint64(0)).String())
	require.Equal(t, U64F64{}, U64F64FromInt(-5))
	require.Equal(t, "-9223372036854775808.0", I96F32FromInt(-1<<63).String())
	hi, lo := I64F64FromInt(-1).Bits()
	require.Equal(t, int64(-1), hi)
	require.Equal(t, uint64(0), lo)
	require.Equal(t, I64F64FromInt(-1), I64F64FromBits(-1, 0))
	u, ok := U96F32FromUint(7).CheckedToUint64()
	require.True(t, ok)
	require.Equal(t, uint64(7), u)
	_, ok = I96F32FromInt(-7).CheckedToUint64()
	require.False(t, ok)
	require.Panics(t, func() { I32F32One().SatDiv(I32F32{}) })
	require.Panics(t, func() { U64F64One().SatDiv(U64F64{}) })
	require.Equal(t, I32F32FromInt(3), I32F32One().SafeDivOr(I32F32{}, I32F32FromInt(3)))
}
