package keeper

import (
	"bytes"
	"context"
	"math"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
	"github.com/gotensor/gotensor/yuma"
)

// Weights (§9.1). Every handler here first validates completely and only then writes, so a refused
// message leaves no trace even outside a transaction's cache (tests, the free-work ante check).

func (s msgServer) SetWeights(ctx context.Context, msg *types.MsgSetWeights) (*types.MsgSetWeightsResponse, error) {
	plan, err := s.k.checkSetWeights(ctx, msg)
	if err != nil {
		return nil, err
	}
	return &types.MsgSetWeightsResponse{}, s.k.storeWeights(ctx, plan)
}

// checkSetWeights validates a set-weights message and returns what it will write.
func (k Keeper) checkSetWeights(ctx context.Context, msg *types.MsgSetWeights) (weightsPlan, error) {
	if err := requireU16s(msg.Netuid, msg.Uids, msg.Values); err != nil {
		return weightsPlan{}, err
	}
	hotkey, err := k.parseAddress("hotkey", msg.Hotkey)
	if err != nil {
		return weightsPlan{}, err
	}
	// Subtensor's dispatch refuses set-weights on a commit-reveal subnet before any other check.
	// A subnet that does not exist has no such setting: it gets the §9.1 errors below instead.
	if h, err := k.Hyperparams.Get(ctx, msg.Netuid); err == nil && h.CommitReveal {
		return weightsPlan{}, errorsmod.Wrapf(types.ErrCommitRevealEnabled,
			"subnet %d; commit the hash with commit-weights, then reveal the weights with reveal-weights once the reveal period has passed", msg.Netuid)
	} else if err != nil && !isNotFound(err) {
		return weightsPlan{}, err
	}
	return k.checkWeights(ctx, hotkey, msg.Netuid, msg.Uids, msg.Values, msg.VersionKey)
}

// weightsPlan is a validated weight row, ready to store.
type weightsPlan struct {
	netuid uint32
	hotkey sdk.AccAddress
	neuron types.Neuron
	row    types.WeightRow
	// touch sets the neuron's LastUpdate: set-weights does when commit-reveal is off; a reveal
	// never does, since its commit already did (§9.1 effects, §9.2).
	touch bool
}

// checkWeights is §9.1's validation, in its order: the first failed check names the error. It
// serves set-weights and reveal-weights alike. uids and values are known to be u16s.
func (k Keeper) checkWeights(ctx context.Context, hotkey sdk.AccAddress, netuid uint32, uids, values []uint32, versionKey uint64) (weightsPlan, error) {
	// 1. Not the root network.
	if netuid == 0 {
		return weightsPlan{}, errorsmod.Wrap(types.ErrRootNetuid, "set weights on a subnet (netuid ≥ 1)")
	}
	// 2. One value per uid.
	if len(uids) != len(values) {
		return weightsPlan{}, errorsmod.Wrapf(types.ErrWeightVecNotEqualSize, "%d uids but %d values; give exactly one value per uid", len(uids), len(values))
	}
	// 3. The subnet exists.
	subnet, err := k.GetSubnet(ctx, netuid)
	if err != nil {
		return weightsPlan{}, err
	}
	h, err := k.GetHyperparams(ctx, netuid)
	if err != nil {
		return weightsPlan{}, err
	}
	// 4. No more uids than the subnet has.
	if len(uids) > int(subnet.N) {
		return weightsPlan{}, errorsmod.Wrapf(types.ErrUidsLengthExceedsN, "%d uids but subnet %d has %d neurons", len(uids), netuid, subnet.N)
	}
	// 5. The hotkey is registered.
	uid, err := k.UidOf(ctx, netuid, hotkey)
	if err != nil {
		return weightsPlan{}, err
	}
	neuron, err := k.GetNeuron(ctx, netuid, uid)
	if err != nil {
		return weightsPlan{}, errorsmod.Wrapf(types.ErrInconsistentState, "hotkey %s has uid %d on subnet %d but no neuron: %v", hotkey, uid, netuid, err)
	}
	isOwner := k.isOwnerHotkey(subnet, hotkey)
	// 6. Enough stake, unless it is the owner's hotkey.
	if !isOwner {
		if err := k.requireWeightsStake(ctx, hotkey, netuid); err != nil {
			return weightsPlan{}, err
		}
	}
	// 7. A current version key.
	if h.WeightsVersionKey != 0 && versionKey < h.WeightsVersionKey {
		return weightsPlan{}, errorsmod.Wrapf(types.ErrIncorrectVersionKey,
			"version key %d, subnet %d requires at least %d: upgrade the validator software", versionKey, netuid, h.WeightsVersionKey)
	}
	now := blockHeight(ctx)
	// 8. The rate limit, which commit-reveal replaces with its own (on commits).
	if !h.CommitReveal {
		if err := checkWeightsRateLimit(types.ErrSettingWeightsTooFast, "weights set", neuron.LastUpdate, now, h.WeightsSetRateLimit); err != nil {
			return weightsPlan{}, err
		}
	}
	self := isSelfWeight(uid, uids)
	// 9. A validator permit, unless the row is only a weight on itself or it is the owner's hotkey.
	if !self && !isOwner && !neuron.ValidatorPermit {
		return weightsPlan{}, errorsmod.Wrapf(types.ErrNoValidatorPermit,
			"uid %d on subnet %d: weights on other uids need a permit, held by the top %d validators by stake after an epoch; a miner may set only a weight on itself",
			uid, netuid, h.MaxAllowedValidators)
	}
	// 10. Each uid once, and each an existing uid (uids are 0..n-1: never removed, only replaced).
	seen := make(map[uint32]struct{}, len(uids))
	for _, u := range uids {
		if _, dup := seen[u]; dup {
			return weightsPlan{}, errorsmod.Wrapf(types.ErrDuplicateUids, "uid %d appears more than once; give each uid one value", u)
		}
		seen[u] = struct{}{}
	}
	for _, u := range uids {
		if u >= subnet.N {
			return weightsPlan{}, errorsmod.Wrapf(types.ErrInvalidUid, "uid %d, but subnet %d has uids 0 to %d", u, netuid, int64(subnet.N)-1)
		}
	}
	// 11. Enough weights, unless only a weight on itself.
	if minimum := min(h.MinAllowedWeights, subnet.N); !self && uint32(len(uids)) < minimum {
		return weightsPlan{}, errorsmod.Wrapf(types.ErrWeightVecLengthIsLow, "%d weights, subnet %d requires at least %d", len(uids), netuid, minimum)
	}
	// 12. Scale so the largest is 65535, then no weight above the subnet's limit.
	upscaled := fixed.VecU16MaxUpscaleToU16(toU16s(values))
	if limit := h.MaxWeightsLimit; !self && limit < math.MaxUint16 && !yuma.WithinMaxWeightLimit(upscaled, uint16(limit)) {
		return weightsPlan{}, errorsmod.Wrapf(types.ErrMaxWeightExceeded,
			"subnet %d caps each weight at %d/65535 of the row: spread the weight over more uids", netuid, limit)
	}
	row := types.WeightRow{Entries: make([]types.WeightEntry, len(uids))}
	for i, u := range uids {
		// Explicit zeros are kept: Yuma 3 treats a zero entry differently from a missing one.
		row.Entries[i] = types.WeightEntry{Uid: u, Value: uint32(upscaled[i])}
	}
	return weightsPlan{netuid: netuid, hotkey: hotkey, neuron: neuron, row: row, touch: !h.CommitReveal}, nil
}

