// Package keeper holds x/subnet's state and rules: the TAO supply and coinbase here, and (as they
// land) subnets, neurons, stake, pools, weights and epochs, one file per rule family. Consensus
// arithmetic is not here: the keeper reads state, calls the pure packages (fixed, yuma) and writes
// their results.
package keeper
