// Package yuma is Yuma Consensus: one subnet epoch as a pure function from
// stake, weights and bonds to shares, emissions and the bonds to store
// (spec/subtensor.md §4, the sparse epoch of subtensor at commit 14bc6f9),
// bit for bit, with all arithmetic in the fixed package (divide.go's
// reciprocal quotients reproduce its SafeDiv).
//
// The package does no I/O and keeps no state, like etcd's raft: the chain's
// keeper reads the subnet into an Input, calls Epoch, and writes the Output
// back. The pipeline follows the spec's sections, one file each: activity
// and stake (stake.go, §4.2–4.5), weight masks (weights.go, §4.6),
// consensus, clipping and incentive (consensus.go, §4.7–4.9), bonds and
// dividends (bonds.go and liquid.go, §4.10–4.11), the emission split
// (emission.go, §4.12) and what is stored (epoch.go and bonds.go,
// §4.13–4.14). The weight-limit check of set_weights is in submit.go (§9.1).
//
// Intermediate matrices live in a Workspace (workspace.go) that the caller
// owns: Workspace.Epoch reuses it so that back-to-back epochs do not
// reallocate them, and Epoch allocates a fresh one; outputs never alias
// it, and no memory is shared between calls that the caller did not pass
// in. Large epochs split their rows and columns across goroutines
// (parallel.go) without changing a bit of the output, and quotients by a
// reused row or column sum go through its reciprocal (divide.go), exactly
// as fixed's SafeDiv. Epoch is safe for concurrent use; one Workspace
// serves one epoch at a time.
package yuma
