package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// initRootGenesis writes the root network's genesis. Root stake arrives with the other stakes
// (netuid 0); RootTao is rebuilt as their sum, so a genesis cannot make it disagree.
func (k Keeper) initRootGenesis(ctx context.Context, g types.RootGenesis) error {
	var total uint64
	rng := collections.NewPrefixedPairRange[uint32, sdk.AccAddress](types.RootNetuid)
	err := k.SubnetHotkeyPools.Walk(ctx, rng, func(key collections.Pair[uint32, sdk.AccAddress]) (bool, error) {
		p, err := k.hotkeyPool(ctx, key.K2(), types.RootNetuid)
		total += p.Alpha
		return false, err
	})
	if err != nil {
		return err
	}
	if err := k.RootTao.Set(ctx, total); err != nil {
		return err
	}
	// The root stakers' index: every root stake, and every claimed watermark (a staker that left).
	err = k.SubnetStakes.Walk(ctx, collections.NewPrefixedTripleRange[uint32, sdk.AccAddress, sdk.AccAddress](types.RootNetuid),
		func(key collections.Triple[uint32, sdk.AccAddress, sdk.AccAddress]) (bool, error) {
			return false, k.RootStakers.Set(ctx, collections.Join(key.K3(), key.K2()))
		})
	if err != nil {
		return err
	}
	for i, n := range g.Neurons {
		hotkey, err := k.parseAddress(fmt.Sprintf("root.neurons[%d].hotkey", i), n.Hotkey)
		if err != nil {
			return err
		}
		if has, err := k.RootUids.Has(ctx, hotkey); err != nil || has {
			if err == nil {
				err = fmt.Errorf("%w: root hotkey %s holds two uids", types.ErrInvalidGenesis, n.Hotkey)
			}
			return err
		}
		if n.Uid != uint32(i) {
			return fmt.Errorf("%w: root.neurons[%d] has uid %d; list root uids 0 … n−1 in order", types.ErrInvalidGenesis, i, n.Uid)
		}
		if err := k.RootNeurons.Set(ctx, n.Uid, types.RootNeuron{Uid: n.Uid, Hotkey: hotkey, BlockAtRegistration: n.BlockAtRegistration}); err != nil {
			return err
		}
		if err := k.RootUids.Set(ctx, hotkey, n.Uid); err != nil {
			return err
		}
	}
	if err := k.RootRegistrations.Set(ctx, g.Registrations); err != nil {
		return err
	}
	for _, p := range g.Pending {
		if err := k.RootPending.Set(ctx, p.Netuid, p.Alpha); err != nil {
			return err
		}
	}
	for i, d := range g.Dividends {
		hotkey, err := k.parseAddress(fmt.Sprintf("root.dividends[%d].hotkey", i), d.Hotkey)
		if err != nil {
			return err
		}
		if err := k.RootDividends.Set(ctx, collections.Join(hotkey, d.Netuid), d.Dividends); err != nil {
			return err
		}
	}
	for i, c := range g.Claimed {
		hotkey, err := k.parseAddress(fmt.Sprintf("root.claimed[%d].hotkey", i), c.Hotkey)
		if err != nil {
			return err
		}
		coldkey, err := k.parseAddress(fmt.Sprintf("root.claimed[%d].coldkey", i), c.Coldkey)
		if err != nil {
			return err
		}
		if err := k.RootClaimed.Set(ctx, collections.Join3(c.Netuid, hotkey, coldkey), c.Claimed); err != nil {
			return err
		}
		if err := k.RootStakers.Set(ctx, collections.Join(coldkey, hotkey)); err != nil {
			return err
		}
	}
	for i, t := range g.ClaimTypes {
		coldkey, err := k.parseAddress(fmt.Sprintf("root.claim_types[%d].coldkey", i), t.Coldkey)
		if err != nil {
			return err
		}
		if err := checkRootClaimType(t.ClaimType); err != nil {
			return err
		}
		if err := k.RootClaimTypes.Set(ctx, coldkey, t.ClaimType); err != nil {
			return err
		}
	}
	return nil
}

// exportRootGenesis reads the root network's state back.
func (k Keeper) exportRootGenesis(ctx context.Context) (types.RootGenesis, error) {
	var g types.RootGenesis
	err := k.RootNeurons.Walk(ctx, nil, func(uid uint32, n types.RootNeuron) (bool, error) {
		g.Neurons = append(g.Neurons, types.GenesisRootNeuron{Uid: uid, Hotkey: n.Hotkey.String(), BlockAtRegistration: n.BlockAtRegistration})
		return false, nil
	})
	if err != nil {
		return g, err
	}
	if g.Registrations, err = getOrZero(ctx, k.RootRegistrations.Get); err != nil {
		return g, err
	}
	err = k.RootPending.Walk(ctx, nil, func(netuid uint32, alpha uint64) (bool, error) {
		g.Pending = append(g.Pending, types.GenesisRootPending{Netuid: netuid, Alpha: alpha})
		return false, nil
	})
	if err != nil {
		return g, err
	}
	err = k.RootDividends.Walk(ctx, nil, func(key collections.Pair[sdk.AccAddress, uint32], d types.RootDividends) (bool, error) {
		g.Dividends = append(g.Dividends, types.GenesisRootDividends{Hotkey: key.K1().String(), Netuid: key.K2(), Dividends: d})
		return false, nil
	})
	if err != nil {
		return g, err
	}
	err = k.RootClaimed.Walk(ctx, nil, func(key collections.Triple[uint32, sdk.AccAddress, sdk.AccAddress], claimed []byte) (bool, error) {
		g.Claimed = append(g.Claimed, types.GenesisRootClaimed{Netuid: key.K1(), Hotkey: key.K2().String(), Coldkey: key.K3().String(), Claimed: claimed})
		return false, nil
	})
	if err != nil {
		return g, err
	}
	err = k.RootClaimTypes.Walk(ctx, nil, func(coldkey sdk.AccAddress, t types.RootClaimType) (bool, error) {
		g.ClaimTypes = append(g.ClaimTypes, types.GenesisRootClaimType{Coldkey: coldkey.String(), ClaimType: t})
		return false, nil
	})
	return g, err
}
