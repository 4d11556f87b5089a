package keeper

import (
	"context"
	"fmt"
	"math"
	"math/big"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Dissolving a pruned subnet (§6.4, subtensor's destroy_alpha_in_out_stakes). The pool's TAO (the
// pot) is shared by every alpha holder in proportion to the alpha value it holds: each stake by its
// value in its hotkey's pool, and the protocol by the pool's own reserve (alpha_in) plus the alpha
// chain buys bought. Each share is floored; the leftover rao go one each to the largest
// remainders, ties to the earlier portion, the protocol's last. Stakers are paid in TAO to their
// coldkeys; the protocol's share is recycled, as subtensor recycles what remains on the subnet
// account (its tests dissolve_protocol_alpha_post_deploy_includes_alpha_in and
// dissolve_chain_bought_alpha_is_converted_to_tao_and_recycled: the owner is not paid it). No
// lock is refunded: that is only for subtensor's legacy subnets, registered before
// NetworkRegistrationStartBlock, and every gotensor subnet is registered after it.
//
// Where gotensor differs on purpose: subtensor does all of this inside the registration that
// prunes, walking every hotkey's alpha on the chain. Here the registration only records the
// dissolution (bounded work: the subnet's own uid tables); the stakes are paid at the start of
// the following blocks, at most DissolutionStepsPerBlock entries a block, through a by-subnet index
// of the stakes. Until the payout ends the old netuid stays reserved, so the new subnet takes the
// next free netuid instead of reusing the pruned one. Ties between equal remainders follow the
// index order (hotkey, coldkey), where subtensor's follow its storage hash order; a stake whose
// alpha value rounds to 0 gets nothing (subtensor would count its raw share units as value).

// stepsDone reports a dissolution's progress in one block.
type stepsDone struct {
	steps    uint64
	finished bool
}

// startDissolution dissolves a subnet in the registration that prunes it: the subnet, its pool and
// every uid-keyed record (at most MaxUidsPerSubnet rows each) are removed now; the stakes and hotkey
// pools stay until ProgressDissolutions has paid them.
func (k Keeper) startDissolution(ctx context.Context, netuid uint32) error {
	subnet, err := k.GetSubnet(ctx, netuid)
	if err != nil {
		return err
	}
	pool, err := k.GetPool(ctx, netuid)
	if err != nil {
		return err
	}
	protocol := pool.AlphaIn + pool.ProtocolAlpha
	if protocol < pool.AlphaIn {
		protocol = math.MaxUint64 // subtensor's saturating_add
	}
	d := types.Dissolution{
		Netuid: netuid, Owner: subnet.Owner, StartedAt: blockHeight(ctx), Pot: pool.Tao,
		ProtocolAlpha: protocol, Phase: types.DissolutionPhase_DISSOLUTION_PHASE_MEASURE,
		TotalValue: sdkmath.NewUint(protocol),
	}
	if err := k.Dissolutions.Set(ctx, netuid, d); err != nil {
		return err
	}
	for _, clear := range []func() error{
		func() error { return k.Neurons.Clear(ctx, collectionsPrefix(netuid)) },
		func() error { return k.Weights.Clear(ctx, collectionsPrefix(netuid)) },
		func() error { return k.Bonds.Clear(ctx, collectionsPrefix(netuid)) },
		func() error { return k.Axons.Clear(ctx, collectionsPrefix(netuid)) },
		func() error {
			return k.Uids.Clear(ctx, collections.NewPrefixedPairRange[uint32, sdk.AccAddress](netuid))
		},
		func() error {
			return k.Commits.Clear(ctx, collections.NewPrefixedPairRange[uint32, sdk.AccAddress](netuid))
		},
		func() error {
			return k.HyperparamSetAt.Clear(ctx, collections.NewPrefixedPairRange[uint32, string](netuid))
		},
		func() error { return k.Hyperparams.Remove(ctx, netuid) },
		func() error { return k.Pools.Remove(ctx, netuid) },
		func() error { return k.Schedules.Remove(ctx, netuid) },
		func() error { return k.Pending.Remove(ctx, netuid) },
		func() error { return k.Burns.Remove(ctx, netuid) },
		func() error { return k.Subnets.Remove(ctx, netuid) },
		func() error { return k.clearChildKeys(ctx, netuid) },
		func() error { return k.clearRootDividends(ctx, netuid) },
	} {
		if err := clear(); err != nil {
			return err
		}
	}
	return emit(ctx, &types.EventNetworkPruned{Netuid: netuid, Pot: pool.Tao})
}

// ProgressDissolutions spends up to DissolutionStepsPerBlock steps on the dissolutions in progress,
// lowest netuid first; BeginBlock calls it after the coinbase. A step is one stake counted, one
// stake paid, one remainder used or one hotkey pool removed.
func (k Keeper) ProgressDissolutions(ctx context.Context) error {
	var pending []uint32
	if err := k.Dissolutions.Walk(ctx, nil, func(netuid uint32, _ types.Dissolution) (bool, error) {
		pending = append(pending, netuid)
		return false, nil
	}); err != nil || len(pending) == 0 {
		return err
	}
	p, err := k.mustParams(ctx)
	if err != nil {
		return err
	}
	budget := p.DissolutionStepsPerBlock
	for _, netuid := range pending {
		if budget == 0 {
			break
		}
		d, err := k.Dissolutions.Get(ctx, netuid)
		if err != nil {
			return err
		}
		done, err := k.dissolveSteps(ctx, &d, budget)
		if err != nil {
			return fmt.Errorf("dissolving subnet %d: %w", netuid, err)
		}
		budget -= done.steps
		if done.finished {
			continue
		}
		if err := k.Dissolutions.Set(ctx, netuid, d); err != nil {
			return err
		}
		if err := emit(ctx, &types.EventDissolutionProgress{Netuid: netuid, Phase: d.Phase, Steps: done.steps, Paid: d.Paid}); err != nil {
			return err
		}
	}
	return nil
}

// dissolveSteps advances d by at most budget steps, through as many phases as the budget reaches.
func (k Keeper) dissolveSteps(ctx context.Context, d *types.Dissolution, budget uint64) (stepsDone, error) {
	var used uint64
	for used < budget {
		var (
			n        uint64
			complete bool
			err      error
		)
		switch d.Phase {
		case types.DissolutionPhase_DISSOLUTION_PHASE_MEASURE:
			n, complete, err = k.measureStakes(ctx, d, budget-used)
			if complete {
				d.Phase, d.Cursor = types.DissolutionPhase_DISSOLUTION_PHASE_PAY, nil
			}
		case types.DissolutionPhase_DISSOLUTION_PHASE_PAY:
			n, complete, err = k.payStakes(ctx, d, budget-used)
			if complete {
				err = k.protocolPortion(ctx, d)
				d.Phase = types.DissolutionPhase_DISSOLUTION_PHASE_ROUND
			}
		case types.DissolutionPhase_DISSOLUTION_PHASE_ROUND:
			n, complete, err = k.roundRemainders(ctx, d, budget-used)
			if complete {
				d.Phase = types.DissolutionPhase_DISSOLUTION_PHASE_CLEANUP
			}
		case types.DissolutionPhase_DISSOLUTION_PHASE_CLEANUP:
			n, complete, err = k.removeHotkeyPools(ctx, d, budget-used)
			if complete && err == nil {
				return stepsDone{steps: used + n, finished: true}, k.finishDissolution(ctx, *d)
			}
		default:
			return stepsDone{}, errorsmod.Wrapf(types.ErrInconsistentState, "dissolution phase %d", d.Phase)
		}
		if err != nil {
			return stepsDone{}, err
		}
		used += n
	}
	return stepsDone{steps: used}, nil
}

// stakeRange is netuid's entries of SubnetStakes, after the cursor if there is one.
func stakeRange(netuid uint32, cursor []byte) (collections.Ranger[collections.Triple[uint32, sdk.AccAddress, sdk.AccAddress]], error) {
	r := new(collections.Range[collections.Triple[uint32, sdk.AccAddress, sdk.AccAddress]])
	if len(cursor) > 0 {
		_, after, err := subnetStakeKey.Decode(cursor)
		if err != nil {
			return nil, errorsmod.Wrapf(types.ErrInconsistentState, "dissolution cursor: %v", err)
		}
		if after.K1() != netuid {
			return nil, errorsmod.Wrapf(types.ErrInconsistentState, "dissolution of subnet %d has a cursor in subnet %d", netuid, after.K1())
		}
		r = r.StartExclusive(after)
	} else {
		r = r.StartInclusive(collections.Join3(netuid, sdk.AccAddress{}, sdk.AccAddress{}))
	}
	return r.EndExclusive(collections.Join3(netuid+1, sdk.AccAddress{}, sdk.AccAddress{})), nil
}

// nextStakes reads up to limit of netuid's stake index entries after cursor.
func (k Keeper) nextStakes(ctx context.Context, netuid uint32, cursor []byte, limit uint64) (keys []collections.Triple[uint32, sdk.AccAddress, sdk.AccAddress], more bool, err error) {
	rng, err := stakeRange(netuid, cursor)
	if err != nil {
		return nil, false, err
	}
	err = k.SubnetStakes.Walk(ctx, rng, func(key collections.Triple[uint32, sdk.AccAddress, sdk.AccAddress]) (bool, error) {
		if uint64(len(keys)) == limit {
			more = true
			return true, nil
		}
		keys = append(keys, key)
		return false, nil
	})
	return keys, more, err
}

// measureStakes adds the alpha value of up to limit stakes to the total (the pro-rata denominator).
func (k Keeper) measureStakes(ctx context.Context, d *types.Dissolution, limit uint64) (uint64, bool, error) {
	keys, more, err := k.nextStakes(ctx, d.Netuid, d.Cursor, limit)
	if err != nil {
		return 0, false, err
	}
	for _, key := range keys {
		value, err := k.StakeOf(ctx, key.K2(), key.K3(), d.Netuid)
		if err != nil {
			return 0, false, err
		}
		d.TotalValue = d.TotalValue.Add(sdkmath.NewUint(value))
	}
	if len(keys) > 0 {
		last := keys[len(keys)-1]
		d.Cursor = make([]byte, subnetStakeKey.Size(last))
		if _, err := subnetStakeKey.Encode(d.Cursor, last); err != nil {
			return 0, false, err
		}
	}
	return uint64(len(keys)), !more, nil
}

// portion is pot·value / total, floored, and its remainder.
func portion(d *types.Dissolution, value uint64) (share uint64, rem *big.Int) {
	total := d.TotalValue.BigInt()
	if d.Pot == 0 || total.Sign() == 0 || value == 0 {
		return 0, nil
	}
	prod := new(big.Int).Mul(new(big.Int).SetUint64(d.Pot), new(big.Int).SetUint64(value))
	q, r := new(big.Int).QuoRem(prod, total, new(big.Int))
	return q.Uint64(), r // q ≤ pot: value ≤ total
}

// remainderKey orders remainders largest first: the 16-byte big-endian remainder, complemented.
func remainderKey(rem *big.Int) []byte {
	b := rem.FillBytes(make([]byte, 16))
	for i := range b {
		b[i] = ^b[i]
	}
	return b
}

// payStakes pays up to limit stakes their floored share, records each remainder, and deletes the
// stake. The hotkey pools stay until every stake is paid: each stake's value is read from them.
func (k Keeper) payStakes(ctx context.Context, d *types.Dissolution, limit uint64) (uint64, bool, error) {
	keys, more, err := k.nextStakes(ctx, d.Netuid, nil, limit)
	if err != nil {
		return 0, false, err
	}
	for _, key := range keys {
		hotkey, coldkey := key.K2(), key.K3()
		value, err := k.StakeOf(ctx, hotkey, coldkey, d.Netuid)
		if err != nil {
			return 0, false, err
		}
		if share, rem := portion(d, value); rem != nil {
			if share > 0 {
				if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, coldkey, rao(share)); err != nil {
					return 0, false, err
				}
			}
			d.Distributed += share
			d.Paid += share
			if err := k.Remainders.Set(ctx, collections.Join3(d.Netuid, remainderKey(rem), d.Portions), coldkey); err != nil {
				return 0, false, err
			}
			d.Portions++
		}
		if err := k.removeStake(ctx, coldkey, hotkey, d.Netuid); err != nil {
			return 0, false, err
		}
	}
	return uint64(len(keys)), !more, nil
}

// protocolPortion assigns the protocol its floored share once every stake is paid; its remainder
// sorts after every staker's equal one.
func (k Keeper) protocolPortion(ctx context.Context, d *types.Dissolution) error {
	share, rem := portion(d, d.ProtocolAlpha)
	if rem == nil {
		return nil
	}
	d.Distributed += share
	d.ProtocolShare += share
	return k.Remainders.Set(ctx, collections.Join3(d.Netuid, remainderKey(rem), uint64(math.MaxUint64)), []byte{})
}

// roundRemainders hands the leftover rao (pot − Σ floored shares, fewer than the portions) one each
// to the largest remainders, and deletes up to limit remainders.
func (k Keeper) roundRemainders(ctx context.Context, d *types.Dissolution, limit uint64) (uint64, bool, error) {
	var (
		keys  []collections.Triple[uint32, []byte, uint64]
		payee [][]byte
		more  bool
	)
	err := k.Remainders.Walk(ctx, collections.NewPrefixedTripleRange[uint32, []byte, uint64](d.Netuid),
		func(key collections.Triple[uint32, []byte, uint64], coldkey []byte) (bool, error) {
			if uint64(len(keys)) == limit {
				more = true
				return true, nil
			}
			keys, payee = append(keys, key), append(payee, coldkey)
			return false, nil
		})
	if err != nil {
		return 0, false, err
	}
	leftover := d.Pot - d.Distributed
	for i, key := range keys {
		if d.Rounded < leftover {
			d.Rounded++
			if len(payee[i]) == 0 {
				d.ProtocolShare++
			} else {
				if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, sdk.AccAddress(payee[i]), rao(1)); err != nil {
					return 0, false, err
				}
				d.Paid++
			}
		}
		if err := k.Remainders.Remove(ctx, key); err != nil {
			return 0, false, err
		}
	}
	return uint64(len(keys)), !more, nil
}

// removeHotkeyPools deletes up to limit of the dissolved subnet's hotkey pools.
func (k Keeper) removeHotkeyPools(ctx context.Context, d *types.Dissolution, limit uint64) (uint64, bool, error) {
	var (
		hotkeys []sdk.AccAddress
		more    bool
	)
	err := k.SubnetHotkeyPools.Walk(ctx, collections.NewPrefixedPairRange[uint32, sdk.AccAddress](d.Netuid),
		func(key collections.Pair[uint32, sdk.AccAddress]) (bool, error) {
			if uint64(len(hotkeys)) == limit {
				more = true
				return true, nil
			}
			hotkeys = append(hotkeys, key.K2())
			return false, nil
		})
	if err != nil {
		return 0, false, err
	}
	for _, hotkey := range hotkeys {
		if err := k.removeHotkeyPool(ctx, hotkey, d.Netuid); err != nil {
			return 0, false, err
		}
	}
	return uint64(len(hotkeys)), !more, nil
}

// finishDissolution recycles the protocol's share, which is all of the pot no staker was paid, and
// frees the netuid.
func (k Keeper) finishDissolution(ctx context.Context, d types.Dissolution) error {
	recycled := d.Pot - d.Paid
	if d.Paid > d.Pot || (d.Distributed > 0 && recycled != d.ProtocolShare) {
		return errorsmod.Wrapf(types.ErrSupplyAccounting,
			"subnet %d: pot %d rao, paid %d to stakers, protocol share %d", d.Netuid, d.Pot, d.Paid, d.ProtocolShare)
	}
	if err := k.recycleTAO(ctx, recycled, "dissolved_subnet"); err != nil {
		return err
	}
	if err := k.Dissolutions.Remove(ctx, d.Netuid); err != nil {
		return err
	}
	return emit(ctx, &types.EventDissolutionFinished{Netuid: d.Netuid, TaoReturned: d.Paid, TaoRecycled: recycled, Stakes: d.Portions})
}

// dissolutionHeld is the TAO the module account still holds for dissolutions in progress.
func (k Keeper) dissolutionHeld(ctx context.Context) (uint64, error) {
	var held uint64
	err := k.Dissolutions.Walk(ctx, nil, func(_ uint32, d types.Dissolution) (bool, error) {
		held += d.Pot - d.Paid
		return false, nil
	})
	return held, err
}

// exportRemainders and initRemainders carry a dissolution's unused remainders through genesis.
func (k Keeper) exportRemainders(ctx context.Context) ([]types.GenesisDissolutionRemainder, error) {
	var out []types.GenesisDissolutionRemainder
	err := k.Remainders.Walk(ctx, nil, func(key collections.Triple[uint32, []byte, uint64], coldkey []byte) (bool, error) {
		rem := append([]byte(nil), key.K2()...)
		for i := range rem {
			rem[i] = ^rem[i]
		}
		r := types.GenesisDissolutionRemainder{Netuid: key.K1(), Remainder: rem, Seq: key.K3()}
		if len(coldkey) > 0 {
			r.Coldkey = sdk.AccAddress(coldkey).String()
		}
		out = append(out, r)
		return false, nil
	})
	return out, err
}

func (k Keeper) initRemainders(ctx context.Context, rs []types.GenesisDissolutionRemainder) error {
	for i, r := range rs {
		if len(r.Remainder) != 16 {
			return fmt.Errorf("dissolution_remainders[%d]: the remainder is %d bytes, not 16", i, len(r.Remainder))
		}
		var coldkey []byte
		if r.Coldkey != "" {
			addr, err := k.parseAddress("remainder coldkey", r.Coldkey)
			if err != nil {
				return err
			}
			coldkey = addr
		}
		if err := k.Remainders.Set(ctx, collections.Join3(r.Netuid, remainderKey(new(big.Int).SetBytes(r.Remainder)), r.Seq), coldkey); err != nil {
			return err
		}
	}
	return nil
}
