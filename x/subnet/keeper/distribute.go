package keeper

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
	"github.com/gotensor/gotensor/yuma"
)

// distribute is §5.8: the owner's cut to the owner, each miner's incentive staked to its hotkey
// (withheld from hotkeys of the owner's coldkey), and the validators' alpha by dividends, the take
// to each validator's owner and the rest to its nominators.
func (k Keeper) distribute(ctx context.Context, netuid uint32, subnet types.Subnet, hp types.Hyperparams,
	sched types.Schedule, neurons []types.Neuron, out yuma.Output, pending types.PendingEmission, rootPending uint64,
) error {
	pool, err := k.GetPool(ctx, netuid)
	if err != nil {
		return err
	}
	ownerColdkey, ownerHotkey := subnet.Owner, subnet.OwnerHotkey

	// The owner's cut is staked to the owner hotkey for the owner coldkey.
	if pending.OwnerCut > 0 {
		if err := k.stakeAlpha(ctx, ownerHotkey, ownerColdkey, netuid, pending.OwnerCut); err != nil {
			return err
		}
	}

	// Miners. The incentive of hotkeys the owner's coldkey holds is withheld (§13.20): an owner
	// cannot pay itself twice by mining its own subnet.
	withheldFrom, err := k.ownerColdkeyHotkeys(ctx, ownerColdkey, neurons)
	if err != nil {
		return err
	}
	var incentiveSum, paidMiners, withheld uint64
	for i, nr := range neurons {
		e := out.ServerEmission[i]
		if e == 0 {
			continue
		}
		incentiveSum += e
		if withheldFrom[i] {
			withheld += e
			continue
		}
		coldkey, err := k.ownerOf(ctx, nr.Hotkey)
		if err != nil {
			return err
		}
		if err := k.stakeAlpha(ctx, nr.Hotkey, coldkey, netuid, e); err != nil {
			return err
		}
		paidMiners += e
	}
	if withheld > 0 {
		if hp.RecycleOwnerIncentive {
			pool.AlphaOut -= withheld
			pool.AlphaRecycled += withheld
		} else {
			pool.AlphaBurned += withheld
		}
	}
	pool.MinerBurned = u96f32Bytes(fixed.U96F32FromUint(withheld).SafeDiv(fixed.U96F32FromUint(incentiveSum)))
	if err := k.Pools.Set(ctx, netuid, pool); err != nil {
		return err
	}

	// Validators share their pending alpha in proportion to the dividends the epoch gave them; when
	// no miner earned anything, the miners' half goes to them too.
	validatorPending := pending.Validator
	if incentiveSum == 0 {
		validatorPending += pending.Server
	}
	// Each uid's dividend is first shared with the parents that lend it stake (§8.4), so a parent
	// is paid here even without a uid of its own.
	hotkeys := make([]sdk.AccAddress, len(neurons))
	for i, nr := range neurons {
		hotkeys[i] = nr.Hotkey
	}
	dividends, err := k.dividendsThroughParents(ctx, netuid, hotkeys, out.ValidatorEmission)
	if err != nil {
		return err
	}
	// Each dividend splits into an alpha part, paid from the validators' pending alpha, and a root
	// part, paid from the root alpha to the hotkey's root stakers (§5.8 step 4): alpha first, then
	// root, as subtensor pays them.
	divHotkeys := make([]sdk.AccAddress, len(dividends))
	amounts := make([]fixed.U96F32, len(dividends))
	for i, d := range dividends {
		divHotkeys[i], amounts[i] = d.hotkey, d.amount
	}
	alphaDivs, rootDivs, err := k.splitRootDividends(ctx, netuid, divHotkeys, amounts, validatorPending, rootPending)
	if err != nil {
		return err
	}
	var paidValidators uint64
	for i, hotkey := range divHotkeys {
		div := alphaDivs[i].ToUint64()
		if err := k.payDividend(ctx, netuid, hotkey, div); err != nil {
			return err
		}
		paidValidators += div
	}
	for i, hotkey := range divHotkeys {
		if rootDivs[i].IsZero() {
			continue
		}
		if _, err := k.payRootDividend(ctx, netuid, hotkey, rootDivs[i]); err != nil {
			return err
		}
	}
	return emit(ctx, &types.EventEpoch{
		Netuid: netuid, EpochIndex: sched.EpochIndex + 1, Emission: pending.Server + pending.Validator,
		OwnerCut: pending.OwnerCut, Miners: paidMiners, Validators: paidValidators, Withheld: withheld,
	})
}

// payDividend gives a validator's hotkey owner its take, staked, and adds the rest to the hotkey's
// pool, which every nominator shares pro rata (§5.8 step 5, §8.2).
func (k Keeper) payDividend(ctx context.Context, netuid uint32, hotkey sdk.AccAddress, amount uint64) error {
	if amount == 0 {
		return nil
	}
	coldkey, err := k.ownerOf(ctx, hotkey)
	if err != nil {
		return err
	}
	staked, err := k.HotkeyAlpha(ctx, hotkey, netuid)
	if err != nil {
		return err
	}
	if staked == 0 {
		// No nominator holds a share of this hotkey's pool: everything is the owner's.
		return k.stakeAlpha(ctx, hotkey, coldkey, netuid, amount)
	}
	take, err := k.DelegateTake(ctx, hotkey)
	if err != nil {
		return err
	}
	takeAmount := fixed.U96F32FromUint(amount).SatMul(fixed.U96F32FromUint(uint64(take)).SafeDiv(fixed.U96F32FromUint(types.MaxU16))).ToUint64()
	if takeAmount > 0 {
		if err := k.stakeAlpha(ctx, hotkey, coldkey, netuid, takeAmount); err != nil {
			return err
		}
	}
	return k.addToHotkeyPool(ctx, hotkey, netuid, amount-takeAmount)
}

// ownerOf finds the coldkey owning a registered hotkey.
func (k Keeper) ownerOf(ctx context.Context, hotkey sdk.AccAddress) (sdk.AccAddress, error) {
	coldkey, ok, err := k.HotkeyOwner(ctx, hotkey)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, inconsistentError{"hotkey " + hotkey.String() + " is registered but has no owner"}
	}
	return coldkey, nil
}

// ownerColdkeyHotkeys marks the uids whose hotkey the subnet owner's coldkey owns.
func (k Keeper) ownerColdkeyHotkeys(ctx context.Context, owner sdk.AccAddress, neurons []types.Neuron) ([]bool, error) {
	marks := make([]bool, len(neurons))
	for i, nr := range neurons {
		has, err := k.OwnedHotkeys.Has(ctx, pairKey(owner, nr.Hotkey))
		if err != nil {
			return nil, err
		}
		marks[i] = has
	}
	return marks, nil
}
