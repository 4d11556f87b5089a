package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"

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
	{"root-stake-totals-agree", checkRootStake},
	{"root-claims-backed", checkRootClaims},
	{"hotkey-ownership-indexes-agree", checkOwnershipIndexes},
	{"coldkey-swap-queue-matches", checkColdkeySwapQueue},
	{"child-keys-consistent", checkChildKeys},
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
		dissolving, err := k.dissolutionHeld(ctx)
		if err != nil {
			return false, "", err
		}
		root, err := k.GetRootTao(ctx)
		if err != nil {
			return false, "", err
		}
		held := k.bank.GetBalance(ctx, k.moduleAddress(), types.Denom).Amount.Uint64()
		return held == sum+dissolving+root,
			fmt.Sprintf("module account holds %d rao; pools hold %d, dissolutions still owe %d, root holds %d", held, sum, dissolving, root), nil
	}},
	{"dissolutions-within-pot", func(ctx context.Context, k Keeper) (bool, string, error) {
		ok, detail := true, ""
		err := k.Dissolutions.Walk(ctx, nil, func(netuid uint32, d types.Dissolution) (bool, error) {
			exists, err := k.Subnets.Has(ctx, netuid)
			if err != nil {
				return true, err
			}
			if exists || d.Distributed > d.Pot || d.Paid+d.ProtocolShare > d.Pot || d.Rounded > d.Pot-d.Distributed {
				ok = false
				detail += fmt.Sprintf("subnet %d: exists %t, pot %d, distributed %d, paid %d, protocol %d, rounded %d; ",
					netuid, exists, d.Pot, d.Distributed, d.Paid, d.ProtocolShare, d.Rounded)
			}
			return false, nil
		})
		if ok {
			detail = "every dissolution: its netuid has no subnet; paid + protocol share ≤ pot"
		}
		return ok, detail, err
	}},
	{"stake-indexes-match", func(ctx context.Context, k Keeper) (bool, string, error) {
		var stakes, pools, missing uint64
		err := k.Stakes.Walk(ctx, nil, func(key collections.Triple[sdk.AccAddress, sdk.AccAddress, uint32], _ sdkmath.Uint) (bool, error) {
			stakes++
			has, err := k.SubnetStakes.Has(ctx, collections.Join3(key.K3(), key.K2(), key.K1()))
			if !has {
				missing++
			}
			return false, err
		})
		if err != nil {
			return false, "", err
		}
		err = k.HotkeyPools.Walk(ctx, nil, func(key collections.Pair[sdk.AccAddress, uint32], _ types.HotkeyPool) (bool, error) {
			pools++
			has, err := k.SubnetHotkeyPools.Has(ctx, pairKey(key.K2(), key.K1()))
			if !has {
				missing++
			}
			return false, err
		})
		if err != nil {
			return false, "", err
		}
		var indexed uint64
		for _, count := range []func() error{
			func() error {
				return k.SubnetStakes.Walk(ctx, nil, func(collections.Triple[uint32, sdk.AccAddress, sdk.AccAddress]) (bool, error) {
					indexed++
					return false, nil
				})
			},
			func() error {
				return k.SubnetHotkeyPools.Walk(ctx, nil, func(collections.Pair[uint32, sdk.AccAddress]) (bool, error) {
					indexed++
					return false, nil
				})
			},
		} {
			if err := count(); err != nil {
				return false, "", err
			}
		}
		return missing == 0 && indexed == stakes+pools,
			fmt.Sprintf("%d stakes and %d hotkey pools, %d index entries, %d unindexed", stakes, pools, indexed, missing), nil
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
	{"pool-weights-in-range", func(ctx context.Context, k Keeper) (bool, string, error) {
		ok, detail := true, ""
		err := k.Pools.Walk(ctx, nil, func(netuid uint32, p types.Pool) (bool, error) {
			if !types.ValidPoolWeight(p.QuoteWeight) {
				ok = false
				detail += fmt.Sprintf("subnet %d: quote_weight %d leaves a weight below 0.01; ", netuid, p.QuoteWeight)
			}
			return false, nil
		})
		if ok {
			detail = "every pool: both reserve weights in [0.01, 0.99] (§6.2)"
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
		rootOwed, err := k.rootAlphaOwed(ctx)
		if err != nil {
			return false, "", err
		}
		ok, detail := true, ""
		err = k.Pools.Walk(ctx, nil, func(netuid uint32, p types.Pool) (bool, error) {
			pending, err := k.GetPending(ctx, netuid)
			if err != nil {
				return true, err
			}
			owed := staked[netuid] + pending.Server + pending.Validator + pending.OwnerCut + rootOwed[netuid]
			if owed > p.AlphaOut {
				ok = false
				detail += fmt.Sprintf("subnet %d: stakes %d + pending %d > alpha_out %d; ",
					netuid, staked[netuid], owed-staked[netuid], p.AlphaOut)
			}
			return false, nil
		})
		if ok {
			detail = "every subnet: Σ stakes + pending + root alpha pending or held ≤ alpha_out"
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
