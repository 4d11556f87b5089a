package keeper

import (
	"context"
	"fmt"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/gogoproto/proto"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Reads and small helpers every rule family shares, so each rule reads state the same way.

// blockHeight is the current block as the spec counts blocks.
func blockHeight(ctx context.Context) uint64 {
	return uint64(sdk.UnwrapSDKContext(ctx).BlockHeight())
}

// emit publishes a typed event.
func emit(ctx context.Context, event proto.Message) error {
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(event)
}

// parseKeys decodes a message's coldkey and hotkey, naming the one that is not an address.
func (k Keeper) parseKeys(coldkey, hotkey string) (sdk.AccAddress, sdk.AccAddress, error) {
	c, err := k.parseAddress("coldkey", coldkey)
	if err != nil {
		return nil, nil, err
	}
	h, err := k.parseAddress("hotkey", hotkey)
	if err != nil {
		return nil, nil, err
	}
	return c, h, nil
}

// parseAddress decodes a bech32 account address, naming the field when it is not one.
func (k Keeper) parseAddress(field, addr string) (sdk.AccAddress, error) {
	if bz, ok := k.decodeAccAddress(addr); ok {
		return bz, nil
	}
	bz, err := k.auth.AddressCodec().StringToBytes(addr)
	if err != nil || len(bz) == 0 {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "%s %q: %v", field, addr, err)
	}
	return bz, nil
}

// GetSubnet returns a subnet, or ErrSubnetNotFound (ErrRootNetuid for 0).
func (k Keeper) GetSubnet(ctx context.Context, netuid uint32) (types.Subnet, error) {
	if netuid == 0 {
		return types.Subnet{}, types.ErrRootNetuid
	}
	s, err := k.Subnets.Get(ctx, netuid)
	if isNotFound(err) {
		if d, err := k.Dissolutions.Get(ctx, netuid); err == nil {
			return types.Subnet{}, errorsmod.Wrapf(types.ErrSubnetNotFound,
				"netuid %d was pruned at block %d; its stakes are being paid out in TAO to their coldkeys over the next blocks", netuid, d.StartedAt)
		}
		return types.Subnet{}, errorsmod.Wrapf(types.ErrSubnetNotFound, "netuid %d; list subnets with `gotensor q subnet subnets`", netuid)
	}
	return s, err
}

// GetHyperparams returns a subnet's hyperparameters.
func (k Keeper) GetHyperparams(ctx context.Context, netuid uint32) (types.Hyperparams, error) {
	h, err := k.Hyperparams.Get(ctx, netuid)
	if isNotFound(err) {
		return types.Hyperparams{}, errorsmod.Wrapf(types.ErrSubnetNotFound, "netuid %d", netuid)
	}
	return h, err
}

// GetPool returns a subnet's pool.
func (k Keeper) GetPool(ctx context.Context, netuid uint32) (types.Pool, error) {
	p, err := k.Pools.Get(ctx, netuid)
	if isNotFound(err) {
		return types.Pool{}, errorsmod.Wrapf(types.ErrSubnetNotFound, "netuid %d", netuid)
	}
	return p, err
}

// GetSchedule returns a subnet's epoch schedule.
func (k Keeper) GetSchedule(ctx context.Context, netuid uint32) (types.Schedule, error) {
	s, err := k.Schedules.Get(ctx, netuid)
	if isNotFound(err) {
		return types.Schedule{}, errorsmod.Wrapf(types.ErrSubnetNotFound, "netuid %d", netuid)
	}
	return s, err
}

// GetPending returns the alpha a subnet has accumulated since its last epoch.
func (k Keeper) GetPending(ctx context.Context, netuid uint32) (types.PendingEmission, error) {
	return getOrZero(ctx, func(ctx context.Context) (types.PendingEmission, error) { return k.Pending.Get(ctx, netuid) })
}

// Netuids lists the existing subnets in ascending order, the order every per-block loop uses.
func (k Keeper) Netuids(ctx context.Context) ([]uint32, error) {
	var out []uint32
	err := k.Subnets.Walk(ctx, nil, func(netuid uint32, _ types.Subnet) (bool, error) {
		out = append(out, netuid)
		return false, nil
	})
	return out, err
}

// SubnetNeurons returns a subnet's uids in order.
func (k Keeper) SubnetNeurons(ctx context.Context, netuid uint32) ([]types.Neuron, error) {
	var out []types.Neuron
	rng := collectionsPrefix(netuid)
	err := k.Neurons.Walk(ctx, rng, func(_ collectionsPair, n types.Neuron) (bool, error) {
		out = append(out, n)
		return false, nil
	})
	return out, err
}

// UidOf returns the uid of a hotkey on a subnet, or ErrHotkeyNotRegistered.
func (k Keeper) UidOf(ctx context.Context, netuid uint32, hotkey sdk.AccAddress) (uint32, error) {
	uid, err := k.Uids.Get(ctx, pairKey(netuid, hotkey))
	if isNotFound(err) {
		return 0, errorsmod.Wrapf(types.ErrHotkeyNotRegistered, "hotkey %s on subnet %d", hotkey, netuid)
	}
	return uid, err
}

// GetNeuron returns one uid of a subnet.
func (k Keeper) GetNeuron(ctx context.Context, netuid, uid uint32) (types.Neuron, error) {
	n, err := k.Neurons.Get(ctx, pairKey(netuid, uid))
	if isNotFound(err) {
		return types.Neuron{}, errorsmod.Wrapf(types.ErrInvalidUid, "uid %d on subnet %d", uid, netuid)
	}
	return n, err
}

// HotkeyOwner returns the coldkey owning a hotkey; ok is false for a hotkey never registered.
func (k Keeper) HotkeyOwner(ctx context.Context, hotkey sdk.AccAddress) (coldkey sdk.AccAddress, ok bool, err error) {
	c, err := k.Owners.Get(ctx, hotkey)
	if isNotFound(err) {
		return nil, false, nil
	}
	return c, err == nil, err
}

func (k Keeper) mustParams(ctx context.Context) (types.Params, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return types.Params{}, fmt.Errorf("reading params: %w", err)
	}
	return p, nil
}

// atomically runs f on a branch of the store and keeps its writes and events only if f succeeds,
// so a message refused half-way leaves nothing behind even for callers that do not branch the
// store themselves (other modules, tests).
func atomically(ctx context.Context, f func(ctx sdk.Context) error) error {
	branch, write := sdk.UnwrapSDKContext(ctx).CacheContext()
	if err := f(branch); err != nil {
		return err
	}
	write()
	return nil
}
