package model

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"

	"github.com/gotensor/gotensor/subnets/textgen/model/gguf"
)

// Config is the decoder's shape, read from the GGUF's llama.* metadata.
type Config struct {
	Vocab    int     // tokens
	Dim      int     // embedding width
	Layers   int     // decoder blocks
	Heads    int     // query heads
	KVHeads  int     // key/value heads (grouped-query attention when < Heads)
	HeadDim  int     // Dim / Heads
	FFN      int     // SwiGLU hidden width
	Context  int     // positions the model was trained for; sessions stop there
	RopeDim  int     // leading dimensions of each head that are rotated
	RopeBase float64 // rotary frequency base
	RMSEps   float32 // RMSNorm epsilon
}

// Params is the number of weights.
func (c Config) Params(tiedOutput bool) int {
	kv := c.KVHeads * c.HeadDim
	layer := 2*c.Dim + c.Dim*c.Heads*c.HeadDim*2 + 2*c.Dim*kv + 3*c.Dim*c.FFN
	n := c.Vocab*c.Dim + c.Layers*layer + c.Dim
	if !tiedOutput {
		n += c.Vocab * c.Dim
	}
	return n
}

type layer struct {
	attnNorm, wq, wk, wv, wo []float32
	ffnNorm, gate, up, down  []float32
}

// Model is a loaded llama-style decoder with its tokenizer. It is
// immutable: any number of goroutines may generate or score at once, each
// call with its own KV cache.
type Model struct {
	Config
	Name   string // general.name
	Digest string // SHA-256 of the GGUF file, hex; the model's identity
	tok    *tokenizer

	embed      []float32 // Vocab × Dim
	layers     []layer
	outNorm    []float32
	output     []float32 // Vocab × Dim (the embedding when the file ties them)
	tiedOutput bool
	ropeCos    []float32 // Context × RopeDim/2
	ropeSin    []float32
}

