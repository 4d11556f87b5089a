package model

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/gotensor/gotensor/subnets/textgen/model/gguf"
)

// tinyShape is the hand-checked model: two layers, grouped-query attention
// (4 query heads over 2 key/value heads), partial rotary dimensions.
type tinyShape struct {
	vocab, dim, layers, heads, kvHeads, ffn, ctx, ropeDim int
	base, eps                                             float64
}

var tiny = tinyShape{vocab: 10, dim: 32, layers: 2, heads: 4, kvHeads: 2, ffn: 64, ctx: 16, ropeDim: 6, base: 500, eps: 1e-5}

// tinyWeights are the test's weights in PyTorch order ([out][in] flattened).
type tinyWeights map[string][]float32

func newTinyWeights(seed uint64, sh tinyShape, tied bool) tinyWeights {
	r := rand.New(rand.NewPCG(seed, 99))
	w := tinyWeights{}
	fill := func(name string, n int, scale float64, offset float64) {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(offset + scale*r.NormFloat64())
		}
		w[name] = v
	}
	hd := sh.dim / sh.heads
	fill("token_embd.weight", sh.vocab*sh.dim, 1, 0)
	for l := 0; l < sh.layers; l++ {
		p := fmt.Sprintf("blk.%d.", l)
		fill(p+"attn_norm.weight", sh.dim, 0.2, 1)
		fill(p+"attn_q.weight", sh.dim*sh.dim, 0.3, 0)
		fill(p+"attn_k.weight", sh.kvHeads*hd*sh.dim, 0.3, 0)
		fill(p+"attn_v.weight", sh.kvHeads*hd*sh.dim, 0.3, 0)
		fill(p+"attn_output.weight", sh.dim*sh.dim, 0.2, 0)
		fill(p+"ffn_norm.weight", sh.dim, 0.2, 1)
		fill(p+"ffn_gate.weight", sh.ffn*sh.dim, 0.3, 0)
		fill(p+"ffn_up.weight", sh.ffn*sh.dim, 0.3, 0)
		fill(p+"ffn_down.weight", sh.dim*sh.ffn, 0.2, 0)
	}
	fill("output_norm.weight", sh.dim, 0.2, 1)
	if !tied {
		fill("output.weight", sh.vocab*sh.dim, 0.5, 0)
	}
	return w
}

// tinyFile writes the weights as a GGUF file with a byte-free gpt2 vocabulary
// ("a" … "j", token 9 the end token), matrices in type typ.
func tinyFile(t testing.TB, sh tinyShape, w tinyWeights, typ gguf.Type) *gguf.File {
	t.Helper()
	f := &gguf.File{Version: 3, Alignment: 32}
	tokens := make([]string, sh.vocab)
	types := make([]int32, sh.vocab)
	for i := range tokens {
		tokens[i], types[i] = string(rune('a'+i)), 1
	}
	types[sh.vocab-1] = 3
	u := func(n int) uint32 { return uint32(n) }
	f.KV = kvs(
		"general.architecture", "llama", "general.name", "tiny",
		"llama.context_length", u(sh.ctx), "llama.embedding_length", u(sh.dim),
		"llama.block_count", u(sh.layers), "llama.feed_forward_length", u(sh.ffn),
		"llama.attention.head_count", u(sh.heads), "llama.attention.head_count_kv", u(sh.kvHeads),
		"llama.rope.dimension_count", u(sh.ropeDim), "llama.rope.freq_base", float32(sh.base),
		"llama.attention.layer_norm_rms_epsilon", float32(sh.eps),
		"tokenizer.ggml.model", "gpt2", "tokenizer.ggml.tokens", tokens,
		"tokenizer.ggml.token_type", types, "tokenizer.ggml.merges", []string{},
		"tokenizer.ggml.eos_token_id", u(sh.vocab-1),
	)
	hd := sh.dim / sh.heads
	dims := map[string][]uint64{
		"token_embd.weight": {uint64(sh.dim), uint64(sh.vocab)}, "output.weight": {uint64(sh.dim), uint64(sh.vocab)},
		"output_norm.weight": {uint64(sh.dim)},
	}
	for l := 0; l < sh.layers; l++ {
		p := fmt.Sprintf("blk.%d.", l)
		d, kv, ff := uint64(sh.dim), uint64(sh.kvHeads*hd), uint64(sh.ffn)
		for n, dd := range map[string][]uint64{"attn_norm": {d}, "ffn_norm": {d}, "attn_q": {d, d}, "attn_k": {d, kv},
			"attn_v": {d, kv}, "attn_output": {d, d}, "ffn_gate": {d, ff}, "ffn_up": {d, ff}, "ffn_down": {ff, d}} {
			dims[p+n+".weight"] = dd
		}
	}
	names := []string{"token_embd.weight"}
	for l := 0; l < sh.layers; l++ {
		for _, n := range []string{"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"} {
			names = append(names, fmt.Sprintf("blk.%d.%s.weight", l, n))
		}
	}
	names = append(names, "output_norm.weight")
	if _, ok := w["output.weight"]; ok {
		names = append(names, "output.weight")
	}
	for _, n := range names {
		ty := typ
		if len(dims[n]) == 1 {
			ty = gguf.F32 // norms stay F32, as llama.cpp's converter keeps them
		}
		tn, err := gguf.NewTensor(n, dims[n], ty, w[n])
		if err != nil {
			t.Fatal(err)
		}
		f.Tensors = append(f.Tensors, tn)
	}
	return f
}

