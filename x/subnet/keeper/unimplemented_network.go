package keeper

// Placeholders while this rule family is being written; each is replaced by its real handler.

import (
	"context"

	"github.com/gotensor/gotensor/x/subnet/types"
)

func (s msgServer) RegisterNetwork(ctx context.Context, msg *types.MsgRegisterNetwork) (*types.MsgRegisterNetworkResponse, error) {
	return nil, types.ErrNotImplemented
}

func (s msgServer) StartCall(ctx context.Context, msg *types.MsgStartCall) (*types.MsgStartCallResponse, error) {
	return nil, types.ErrNotImplemented
}

func (s msgServer) SetHyperparameter(ctx context.Context, msg *types.MsgSetHyperparameter) (*types.MsgSetHyperparameterResponse, error) {
	return nil, types.ErrNotImplemented
}

func (s msgServer) BurnedRegister(ctx context.Context, msg *types.MsgBurnedRegister) (*types.MsgBurnedRegisterResponse, error) {
	return nil, types.ErrNotImplemented
}

func (q queryServer) Hyperparameters(ctx context.Context, req *types.QueryHyperparametersRequest) (*types.QueryHyperparametersResponse, error) {
	return nil, types.ErrNotImplemented
}

func (q queryServer) RegistrationCost(ctx context.Context, req *types.QueryRegistrationCostRequest) (*types.QueryRegistrationCostResponse, error) {
	return nil, types.ErrNotImplemented
}

func (q queryServer) LockCost(ctx context.Context, req *types.QueryLockCostRequest) (*types.QueryLockCostResponse, error) {
	return nil, types.ErrNotImplemented
}
