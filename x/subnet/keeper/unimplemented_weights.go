package keeper

// Placeholders while this rule family is being written; each is replaced by its real handler.

import (
	"context"

	"github.com/gotensor/gotensor/x/subnet/types"
)

func (s msgServer) SetWeights(ctx context.Context, msg *types.MsgSetWeights) (*types.MsgSetWeightsResponse, error) {
	return nil, types.ErrNotImplemented
}

func (s msgServer) CommitWeights(ctx context.Context, msg *types.MsgCommitWeights) (*types.MsgCommitWeightsResponse, error) {
	return nil, types.ErrNotImplemented
}

func (s msgServer) RevealWeights(ctx context.Context, msg *types.MsgRevealWeights) (*types.MsgRevealWeightsResponse, error) {
	return nil, types.ErrNotImplemented
}

func (s msgServer) ServeAxon(ctx context.Context, msg *types.MsgServeAxon) (*types.MsgServeAxonResponse, error) {
	return nil, types.ErrNotImplemented
}
