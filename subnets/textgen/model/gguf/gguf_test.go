package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func sampleFile(t testing.TB) *File {
	t.Helper()
	f := &File{Version: 3, Alignment: 32}
	f.KV = []KV{
		{"general.architecture", "llama"},
		{"general.alignment", uint32(32)},
		{"u8", uint8(200)}, {"i8", int8(-5)}, {"u16", uint16(60000)}, {"i16", int16(-300)},
		{"u32", uint32(1 << 31)}, {"i32", int32(-7)}, {"f32", float32(0.25)}, {"yes", true},
		{"u64", uint64(1 << 40)}, {"i64", int64(-1 << 40)}, {"f64", 1e-300},
		{"tokens", []string{"a", "", "héllo"}}, {"scores", []float32{-1, 0.5}},
		{"types", []int32{1, 3}}, {"flags", []bool{true, false}}, {"empty", []uint64{}},
	}
	vals := make([]float32, 64)
	for i := range vals {
		vals[i] = float32(i)/7 - 4
	}
	for _, spec := range []struct {
		name string
		typ  Type
		dims []uint64
		n    int
	}{{"a", F32, []uint64{3}, 3}, {"b", F16, []uint64{5, 2}, 10}, {"c", Q8_0, []uint64{32, 2}, 64}, {"d", BF16, []uint64{7}, 7}} {
		tn, err := NewTensor(spec.name, spec.dims, spec.typ, vals[:spec.n])
		if err != nil {
			t.Fatal(err)
		}
		f.Tensors = append(f.Tensors, tn)
	}
	return f
}

func TestRoundTrip(t *testing.T) {
	f := sampleFile(t)
	var buf bytes.Buffer
	if err := f.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	g, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.KV, g.KV) {
		t.Fatalf("metadata changed:\n%#v\n%#v", f.KV, g.KV)
	}
	if len(g.Tensors) != len(f.Tensors) {
		t.Fatalf("%d tensors, want %d", len(g.Tensors), len(f.Tensors))
	}
	for i := range f.Tensors {
		a, b := f.Tensors[i], g.Tensors[i]
		if a.Name != b.Name || a.Type != b.Type || !reflect.DeepEqual(a.Dims, b.Dims) || !bytes.Equal(a.Data, b.Data) {
			t.Fatalf("tensor %d changed: %+v vs %+v", i, a, b)
		}
	}
	// Encoding what was decoded gives the same bytes.
	var again bytes.Buffer
	if err := g.Encode(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Fatal("re-encoding changed the file")
	}
	// Data sits at aligned offsets from an aligned data section.
	for _, tn := range g.Tensors {
		off := uint64(len(buf.Bytes()) - len(buf.Bytes()[bytes.Index(buf.Bytes(), tn.Data):]))
		if off%32 != 0 {
			t.Fatalf("tensor %q at file offset %d", tn.Name, off)
		}
	}
	if v, _ := g.Uint("u64"); v != 1<<40 {
		t.Fatalf("Uint(u64) = %d", v)
	}
	if _, err := g.Uint("i32"); err == nil {
		t.Fatal("a negative integer read as unsigned")
	}
}

func TestDecodedValues(t *testing.T) {
	f := sampleFile(t)
	want := map[string][]float32{
		"a": {-4, float32(1)/7 - 4, float32(2)/7 - 4},
	}
	a, _ := f.Tensor("a")
	got, err := a.Float32()
	if err != nil || !reflect.DeepEqual(got, want["a"]) {
		t.Fatalf("F32 decoded %v, %v", got, err)
	}
	// F16 and BF16: the nearest representable value, within half an ulp.
	for name, ulp := range map[string]float64{"b": 1.0 / 1024, "d": 1.0 / 128} {
		tn, _ := f.Tensor(name)
		got, err := tn.Float32()
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range got {
			x := float64(float32(i)/7 - 4)
			if math.Abs(float64(v)-x) > math.Abs(x)*ulp/2*(1+1e-9) {
				t.Fatalf("%s[%d] = %v, want about %v", name, i, v, x)
			}
		}
	}
	// Q8_0 block 0 holds -4 … 0.43: amax 4, scale 4/127 in F16, q = round(x·127/4).
	c, _ := f.Tensor("c")
	got, err = c.Float32()
	if err != nil {
		t.Fatal(err)
	}
	d := F16ToF32(F32ToF16(float32(4.0 / 127)))
	if d != F16ToF32(binary.LittleEndian.Uint16(c.Data)) {
		t.Fatal("Q8_0 scale")
	}
	for i := 0; i < 32; i++ {
		x := float64(float32(i)/7 - 4)
		q := math.Round(x * float64(float32(1)/float32(4.0/127)))
		if got[i] != float32(q)*d {
			t.Fatalf("q8[%d] = %v, want %v·%v", i, got[i], q, d)
		}
	}
}

