package keeper

// Placeholders while this rule family is being written; each is replaced by its real handler.

import (
	"context"

	"github.com/gotensor/gotensor/x/subnet/types"
)

func (q queryServer) Subnets(ctx context.Context, req *types.QuerySubnetsRequest) (*types.QuerySubnetsResponse, error) {
	return nil, types.ErrNotImplemented
}

func (q queryServer) Subnet(ctx context.Context, req *types.QuerySubnetRequest) (*types.QuerySubnetResponse, error) {
	return nil, types.ErrNotImplemented
}

func (q queryServer) Metagraph(ctx context.Context, req *types.QueryMetagraphRequest) (*types.QueryMetagraphResponse, error) {
	return nil, types.ErrNotImplemented
}

func (q queryServer) Hotkey(ctx context.Context, req *types.QueryHotkeyRequest) (*types.QueryHotkeyResponse, error) {
	return nil, types.ErrNotImplemented
}
