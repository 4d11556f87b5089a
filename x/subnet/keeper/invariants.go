package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// invariant is one accounting identity of the module. check returns whether it holds and the
// quantities it compared, so a broken result says by how much.
type invariant struct {
	name  string
	check func(ctx context.Context, k Keeper) (bool, string, error)
}

var invariants = []invariant{
	{"issuance-within-cap", func(ctx context.Context, k Keeper) (bool, string, error) {
		issuance, err := k.GetTotalIssuance(ctx)
		if err != nil {
			return false, "", err
		}
		return issuance <= types.MaxSupply,
			fmt.Sprintf("total_issuance %d ≤ max_supply %d", issuance, uint64(types.MaxSupply)), nil
	}},
	{"supply-plus-burned-equals-issuance", func(ctx context.Context, k Keeper) (bool, string, error) {
		issuance, err := k.GetTotalIssuance(ctx)
		if err != nil {
			return false, "", err
		}
		burned, err := k.GetBurned(ctx)
		if err != nil {
			return false, "", err
		}
		supply := k.BankSupply(ctx)
		return supply+burned == issuance,
			fmt.Sprintf("bank_supply %d + burned %d = %d; total_issuance %d", supply, burned, supply+burned, issuance), nil
	}},
	{"pool-tao-held-by-module", func(ctx context.Context, k Keeper) (bool, string, error) {
		var sum uint64
		err := k.Pools.Walk(ctx, nil, func(_ uint32, p types.Pool) (bool, error) {
			sum += p.Tao
			return false, nil
		})
		if err != nil {
			return false, "", err
		}
		held := k.bank.GetBalance(ctx, k.moduleAddress(), types.Denom).Amount.Uint64()
		return held == sum, fmt.Sprintf("module account holds %d rao; pools hold %d", held, sum), nil
	}},
	{"alpha-issued-equals-pool-plus-outstanding", func(ctx context.Context, k Keeper) (bool, string, error) {
		ok, detail := true, ""
		err := k.Pools.Walk(ctx, nil, func(netuid uint32, p types.Pool) (bool, error) {
			if p.AlphaIn+p.AlphaOut != p.AlphaIssued-p.AlphaRecycled || p.AlphaRecycled > p.AlphaIssued {
				ok = false
				detail += fmt.Sprintf("subnet %d: alpha_in %d + alpha_out %d ≠ issued %d − recycled %d; ",
					netuid, p.AlphaIn, p.AlphaOut, p.AlphaIssued, p.AlphaRecycled)
			}
			return false, nil
		})
		if ok {
			detail = "every subnet: alpha_in + alpha_out = alpha issued − recycled"
		}
		return ok, detail, err
	}},
	{"stake-and-pending-within-alpha-out", func(ctx context.Context, k Keeper) (bool, string, error) {
		staked := map[uint32]uint64{}
		err := k.HotkeyPools.Walk(ctx, nil, func(key collections.Pair[sdk.AccAddress, uint32], hp types.HotkeyPool) (bool, error) {
			staked[key.K2()] += hp.Alpha
			return false, nil
		})
		if err != nil {
			return false, "", err
		}
		ok, detail := true, ""
		err = k.Pools.Walk(ctx, nil, func(netuid uint32, p types.Pool) (bool, error) {
			pending, err := k.GetPending(ctx, netuid)
			if err != nil {
				return true, err
			}
			owed := staked[netuid] + pending.Server + pending.Validator + pending.OwnerCut
			if owed > p.AlphaOut {
				ok = false
				detail += fmt.Sprintf("subnet %d: stakes %d + pending %d > alpha_out %d; ",
					netuid, staked[netuid], owed-staked[netuid], p.AlphaOut)
			}
			return false, nil
		})
		if ok {
			detail = "every subnet: Σ stakes + pending ≤ alpha_out"
		}
		return ok, detail, err
	}},
}

// CheckInvariants evaluates every invariant. The chain does not halt on a broken one: operators
// query it (`gotensor q subnet invariants`) and tests call it after every block.
func (k Keeper) CheckInvariants(ctx context.Context) ([]types.InvariantResult, error) {
	results := make([]types.InvariantResult, 0, len(invariants))
	for _, inv := range invariants {
		holds, detail, err := inv.check(ctx, k)
		if err != nil {
			return nil, fmt.Errorf("invariant %s: %w", inv.name, err)
		}
		results = append(results, types.InvariantResult{Name: inv.name, Holds: holds, Detail: detail})
	}
	return results, nil
}

// BrokenInvariants returns an error naming every broken invariant, or nil.
func (k Keeper) BrokenInvariants(ctx context.Context) error {
	results, err := k.CheckInvariants(ctx)
	if err != nil {
		return err
	}
	var broken []string
	for _, r := range results {
		if !r.Holds {
			broken = append(broken, r.Name+": "+r.Detail)
		}
	}
	if len(broken) > 0 {
		return fmt.Errorf("%w: %v", types.ErrSupplyAccounting, broken)
	}
	return nil
}
