package keeper

import (
	"context"
	"fmt"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// The two fates of TAO that leaves circulation (§5.1). Recycling takes it off TotalIssuance, so the
// emission schedule issues it again later; burning destroys it for good and TotalIssuance keeps
// counting it. Both remove it from the bank supply, so bank supply + burned = TotalIssuance.

// GetTotalIssuance is the TAO issued and not recycled, in rao.
func (k Keeper) GetTotalIssuance(ctx context.Context) (uint64, error) {
	return getOrZero(ctx, k.TotalIssuance.Get)
}

// GetBurned is the TAO destroyed for good, in rao.
func (k Keeper) GetBurned(ctx context.Context) (uint64, error) {
	return getOrZero(ctx, k.Burned.Get)
}

// BankSupply is the rao the bank module counts as existing.
func (k Keeper) BankSupply(ctx context.Context) uint64 {
	return k.bank.GetSupply(ctx, types.Denom).Amount.Uint64()
}

// mintTAO creates amount rao in the module account and adds it to TotalIssuance. It never passes
// the cap: the caller asks for what the schedule allows.
func (k Keeper) mintTAO(ctx context.Context, amount uint64) error {
	if amount == 0 {
		return nil
	}
	issuance, err := k.GetTotalIssuance(ctx)
	if err != nil {
		return err
	}
	if amount > types.MaxSupply-issuance {
		return fmt.Errorf("%w: minting %d rao on top of %d", types.ErrSupplyCap, amount, issuance)
	}
	if err := k.bank.MintCoins(ctx, types.ModuleName, rao(amount)); err != nil {
		return err
	}
	return k.TotalIssuance.Set(ctx, issuance+amount)
}

// recycleTAO destroys amount rao of the module account and takes it off TotalIssuance.
func (k Keeper) recycleTAO(ctx context.Context, amount uint64, reason string) error {
	if amount == 0 {
		return nil
	}
	issuance, err := k.GetTotalIssuance(ctx)
	if err != nil {
		return err
	}
	if amount > issuance {
		return fmt.Errorf("%w: recycling %d rao but only %d issued", types.ErrSupplyAccounting, amount, issuance)
	}
	if err := k.bank.BurnCoins(ctx, types.ModuleName, rao(amount)); err != nil {
		return err
	}
	issuance -= amount
	if err := k.TotalIssuance.Set(ctx, issuance); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventRecycle{
		Amount: amount, Reason: reason, TotalIssuance: issuance,
	})
}

// burnTAO destroys amount rao of the module account for good.
func (k Keeper) burnTAO(ctx context.Context, amount uint64, reason string) error {
	if amount == 0 {
		return nil
	}
	if err := k.bank.BurnCoins(ctx, types.ModuleName, rao(amount)); err != nil {
		return err
	}
	return k.addBurned(ctx, amount, reason)
}

func (k Keeper) addBurned(ctx context.Context, amount uint64, reason string) error {
	burned, err := k.GetBurned(ctx)
	if err != nil {
		return err
	}
	burned += amount
	if err := k.Burned.Set(ctx, burned); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventBurn{
		Amount: amount, Reason: reason, Burned: burned,
	})
}

// ExternalBurnReason marks rao that other modules destroyed through x/bank.
const ExternalBurnReason = "slashing_or_governance"

// CountExternalBurns runs at the end of every block. x/staking (slashing) and x/gov (vetoed
// deposits) destroy rao through x/bank without telling this module; counting the shortfall as
// burned keeps supply + burned = issuance. A supply above issuance − burned is never absorbed: it
// means rao was minted behind the coinbase's back, and the invariant check reports it.
func (k Keeper) CountExternalBurns(ctx context.Context) error {
	issuance, err := k.GetTotalIssuance(ctx)
	if err != nil {
		return err
	}
	burned, err := k.GetBurned(ctx)
	if err != nil {
		return err
	}
	supply := k.BankSupply(ctx)
	if issuance < burned || supply >= issuance-burned {
		return nil
	}
	return k.addBurned(ctx, issuance-burned-supply, ExternalBurnReason)
}

func rao(amount uint64) sdk.Coins {
	return sdk.NewCoins(sdk.NewCoin(types.Denom, sdkmath.NewIntFromUint64(amount)))
}

// getOrZero reads a collections item, treating "never written" as the zero value.
func getOrZero[V any](ctx context.Context, get func(context.Context) (V, error)) (V, error) {
	v, err := get(ctx)
	if isNotFound(err) {
		var zero V
		return zero, nil
	}
	return v, err
}
