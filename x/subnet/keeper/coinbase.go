package keeper

import (
	"context"
	"math/bits"

	sdk "github.com/cosmos/cosmos-sdk/types"

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

// Coinbase mints this block's emission (§2 step 3) and recycles what no subnet takes (§5.4). Until
// subnets receive emission, that is all of it: the issuance then stays where genesis put it.
func (k Keeper) Coinbase(ctx context.Context) error {
	emission, err := k.BlockEmission(ctx)
	if err != nil || emission == 0 {
		return err
	}
	if err := k.mintTAO(ctx, emission); err != nil {
		return err
	}
	issuance, err := k.GetTotalIssuance(ctx)
	if err != nil {
		return err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventCoinbase{
		Emission: emission, TotalIssuance: issuance,
	}); err != nil {
		return err
	}
	return k.recycleTAO(ctx, emission, "unspent_coinbase")
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
