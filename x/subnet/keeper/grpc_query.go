package keeper

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

type queryServer struct{ k Keeper }

// NewQueryServer returns the Query service of x/subnet.
func NewQueryServer(k Keeper) types.QueryServer { return queryServer{k: k} }

var _ types.QueryServer = queryServer{}

func (q queryServer) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	params, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	return &types.QueryParamsResponse{Params: params}, nil
}

func (q queryServer) Supply(ctx context.Context, _ *types.QuerySupplyRequest) (*types.QuerySupplyResponse, error) {
	issuance, err := q.k.GetTotalIssuance(ctx)
	if err != nil {
		return nil, err
	}
	burned, err := q.k.GetBurned(ctx)
	if err != nil {
		return nil, err
	}
	s := ScheduleAt(issuance)
	return &types.QuerySupplyResponse{
		TotalIssuance:       issuance,
		Burned:              burned,
		BankSupply:          q.k.BankSupply(ctx),
		BlockEmission:       s.Emission,
		MaxSupply:           types.MaxSupply,
		Halvings:            s.Halvings,
		NextHalvingIssuance: s.NextHalvingIssuance,
		BlocksToNextHalving: s.BlocksToNextHalving,
		Height:              sdk.UnwrapSDKContext(ctx).BlockHeight(),
	}, nil
}

func (q queryServer) Invariants(ctx context.Context, _ *types.QueryInvariantsRequest) (*types.QueryInvariantsResponse, error) {
	results, err := q.k.CheckInvariants(ctx)
	if err != nil {
		return nil, err
	}
	ok := true
	for _, r := range results {
		ok = ok && r.Holds
	}
	return &types.QueryInvariantsResponse{Ok: ok, Results: results, Height: sdk.UnwrapSDKContext(ctx).BlockHeight()}, nil
}