// storeWeights writes a validated row.
func (k Keeper) storeWeights(ctx context.Context, p weightsPlan) error {
	if err := k.Weights.Set(ctx, pairKey(p.netuid, p.neuron.Uid), p.row); err != nil {
		return err
	}
	if p.touch {
		p.neuron.LastUpdate = blockHeight(ctx)
		if err := k.Neurons.Set(ctx, pairKey(p.netuid, p.neuron.Uid), p.neuron); err != nil {
			return err
		}
	}
	return emit(ctx, &types.EventWeightsSet{Netuid: p.netuid, Uid: p.neuron.Uid, Hotkey: p.hotkey.String()})
}

// requireWeightsStake is §9.1 step 6: the hotkey's epoch stake, alpha plus root stake times
// TaoWeight (§8.3), must reach StakeThreshold.
func (k Keeper) requireWeightsStake(ctx context.Context, hotkey sdk.AccAddress, netuid uint32) error {
	params, err := k.mustParams(ctx)
	if err != nil || params.StakeThreshold == 0 {
		return err
	}
	w, err := k.HotkeyStakeWeight(ctx, hotkey, netuid)
	if err != nil {
		return err
	}
	if stake := w.Combined(params.TaoWeight); stake < params.StakeThreshold {
		return errorsmod.Wrapf(types.ErrNotEnoughStakeForWeights,
			"hotkey %s has %d alpha rao staked on subnet %d; setting weights needs %d (stake_threshold), and its %d rao on root count as %d: stake more to it",
			hotkey, w.Alpha, netuid, params.StakeThreshold, w.Root, stake-w.Alpha)
	}
	return nil
}

// isOwnerHotkey is whether hotkey is the subnet owner's hotkey, which may set weights without
// stake or permit (§13 quirk 4).
func (k Keeper) isOwnerHotkey(subnet types.Subnet, hotkey sdk.AccAddress) bool {
	return len(subnet.OwnerHotkey) > 0 && bytes.Equal(hotkey, subnet.OwnerHotkey)
}

// checkWeightsRateLimit is the per-uid weights rate limit (§9.1 step 8, §9.2): a uid whose
// LastUpdate is 0 never set weights; otherwise limit blocks must have passed since.
func checkWeightsRateLimit(kind *errorsmod.Error, what string, lastUpdate, now, limit uint64) error {
	if lastUpdate == 0 || satSub(now, lastUpdate) >= limit {
		return nil
	}
	return errorsmod.Wrapf(kind, "%s at block %d, the subnet's rate limit is %d blocks: next allowed at block %d",
		what, lastUpdate, limit, lastUpdate+limit)
}

// isSelfWeight is subtensor's is_self_weight: exactly one entry, on the caller's own uid.
func isSelfWeight(uid uint32, uids []uint32) bool {
	return len(uids) == 1 && uids[0] == uid
}

// requireU16s refuses what subtensor could not even decode: its netuids, uids and weights are u16.
func requireU16s(netuid uint32, uids, values []uint32) error {
	if err := checkNetuidRange(netuid); err != nil {
		return err
	}
	for i, u := range uids {
		if u > math.MaxUint16 {
			return errorsmod.Wrapf(types.ErrValueOutOfRange, "uids[%d] = %d: uids are at most 65535", i, u)
		}
	}
	for i, v := range values {
		if v > math.MaxUint16 {
			return errorsmod.Wrapf(types.ErrValueOutOfRange, "values[%d] = %d: weights are u16, at most 65535", i, v)
		}
	}
	return nil
}

// toU16s narrows values already checked by requireU16s.
func toU16s(values []uint32) []uint16 {
	out := make([]uint16, len(values))
	for i, v := range values {
		out[i] = uint16(v)
	}
	return out
}
