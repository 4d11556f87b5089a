package model

import (
	"context"
	"fmt"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/gotensor/gotensor/subnets/textgen/model/gguf"
)

// The commands and figures are in BENCHMARKS.md ("Text generation runtime").

func benchGenerate(b *testing.B, m *Model, prompt string, n int) {
	ctx := context.Background()
	tokens := 0
	b.ResetTimer()
	cpu := cpuSeconds()
	for i := 0; i < b.N; i++ {
		c, err := m.Generate(ctx, Request{Prompt: prompt, MaxTokens: n, Temperature: 0.8, TopP: 0.95,
			Seed: uint64(i), TopLogprobs: 5, IgnoreEOS: true})
		if err != nil {
			b.Fatal(err)
		}
		tokens += len(c.Tokens)
	}
	reportTokens(b, tokens, cpu)
}

func benchScore(b *testing.B, m *Model, prompt string, n int) {
	ctx := context.Background()
	p, err := m.PromptTokens(prompt)
	if err != nil {
		b.Fatal(err)
	}
	completion := make([]int, n)
	for i := range completion {
		completion[i] = (i*7919 + 13) % m.Vocab
	}
	b.ResetTimer()
	cpu := cpuSeconds()
	for i := 0; i < b.N; i++ {
		if _, err := m.Score(ctx, p, completion, ScoreOptions{TopLogprobs: 5}); err != nil {
			b.Fatal(err)
		}
	}
	reportTokens(b, n*b.N, cpu)
}

// reportTokens reports tokens per second of wall time and per second of
// CPU time (both cores together), the second steadier on a busy machine.
func reportTokens(b *testing.B, tokens int, cpuBefore float64) {
	b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
	if cpu := cpuSeconds() - cpuBefore; cpu > 0 {
		b.ReportMetric(float64(tokens)/cpu, "tokens/cpu-s")
	}
	b.ReportMetric(0, "ns/op")
}

// The shipped test model: generation (a miner) and teacher-forced scoring
// (a validator), 128 tokens after a short prompt.
func BenchmarkShippedGenerate(b *testing.B) {
	benchGenerate(b, shippedModel(b), "And the LORD said unto Moses,", 128)
}

func BenchmarkShippedScore(b *testing.B) {
	benchScore(b, shippedModel(b), "And the LORD said unto Moses,", 128)
}

// A random-weight model of about 100 M parameters with the shape of a small
// llama (768 wide, 12 layers, 12 query and 4 key/value heads, SwiGLU 2048,
// 16384 tokens), built in memory as an F16 GGUF and loaded like any file.
var (
	bigOnce  sync.Once
	bigModel *Model
	bigErr   error
)

func big(b *testing.B) *Model {
	bigOnce.Do(func() { bigModel, bigErr = FromGGUF(randomGGUF(b, bigShape, gguf.F16, 1)) })
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return bigModel
}

var bigShape = tinyShape{vocab: 16384, dim: 768, layers: 12, heads: 12, kvHeads: 4, ffn: 2048, ctx: 1024, ropeDim: 64, base: 10000, eps: 1e-5}

func Benchmark100MGenerate(b *testing.B) {
	m := big(b)
	b.Logf("%d parameters", m.Params())
	benchGenerate(b, m, "And the LORD said unto Moses,", 32)
}

func Benchmark100MScore(b *testing.B) { benchScore(b, big(b), "And the LORD said unto Moses,", 128) }

// randomGGUF is a random-weight model of the given shape with a byte-level
// gpt2 vocabulary (256 byte tokens, filler tokens, an end token).
func randomGGUF(t testing.TB, sh tinyShape, typ gguf.Type, seed uint64) *gguf.File {
	w := newTinyWeights(seed, sh, false)
	for _, v := range w { // scale matrices to ~1/√width, so activations stay in range at any width
		if len(v) > sh.dim {
			for i := range v {
				v[i] /= float32(math.Sqrt(float64(sh.dim)))
			}
		}
	}
	f := tinyFile(t, sh, w, typ)
	tokens := make([]string, sh.vocab)
	types := make([]int32, sh.vocab)
	runes := gpt2ByteRunes()
	for i := range tokens {
		types[i] = 1
		if i < 256 {
			tokens[i] = string(runes[i])
		} else {
			tokens[i] = fmt.Sprintf("<filler%d>", i)
		}
	}
	tokens[sh.vocab-1], types[sh.vocab-1] = "<|endoftext|>", 3
	f.Set("tokenizer.ggml.tokens", tokens)
	f.Set("tokenizer.ggml.token_type", types)
	return f
}

// TestWriteBenchmarkModel writes the random 100 M model to the path in
// TEXTGEN_BENCH_GGUF, so that llama.cpp can run the same file
// (tools/textgen-train/llamacpp_bench.mjs); it is skipped otherwise.
func TestWriteBenchmarkModel(t *testing.T) {
	path := os.Getenv("TEXTGEN_BENCH_GGUF")
	if path == "" {
		t.Skip("set TEXTGEN_BENCH_GGUF to write the benchmark model")
	}
	if err := randomGGUF(t, bigShape, gguf.F16, 1).WriteFile(path); err != nil {
		t.Fatal(err)
	}
}