// decoded is what the file holds, read back: the weights the runtime must
// use (F16 or Q8_0 rounding included).
func decoded(t testing.TB, f *gguf.File) tinyWeights {
	w := tinyWeights{}
	for i := range f.Tensors {
		v, err := f.Tensors[i].Float32()
		if err != nil {
			t.Fatal(err)
		}
		w[f.Tensors[i].Name] = v
	}
	return w
}

// naiveLogits is the llama forward pass written from its definition in
// float64, over the whole sequence at once with no cache: logits[t][v].
func naiveLogits(sh tinyShape, w tinyWeights, ids []int) [][]float64 {
	hd, group := sh.dim/sh.heads, sh.heads/sh.kvHeads
	matvec := func(m []float32, rowsN, cols int, x []float64) []float64 {
		out := make([]float64, rowsN)
		for r := 0; r < rowsN; r++ {
			for c := 0; c < cols; c++ {
				out[r] += float64(m[r*cols+c]) * x[c]
			}
		}
		return out
	}
	norm := func(x []float64, g []float32) []float64 {
		var ms float64
		for _, v := range x {
			ms += v * v
		}
		ms /= float64(len(x))
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = v / math.Sqrt(ms+sh.eps) * float64(g[i])
		}
		return out
	}
	rot := func(v []float64, pos int) {
		for i := 0; i < sh.ropeDim/2; i++ {
			theta := float64(pos) / math.Pow(sh.base, float64(2*i)/float64(sh.ropeDim))
			a, b := v[2*i], v[2*i+1]
			v[2*i], v[2*i+1] = a*math.Cos(theta)-b*math.Sin(theta), a*math.Sin(theta)+b*math.Cos(theta)
		}
	}
	T := len(ids)
	x := make([][]float64, T)
	for t, id := range ids {
		x[t] = make([]float64, sh.dim)
		for i := range x[t] {
			x[t][i] = float64(w["token_embd.weight"][id*sh.dim+i])
		}
	}
	for l := 0; l < sh.layers; l++ {
		p := fmt.Sprintf("blk.%d.", l)
		q, k, v := make([][]float64, T), make([][]float64, T), make([][]float64, T)
		for t := range x {
			y := norm(x[t], w[p+"attn_norm.weight"])
			q[t] = matvec(w[p+"attn_q.weight"], sh.dim, sh.dim, y)
			k[t] = matvec(w[p+"attn_k.weight"], sh.kvHeads*hd, sh.dim, y)
			v[t] = matvec(w[p+"attn_v.weight"], sh.kvHeads*hd, sh.dim, y)
			for h := 0; h < sh.heads; h++ {
				rot(q[t][h*hd:(h+1)*hd], t)
			}
			for h := 0; h < sh.kvHeads; h++ {
				rot(k[t][h*hd:(h+1)*hd], t)
			}
		}
		for t := range x {
			o := make([]float64, sh.dim)
			for h := 0; h < sh.heads; h++ {
				kh := h / group
				s := make([]float64, t+1)
				var z float64
				for u := 0; u <= t; u++ {
					for i := 0; i < hd; i++ {
						s[u] += q[t][h*hd+i] * k[u][kh*hd+i]
					}
					s[u] = math.Exp(s[u] / math.Sqrt(float64(hd)))
					z += s[u]
				}
				for u := 0; u <= t; u++ {
					for i := 0; i < hd; i++ {
						o[h*hd+i] += s[u] / z * v[u][kh*hd+i]
					}
				}
			}
			for i, d := range matvec(w[p+"attn_output.weight"], sh.dim, sh.dim, o) {
				x[t][i] += d
			}
			y := norm(x[t], w[p+"ffn_norm.weight"])
			g := matvec(w[p+"ffn_gate.weight"], sh.ffn, sh.dim, y)
			up := matvec(w[p+"ffn_up.weight"], sh.ffn, sh.dim, y)
			for i := range g {
				g[i] = g[i] / (1 + math.Exp(-g[i])) * up[i]
			}
			for i, d := range matvec(w[p+"ffn_down.weight"], sh.dim, sh.ffn, g) {
				x[t][i] += d
			}
		}
	}
	out := w["output.weight"]
	if out == nil {
		out = w["token_embd.weight"]
	}
	logits := make([][]float64, T)
	for t := range x {
		logits[t] = matvec(out, sh.vocab, sh.dim, norm(x[t], w["output_norm.weight"]))
	}
	return logits
}

