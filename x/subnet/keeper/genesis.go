package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// InitGenesis writes the genesis state. The genesis balances count as issued: a zero
// total_issuance is filled from the bank supply, a non-zero one must agree with it. A genesis
// exported from a running chain restores every subnet, neuron and stake; the indexes (uid by
// hotkey, hotkeys by coldkey) are rebuilt from them, and the accounting invariants must hold
// before the chain may start.
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
	if err := k.Burned.Set(ctx, gs.Burned); err != nil {
		return err
	}
	if err := k.NetworkRegistration.Set(ctx, gs.NetworkRegistration); err != nil {
		return err
	}
	for _, s := range gs.Subnets {
		if err := k.initSubnet(ctx, s); err != nil {
			return fmt.Errorf("%w: subnet %d: %v", types.ErrInvalidGenesis, s.Subnet.Netuid, err)
		}
	}
	if err := k.initStake(ctx, gs); err != nil {
		return fmt.Errorf("%w: %v", types.ErrInvalidGenesis, err)
	}
	for _, g := range gs.Dissolutions {
		d, err := k.dissolutionFromGenesis(g)
		if err != nil {
			return fmt.Errorf("%w: dissolution of netuid %d: %v", types.ErrInvalidGenesis, g.Netuid, err)
		}
		if err := k.Dissolutions.Set(ctx, d.Netuid, d); err != nil {
			return err
		}
	}
	if err := k.initRemainders(ctx, gs.DissolutionRemainders); err != nil {
		return fmt.Errorf("%w: %v", types.ErrInvalidGenesis, err)
	}
	if err := k.initChildKeys(ctx, gs.ChildKeys); err != nil {
		return fmt.Errorf("%w: %v", types.ErrInvalidGenesis, err)
	}
	if err := k.initKeySwaps(ctx, gs); err != nil {
		return fmt.Errorf("%w: %v", types.ErrInvalidGenesis, err)
	}
	if err := k.initRootGenesis(ctx, gs.Root); err != nil {
		return fmt.Errorf("%w: root: %v", types.ErrInvalidGenesis, err)
	}
	if err := k.BrokenInvariants(ctx); err != nil {
		return fmt.Errorf("%w: %v", types.ErrInvalidGenesis, err)
	}
	return nil
}

func (k Keeper) initSubnet(ctx context.Context, s types.GenesisSubnet) error {
	netuid := s.Subnet.Netuid
	subnet, err := k.subnetFromGenesis(s.Subnet)
	if err != nil {
		return err
	}
	if err := k.Subnets.Set(ctx, netuid, subnet); err != nil {
		return err
	}
	if err := k.Hyperparams.Set(ctx, netuid, s.Hyperparams); err != nil {
		return err
	}
	if err := k.Pools.Set(ctx, netuid, s.Pool); err != nil {
		return err
	}
	if err := k.Schedules.Set(ctx, netuid, s.Schedule); err != nil {
		return err
	}
	if err := k.Pending.Set(ctx, netuid, s.Pending); err != nil {
		return err
	}
	if err := k.Burns.Set(ctx, netuid, s.Burn); err != nil {
		return err
	}
	for _, g := range s.Neurons {
		n, err := k.neuronFromGenesis(g)
		if err != nil {
			return err
		}
		if taken, err := k.Uids.Has(ctx, pairKey(netuid, n.Hotkey)); err != nil {
			return err
		} else if taken {
			return fmt.Errorf("hotkey %s holds two uids", g.Hotkey)
		}
		if err := k.Neurons.Set(ctx, pairKey(netuid, n.Uid), n); err != nil {
			return err
		}
		if err := k.Uids.Set(ctx, pairKey(netuid, n.Hotkey), n.Uid); err != nil {
			return err
		}
	}
	for _, rows := range []struct {
		m    collections.Map[collections.Pair[uint32, uint32], types.WeightRow]
		rows []types.MatrixRow
	}{{k.Weights, s.Weights}, {k.Bonds, s.Bonds}} {
		for _, r := range rows.rows {
			if err := rows.m.Set(ctx, pairKey(netuid, r.Uid), types.WeightRow{Entries: r.Entries}); err != nil {
				return err
			}
		}
	}
	for _, a := range s.Axons {
		if err := k.Axons.Set(ctx, pairKey(netuid, a.Uid), a.Axon); err != nil {
			return err
		}
	}
	for _, c := range s.Commits {
		hotkey, err := k.parseAddress("commit hotkey", c.Hotkey)
		if err != nil {
			return err
		}
		if err := k.Commits.Set(ctx, pairKey(netuid, hotkey), c.Queue); err != nil {
			return err
		}
	}
	for _, h := range s.HyperparamsSetAt {
		if err := k.HyperparamSetAt.Set(ctx, pairKey(netuid, h.Name), h.Block); err != nil {
			return err
		}
	}
	return nil
}

