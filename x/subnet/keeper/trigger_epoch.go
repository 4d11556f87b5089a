package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Owner-triggered epoch (§3.1): a subnet's owner may bring its next epoch forward to
// AdminFreezeWindow blocks from now. The window gives validators the same notice a scheduled epoch
// gives them. Commit-reveal subnets may not: a reveal is due in a counted epoch, and an epoch
// brought forward would expire commits that validators made in good time.

func (s msgServer) TriggerEpoch(ctx context.Context, msg *types.MsgTriggerEpoch) (*types.MsgTriggerEpochResponse, error) {
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
	h, err := k.GetHyperparams(ctx, msg.Netuid)
	if err != nil {
		return nil, err
	}
	if h.Tempo == 0 {
		return nil, errorsmod.Wrapf(types.ErrNoEpochs, "subnet %d has tempo 0", msg.Netuid)
	}
	if h.CommitReveal {
		return nil, errorsmod.Wrapf(types.ErrTriggerUnderCommitReveal,
			"subnet %d uses commit-reveal; turn it off (set-hyperparameter %d commit_reveal false) to trigger epochs", msg.Netuid, msg.Netuid)
	}
	p, err := k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	block := blockHeight(ctx)
	if err := k.requireAdminWindowOpen(ctx, msg.Netuid, h, p, block); err != nil {
		return nil, err
	}
	sched, err := k.GetSchedule(ctx, msg.Netuid)
	if err != nil {
		return nil, err
	}
	sched.PendingEpochAt = block + p.AdminFreezeWindow
	if err := k.Schedules.Set(ctx, msg.Netuid, sched); err != nil {
		return nil, err
	}
	return &types.MsgTriggerEpochResponse{RunAt: sched.PendingEpochAt},
		emit(ctx, &types.EventEpochTriggered{Netuid: msg.Netuid, RunAt: sched.PendingEpochAt})
}
