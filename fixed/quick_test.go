package fixed

import (
	"fmt"
	"math/big"
	"math/rand"
	"os"
	"strconv"
	"testing"
)

// The differential check, after etcd-io/raft's quorum/quick_test.go: tens of
// thousands of random operands (biased toward the edges) through every
// operation of every format, compared with the naive big.Rat model of
// model_test.go.

type arith[T any] interface {
	comparable
	Add(T) T
	Sub(T) T
	SatAdd(T) T
	CheckedAdd(T) (T, bool)
	SatSub(T) T
	CheckedSub(T) (T, bool)
	SatMul(T) T
	CheckedMul(T) (T, bool)
	CheckedDiv(T) (T, bool)
	SatDiv(T) T
	SafeDiv(T) T
	Floor() T
	Frac() T
	Round() T
	ToUint64() uint64
	ToInt64() int64
	Cmp(T) int
}

type codec[T any] struct {
	lay  layout
	from func(*big.Int) T
	to   func(T) *big.Int
	// conversions to the other formats, by target layout
	conv map[layout]func(T) *big.Int
}

func codecI32F32() codec[I32F32] {
	return codec[I32F32]{
		lay:  layI32F32,
		from: func(b *big.Int) I32F32 { return I32F32FromBits(b.Int64()) },
		to:   func(a I32F32) *big.Int { return big.NewInt(a.Bits()) },
		conv: map[layout]func(I32F32) *big.Int{
			layI64F64: func(a I32F32) *big.Int { return fmtI64F64.toBig(a.ToI64F64().v) },
			layI96F32: func(a I32F32) *big.Int { return fmtI96F32.toBig(a.ToI96F32().v) },
			layU96F32: func(a I32F32) *big.Int { return fmtU96F32.toBig(a.ToU96F32().v) },
			layU64F64: func(a I32F32) *big.Int { return fmtU64F64.toBig(a.ToU64F64().v) },
		},
	}
}

func i32Big(a I32F32) *big.Int { return big.NewInt(a.Bits()) }

func codecI64F64() codec[I64F64] {
	return codec[I64F64]{
		lay:  layI64F64,
		from: func(b *big.Int) I64F64 { return I64F64{fmtI64F64.fromBig(b)} },
		to:   func(a I64F64) *big.Int { return fmtI64F64.toBig(a.v) },
		conv: map[layout]func(I64F64) *big.Int{
			layI32F32: func(a I64F64) *big.Int { return i32Big(a.ToI32F32()) },
			layI96F32: func(a I64F64) *big.Int { return fmtI96F32.toBig(a.ToI96F32().v) },
			layU96F32: func(a I64F64) *big.Int { return fmtU96F32.toBig(a.ToU96F32().v) },
			layU64F64: func(a I64F64) *big.Int { return fmtU64F64.toBig(a.ToU64F64().v) },
		},
	}
}

func codecI96F32() codec[I96F32] {
	return codec[I96F32]{
		lay:  layI96F32,
		from: func(b *big.Int) I96F32 { return I96F32{fmtI96F32.fromBig(b)} },
		to:   func(a I96F32) *big.Int { return fmtI96F32.toBig(a.v) },
		conv: map[layout]func(I96F32) *big.Int{
			layI32F32: func(a I96F32) *big.Int { return i32Big(a.ToI32F32()) },
			layI64F64: func(a I96F32) *big.Int { return fmtI64F64.toBig(a.ToI64F64().v) },
			layU96F32: func(a I96F32) *big.Int { return fmtU96F32.toBig(a.ToU96F32().v) },
			layU64F64: func(a I96F32) *big.Int { return fmtU64F64.toBig(a.ToU64F64().v) },
		},
	}
}

func codecU96F32() codec[U96F32] {
	return codec[U96F32]{
		lay:  layU96F32,
		from: func(b *big.Int) U96F32 { return U96F32{fmtU96F32.fromBig(b)} },
		to:   func(a U96F32) *big.Int { return fmtU96F32.toBig(a.v) },
		conv: map[layout]func(U96F32) *big.Int{
			layI32F32: func(a U96F32) *big.Int { return i32Big(a.ToI32F32()) },
			layI64F64: func(a U96F32) *big.Int { return fmtI64F64.toBig(a.ToI64F64().v) },
			layI96F32: func(a U96F32) *big.Int { return fmtI96F32.toBig(a.ToI96F32().v) },
			layU64F64: func(a U96F32) *big.Int { return fmtU64F64.toBig(a.ToU64F64().v) },
		},
	}
}

