// Package miner is the text-generation subnet's miner without its network:
// a Backend that generates answers token by token (the built-in Go runtime,
// or any OpenAI-compatible HTTP server asked for logprobs), the Miner that
// serves requests with one up to its declared capacity, and the named
// behaviours the subnet's tests and demo run, honest and cheating.
//
// Stop sequences are applied here, on the token stream, for every backend:
// the answer stops after the token that completes one, so a verifier can
// see it end there, and an OpenAI-compatible server is never asked to stop
// (it would strip the sequence and not say which one ended the answer).
package miner
