package fixed

import (
	"math/big"
	"math/bits"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

// naiveExp transcribes substrate-fixed's exp on big integers, all 30 terms,
// with every checked operation as an explicit range test.
func naiveExp(x int64) (int64, bool) {
	l := layI32F32
	one := big.NewInt(1 << 32)
	if x == 0 {
		return 1 << 32, true
	}
	if x == 1<<32 {
		return eI9F23Bits << 9, true
	}
	v := big.NewInt(x)
	negative := v.Sign() < 0
	if negative {
		v.Neg(v)
		if !l.inRange(v) {
			return 0, false
		}
	}
	result := new(big.Int).Add(v, one)
	if !l.inRange(result) {
		return 0, false
	}
	term := new(big.Int).Set(v)
	for i := int64(2); i < 32; i++ {
		term = modelMul(l, term, v)
		if !l.inRange(term) {
			return 0, false
		}
		term = modelDiv(l, term, new(big.Int).Lsh(big.NewInt(i), 32))
		result.Add(result, term)
		if !l.inRange(result) {
			return 0, false
		}
	}
	if negative {
		q := modelDiv(l, one, result)
		if !l.inRange(q) {
			return 0, false
		}
		return q.Int64(), true
	}
	return result.Int64(), true
}

func TestExpAgainstNaiveSeries_1_3(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	for i := 0; i < 20000; i++ {
		var x int64
		switch r.Intn(4) {
		case 0:
			x = r.Int63n(50<<32) - 25<<32 // [-25, 25)
		case 1:
			x = r.Int63n(2<<32) - 1<<32 // [-1, 1)
		case 2:
			x = int64(r.Uint64())
		default:
			x = int64(r.Intn(64)-32)<<32 + int64(r.Intn(5)-2)
		}
		want, wantOK := naiveExp(x)
		got, ok := Exp(I32F32FromBits(x))
		require.Equal(t, wantOK, ok, "Exp(%d) ok", x)
		if ok {
			require.Equal(t, want, got.Bits(), "Exp(%d)", x)
		}
	}
}

// TestExpSafeOracleVectors_1_3 holds values printed by the reference
// emulator's exp_safe (shared/oracle/fixed.py) for the same bits.
func TestExpSafeOracleVectors_1_3(t *testing.T) {
	for _, c := range [][2]int64{
		{0, 4294967296},
		{4294967296, 11674931200}, // exp(1) is e truncated to 23 bits
		{-4294967296, 1580030169},
		{1, 4294967297},
		{-1, 4294967295},
		{21474836480, 637429664624},
		{-21474836480, 28939262},
		{42949672960, 94602947905357},
		{85899345920, 2066907302758576256},
		{-85899345920, 8},
		{90194313216, 2066907302758576256}, // clamped to 20
		{-90194313216, 8},
		{9223372036854775807, 2066907302758576256},
		{-9223372036854775808, 8},
		{2147483648, 7081203935},
		{-2147483648, 2605029348},
		{12345678901, 76088436781},
		{-12345678901, 242438205},
		{6442450944, 19248707983},
		{7516192768, 24715830287},
		{-81604502080, 24},
	} {
		require.Equal(t, c[1], ExpSafe(I32F32FromBits(c[0])).Bits(), "exp_safe(%d)", c[0])
	}
}

// naiveLog2Floor follows the crate's integer-part loop on big integers.
func naiveLog2Floor(bits *big.Int) int64 {
	two := new(big.Int).Lsh(big.NewInt(2), 32)
	x := new(big.Int).Set(bits)
	var k int64
	for x.Cmp(two) >= 0 {
		k++
		lsb := new(big.Int).And(x, big.NewInt(1))
		x.Rsh(x, 1).Add(x, lsb)
	}
	return k
}

func TestLog2_1_3(t *testing.T) {
	for _, c := range []struct {
		x    I96F32
		want string
	}{
		{I96F32FromInt(1), "0.0"},
		{I96F32FromInt(2), "1.0"},
		{I96F32FromInt(8), "3.0"},
		{I96F32FromUint(1 << 62), "62.0"},
		{mustRat96(1, 2), "-1.0"},
		{mustRat96(3, 1), "1.58496250049211084842681884765625"}, // 6807362105/2^32, one ulp under the true value
	} {
		got, ok := c.x.Log2()
		require.True(t, ok)
		require.Equal(t, c.want, got.String(), "log2(%s)", c.x)
	}
	for _, bad := range []I96F32{{}, I96F32FromInt(-1)} {
		_, ok := bad.Log2()
		require.False(t, ok, "log2(%s)", bad)
	}
	// The integer part, including the round-half-up overshoot one ulp
	// below a power of two (spec §1.3 [UNSURE]).
	r := rand.New(rand.NewSource(12))
	for i := 0; i < 5000; i++ {
		p := uint(r.Intn(90))
		raw := new(big.Int).Lsh(big.NewInt(1), p+32)
		raw.Add(raw, big.NewInt(int64(r.Intn(7)-3)))
		if raw.Cmp(new(big.Int).Lsh(big.NewInt(1), 32)) < 0 {
			continue
		}
		x := I96F32{fmtI96F32.fromBig(raw)}
		got, ok := x.Log2()
		require.True(t, ok)
		require.Equal(t, naiveLog2Floor(raw), got.Floor().ToInt64(), "floor(log2(%s))", x)
	}
	// 2^40 − 1 ulp rounds up through the halvings and counts 40, not 39.
	below := I96F32{fmtI96F32.fromBig(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 72), big.NewInt(1)))}
	got, _ := below.Log2()
	require.Equal(t, int64(40), got.Floor().ToInt64())
}

