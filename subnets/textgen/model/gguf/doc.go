// Package gguf reads and writes GGUF files, the single-file model format of
// llama.cpp (version 3, and version 2 which has the same layout): a header of
// typed key/value metadata, a table of tensors, and the aligned tensor data.
//
// A File holds everything in memory; Decode checks every length, count,
// offset and size against the bytes it was given, so a truncated or hostile
// file yields an error naming what is wrong, never a panic or an allocation
// sized by the file's claims. Tensor data is decoded to float32 on request
// (F32, F16, BF16, Q8_0) and encoded from float32 by NewTensor (F32, F16,
// Q8_0, with llama.cpp's rounding for Q8_0).
//
// The format is public (ggml's docs/gguf.md). A pure-Go parser is served by
// the module proxy (gpustack/gguf-parser-go), but it reads only, and pulls an
// HTTP client, a DNS cache and a JSON library into the build for its remote
// and memory-estimation features; the format itself needs a few hundred lines.
package gguf
