package textgen

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"

	"github.com/gotensor/gotensor/subnets/textgen/model"
	"github.com/gotensor/gotensor/subnets/textgen/model/gguf"
	"github.com/gotensor/gotensor/subnets/textgen/protocol"
)

// Runtime is the Go runtime's model as the subnet uses it: the miner's
// in-process backend (miner.LM) and the validator's reference
// (verify.Reference). Its id is the GGUF file's SHA-256.
type Runtime struct{ m *model.Model }

// NewRuntime wraps a loaded model.
func NewRuntime(m *model.Model) (*Runtime, error) {
	if m == nil {
		return nil, errors.New("textgen: no model")
	}
	if m.EOS() < 0 {
		return nil, errors.New("textgen: the model has no end-of-text token: answers could never end")
	}
	return &Runtime{m: m}, nil
}

// Load reads a GGUF file and wraps it.
func Load(path string) (*Runtime, error) {
	m, err := model.Load(path)
	if err != nil {
		return nil, err
	}
	return NewRuntime(m)
}

// Model is the wrapped model.
func (r *Runtime) Model() *model.Model { return r.m }

// ModelID is the GGUF file's SHA-256 (hex), or its general.name when it was
// not loaded from a file.
func (r *Runtime) ModelID() string {
	if r.m.Digest != "" {
		return r.m.Digest
	}
	return r.m.Name
}

// EOS is the end-of-text token's id.
func (r *Runtime) EOS() int { return r.m.EOS() }

// VocabSize is the number of token ids.
func (r *Runtime) VocabSize() int { return r.m.Vocab }

// TokenText is a token's bytes ("" for an id outside the vocabulary, and
// for control tokens).
func (r *Runtime) TokenText(id int) string {
	p, _ := r.m.Piece(id)
	return p
}

// EncodePrompt is the prompt's tokens, after BOS when the model wants one.
func (r *Runtime) EncodePrompt(text string) ([]int, error) { return r.m.PromptTokens(text) }

// Generate samples a completion, streaming each token; the end-of-text
// token is not emitted (ended reports it). Stop sequences are the caller's.
func (r *Runtime) Generate(ctx context.Context, prompt []int, s protocol.Sampling, topLogprobs int, emit func(protocol.Token) error) (bool, error) {
	eos := r.m.EOS()
	ended := false
	_, err := r.m.Generate(ctx, model.Request{
		PromptIDs: prompt, MaxTokens: s.MaxTokens, Temperature: s.Temperature,
		TopK: s.TopK, TopP: s.TopP, Seed: s.Seed, TopLogprobs: topLogprobs,
		OnToken: func(st model.Step) error {
			if st.Token.ID == eos {
				ended = true
				return nil
			}
			return emit(token(st.Token))
		},
	})
	return ended, err
}

func token(t model.Token) protocol.Token {
	out := protocol.Token{ID: t.ID, Text: t.Text, Logprob: t.Logprob, Top: make([]protocol.Alternative, len(t.Top))}
	for i, a := range t.Top {
		out.Top[i] = protocol.Alternative{ID: a.ID, Text: a.Text, Logprob: a.Logprob}
	}
	return out
}

// TeacherForce runs prompt and completion through the model in one pass and
// returns the log-distribution at each completion position.
func (r *Runtime) TeacherForce(ctx context.Context, prompt, completion []int) ([][]float32, error) {
	if len(completion) == 0 {
		return nil, nil
	}
	if len(prompt) == 0 {
		return nil, errors.New("textgen: an empty prompt")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The last completion token's own successor is never needed.
	all := append(slices.Clone(prompt), completion[:len(completion)-1]...)
	want := make([]int, len(completion))
	for j := range want {
		want[j] = len(prompt) - 1 + j
	}
	logits, err := r.m.NewSession().Feed(all, want)
	if err != nil {
		return nil, fmt.Errorf("textgen: teacher-forced pass: %w", err)
	}
	for _, l := range logits {
		logSoftmax(l)
	}
	return logits, nil
}

// logSoftmax turns logits into log-probabilities in place, summing in
// float64.
func logSoftmax(l []float32) {
	mx := math.Inf(-1)
	for _, v := range l {
		mx = max(mx, float64(v))
	}
	var sum float64
	for _, v := range l {
		sum += math.Exp(float64(v) - mx)
	}
	ls := mx + math.Log(sum)
	for i, v := range l {
		l[i] = float32(float64(v) - ls)
	}
}

// Shallow is a cheaper model made from a GGUF file: its first layers only,
// the rest dropped, the way an early-exit or pruned copy of a model would
// be served. It reads and answers like the model, more roughly, at a
// fraction of the work: the subnet's wrong-model miner runs it.
func Shallow(path string, layers int) (*Runtime, error) {
	f, err := gguf.ReadFile(path)
	if err != nil {
		return nil, err
	}
	n, err := f.Uint("llama.block_count")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if layers < 1 || uint64(layers) >= n {
		return nil, fmt.Errorf("textgen: %d layers of %d: a shallow copy keeps at least one and drops at least one", layers, n)
	}
	f.Set("llama.block_count", uint32(layers))
	f.Set("general.name", fmt.Sprintf("%s-first-%d-layers", filepath.Base(path), layers))
	kept := f.Tensors[:0]
	for _, t := range f.Tensors {
		var l int
		if _, err := fmt.Sscanf(t.Name, "blk.%d.", &l); err == nil && l >= layers {
			continue
		}
		kept = append(kept, t)
	}
	f.Tensors = kept
	m, err := model.FromGGUF(f)
	if err != nil {
		return nil, fmt.Errorf("textgen: shallow copy of %s: %w", path, err)
	}
	return NewRuntime(m)
}