// The runtime's logits match the float64 definition at every position, for
// F32, F16 and Q8_0 files, with and without a tied output matrix, fed at
// once or token by token.
func TestTinyModelAgainstDefinition(t *testing.T) {
	ids := []int{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8}
	for _, tc := range []struct {
		typ  gguf.Type
		tied bool
	}{{gguf.F32, false}, {gguf.F16, false}, {gguf.Q8_0, false}, {gguf.F32, true}} {
		t.Run(fmt.Sprintf("%v tied=%v", tc.typ, tc.tied), func(t *testing.T) {
			f := tinyFile(t, tiny, newTinyWeights(1, tiny, tc.tied), tc.typ)
			var buf bytes.Buffer
			if err := f.Encode(&buf); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "tiny.gguf")
			if err := f.WriteFile(path); err != nil {
				t.Fatal(err)
			}
			m, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if m.Params() != 2*tiny.dim*tiny.vocab-map[bool]int{true: tiny.dim * tiny.vocab}[tc.tied]+tiny.dim+tiny.layers*(2*tiny.dim+2*tiny.dim*tiny.dim+2*tiny.dim*16+3*tiny.dim*tiny.ffn) {
				t.Fatalf("Params() = %d", m.Params())
			}
			want := naiveLogits(tiny, decoded(t, f), ids)
			all := make([]int, len(ids))
			for i := range all {
				all[i] = i
			}
			got, err := m.NewSession().Feed(ids, all)
			if err != nil {
				t.Fatal(err)
			}
			s := m.NewSession()
			for i, id := range ids {
				one, err := s.Feed([]int{id}, []int{0})
				if err != nil {
					t.Fatal(err)
				}
				for v := range one[0] {
					if one[0][v] != got[i][v] {
						t.Fatalf("position %d token %d: %v fed alone, %v fed at once", i, v, one[0][v], got[i][v])
					}
				}
			}
			worst := 0.0
			for i := range want {
				for v := range want[i] {
					worst = max(worst, math.Abs(float64(got[i][v])-want[i][v]))
				}
			}
			if worst > 1e-4 {
				t.Fatalf("logits differ from the float64 definition by up to %g", worst)
			}
			t.Logf("largest difference from the float64 definition: %.2g", worst)
		})
	}
}

func TestLoadRefusesBadModels(t *testing.T) {
	good := func() *gguf.File { return tinyFile(t, tiny, newTinyWeights(1, tiny, false), gguf.F32) }
	cases := map[string]func(f *gguf.File){
		"architecture":  func(f *gguf.File) { f.Set("general.architecture", "gpt2") },
		"heads":         func(f *gguf.File) { f.Set("llama.attention.head_count_kv", uint32(3)) },
		"missing layer": func(f *gguf.File) { f.Tensors = f.Tensors[:5] },
		"shape": func(f *gguf.File) {
			f.Tensors[2].Dims = []uint64{32, 16} // attn_q of blk.0 is 32 × 32
		},
		"tokenizer": func(f *gguf.File) { f.Set("tokenizer.ggml.model", "rwkv") },
		"eos":       func(f *gguf.File) { f.Set("tokenizer.ggml.eos_token_id", uint32(99)) },
		"rope":      func(f *gguf.File) { f.Set("llama.rope.dimension_count", uint32(7)) },
		"epsilon":   func(f *gguf.File) { f.Set("llama.attention.layer_norm_rms_epsilon", "small") },
		"pre":       func(f *gguf.File) { f.Set("tokenizer.ggml.pre", "qwen2") },
	}
	for name, spoil := range cases {
		f := good()
		spoil(f)
		if _, err := FromGGUF(f); err == nil {
			t.Errorf("%s: a spoilt model loaded", name)
		}
	}
	if _, err := FromGGUF(good()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "junk.gguf")
	if err := (&gguf.File{}).WriteFile(path); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil {
		t.Fatal("an empty GGUF loaded")
	}
}

func TestFeedRefusesBadInput(t *testing.T) {
	m, err := FromGGUF(tinyFile(t, tiny, newTinyWeights(1, tiny, false), gguf.F32))
	if err != nil {
		t.Fatal(err)
	}
	s := m.NewSession()
	for name, call := range map[string]func() error{
		"empty":     func() error { _, err := s.Feed(nil, nil); return err },
		"bad id":    func() error { _, err := s.Feed([]int{1, 10}, nil); return err },
		"negative":  func() error { _, err := s.Feed([]int{-1}, nil); return err },
		"bad want":  func() error { _, err := s.Feed([]int{1}, []int{1}); return err },
		"too long":  func() error { _, err := s.Feed(make([]int, tiny.ctx+1), nil); return err },
		"score bad": func() error { _, err := m.Score(t.Context(), []int{1}, []int{42}, ScoreOptions{}); return err },
	} {
		if call() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if s.Pos() != 0 {
		t.Fatalf("refused input moved the session to %d", s.Pos())
	}
}

// kvs builds metadata from alternating keys and values.
func kvs(pairs ...any) []gguf.KV {
	out := make([]gguf.KV, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, gguf.KV{Key: pairs[i].(string), Value: pairs[i+1]})
	}
	return out
}
