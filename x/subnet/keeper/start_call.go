package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Start call (§6.4): a subnet's owner starts its emission, no earlier than StartCallDelay blocks
// after registration.

func (s msgServer) StartCall(ctx context.Context, msg *types.MsgStartCall) (*types.MsgStartCallResponse, error) {
	k := s.k
	signer, err := k.parseAddress("owner", msg.Owner)
	if err != nil {
		return nil, err
	}
	if err := checkNetuidRange(msg.Netuid); err != nil {
		return nil, err
	}
	subnet, err := k.GetSubnet(ctx, msg.Netuid)
	if err != nil {
		return nil, err
	}
	if err := k.requireSubnetOwner(subnet, signer); err != nil {
		return nil, err
	}
	if subnet.FirstEmissionBlock != 0 {
		return nil, errorsmod.Wrapf(types.ErrAlreadyStarted, "subnet %d started emission at block %d", msg.Netuid, subnet.FirstEmissionBlock)
	}
	p, err := k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	block := blockHeight(ctx)
	if allowed := subnet.RegisteredAt + p.StartCallDelay; block < allowed {
		return nil, errorsmod.Wrapf(types.ErrStartCallTooEarly,
			"subnet %d may start from block %d (%d blocks after its registration); retry in %d blocks",
			msg.Netuid, allowed, p.StartCallDelay, allowed-block)
	}
	subnet.FirstEmissionBlock = block + 1
	if err := k.Subnets.Set(ctx, msg.Netuid, subnet); err != nil {
		return nil, err
	}
	return &types.MsgStartCallResponse{}, emit(ctx, &types.EventStartCall{Netuid: msg.Netuid, FirstEmissionBlock: subnet.FirstEmissionBlock})
}

// requireSubnetOwner fails unless signer is the subnet's owner coldkey.
func (k Keeper) requireSubnetOwner(subnet types.Subnet, signer sdk.AccAddress) error {
	if len(subnet.Owner) == 0 || !subnet.Owner.Equals(signer) {
		return errorsmod.Wrapf(types.ErrNotSubnetOwner, "subnet %d is owned by %s; sign with that coldkey", subnet.Netuid, subnet.Owner)
	}
	return nil
}
