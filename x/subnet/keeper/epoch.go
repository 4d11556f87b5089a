package keeper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
	"github.com/gotensor/gotensor/yuma"
)

// Epochs (§3.1, §5.7): every block each subnet's schedule advances; a subnet whose epoch is due
// drains the alpha it accumulated and runs Yuma Consensus on it, at most MaxEpochsPerBlock subnets
// a block, the rest deferred to the next block. This keeps end-block work bounded however many
// subnets there are.

// runDueEpochs visits every subnet in ascending netuid order.
func (k Keeper) runDueEpochs(ctx context.Context) error {
	params, err := k.mustParams(ctx)
	if err != nil {
		return err
	}
	netuids, err := k.Netuids(ctx)
	if err != nil {
		return err
	}
	block := blockHeight(ctx)
	var ran uint32
	for _, netuid := range netuids {
		sched, err := k.GetSchedule(ctx, netuid)
		if err != nil {
			return err
		}
		hp, err := k.GetHyperparams(ctx, netuid)
		if err != nil {
			return err
		}
		sched.BlocksSinceLastStep++
		if !shouldRunEpoch(sched, hp.Tempo, block) {
			if err := k.Schedules.Set(ctx, netuid, sched); err != nil {
				return err
			}
			continue
		}
		if ran >= params.MaxEpochsPerBlock {
			sched.PendingEpochAt = block + 1
			if err := k.Schedules.Set(ctx, netuid, sched); err != nil {
				return err
			}
			if err := emit(ctx, &types.EventEpochDeferred{Netuid: netuid, RunAt: block + 1}); err != nil {
				return err
			}
			continue
		}
		ran++
		// The epoch runs on a branch of the store, kept only if it finishes: one refused half-way
		// (an inconsistent uid table, an ownerless hotkey found while paying) leaves neither
		// neurons, bonds nor payouts behind, and its pending emission, which the branch had
		// drained, stays pending for the next epoch (§4.17, §13.10), so no alpha is lost.
		branch, write := sdk.UnwrapSDKContext(ctx).CacheContext()
		switch err := k.drainAndDistribute(branch, netuid, hp, sched); {
		case err == nil:
			write()
			sched.BlocksSinceLastStep = 0
			sched.LastMechanismStepBlock = block
		case isInconsistent(err):
			if err := emit(ctx, &types.EventEpochSkipped{Netuid: netuid, Reason: err.Error()}); err != nil {
				return err
			}
		default:
			return err
		}
		sched.LastEpochBlock = block
		sched.PendingEpochAt = 0
		sched.EpochIndex++
		if err := k.Schedules.Set(ctx, netuid, sched); err != nil {
			return err
		}
	}
	return nil
}

type inconsistentError struct{ reason string }

func (e inconsistentError) Error() string { return e.reason }

func isInconsistent(err error) bool {
	_, ok := err.(inconsistentError)
	return ok
}

// drainAndDistribute is §5.7 and §5.8: take the pending alpha, run the epoch on the miners' and
// validators' part, and pay everyone.
func (k Keeper) drainAndDistribute(ctx context.Context, netuid uint32, hp types.Hyperparams, sched types.Schedule) error {
	subnet, err := k.GetSubnet(ctx, netuid)
	if err != nil {
		return err
	}
	neurons, err := k.SubnetNeurons(ctx, netuid)
	if err != nil {
		return err
	}
	if err := checkConsistent(neurons, subnet.N); err != nil {
		return err
	}
	pending, err := k.GetPending(ctx, netuid)
	if err != nil {
		return err
	}
	rootPending, err := getOrZero(ctx, func(ctx context.Context) (uint64, error) { return k.RootPending.Get(ctx, netuid) })
	if err != nil {
		return err
	}
	out, err := k.runEpoch(ctx, netuid, subnet, hp, sched, neurons, pending.Server+pending.Validator+rootPending)
	if err != nil {
		return err
	}
	if err := k.Pending.Remove(ctx, netuid); err != nil {
		return err
	}
	if err := k.RootPending.Remove(ctx, netuid); err != nil {
		return err
	}
	return k.distribute(ctx, netuid, subnet, hp, sched, neurons, out, pending, rootPending)
}

