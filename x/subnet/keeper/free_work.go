package keeper

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Free work: a subnet's miners and validators set weights and serve axons from hotkeys that need
// no balance, as on subtensor (Pays::No). The app's ante handler asks IsFreeWork whether a
// transaction qualifies before it charges a fee, and CheckWork whether its work is valid.

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

// CheckWork runs each work message's full validation against the current state and returns the
// first refusal, writing nothing. A free transaction has no fee to keep invalid ones out of
// blocks, so the ante handler refuses them before they get there.
func (k Keeper) CheckWork(ctx context.Context, msgs []sdk.Msg) error {
	for _, msg := range msgs {
		if err := k.checkWork(ctx, msg); err != nil {
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

// checkWork runs a work message's validation without writing.
func (k Keeper) checkWork(ctx context.Context, msg sdk.Msg) error {
	var err error
	switch m := msg.(type) {
	case *types.MsgSetWeights:
		_, err = k.checkSetWeights(ctx, m)
	case *types.MsgCommitWeights:
		_, err = k.checkCommit(ctx, m)
	case *types.MsgRevealWeights:
		_, err = k.checkReveal(ctx, m)
	case *types.MsgServeAxon:
		_, err = k.checkServeAxon(ctx, m)
	}
	return err
}
