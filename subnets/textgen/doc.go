// Package textgen is the text-generation subnet without its network: the
// Go runtime as the subnet uses it (Runtime), and the validator's side
// (drawing challenges that look like user traffic, verifying answers with
// the reference model, and keeping the scoreboard).
//
// The subpackages hold the parts: model (the Go language-model runtime and
// its GGUF reader), protocol (wire types and their validation), verify (the
// teacher-forced checks), miner (backends, capacity and the named
// behaviours), scoreboard (outcomes, speed, volume and weights) and neuron
// (miner and validator services on a chain, and an in-process subnet).
package textgen