func (k Keeper) initStake(ctx context.Context, gs types.GenesisState) error {
	for _, h := range gs.Hotkeys {
		hotkey, err := k.parseAddress("hotkey", h.Hotkey)
		if err != nil {
			return err
		}
		coldkey, err := k.parseAddress("coldkey", h.Coldkey)
		if err != nil {
			return err
		}
		if err := k.Owners.Set(ctx, hotkey, coldkey); err != nil {
			return err
		}
		if err := k.OwnedHotkeys.Set(ctx, pairKey(coldkey, hotkey)); err != nil {
			return err
		}
		if h.Delegate != nil {
			if err := k.Delegates.Set(ctx, hotkey, *h.Delegate); err != nil {
				return err
			}
		}
	}
	for _, p := range gs.HotkeyPools {
		hotkey, err := k.parseAddress("hotkey pool", p.Hotkey)
		if err != nil {
			return err
		}
		if err := k.setHotkeyPool(ctx, hotkey, p.Netuid, p.Pool); err != nil {
			return err
		}
	}
	for _, s := range gs.Stakes {
		coldkey, err := k.parseAddress("stake coldkey", s.Coldkey)
		if err != nil {
			return err
		}
		hotkey, err := k.parseAddress("stake hotkey", s.Hotkey)
		if err != nil {
			return err
		}
		if err := k.setStake(ctx, coldkey, hotkey, s.Netuid, s.Shares); err != nil {
			return err
		}
	}
	return nil
}

