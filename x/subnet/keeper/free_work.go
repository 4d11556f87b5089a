package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Free work: a subnet's miners and validators set weights and serve axons from hotkeys that need
// no balance, as on subtensor (Pays::No). The app's ante handler asks IsFreeWork whether a
// transaction qualifies before it charges a fee, CheckWork whether its work is valid, and, in
// CheckTx, RunWork to count the work in the node's check state, so that the rate limits a pending
// transaction uses are spent for the next one of the same hotkey.

// IsFreeWork reports whether msgs (a transaction's messages) are all work, weights, commits,
// reveals and axons, each from a hotkey registered on the message's subnet. Any other message
// makes the transaction an ordinary one. It reads one index entry per message.
func (k Keeper) IsFreeWork(ctx context.Context, msgs []sdk.Msg) (bool, error) {
	if len(msgs) == 0 {
		return false, nil
	}
	for _, msg := range msgs {
		hotkey, netuid, ok := workSigner(msg)
		if !ok {
			return false, nil
		}
		addr, err := k.AddressCodec().StringToBytes(hotkey)
		if err != nil || len(addr) == 0 {
			return false, nil
		}
		registered, err := k.Uids.Has(ctx, pairKey(netuid, sdk.AccAddress(addr)))
		if err != nil || !registered {
			return false, err
		}
	}
	return true, nil
}

// CheckWork runs the work messages as the block will, in order, each against the state the
// earlier ones leave (a second serve-axon of a hotkey meets the rate limit the first one set), on
// a branch it then drops: it returns the first refusal and writes nothing. A free transaction has
// no fee to keep invalid ones out of blocks, so the ante handler refuses them before they get there.
func (k Keeper) CheckWork(ctx context.Context, msgs []sdk.Msg) error {
	branch, _ := sdk.UnwrapSDKContext(ctx).CacheContext()
	return k.RunWork(branch, msgs)
}

// RunWork validates and stores the work messages in order, exactly as their message handlers do
// in a block, and returns the first refusal; the caller drops the state on error. The ante handler
// runs it on a node's check state, which then holds the neuron's LastUpdate, the axon's block and
// the commit queue as the transaction will leave them.
func (k Keeper) RunWork(ctx context.Context, msgs []sdk.Msg) error {
	srv := msgServer{k: k}
	for i, msg := range msgs {
		var err error
		switch m := msg.(type) {
		case *types.MsgSetWeights:
			_, err = srv.SetWeights(ctx, m)
		case *types.MsgCommitWeights:
			_, err = srv.CommitWeights(ctx, m)
		case *types.MsgRevealWeights:
			_, err = srv.RevealWeights(ctx, m)
		case *types.MsgServeAxon:
			_, err = srv.ServeAxon(ctx, m)
		default:
			return errorsmod.Wrapf(sdkerrors.ErrInvalidRequest, "message %d of %d is a %T, which is not a hotkey's work", i+1, len(msgs), msg)
		}
		if err != nil {
			if len(msgs) > 1 {
				return errorsmod.Wrapf(err, "message %d of %d", i+1, len(msgs))
			}
			return err
		}
	}
	return nil
}

// workSigner returns the hotkey and subnet of a work message.
func workSigner(msg sdk.Msg) (hotkey string, netuid uint32, ok bool) {
	switch m := msg.(type) {
	case *types.MsgSetWeights:
		return m.Hotkey, m.Netuid, true
	case *types.MsgCommitWeights:
		return m.Hotkey, m.Netuid, true
	case *types.MsgRevealWeights:
		return m.Hotkey, m.Netuid, true
	case *types.MsgServeAxon:
		return m.Hotkey, m.Netuid, true
	}
	return "", 0, false
}
