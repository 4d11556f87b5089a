package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// IndexStakes is the v1→v2 store migration: it builds the by-subnet indexes of Stakes and
// HotkeyPools that bounded subnet dissolution walks. It runs once, in the upgrade's block.
func (k Keeper) IndexStakes(ctx context.Context) error {
	err := k.Stakes.Walk(ctx, nil, func(key collections.Triple[sdk.AccAddress, sdk.AccAddress, uint32], _ sdkmath.Uint) (bool, error) {
		return false, k.SubnetStakes.Set(ctx, collections.Join3(key.K3(), key.K2(), key.K1()))
	})
	if err != nil {
		return err
	}
	return k.HotkeyPools.Walk(ctx, nil, func(key collections.Pair[sdk.AccAddress, uint32], _ types.HotkeyPool) (bool, error) {
		return false, k.SubnetHotkeyPools.Set(ctx, pairKey(key.K2(), key.K1()))
	})
}

// AddressesAsBytes is the v2→v3 store migration: Subnet.owner and owner_hotkey, Neuron.hotkey and
// Dissolution.owner held bech32 text and now hold the address bytes. Both layouts encode the field
// the same way on the wire (a length-prefixed byte string), so a v2 record decodes into the v3
// type with the text's ASCII bytes in the field; each is decoded as bech32 and written back. A
// value that is not an account address in bech32 fails the migration, and with it the upgrade's
// block, naming the record. It runs once, in the upgrade's block.
func (k Keeper) AddressesAsBytes(ctx context.Context) error {
	fromText := func(what string, text sdk.AccAddress) (sdk.AccAddress, error) {
		addr, err := k.parseAddress(what, string(text))
		if err != nil {
			return nil, errorsmod.Wrap(types.ErrInconsistentState, err.Error())
		}
		return addr, nil
	}

	var subnets []types.Subnet
	if err := k.Subnets.Walk(ctx, nil, func(_ uint32, s types.Subnet) (bool, error) {
		subnets = append(subnets, s)
		return false, nil
	}); err != nil {
		return err
	}
	for _, s := range subnets {
		var err error
		if s.Owner, err = fromText(fmt.Sprintf("subnet %d owner", s.Netuid), s.Owner); err != nil {
			return err
		}
		if s.OwnerHotkey, err = fromText(fmt.Sprintf("subnet %d owner hotkey", s.Netuid), s.OwnerHotkey); err != nil {
			return err
		}
		if err := k.Subnets.Set(ctx, s.Netuid, s); err != nil {
			return err
		}
	}

	type keyedNeuron struct {
		key    collections.Pair[uint32, uint32]
		neuron types.Neuron
	}
	var neurons []keyedNeuron
	if err := k.Neurons.Walk(ctx, nil, func(key collections.Pair[uint32, uint32], n types.Neuron) (bool, error) {
		neurons = append(neurons, keyedNeuron{key, n})
		return false, nil
	}); err != nil {
		return err
	}
	for _, kn := range neurons {
		var err error
		if kn.neuron.Hotkey, err = fromText(fmt.Sprintf("subnet %d uid %d hotkey", kn.key.K1(), kn.key.K2()), kn.neuron.Hotkey); err != nil {
			return err
		}
		if err := k.Neurons.Set(ctx, kn.key, kn.neuron); err != nil {
			return err
		}
	}

	var dissolutions []types.Dissolution
	if err := k.Dissolutions.Walk(ctx, nil, func(_ uint32, d types.Dissolution) (bool, error) {
		dissolutions = append(dissolutions, d)
		return false, nil
	}); err != nil {
		return err
	}
	for _, d := range dissolutions {
		var err error
		if d.Owner, err = fromText(fmt.Sprintf("dissolution of netuid %d owner", d.Netuid), d.Owner); err != nil {
			return err
		}
		if err := k.Dissolutions.Set(ctx, d.Netuid, d); err != nil {
			return err
		}
	}
	return nil
}