// checkConsistent refuses an epoch over a broken uid table (§4.17: duplicate hotkeys skip it).
func checkConsistent(neurons []types.Neuron, n uint32) error {
	if uint32(len(neurons)) != n {
		return inconsistentError{fmt.Sprintf("subnet records %d uids but %d are stored", n, len(neurons))}
	}
	for i, nr := range neurons {
		if nr.Uid != uint32(i) {
			return inconsistentError{fmt.Sprintf("uid %d is missing", i)}
		}
		if len(nr.Hotkey) == 0 {
			return inconsistentError{fmt.Sprintf("uid %d has no hotkey", i)}
		}
	}
	// Sorting the uids by hotkey finds a repeated one without a copy of every hotkey as a map key.
	byHotkey := make([]int, len(neurons))
	for i := range byHotkey {
		byHotkey[i] = i
	}
	slices.SortFunc(byHotkey, func(a, b int) int { return bytes.Compare(neurons[a].Hotkey, neurons[b].Hotkey) })
	for i := 1; i < len(byHotkey); i++ {
		if hotkey := neurons[byHotkey[i]].Hotkey; bytes.Equal(hotkey, neurons[byHotkey[i-1]].Hotkey) {
			return inconsistentError{fmt.Sprintf("hotkey %s holds two uids", hotkey)}
		}
	}
	return nil
}

// runEpoch reads the epoch's input from state, runs the engine, and stores what the next epoch
// reads: permits, bonds, and each uid's results.
func (k Keeper) runEpoch(ctx context.Context, netuid uint32, subnet types.Subnet, hp types.Hyperparams,
	sched types.Schedule, neurons []types.Neuron, emission uint64,
) (yuma.Output, error) {
	in, err := k.epochInput(ctx, netuid, subnet, hp, sched, neurons, emission)
	if err != nil {
		return yuma.Output{}, err
	}
	out, err := k.epochWorkspace.Epoch(in)
	if errors.Is(err, yuma.ErrWorkspaceBusy) {
		// Never expected (blocks finalize one at a time); a fresh workspace gives the same bits.
		out, err = yuma.Epoch(in)
	}
	if err != nil {
		return yuma.Output{}, inconsistentError{fmt.Sprintf("epoch input rejected: %v", err)}
	}
	for i := range neurons {
		nr := &neurons[i]
		nr.Active = out.Active[i]
		nr.StakeWeight = uint32(out.StakeWeight[i])
		nr.ValidatorPermit = out.NewValidatorPermit[i]
		nr.Consensus = uint32(out.Consensus[i])
		nr.Incentive = uint32(out.Incentive[i])
		nr.Dividends = uint32(out.Dividends[i])
		nr.ValidatorTrust = uint32(out.ValidatorTrust[i])
		nr.Emission = out.Emission[i]
		if err := k.Neurons.Set(ctx, pairKey(netuid, nr.Uid), *nr); err != nil {
			return yuma.Output{}, err
		}
		key := pairKey(netuid, nr.Uid)
		if len(out.Bonds[i]) == 0 {
			if err := k.Bonds.Remove(ctx, key); err != nil {
				return yuma.Output{}, err
			}
			continue
		}
		if err := k.Bonds.Set(ctx, key, fromYumaRow(out.Bonds[i])); err != nil {
			return yuma.Output{}, err
		}
	}
	return out, nil
}