// Load reads a llama-architecture GGUF file.
func Load(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := gguf.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m, err := FromGGUF(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sum := sha256.Sum256(b)
	m.Digest = hex.EncodeToString(sum[:])
	return m, nil
}

// FromGGUF builds a model from a decoded file (Digest stays empty: it is
// the digest of the file's bytes, which only Load has).
func FromGGUF(f *gguf.File) (*Model, error) {
	arch, err := f.String("general.architecture")
	if err != nil {
		return nil, err
	}
	if arch != "llama" {
		return nil, fmt.Errorf("general.architecture %q: only llama is supported", arch)
	}
	u := func(key string) (int, error) {
		n, err := f.Uint("llama." + key)
		if err != nil {
			return 0, err
		}
		if n == 0 || n > 1<<24 {
			return 0, fmt.Errorf("llama.%s is %d", key, n)
		}
		return int(n), nil
	}
	var c Config
	for _, p := range []struct {
		key string
		dst *int
	}{{"embedding_length", &c.Dim}, {"block_count", &c.Layers}, {"feed_forward_length", &c.FFN},
		{"attention.head_count", &c.Heads}, {"context_length", &c.Context}} {
		if *p.dst, err = u(p.key); err != nil {
			return nil, err
		}
	}
	c.KVHeads = c.Heads
	if _, ok := f.Get("llama.attention.head_count_kv"); ok {
		if c.KVHeads, err = u("attention.head_count_kv"); err != nil {
			return nil, err
		}
	}
	if c.Dim%c.Heads != 0 || c.Heads%c.KVHeads != 0 {
		return nil, fmt.Errorf("embedding %d, %d heads, %d key/value heads: heads must divide the embedding and key/value heads the heads", c.Dim, c.Heads, c.KVHeads)
	}
	c.HeadDim = c.Dim / c.Heads
	c.RopeDim = c.HeadDim
	if _, ok := f.Get("llama.rope.dimension_count"); ok {
		if c.RopeDim, err = u("rope.dimension_count"); err != nil {
			return nil, err
		}
	}
	if c.RopeDim > c.HeadDim || c.RopeDim%2 != 0 {
		return nil, fmt.Errorf("llama.rope.dimension_count %d, want an even number up to the head size %d", c.RopeDim, c.HeadDim)
	}
	c.RopeBase = 10000
	if _, ok := f.Get("llama.rope.freq_base"); ok {
		if c.RopeBase, err = f.Float("llama.rope.freq_base"); err != nil {
			return nil, err
		}
	}
	eps, err := f.Float("llama.attention.layer_norm_rms_epsilon")
	if err != nil {
		return nil, err
	}
	c.RMSEps = float32(eps)
	if !(c.RopeBase > 1) || !(eps > 0) {
		return nil, fmt.Errorf("rope base %v and RMS epsilon %v must be positive (base above 1)", c.RopeBase, eps)
	}
	if _, ok := f.Get("llama.rope.scaling.type"); ok {
		return nil, fmt.Errorf("llama.rope.scaling.type is set: rotary scaling is not supported")
	}
	m := &Model{Config: c}
	if m.Name, err = f.String("general.name"); err != nil {
		m.Name = ""
	}
	if m.tok, err = newTokenizer(f); err != nil {
		return nil, err
	}
	m.Vocab = m.tok.Size()

	load := func(name string, dims ...int) ([]float32, error) {
		t, ok := f.Tensor(name)
		if !ok {
			return nil, fmt.Errorf("tensor %s is missing", name)
		}
		if len(t.Dims) != len(dims) {
			return nil, fmt.Errorf("tensor %s has dimensions %v, want %v", name, t.Dims, dims)
		}
		for i, d := range dims {
			if t.Dims[i] != uint64(d) {
				return nil, fmt.Errorf("tensor %s has dimensions %v, want %v", name, t.Dims, dims)
			}
		}
		return t.Float32()
	}
	kv := c.KVHeads * c.HeadDim
	if m.embed, err = load("token_embd.weight", c.Dim, m.Vocab); err != nil {
		return nil, err
	}
	m.layers = make([]layer, c.Layers)
	for i := range m.layers {
		l, p := &m.layers[i], fmt.Sprintf("blk.%d.", i)
		for _, w := range []struct {
			name string
			dst  *[]float32
			dims []int
		}{
			{"attn_norm", &l.attnNorm, []int{c.Dim}},
			{"attn_q", &l.wq, []int{c.Dim, c.Dim}},
			{"attn_k", &l.wk, []int{c.Dim, kv}},
			{"attn_v", &l.wv, []int{c.Dim, kv}},
			{"attn_output", &l.wo, []int{c.Dim, c.Dim}},
			{"ffn_norm", &l.ffnNorm, []int{c.Dim}},
			{"ffn_gate", &l.gate, []int{c.Dim, c.FFN}},
			{"ffn_up", &l.up, []int{c.Dim, c.FFN}},
			{"ffn_down", &l.down, []int{c.FFN, c.Dim}},
		} {
			if *w.dst, err = load(p+w.name+".weight", w.dims...); err != nil {
				return nil, err
			}
		}
	}
	if m.outNorm, err = load("output_norm.weight", c.Dim); err != nil {
		return nil, err
	}
	if _, ok := f.Tensor("output.weight"); ok {
		if m.output, err = load("output.weight", c.Dim, m.Vocab); err != nil {
			return nil, err
		}
	} else {
		m.output, m.tiedOutput = m.embed, true // llama.cpp's rule: no output matrix means tied
	}
	if v, ok := f.Get("llama.vocab_size"); ok {
		if n, err := f.Uint("llama.vocab_size"); err != nil || n != uint64(m.Vocab) {
			return nil, fmt.Errorf("llama.vocab_size %v, the tokenizer has %d tokens", v, m.Vocab)
		}
	}
	for _, id := range []int{m.tok.bos, m.tok.eos} {
		if id >= m.Vocab {
			return nil, fmt.Errorf("special token %d outside the vocabulary of %d", id, m.Vocab)
		}
	}
	m.initRope()
	return m, nil
}

// initRope tabulates the rotation angles pos·base^(−2i/RopeDim) in float64,
// rounded once to float32.
func (m *Model) initRope() {
	half := m.RopeDim / 2
	m.ropeCos = make([]float32, m.Context*half)
	m.ropeSin = make([]float32, m.Context*half)
	for p := 0; p < m.Context; p++ {
		for i := 0; i < half; i++ {
			a := float64(p) * math.Pow(m.RopeBase, -2*float64(i)/float64(m.RopeDim))
			m.ropeCos[p*half+i] = float32(math.Cos(a))
			m.ropeSin[p*half+i] = float32(math.Sin(a))
		}
	}
}

// Params is the number of weights in this model.
func (m *Model) Params() int { return m.Config.Params(m.tiedOutput) }

// Tokenize is text's token ids, without BOS. Special tokens are not parsed.
func (m *Model) Tokenize(text string) ([]int, error) { return m.tok.Encode(text) }

// PromptTokens is text's token ids as a prompt: after BOS when the model
// starts its inputs with one (tokenizer.ggml.add_bos_token).
func (m *Model) PromptTokens(text string) ([]int, error) {
	ids, err := m.tok.Encode(text)
	if err != nil {
		return nil, err
	}
	if m.tok.addBOS && m.tok.bos >= 0 {
		ids = append([]int{m.tok.bos}, ids...)
	}
	return ids, nil
}

// Detokenize joins the tokens' text; control tokens (BOS, EOS) add none.
func (m *Model) Detokenize(ids []int) (string, error) { return m.tok.Decode(ids) }

// EOS is the end-of-text token id, -1 if the model has none.
func (m *Model) EOS() int { return m.tok.eos }

// BOS is the beginning-of-text token id, -1 if the model has none.
func (m *Model) BOS() int { return m.tok.bos }

// Piece is the text of one token: its bytes, which for a byte-level token
// may be part of a UTF-8 sequence; empty for control tokens (BOS, EOS).
func (m *Model) Piece(id int) (string, error) { return m.tok.Piece(id) }
