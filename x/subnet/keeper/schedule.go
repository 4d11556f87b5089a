package keeper

import (
	"context"
	"math"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// maxTempo is the safety net of §3.1: a subnet whose epoch has not run for this many blocks runs
// one whatever its schedule says.
const maxTempo = 50_400

// shouldRunEpoch is §3.1's should_run_epoch: the period is exactly tempo blocks from the last
// epoch, an owner-triggered or deferred epoch runs at its block, and tempo 0 never runs.
func shouldRunEpoch(s types.Schedule, tempo uint32, block uint64) bool {
	if tempo == 0 {
		return false
	}
	if s.PendingEpochAt > 0 && block >= s.PendingEpochAt {
		return true
	}
	if s.BlocksSinceLastStep > maxTempo {
		return true
	}
	return satSub(block, s.LastEpochBlock) >= uint64(tempo)
}

// blocksUntilNextEpoch is LastEpochBlock + tempo − block (saturating; never for tempo 0).
func blocksUntilNextEpoch(s types.Schedule, tempo uint32, block uint64) uint64 {
	if tempo == 0 {
		return math.MaxUint64
	}
	return satSub(s.LastEpochBlock+uint64(tempo), block)
}

// epochIndexWithLookahead is the epoch a commit made now belongs to: the current index, plus one
// if an epoch runs this block (§3.1).
func (k Keeper) epochIndexWithLookahead(ctx context.Context, netuid uint32) (uint64, error) {
	s, err := k.GetSchedule(ctx, netuid)
	if err != nil {
		return 0, err
	}
	h, err := k.GetHyperparams(ctx, netuid)
	if err != nil {
		return 0, err
	}
	if shouldRunEpoch(s, h.Tempo, blockHeight(ctx)) {
		return s.EpochIndex + 1, nil
	}
	return s.EpochIndex, nil
}

func satSub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}