// epochInput assembles §4.1 from the store.
func (k Keeper) epochInput(ctx context.Context, netuid uint32, subnet types.Subnet, hp types.Hyperparams,
	sched types.Schedule, neurons []types.Neuron, emission uint64,
) (yuma.Input, error) {
	params, err := k.mustParams(ctx)
	if err != nil {
		return yuma.Input{}, err
	}
	n := len(neurons)
	in := yuma.Input{
		Block:                     blockHeight(ctx),
		Tempo:                     uint16(hp.Tempo),
		ActivityCutoffFactorMilli: hp.ActivityCutoffFactorMilli,
		AlphaStake:                make([]uint64, n),
		TaoWeight:                 params.TaoWeight,
		StakeThreshold:            params.StakeThreshold,
		ValidatorPermit:           make([]bool, n),
		MaxAllowedValidators:      uint16(hp.MaxAllowedValidators),
		LastUpdate:                make([]uint64, n),
		BlockAtRegistration:       make([]uint64, n),
		Weights:                   make([][]yuma.Entry, n),
		Bonds:                     make([][]yuma.Entry, n),
		Kappa:                     uint16(hp.Kappa),
		BondsPenalty:              uint16(hp.BondsPenalty),
		BondsMovingAverage:        hp.BondsMovingAverage,
		Yuma3:                     hp.Yuma3,
		LiquidAlpha:               hp.LiquidAlpha,
		AlphaLow:                  uint16(hp.AlphaLow),
		AlphaHigh:                 uint16(hp.AlphaHigh),
		AlphaSigmoidSteepness:     int16(hp.AlphaSigmoidSteepness),
		LastMechanismStepBlock:    sched.LastMechanismStepBlock,
		Emission:                  emission,
	}
	in.RootStake = make([]uint64, n)
	for i, nr := range neurons {
		// Each uid's stake is what it holds less what it lends its children plus what its parents
		// lend it, alpha and root TAO alike (§8.3).
		if in.AlphaStake[i], in.RootStake[i], err = k.InheritedStake(ctx, netuid, nr.Hotkey); err != nil {
			return yuma.Input{}, err
		}
		in.ValidatorPermit[i] = nr.ValidatorPermit
		in.LastUpdate[i] = nr.LastUpdate
		in.BlockAtRegistration[i] = nr.BlockAtRegistration
		if bytes.Equal(nr.Hotkey, subnet.OwnerHotkey) {
			uid := uint16(nr.Uid)
			in.OwnerUID = &uid
		}
	}
	if err := k.readRows(ctx, k.Weights, netuid, in.Weights); err != nil {
		return yuma.Input{}, err
	}
	if err := k.readRows(ctx, k.Bonds, netuid, in.Bonds); err != nil {
		return yuma.Input{}, err
	}
	if hp.CommitReveal {
		if in.CommitBlock, err = k.earliestCommitBlocks(ctx, netuid, n); err != nil {
			return yuma.Input{}, err
		}
	}
	return in, nil
}

// readRows fills rows[uid] with a subnet's stored weight or bond rows.
func (k Keeper) readRows(ctx context.Context, m collections.Map[collections.Pair[uint32, uint32], types.WeightRow],
	netuid uint32, rows [][]yuma.Entry,
) error {
	return m.Walk(ctx, collectionsPrefix(netuid), func(key collectionsPair, row types.WeightRow) (bool, error) {
		uid := key.K2()
		if int(uid) >= len(rows) {
			return false, inconsistentError{fmt.Sprintf("a stored row belongs to uid %d, beyond n = %d", uid, len(rows))}
		}
		r := make([]yuma.Entry, len(row.Entries))
		for j, e := range row.Entries {
			r[j] = yuma.Entry{UID: uint16(e.Uid), Value: uint16(e.Value)}
		}
		rows[uid] = r
		return false, nil
	})
}

func fromYumaRow(row []yuma.Entry) types.WeightRow {
	out := types.WeightRow{Entries: make([]types.WeightEntry, len(row))}
	for j, e := range row {
		out.Entries[j] = types.WeightEntry{Uid: uint32(e.UID), Value: uint32(e.Value)}
	}
	return out
}