func mustRat96(num, den int64) I96F32 {
	v, err := I96F32FromRat(num, den)
	if err != nil {
		panic(err)
	}
	return v
}

func TestTermDivisors_1_3(t *testing.T) {
	r := rand.New(rand.NewSource(14))
	for i := uint64(2); i < expTerms; i++ {
		d := termDivisors[i]
		for k := 0; k < 20000; k++ {
			var x uint64
			switch k % 4 {
			case 0:
				x = r.Uint64() >> 1
			case 1:
				x = uint64(r.Intn(1000))
			case 2:
				x = (r.Uint64()>>1)/i*i + uint64(r.Intn(3)) - 1 // around multiples
			default:
				x = 1<<63 - 1 - uint64(r.Intn(100))
			}
			x &= 1<<63 - 1
			hi, _ := bits.Mul64(x, d.m)
			require.Equal(t, x/i, hi>>d.shift, "floor(%d/%d)", x, i)
		}
	}
}

func BenchmarkExpSafe(b *testing.B) {
	x := I32F32FromInt(5)
	var sink I32F32
	for b.Loop() {
		sink = ExpSafe(x)
	}
	_ = sink
}

func TestExpSafe4_1_3(t *testing.T) {
	r := rand.New(rand.NewSource(15))
	for i := 0; i < 50000; i++ {
		var x [4]I32F32
		for l := range x {
			switch r.Intn(4) {
			case 0:
				x[l] = I32F32FromBits(r.Int63n(50<<32) - 25<<32)
			case 1:
				x[l] = I32F32FromBits(int64(r.Uint64()))
			case 2:
				x[l] = I32F32FromBits(int64(r.Intn(5)-2) << 32)
			default:
				x[l] = I32F32FromBits(r.Int63n(12<<32) - 6<<32)
			}
		}
		got := ExpSafe4(x)
		for l := range x {
			require.Equal(t, ExpSafe(x[l]), got[l], "exp_safe(%d)", x[l].Bits())
		}
	}
}

func BenchmarkExpSafe4(b *testing.B) {
	x := [4]I32F32{I32F32FromInt(5), I32F32FromInt(-4), I32F32FromBits(3 << 31), I32F32FromInt(2)}
	var sink [4]I32F32
	for b.Loop() {
		sink = ExpSafe4(x)
	}
	_ = sink
}