func codecU64F64() codec[U64F64] {
	return codec[U64F64]{
		lay:  layU64F64,
		from: func(b *big.Int) U64F64 { return U64F64{fmtU64F64.fromBig(b)} },
		to:   func(a U64F64) *big.Int { return fmtU64F64.toBig(a.v) },
		conv: map[layout]func(U64F64) *big.Int{
			layI32F32: func(a U64F64) *big.Int { return i32Big(a.ToI32F32()) },
			layI64F64: func(a U64F64) *big.Int { return fmtI64F64.toBig(a.ToI64F64().v) },
			layI96F32: func(a U64F64) *big.Int { return fmtI96F32.toBig(a.ToI96F32().v) },
			layU96F32: func(a U64F64) *big.Int { return fmtU96F32.toBig(a.ToU96F32().v) },
		},
	}
}

// wrap reduces an exact integer to the format's two's-complement range.
func (l layout) wrap(b *big.Int) *big.Int {
	m := new(big.Int).Lsh(big.NewInt(1), l.width)
	w := new(big.Int).Mod(b, m)
	if l.signed && w.Cmp(l.maxBits()) > 0 {
		w.Sub(w, m)
	}
	return w
}

func clampRange(b *big.Int, lo, hi *big.Int) *big.Int {
	switch {
	case b.Cmp(hi) > 0:
		return hi
	case b.Cmp(lo) < 0:
		return lo
	}
	return b
}

var (
	bigMaxU64 = new(big.Int).SetUint64(^uint64(0))
	bigMinI64 = big.NewInt(-1 << 63)
	bigMaxI64 = big.NewInt(1<<63 - 1)
)

func checkAgainstModel[T arith[T]](t *testing.T, c codec[T], cases int, seed int64) {
	t.Helper()
	r := rand.New(rand.NewSource(seed))
	for i := 0; i < cases; i++ {
		checkPair(t, c, randBits(r, c.lay), randBits(r, c.lay))
	}
}

// checkPair runs every operation on one pair of raw operands.
func checkPair[T arith[T]](t *testing.T, c codec[T], a, b *big.Int) {
	t.Helper()
	l := c.lay
	fail := func(op string, a, b, want, got *big.Int) {
		t.Helper()
		t.Fatalf("%s %s: a=%s b=%s: want bits %s, got %s", l.name, op, a, b, want, got)
	}
	eq := func(op string, a, b, want *big.Int, got T) {
		t.Helper()
		if g := c.to(got); g.Cmp(want) != 0 {
			fail(op, a, b, want, g)
		}
	}
	checked := func(op string, a, b, exact *big.Int, got T, ok bool) {
		t.Helper()
		if ok != l.inRange(exact) {
			t.Fatalf("%s %s: a=%s b=%s: exact %s, ok=%v", l.name, op, a, b, exact, ok)
		}
		if ok {
			eq(op, a, b, exact, got)
		}
	}
	zero := big.NewInt(0)
	{
		x, y := c.from(a), c.from(b)
		if c.to(x).Cmp(a) != 0 {
			t.Fatalf("%s round trip of %s gave %s", l.name, a, c.to(x))
		}

		sum := new(big.Int).Add(a, b)
		eq("Add", a, b, l.wrap(sum), x.Add(y))
		eq("SatAdd", a, b, l.clamp(sum), x.SatAdd(y))
		s, ok := x.CheckedAdd(y)
		checked("CheckedAdd", a, b, sum, s, ok)

		diff := new(big.Int).Sub(a, b)
		eq("Sub", a, b, l.wrap(diff), x.Sub(y))
		eq("SatSub", a, b, l.clamp(diff), x.SatSub(y))
		d, ok := x.CheckedSub(y)
		checked("CheckedSub", a, b, diff, d, ok)

		prod := modelMul(l, a, b)
		eq("SatMul", a, b, l.clamp(prod), x.SatMul(y))
		p, ok := x.CheckedMul(y)
		checked("CheckedMul", a, b, prod, p, ok)

		if b.Sign() == 0 {
			if _, ok := x.CheckedDiv(y); ok {
				t.Fatalf("%s CheckedDiv by zero reported ok", l.name)
			}
			eq("SafeDiv", a, b, zero, x.SafeDiv(y))
		} else {
			quo := modelDiv(l, a, b)
			q, ok := x.CheckedDiv(y)
			checked("CheckedDiv", a, b, quo, q, ok)
			eq("SatDiv", a, b, l.clamp(quo), x.SatDiv(y))
			safe := quo
			if !l.inRange(quo) {
				safe = zero
			}
			eq("SafeDiv", a, b, safe, x.SafeDiv(y))
		}

		eq("Floor", a, nil, modelFloor(l, a), x.Floor())
		eq("Frac", a, nil, new(big.Int).Sub(a, modelFloor(l, a)), x.Frac())
		eq("Round", a, nil, l.clamp(modelRound(l, a)), x.Round())

		intPart := modelToInt(l, a)
		if got, want := x.ToUint64(), clampRange(intPart, zero, bigMaxU64); new(big.Int).SetUint64(got).Cmp(want) != 0 {
			fail("ToUint64", a, nil, want, new(big.Int).SetUint64(got))
		}
		if got, want := x.ToInt64(), clampRange(intPart, bigMinI64, bigMaxI64); big.NewInt(got).Cmp(want) != 0 {
			fail("ToInt64", a, nil, want, big.NewInt(got))
		}
		if got, want := x.Cmp(y), a.Cmp(b); got != want {
			t.Fatalf("%s Cmp(%s, %s) = %d, want %d", l.name, a, b, got, want)
		}
		for to, conv := range c.conv {
			want := to.clamp(modelConvert(l, to, a))
			if got := conv(x); got.Cmp(want) != 0 {
				fail("To"+to.name, a, nil, want, got)
			}
		}
	}
}

