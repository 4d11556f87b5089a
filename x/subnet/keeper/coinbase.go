package keeper

import (
	"context"
	"math/bits"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// EmissionForIssuance is the block emission the schedule allows at a given issuance (§5.1): 1 TAO
// until half the cap, halving at each further half of what remains, 0 at the cap.
func EmissionForIssuance(issuance uint64) uint64 {
	return fixed.EmissionForIssuance(issuance, types.MaxSupply, types.InitialBlockEmission)
}

// BlockEmission is what the next block mints.
func (k Keeper) BlockEmission(ctx context.Context) (uint64, error) {
	issuance, err := k.GetTotalIssuance(ctx)
	if err != nil {
		return 0, err
	}
	return EmissionForIssuance(issuance), nil
}

// BlockStep is the start of every block (§2): the key swaps that fell due, registration prices
// decay, then the coinbase, then the bounded share of work on pruned subnets' payouts (§6.4).
func (k Keeper) BlockStep(ctx context.Context) error {
	if err := k.KeySwapBlockStep(ctx); err != nil {
		return err
	}
	if err := k.DecayBurns(ctx); err != nil {
		return err
	}
	if err := k.Coinbase(ctx); err != nil {
		return err
	}
	if err := k.applyPendingChildren(ctx); err != nil {
		return err
	}
	return k.ProgressDissolutions(ctx)
}

// Coinbase mints this block's emission (§2 step 3), hands it to the emitting subnets (§5.3–§5.5),
// runs the epochs that are due (§5.7, §5.8), moves the price averages (§5.6), and recycles the TAO
// no subnet took (§5.4). Without emitting subnets all of it is recycled, and the issuance stays
// where it was.
func (k Keeper) Coinbase(ctx context.Context) error {
	emission, err := k.BlockEmission(ctx)
	if err != nil {
		return err
	}
	if err := k.mintTAO(ctx, emission); err != nil {
		return err
	}
	if emission > 0 {
		issuance, err := k.GetTotalIssuance(ctx)
		if err != nil {
			return err
		}
		if err := emit(ctx, &types.EventCoinbase{Emission: emission, TotalIssuance: issuance}); err != nil {
			return err
		}
	}
	subnets, err := k.emittingSubnets(ctx)
	if err != nil {
		return err
	}
	spent, err := k.injectEmission(ctx, subnets, emission)
	if err != nil {
		return err
	}
	if err := k.runDueEpochs(ctx); err != nil {
		return err
	}
	if err := k.updateMovingPrices(ctx, subnets); err != nil {
		return err
	}
	return k.recycleTAO(ctx, emission-spent, "unspent_coinbase")
}

// HalvingSchedule says where the issuance stands on the schedule: the halvings behind the current
// emission, and the issuance at which the emission next drops.
type HalvingSchedule struct {
	Emission            uint64
	Halvings            uint32
	NextHalvingIssuance uint64
	BlocksToNextHalving uint64
}

// ScheduleAt locates an issuance on the emission schedule. The next drop is found by bisection on
// the schedule itself (emission never rises with issuance), so it is exact to the rao whatever the
// fixed-point rounding near a threshold.
func ScheduleAt(issuance uint64) HalvingSchedule {
	e := EmissionForIssuance(issuance)
	s := HalvingSchedule{Emission: e}
	if e == 0 {
		// Past the last halving: every bit of the initial emission has been halved away.
		s.Halvings = uint32(bits.Len64(types.InitialBlockEmission))
		s.NextHalvingIssuance = types.MaxSupply
		return s
	}
	for q := types.InitialBlockEmission / e; q > 1; q >>= 1 {
		s.Halvings++
	}
	lo, hi := issuance, uint64(types.MaxSupply) // emission(lo) == e, emission(hi) < e
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if EmissionForIssuance(mid) == e {
			lo = mid
		} else {
			hi = mid
		}
	}
	s.NextHalvingIssuance = hi
	s.BlocksToNextHalving = (hi - issuance + e - 1) / e
	return s
}
