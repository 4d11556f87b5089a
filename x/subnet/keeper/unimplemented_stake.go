package keeper

// Placeholders while this rule family is being written; each is replaced by its real handler.

import (
	"context"

	"github.com/gotensor/gotensor/x/subnet/types"
)

func (s msgServer) AddStake(ctx context.Context, msg *types.MsgAddStake) (*types.MsgAddStakeResponse, error) {
	return nil, types.ErrNotImplemented
}

func (s msgServer) RemoveStake(ctx context.Context, msg *types.MsgRemoveStake) (*types.MsgRemoveStakeResponse, error) {
	return nil, types.ErrNotImplemented
}

func (s msgServer) MoveStake(ctx context.Context, msg *types.MsgMoveStake) (*types.MsgMoveStakeResponse, error) {
	return nil, types.ErrNotImplemented
}

func (s msgServer) TransferStake(ctx context.Context, msg *types.MsgTransferStake) (*types.MsgTransferStakeResponse, error) {
	return nil, types.ErrNotImplemented
}

func (s msgServer) SetDelegateTake(ctx context.Context, msg *types.MsgSetDelegateTake) (*types.MsgSetDelegateTakeResponse, error) {
	return nil, types.ErrNotImplemented
}

func (q queryServer) Stakes(ctx context.Context, req *types.QueryStakesRequest) (*types.QueryStakesResponse, error) {
	return nil, types.ErrNotImplemented
}

func (q queryServer) SwapQuote(ctx context.Context, req *types.QuerySwapQuoteRequest) (*types.QuerySwapQuoteResponse, error) {
	return nil, types.ErrNotImplemented
}
