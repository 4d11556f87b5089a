package keeper

import "context"

// EarliestCommitBlocks lets the keeper_test package check what the epoch's commit-reveal mask reads.
func (k Keeper) EarliestCommitBlocks(ctx context.Context, netuid uint32, n int) ([]uint64, error) {
	return k.earliestCommitBlocks(ctx, netuid, n)
}
