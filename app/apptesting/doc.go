// Package apptesting drives a real gotensor app block by block in memory, for tests that need the
// real keepers (bank, staking, x/subnet) without a CometBFT node: genesis with funded accounts,
// then FinalizeBlock and Commit as a node would call them.
package apptesting
