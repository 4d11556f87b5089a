package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// The read side clients see: subnets with their pools and schedules, and metagraphs.

func (q queryServer) Subnets(ctx context.Context, _ *types.QuerySubnetsRequest) (*types.QuerySubnetsResponse, error) {
	summaries, err := q.k.subnetSummaries(ctx)
	if err != nil {
		return nil, err
	}
	return &types.QuerySubnetsResponse{Subnets: summaries, Height: sdk.UnwrapSDKContext(ctx).BlockHeight()}, nil
}

func (q queryServer) Subnet(ctx context.Context, req *types.QuerySubnetRequest) (*types.QuerySubnetResponse, error) {
	if _, err := q.k.GetSubnet(ctx, req.Netuid); err != nil {
		return nil, err
	}
	summaries, err := q.k.subnetSummaries(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range summaries {
		if s.Netuid == req.Netuid {
			return &types.QuerySubnetResponse{Subnet: s, Height: sdk.UnwrapSDKContext(ctx).BlockHeight()}, nil
		}
	}
	return nil, errorsmod.Wrapf(types.ErrSubnetNotFound, "netuid %d", req.Netuid)
}

// subnetSummaries describes every subnet; emission shares need all of them at once.
func (k Keeper) subnetSummaries(ctx context.Context) ([]types.SubnetSummary, error) {
	emittingNow, err := k.emittingSubnets(ctx)
	if err != nil {
		return nil, err
	}
	shares := emissionShares(emittingNow)
	shareOf := make(map[uint32]fixed.U64F64, len(emittingNow))
	for i, s := range emittingNow {
		shareOf[s.netuid] = shares[i]
	}
	netuids, err := k.Netuids(ctx)
	if err != nil {
		return nil, err
	}
	block := blockHeight(ctx)
	out := make([]types.SubnetSummary, 0, len(netuids))
	for _, netuid := range netuids {
		s, err := k.GetSubnet(ctx, netuid)
		if err != nil {
			return nil, err
		}
		hp, err := k.GetHyperparams(ctx, netuid)
		if err != nil {
			return nil, err
		}
		pool, err := k.GetPool(ctx, netuid)
		if err != nil {
			return nil, err
		}
		sched, err := k.GetSchedule(ctx, netuid)
		if err != nil {
			return nil, err
		}
		price, err := k.Price(ctx, netuid)
		if err != nil {
			return nil, err
		}
		burn, err := getOrZero(ctx, func(ctx context.Context) (uint64, error) { return k.Burns.Get(ctx, netuid) })
		if err != nil {
			return nil, err
		}
		share, ok := shareOf[netuid]
		if !ok {
			share = fixed.U64F64FromUint(0)
		}
		out = append(out, types.SubnetSummary{
			Netuid: netuid, Name: s.Name, Symbol: s.Symbol, Owner: s.Owner.String(), OwnerHotkey: s.OwnerHotkey.String(),
			Tempo: hp.Tempo, N: s.N, MaxN: hp.MaxAllowedUids, Burn: burn,
			Price: price.String(), MovingPrice: i96f32FromBytes(pool.MovingPrice).String(),
			TaoReserve: pool.Tao, AlphaIn: pool.AlphaIn, AlphaOut: pool.AlphaOut,
			EmissionShare:     share.String(),
			BlocksToNextEpoch: blocksUntilNextEpoch(sched, hp.Tempo, block),
			Started:           s.FirstEmissionBlock != 0, EmissionEnabled: hp.EmissionEnabled,
			RegisteredAt: s.RegisteredAt, LastEpochBlock: sched.LastEpochBlock,
			TopologyChangedAt: s.TopologyChangedAt, TaoInEmission: pool.TaoInEmission,
			AlphaInEmission: pool.AlphaInEmission, AlphaOutEmission: pool.AlphaOutEmission,
		})
	}
	return out, nil
}

func (q queryServer) Metagraph(ctx context.Context, req *types.QueryMetagraphRequest) (*types.QueryMetagraphResponse, error) {
	k := q.k
	subnet, err := k.GetSubnet(ctx, req.Netuid)
	if err != nil {
		return nil, err
	}
	sched, err := k.GetSchedule(ctx, req.Netuid)
	if err != nil {
		return nil, err
	}
	neurons, err := k.SubnetNeurons(ctx, req.Netuid)
	if err != nil {
		return nil, err
	}
	resp := &types.QueryMetagraphResponse{
		Netuid: req.Netuid, Height: sdk.UnwrapSDKContext(ctx).BlockHeight(),
		LastEpochBlock: sched.LastEpochBlock, TopologyChangedAt: subnet.TopologyChangedAt,
		Neurons: make([]types.NeuronView, 0, len(neurons)),
	}
	for _, nr := range neurons {
		v, err := k.neuronView(ctx, req.Netuid, nr)
		if err != nil {
			return nil, err
		}
		resp.Neurons = append(resp.Neurons, v)
	}
	if req.Weights {
		if resp.Weights, err = k.matrixRows(ctx, req.Netuid, true); err != nil {
			return nil, err
		}
	}
	if req.Bonds {
		if resp.Bonds, err = k.matrixRows(ctx, req.Netuid, false); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// neuronView joins a uid's record with its owner, its stake and its axon.
func (k Keeper) neuronView(ctx context.Context, netuid uint32, nr types.Neuron) (types.NeuronView, error) {
	hotkey := nr.Hotkey
	coldkey, _, err := k.HotkeyOwner(ctx, hotkey)
	if err != nil {
		return types.NeuronView{}, err
	}
	stake, err := k.HotkeyStakeWeight(ctx, hotkey, netuid)
	if err != nil {
		return types.NeuronView{}, err
	}
	hp, err := k.GetHyperparams(ctx, netuid)
	if err != nil {
		return types.NeuronView{}, err
	}
	v := types.NeuronView{
		Netuid: netuid, Uid: nr.Uid, Hotkey: hotkey.String(), Coldkey: coldkey.String(),
		StakeWeight: nr.StakeWeight, AlphaStake: stake.Alpha, RootStake: stake.Root, ValidatorPermit: nr.ValidatorPermit, Active: nr.Active,
		LastUpdate: nr.LastUpdate, Consensus: nr.Consensus, Incentive: nr.Incentive, Dividends: nr.Dividends,
		ValidatorTrust: nr.ValidatorTrust, Emission: nr.Emission, BlockAtRegistration: nr.BlockAtRegistration,
		Immune: satSub(blockHeight(ctx), nr.BlockAtRegistration) < hp.ImmunityPeriod,
	}
	axon, err := k.Axons.Get(ctx, pairKey(netuid, nr.Uid))
	switch {
	case err == nil:
		v.Axon = &axon
	case !isNotFound(err):
		return types.NeuronView{}, err
	}
	return v, nil
}

// matrixRows lists a subnet's stored weight (or bond) rows.
func (k Keeper) matrixRows(ctx context.Context, netuid uint32, weights bool) ([]types.MatrixRow, error) {
	m := k.Bonds
	if weights {
		m = k.Weights
	}
	var rows []types.MatrixRow
	err := m.Walk(ctx, collectionsPrefix(netuid), func(key collectionsPair, row types.WeightRow) (bool, error) {
		rows = append(rows, types.MatrixRow{Uid: key.K2(), Entries: row.Entries})
		return false, nil
	})
	return rows, err
}

func (q queryServer) Hotkey(ctx context.Context, req *types.QueryHotkeyRequest) (*types.QueryHotkeyResponse, error) {
	k := q.k
	hotkey, err := k.parseAddress("hotkey", req.Hotkey)
	if err != nil {
		return nil, err
	}
	resp := &types.QueryHotkeyResponse{Hotkey: req.Hotkey}
	coldkey, ok, err := k.HotkeyOwner(ctx, hotkey)
	if err != nil || !ok {
		return resp, err
	}
	resp.Coldkey = coldkey.String()
	if resp.Take, err = k.DelegateTake(ctx, hotkey); err != nil {
		return nil, err
	}
	netuids, err := k.Netuids(ctx)
	if err != nil {
		return nil, err
	}
	for _, netuid := range netuids {
		uid, err := k.Uids.Get(ctx, pairKey(netuid, hotkey))
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		nr, err := k.GetNeuron(ctx, netuid, uid)
		if err != nil {
			return nil, err
		}
		v, err := k.neuronView(ctx, netuid, nr)
		if err != nil {
			return nil, err
		}
		resp.Neurons = append(resp.Neurons, v)
	}
	return resp, nil
}
