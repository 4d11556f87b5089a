// Package model is a pure-Go runtime for llama-style language models stored
// as GGUF files: the decoder (RMSNorm, rotary positions, grouped-query
// attention, SwiGLU), its KV cache, the tokenizer the file names (GPT-2
// byte-level BPE or SentencePiece), seeded sampling, and per-token
// log-probabilities with the most likely alternatives.
//
// It serves the text-generation subnet twice: a miner generates with it,
// and a validator re-scores a miner's tokens with one teacher-forced pass
// (Score) of its own copy. For that the runtime is deterministic on CPU for
// a given build: no floating-point sum depends on goroutine scheduling or on
// how tokens were batched, so Score reproduces Generate's logprobs to the
// bit and the same seed gives the same tokens.
//
//	m, err := model.Load("kjv-tiny.gguf")
//	c, err := m.Generate(ctx, model.Request{Prompt: "In the beginning", MaxTokens: 32,
//		Temperature: 0.8, TopP: 0.95, Seed: 7, TopLogprobs: 5})
//	s, err := m.Score(ctx, promptIDs, completionIDs, model.ScoreOptions{TopLogprobs: 5})
//
// Weights are held as float32 whatever the file stores (F32, F16, BF16,
// Q8_0 are read): simple and exact, at the cost of memory for quantized
// files. testdata/kjv-tiny.gguf is a small test model trained by
// tools/textgen-train (see its MODEL_CARD.md): it writes Bible-like word
// salad and is not an assistant.
package model
