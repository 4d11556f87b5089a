package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	sdk "github.com/cosmos/cosmos-sdk/types"
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	subnetkeeper "github.com/gotensor/gotensor/x/subnet/keeper"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// prepareForZeroHeight is the Cosmos SDK's zero-height procedure, run on the export's throwaway
// context before the modules export: every reward and commission is paid out (into balances, so
// it survives the restart), the distribution module's per-validator history is rebuilt as if
// every validator and delegation started at height 0, staking's and slashing's heights are reset
// to 0, and validators outside jailAllowed (operator addresses) are jailed when the list is not
// empty. x/subnet's heights are rebased afterwards, on its exported genesis (rebaseSubnetGenesis).
func (app *App) prepareForZeroHeight(ctx sdk.Context, jailAllowed []string) error {
	valCodec := app.StakingKeeper.ValidatorAddressCodec()
	validators, err := app.StakingKeeper.GetAllValidators(ctx)
	if err != nil {
		return err
	}
	operators := make([]sdk.ValAddress, len(validators))
	for i, v := range validators {
		if operators[i], err = valCodec.StringToBytes(v.GetOperator()); err != nil {
			return fmt.Errorf("validator %s: %w", v.GetOperator(), err)
		}
	}
	for _, op := range operators {
		if _, err := app.DistrKeeper.WithdrawValidatorCommission(ctx, op); err != nil && !errors.Is(err, distrtypes.ErrNoValidatorCommission) {
			return fmt.Errorf("withdrawing the commission of %s: %w", op, err)
		}
	}
	delegations, err := app.StakingKeeper.GetAllDelegations(ctx)
	if err != nil {
		return err
	}
	type pair struct {
		delegator sdk.AccAddress
		validator sdk.ValAddress
	}
	pairs := make([]pair, len(delegations))
	for i, d := range delegations {
		if pairs[i].delegator, err = app.AccountKeeper.AddressCodec().StringToBytes(d.DelegatorAddress); err != nil {
			return fmt.Errorf("delegator %s: %w", d.DelegatorAddress, err)
		}
		if pairs[i].validator, err = valCodec.StringToBytes(d.ValidatorAddress); err != nil {
			return fmt.Errorf("validator %s: %w", d.ValidatorAddress, err)
		}
		if _, err := app.DistrKeeper.WithdrawDelegationRewards(ctx, pairs[i].delegator, pairs[i].validator); err != nil {
			return fmt.Errorf("withdrawing the rewards of %s from %s: %w", d.DelegatorAddress, d.ValidatorAddress, err)
		}
	}
	app.DistrKeeper.DeleteAllValidatorSlashEvents(ctx)
	app.DistrKeeper.DeleteAllValidatorHistoricalRewards(ctx)

	// Validators and delegations start again at height 0; the rounding scraps left in a
	// validator's outstanding rewards go to the community pool.
	zero := ctx.WithBlockHeight(0)
	for _, op := range operators {
		scraps, err := app.DistrKeeper.GetValidatorOutstandingRewardsCoins(zero, op)
		if err != nil {
			return err
		}
		feePool, err := app.DistrKeeper.FeePool.Get(zero)
		if err != nil {
			return err
		}
		feePool.CommunityPool = feePool.CommunityPool.Add(scraps...)
		if err := app.DistrKeeper.FeePool.Set(zero, feePool); err != nil {
			return err
		}
		if err := app.DistrKeeper.Hooks().AfterValidatorCreated(zero, op); err != nil {
			return err
		}
	}
	for _, p := range pairs {
		if err := app.DistrKeeper.Hooks().BeforeDelegationCreated(zero, p.delegator, p.validator); err != nil {
			return err
		}
		if err := app.DistrKeeper.Hooks().AfterDelegationModified(zero, p.delegator, p.validator); err != nil {
			return err
		}
	}

	var redelegations []stakingtypes.Redelegation
	if err := app.StakingKeeper.IterateRedelegations(ctx, func(_ int64, r stakingtypes.Redelegation) bool {
		redelegations = append(redelegations, r)
		return false
	}); err != nil {
		return err
	}
	for _, r := range redelegations {
		for i := range r.Entries {
			r.Entries[i].CreationHeight = 0
		}
		if err := app.StakingKeeper.SetRedelegation(ctx, r); err != nil {
			return err
		}
	}
	var unbondings []stakingtypes.UnbondingDelegation
	if err := app.StakingKeeper.IterateUnbondingDelegations(ctx, func(_ int64, u stakingtypes.UnbondingDelegation) bool {
		unbondings = append(unbondings, u)
		return false
	}); err != nil {
		return err
	}
	for _, u := range unbondings {
		for i := range u.Entries {
			u.Entries[i].CreationHeight = 0
		}
		if err := app.StakingKeeper.SetUnbondingDelegation(ctx, u); err != nil {
			return err
		}
	}
	for _, v := range validators {
		v.UnbondingHeight = 0
		if len(jailAllowed) > 0 && !slices.Contains(jailAllowed, v.GetOperator()) {
			v.Jailed = true
		}
		if err := app.StakingKeeper.SetValidator(ctx, v); err != nil {
			return err
		}
	}
	if _, err := app.StakingKeeper.ApplyAndReturnValidatorSetUpdates(ctx); err != nil {
		return err
	}

	var infos []slashingtypes.ValidatorSigningInfo
	var consAddrs []sdk.ConsAddress
	if err := app.SlashingKeeper.IterateValidatorSigningInfos(ctx, func(addr sdk.ConsAddress, info slashingtypes.ValidatorSigningInfo) bool {
		consAddrs, infos = append(consAddrs, addr), append(infos, info)
		return false
	}); err != nil {
		return err
	}
	for i, info := range infos {
		info.StartHeight = 0
		if err := app.SlashingKeeper.SetValidatorSigningInfo(ctx, consAddrs[i], info); err != nil {
			return err
		}
	}
	return nil
}

// rebaseSubnetGenesis rebases x/subnet's exported heights for a chain restarting after
// lastHeight (see subnetkeeper.RebaseToZeroHeight).
func (app *App) rebaseSubnetGenesis(genesis map[string]json.RawMessage, lastHeight int64) error {
	raw, ok := genesis[subnettypes.ModuleName]
	if !ok {
		return nil // not among the modules exported
	}
	var gs subnettypes.GenesisState
	if err := app.appCodec.UnmarshalJSON(raw, &gs); err != nil {
		return fmt.Errorf("reading x/subnet's exported genesis: %w", err)
	}
	subnetkeeper.RebaseToZeroHeight(&gs, uint64(lastHeight))
	out, err := app.appCodec.MarshalJSON(&gs)
	if err != nil {
		return err
	}
	genesis[subnettypes.ModuleName] = out
	return nil
}