var quickCases = 20000

func TestFixedOpsAgainstRatModel_1_2(t *testing.T) {
	t.Run("I32F32", func(t *testing.T) { checkAgainstModel(t, codecI32F32(), quickCases, 1) })
	t.Run("I64F64", func(t *testing.T) { checkAgainstModel(t, codecI64F64(), quickCases, 2) })
	t.Run("I96F32", func(t *testing.T) { checkAgainstModel(t, codecI96F32(), quickCases, 3) })
	t.Run("U96F32", func(t *testing.T) { checkAgainstModel(t, codecU96F32(), quickCases, 4) })
	t.Run("U64F64", func(t *testing.T) { checkAgainstModel(t, codecU64F64(), quickCases, 5) })
}

// TestDivShiftedAgainstBig drives the 192-by-128-bit division (Knuth D)
// through divisors of every length, including the correction steps that
// random operands rarely reach.
func TestDivShiftedAgainstBig(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	words := func() uint64 {
		switch r.Intn(6) {
		case 0:
			return 0
		case 1:
			return ^uint64(0)
		case 2:
			return 1 << uint(r.Intn(64))
		case 3:
			return ^uint64(0) - uint64(r.Intn(4))
		}
		return r.Uint64()
	}
	toBig := func(x u128) *big.Int {
		b := new(big.Int).SetUint64(x.hi)
		return b.Lsh(b, 64).Or(b, new(big.Int).SetUint64(x.lo))
	}
	limit := new(big.Int).Lsh(big.NewInt(1), 128)
	for i := 0; i < 200000; i++ {
		a := u128{words(), words()}
		b := u128{words(), words()}
		if r.Intn(3) == 0 {
			b.hi = 0
		}
		if b.isZero() {
			continue
		}
		s := []uint{0, 32, 64}[r.Intn(3)]
		q, tooBig := divShifted(a, s, b)
		want := new(big.Int).Lsh(toBig(a), s)
		want.Quo(want, toBig(b))
		if wantBig := want.Cmp(limit) >= 0; wantBig != tooBig {
			t.Fatalf("divShifted(%v<<%d, %v): tooBig=%v want %v", a, s, b, tooBig, wantBig)
		}
		if !tooBig && toBig(q).Cmp(want) != 0 {
			t.Fatalf("divShifted(%v<<%d, %v) = %s, want %s", a, s, b, toBig(q), want)
		}
	}
}

func TestMul128AgainstBig(t *testing.T) {
	r := rand.New(rand.NewSource(8))
	for i := 0; i < 100000; i++ {
		a := u128{r.Uint64() >> uint(r.Intn(64)), r.Uint64()}
		b := u128{r.Uint64() >> uint(r.Intn(64)), r.Uint64()}
		p := mul128(a, b)
		got := new(big.Int)
		for w := 3; w >= 0; w-- {
			got.Lsh(got, 64).Or(got, new(big.Int).SetUint64(p[w]))
		}
		want := new(big.Int).Mul(fmtU64F64.toBig(a), fmtU64F64.toBig(b))
		if got.Cmp(want) != 0 {
			t.Fatalf("mul128(%v, %v) = %s, want %s", a, b, got, want)
		}
	}
}

func ExampleI32F32_String() {
	fmt.Println(I32F32FromInt(-3), MustI32F32FromLiteral("0.5"), U16ProportionToFixed(32767))
	// Output: -3.0 0.5 0.49999237037263810634613037109375
}

func init() {
	if s := os.Getenv("FIXED_QUICK_CASES"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			quickCases = n
		}
	}
}
