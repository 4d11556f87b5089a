package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

type msgServer struct{ k Keeper }

// NewMsgServer returns the Msg service of x/subnet.
func NewMsgServer(k Keeper) types.MsgServer { return msgServer{k: k} }

var _ types.MsgServer = msgServer{}

// requireAuthority fails unless signer is the chain authority.
func (k Keeper) requireAuthority(ctx context.Context, signer string) error {
	authority, err := k.Authority(ctx)
	if err != nil {
		return err
	}
	if signer != authority {
		return errorsmod.Wrapf(types.ErrUnauthorized, "expected %s, got %s; root parameters change through a governance proposal", authority, signer)
	}
	return nil
}

func (s msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if err := s.k.requireAuthority(ctx, msg.Authority); err != nil {
		return nil, err
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, err
	}
	if err := s.k.Params.Set(ctx, msg.Params); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(
		&types.EventParamsUpdated{Authority: msg.Authority})
}
