package keeper

import (
	"context"
	"fmt"

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