// ExportGenesis reads the whole state back.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params}
	if gs.TotalIssuance, err = k.GetTotalIssuance(ctx); err != nil {
		return nil, err
	}
	if gs.Burned, err = k.GetBurned(ctx); err != nil {
		return nil, err
	}
	if gs.LocalAuthority, err = getOrZero(ctx, k.LocalAuthority.Get); err != nil {
		return nil, err
	}
	if gs.NetworkRegistration, err = getOrZero(ctx, k.NetworkRegistration.Get); err != nil {
		return nil, err
	}
	netuids, err := k.Netuids(ctx)
	if err != nil {
		return nil, err
	}
	for _, netuid := range netuids {
		s, err := k.exportSubnet(ctx, netuid)
		if err != nil {
			return nil, fmt.Errorf("exporting subnet %d: %w", netuid, err)
		}
		gs.Subnets = append(gs.Subnets, s)
	}
	err = k.Owners.Walk(ctx, nil, func(hotkey, coldkey sdk.AccAddress) (bool, error) {
		h := types.GenesisHotkey{Hotkey: hotkey.String(), Coldkey: coldkey.String()}
		d, err := k.Delegates.Get(ctx, hotkey)
		switch {
		case err == nil:
			h.Delegate = &d
		case !isNotFound(err):
			return true, err
		}
		gs.Hotkeys = append(gs.Hotkeys, h)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	err = k.HotkeyPools.Walk(ctx, nil, func(key collections.Pair[sdk.AccAddress, uint32], p types.HotkeyPool) (bool, error) {
		gs.HotkeyPools = append(gs.HotkeyPools, types.GenesisHotkeyPool{Hotkey: key.K1().String(), Netuid: key.K2(), Pool: p})
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	err = k.Stakes.Walk(ctx, nil, func(key collections.Triple[sdk.AccAddress, sdk.AccAddress, uint32], shares sdkmath.Uint) (bool, error) {
		gs.Stakes = append(gs.Stakes, types.GenesisStake{Coldkey: key.K1().String(), Hotkey: key.K2().String(), Netuid: key.K3(), Shares: shares})
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	err = k.Dissolutions.Walk(ctx, nil, func(_ uint32, d types.Dissolution) (bool, error) {
		g, err := k.dissolutionToGenesis(d)
		gs.Dissolutions = append(gs.Dissolutions, g)
		return err != nil, err
	})
	if err != nil {
		return nil, err
	}
	if gs.DissolutionRemainders, err = k.exportRemainders(ctx); err != nil {
		return nil, err
	}
	if gs.ChildKeys, err = k.exportChildKeys(ctx); err != nil {
		return nil, err
	}
	if gs.Root, err = k.exportRootGenesis(ctx); err != nil {
		return nil, err
	}
	return gs, k.exportKeySwaps(ctx, gs)
}

func (k Keeper) exportSubnet(ctx context.Context, netuid uint32) (types.GenesisSubnet, error) {
	var (
		s   types.GenesisSubnet
		err error
	)
	subnet, err := k.GetSubnet(ctx, netuid)
	if err != nil {
		return s, err
	}
	if s.Subnet, err = k.subnetToGenesis(subnet); err != nil {
		return s, err
	}
	if s.Hyperparams, err = k.GetHyperparams(ctx, netuid); err != nil {
		return s, err
	}
	if s.Pool, err = k.GetPool(ctx, netuid); err != nil {
		return s, err
	}
	if s.Schedule, err = k.GetSchedule(ctx, netuid); err != nil {
		return s, err
	}
	if s.Pending, err = k.GetPending(ctx, netuid); err != nil {
		return s, err
	}
	if s.Burn, err = getOrZero(ctx, func(ctx context.Context) (uint64, error) { return k.Burns.Get(ctx, netuid) }); err != nil {
		return s, err
	}
	neurons, err := k.SubnetNeurons(ctx, netuid)
	if err != nil {
		return s, err
	}
	s.Neurons = make([]types.GenesisNeuron, len(neurons))
	for i, n := range neurons {
		if s.Neurons[i], err = k.neuronToGenesis(n); err != nil {
			return s, err
		}
	}
	if s.Weights, err = k.matrixRows(ctx, netuid, true); err != nil {
		return s, err
	}
	if s.Bonds, err = k.matrixRows(ctx, netuid, false); err != nil {
		return s, err
	}
	err = k.Axons.Walk(ctx, collectionsPrefix(netuid), func(key collectionsPair, a types.AxonInfo) (bool, error) {
		s.Axons = append(s.Axons, types.GenesisAxon{Uid: key.K2(), Axon: a})
		return false, nil
	})
	if err != nil {
		return s, err
	}
	err = k.Commits.Walk(ctx, collections.NewPrefixedPairRange[uint32, sdk.AccAddress](netuid),
		func(key collections.Pair[uint32, sdk.AccAddress], q types.CommitQueue) (bool, error) {
			s.Commits = append(s.Commits, types.GenesisCommits{Hotkey: key.K2().String(), Queue: q})
			return false, nil
		})
	if err != nil {
		return s, err
	}
	err = k.HyperparamSetAt.Walk(ctx, collections.NewPrefixedPairRange[uint32, string](netuid),
		func(key collections.Pair[uint32, string], block uint64) (bool, error) {
			s.HyperparamsSetAt = append(s.HyperparamsSetAt, types.GenesisHyperparamSetAt{Name: key.K2(), Block: block})
			return false, nil
		})
	return s, err
}

// The store keeps addresses as bytes and the genesis file as bech32 text (state.proto): these
// convert each record with addresses between the two, field for field.

func (k Keeper) subnetFromGenesis(g types.GenesisSubnetInfo) (types.Subnet, error) {
	owner, err := k.parseAddress("subnet owner", g.Owner)
	if err != nil {
		return types.Subnet{}, err
	}
	ownerHotkey, err := k.parseAddress("subnet owner hotkey", g.OwnerHotkey)
	if err != nil {
		return types.Subnet{}, err
	}
	return types.Subnet{
		Netuid: g.Netuid, Name: g.Name, Symbol: g.Symbol, Owner: owner, OwnerHotkey: ownerHotkey,
		RegisteredAt: g.RegisteredAt, LockCost: g.LockCost, FirstEmissionBlock: g.FirstEmissionBlock,
		N: g.N, TopologyChangedAt: g.TopologyChangedAt,
	}, nil
}

func (k Keeper) subnetToGenesis(s types.Subnet) (types.GenesisSubnetInfo, error) {
	owner, err := k.canonicalAddress(s.Owner)
	if err != nil {
		return types.GenesisSubnetInfo{}, err
	}
	ownerHotkey, err := k.canonicalAddress(s.OwnerHotkey)
	if err != nil {
		return types.GenesisSubnetInfo{}, err
	}
	return types.GenesisSubnetInfo{
		Netuid: s.Netuid, Name: s.Name, Symbol: s.Symbol, Owner: owner, OwnerHotkey: ownerHotkey,
		RegisteredAt: s.RegisteredAt, LockCost: s.LockCost, FirstEmissionBlock: s.FirstEmissionBlock,
		N: s.N, TopologyChangedAt: s.TopologyChangedAt,
	}, nil
}

func (k Keeper) neuronFromGenesis(g types.GenesisNeuron) (types.Neuron, error) {
	hotkey, err := k.parseAddress(fmt.Sprintf("uid %d hotkey", g.Uid), g.Hotkey)
	if err != nil {
		return types.Neuron{}, err
	}
	return types.Neuron{
		Uid: g.Uid, Hotkey: hotkey, BlockAtRegistration: g.BlockAtRegistration, LastUpdate: g.LastUpdate,
		Active: g.Active, ValidatorPermit: g.ValidatorPermit, StakeWeight: g.StakeWeight,
		Consensus: g.Consensus, Incentive: g.Incentive, Dividends: g.Dividends,
		ValidatorTrust: g.ValidatorTrust, Emission: g.Emission,
	}, nil
}

func (k Keeper) neuronToGenesis(n types.Neuron) (types.GenesisNeuron, error) {
	hotkey, err := k.canonicalAddress(n.Hotkey)
	if err != nil {
		return types.GenesisNeuron{}, err
	}
	return types.GenesisNeuron{
		Uid: n.Uid, Hotkey: hotkey, BlockAtRegistration: n.BlockAtRegistration, LastUpdate: n.LastUpdate,
		Active: n.Active, ValidatorPermit: n.ValidatorPermit, StakeWeight: n.StakeWeight,
		Consensus: n.Consensus, Incentive: n.Incentive, Dividends: n.Dividends,
		ValidatorTrust: n.ValidatorTrust, Emission: n.Emission,
	}, nil
}

func (k Keeper) dissolutionFromGenesis(g types.GenesisDissolution) (types.Dissolution, error) {
	owner, err := k.parseAddress("owner", g.Owner)
	if err != nil {
		return types.Dissolution{}, err
	}
	return types.Dissolution{
		Netuid: g.Netuid, Owner: owner, StartedAt: g.StartedAt, Pot: g.Pot, ProtocolAlpha: g.ProtocolAlpha,
		Phase: g.Phase, TotalValue: g.TotalValue, Cursor: g.Cursor, Distributed: g.Distributed, Paid: g.Paid,
		ProtocolShare: g.ProtocolShare, Portions: g.Portions, Rounded: g.Rounded,
	}, nil
}

func (k Keeper) dissolutionToGenesis(d types.Dissolution) (types.GenesisDissolution, error) {
	owner, err := k.canonicalAddress(d.Owner)
	if err != nil {
		return types.GenesisDissolution{}, err
	}
	return types.GenesisDissolution{
		Netuid: d.Netuid, Owner: owner, StartedAt: d.StartedAt, Pot: d.Pot, ProtocolAlpha: d.ProtocolAlpha,
		Phase: d.Phase, TotalValue: d.TotalValue, Cursor: d.Cursor, Distributed: d.Distributed, Paid: d.Paid,
		ProtocolShare: d.ProtocolShare, Portions: d.Portions, Rounded: d.Rounded,
	}, nil
}