// Every half converts to float32 and back to itself; float32 values round
// to the nearest half, ties to even.
func TestF16Conversion(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := F16ToF32(uint16(h))
		if f != f { // NaN: payload is not kept, NaN-ness is
			if g := F16ToF32(F32ToF16(f)); g == g {
				t.Fatalf("NaN %#x came back as %v", h, g)
			}
			continue
		}
		if back := F32ToF16(f); back != uint16(h) {
			t.Fatalf("half %#04x → %v → %#04x", h, f, back)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		x := math.Float32frombits(r.Uint32())
		if x != x || math.IsInf(float64(x), 0) {
			continue
		}
		h := F32ToF16(x)
		got := float64(F16ToF32(h))
		// the neighbours of h must not be nearer
		for _, n := range []uint16{h - 1, h + 1} {
			if n&0x7c00 == 0x7c00 && n&0x3ff != 0 {
				continue
			}
			o := float64(F16ToF32(n))
			if (o < 0) != (got < 0) && got != 0 {
				continue
			}
			dg, do := math.Abs(got-float64(x)), math.Abs(o-float64(x))
			if do < dg || (do == dg && h&1 == 1) {
				if math.Abs(float64(x)) > 65520 { // beyond the largest half: infinity
					continue
				}
				t.Fatalf("%v rounded to %v (%#04x); %v (%#04x) is nearer or the even tie", x, got, h, o, n)
			}
		}
	}
	if F32ToF16(70000) != 0x7c00 || F32ToF16(-70000) != 0xfc00 {
		t.Fatal("overflow is not infinity")
	}
}

// Every truncation of a valid file, and a file with its counts or offsets
// corrupted, is refused with ErrFormat and without a panic.
func TestMalformed(t *testing.T) {
	var buf bytes.Buffer
	if err := sampleFile(t).Encode(&buf); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	g, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	last := g.Tensors[len(g.Tensors)-1]
	end := len(b) - cap(last.Data) + len(last.Data) // the padding after the last tensor is optional
	for n := 0; n < end; n++ {
		if _, err := Decode(b[:n]); !errors.Is(err, ErrFormat) {
			t.Fatalf("truncated at %d: %v", n, err)
		}
	}
	corrupt := func(name string, at int, v uint64, size int) {
		c := bytes.Clone(b)
		if size == 4 {
			binary.LittleEndian.PutUint32(c[at:], uint32(v))
		} else {
			binary.LittleEndian.PutUint64(c[at:], v)
		}
		if _, err := Decode(c); !errors.Is(err, ErrFormat) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	corrupt("version 1", 4, 1, 4)
	corrupt("huge tensor count", 8, 1<<62, 8)
	corrupt("huge metadata count", 16, 1<<62, 8)
	corrupt("long key", 24, 1<<50, 8)
	corrupt("bad value type", 24+8+len("general.architecture"), 99, 4)
	// the last tensor's offset lies just after its name "d", dimension count, dimension and type
	at := bytes.LastIndex(b[:len(b)-64], []byte{1, 0, 0, 0, 0, 0, 0, 0, 'd'}) + 9
	if at < 9 {
		t.Fatal("tensor d's header not found")
	}
	corrupt("unaligned offset", at+4+8+4, 3, 8)
	corrupt("offset past the end", at+4+8+4, 1<<20, 8)
	if _, err := Decode(append([]byte("GGUX"), b[4:]...)); !errors.Is(err, ErrFormat) {
		t.Fatal("bad magic accepted")
	}
}

func TestNewTensorRefuses(t *testing.T) {
	if _, err := NewTensor("x", []uint64{16}, Q8_0, make([]float32, 16)); err == nil {
		t.Fatal("Q8_0 with a row of 16 accepted")
	}
	if _, err := NewTensor("x", []uint64{4}, F32, make([]float32, 3)); err == nil {
		t.Fatal("wrong value count accepted")
	}
	if _, err := NewTensor("x", []uint64{4}, Type(12), make([]float32, 4)); err == nil {
		t.Fatal("Q4_K accepted")
	}
}

// Decode never panics, whatever the bytes; what it accepts encodes and
// decodes to the same file. (go test -fuzz FuzzDecode ./subnets/textgen/model/gguf
// explores further; the seeds run with every go test.)
func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	if err := sampleFile(f).Encode(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("GGUF\x03\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := Decode(b)
		if err != nil {
			return
		}
		for i := range g.Tensors {
			if _, err := g.Tensors[i].Float32(); err != nil {
				t.Fatalf("an accepted tensor does not decode: %v", err)
			}
		}
		var out bytes.Buffer
		if err := g.Encode(&out); err != nil {
			return // e.g. an alignment the writer refuses to restate
		}
		h, err := Decode(out.Bytes())
		if err != nil || !reflect.DeepEqual(g.KV, h.KV) || len(g.Tensors) != len(h.Tensors) {
			t.Fatalf("re-encoded file differs: %v", err)
		}
	})
}
