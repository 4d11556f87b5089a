package keeper

import (
	"context"
	"fmt"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// InitGenesis writes the genesis state. The genesis balances count as issued: a zero
// total_issuance is filled from the bank supply, a non-zero one must agree with it.
func (k Keeper) InitGenesis(ctx context.Context, gs types.GenesisState) error {
	if err := gs.Validate(k.auth.AddressCodec()); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	if gs.LocalAuthority != "" {
		if err := k.LocalAuthority.Set(ctx, gs.LocalAuthority); err != nil {
			return err
		}
	}
	// x/subnet owns TAO, so it describes it to wallets unless the genesis already does.
	if _, ok := k.bank.GetDenomMetaData(ctx, types.Denom); !ok {
		k.bank.SetDenomMetaData(ctx, types.TAOMetadata())
	}
	supply := k.BankSupply(ctx)
	issuance := gs.TotalIssuance
	if issuance == 0 {
		issuance = supply + gs.Burned
	}
	if supply+gs.Burned != issuance {
		return fmt.Errorf("%w: total_issuance %d rao but the genesis balances hold %d rao and %d were burned",
			types.ErrInvalidGenesis, issuance, supply, gs.Burned)
	}
	if issuance > types.MaxSupply {
		return fmt.Errorf("%w: the genesis balances hold %d rao, more than the 21M TAO cap", types.ErrInvalidGenesis, issuance)
	}
	if err := k.TotalIssuance.Set(ctx, issuance); err != nil {
		return err
	}
	return k.Burned.Set(ctx, gs.Burned)
}

// ExportGenesis reads the whole state back.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	issuance, err := k.GetTotalIssuance(ctx)
	if err != nil {
		return nil, err
	}
	burned, err := k.GetBurned(ctx)
	if err != nil {
		return nil, err
	}
	local, err := getOrZero(ctx, k.LocalAuthority.Get)
	if err != nil {
		return nil, err
	}
	return &types.GenesisState{Params: params, TotalIssuance: issuance, Burned: burned, LocalAuthority: local}, nil
}
