package keeper

import (
	"context"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Subnet hyperparameters (§10.1): the owner changes the owner-settable ones within the owner's
// ranges, outside the admin freeze window before an epoch (§3.1) and at most once per rate-limit
// period each; the chain authority changes any of them within range, at any time. The rules of
// each hyperparameter are in types.HyperparamSpecs.

// hyperparamTempo is the one hyperparameter whose change also moves the epoch schedule.
const hyperparamTempo = "tempo"

func (s msgServer) SetHyperparameter(ctx context.Context, msg *types.MsgSetHyperparameter) (*types.MsgSetHyperparameterResponse, error) {
	k := s.k
	signer, err := k.parseAddress("signer", msg.Signer)
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
	spec, err := types.LookupHyperparam(msg.Name)
	if err != nil {
		return nil, err
	}
	byAuthority, err := k.isAuthority(ctx, signer)
	if err != nil {
		return nil, err
	}
	byOwner := false
	if !byAuthority {
		if err := k.requireSubnetOwner(subnet, signer); err != nil {
			return nil, errorsmod.Wrapf(types.ErrNotSubnetOwner,
				"%s is neither the owner of subnet %d (%s) nor the chain authority", msg.Signer, msg.Netuid, subnet.Owner)
		}
		byOwner = true
	}
	if byOwner && spec.Access == types.AuthorityOnly {
		return nil, errorsmod.Wrapf(types.ErrHyperparameterRootOnly,
			"%s of subnet %d changes only by the chain authority (a governance proposal)", spec.Name, msg.Netuid)
	}
	h, err := k.GetHyperparams(ctx, msg.Netuid)
	if err != nil {
		return nil, err
	}
	next := h
	if err := spec.Set(&next, msg.Value, types.HyperparamEnv{ByOwner: byOwner, Neurons: subnet.N}); err != nil {
		return nil, err
	}
	block := blockHeight(ctx)
	setAtKey := collections.Join(msg.Netuid, spec.Name)
	if byOwner {
		p, err := k.mustParams(ctx)
		if err != nil {
			return nil, err
		}
		if err := k.requireAdminWindowOpen(ctx, msg.Netuid, h, p, block); err != nil {
			return nil, err
		}
		last, err := k.HyperparamSetAt.Get(ctx, setAtKey)
		switch {
		case err == nil:
			if limit := spec.OwnerRateLimit(h, p); block-last < limit {
				return nil, errorsmod.Wrapf(types.ErrHyperparameterRateLimit,
					"the owner set %s of subnet %d at block %d and may change it once every %d blocks; retry at block %d",
					spec.Name, msg.Netuid, last, limit, last+limit)
			}
		case !isNotFound(err):
			return nil, err
		}
	}

	err = atomically(ctx, func(ctx sdk.Context) error {
		if err := k.Hyperparams.Set(ctx, msg.Netuid, next); err != nil {
			return err
		}
		if byOwner {
			if err := k.HyperparamSetAt.Set(ctx, setAtKey, block); err != nil {
				return err
			}
		}
		if spec.Name == hyperparamTempo {
			// A new tempo starts a new cycle now, so the next epoch is a whole new tempo away.
			sched, err := k.GetSchedule(ctx, msg.Netuid)
			if err != nil {
				return err
			}
			sched.LastEpochBlock = block
			if err := k.Schedules.Set(ctx, msg.Netuid, sched); err != nil {
				return err
			}
		}
		signerStr, err := k.canonicalAddress(signer)
		if err != nil {
			return err
		}
		return emit(ctx, &types.EventHyperparameterSet{
			Netuid: msg.Netuid, Name: spec.Name, Value: spec.Get(next), Signer: signerStr,
		})
	})
	if err != nil {
		return nil, err
	}
	return &types.MsgSetHyperparameterResponse{}, nil
}

// isAuthority says whether addr is the chain authority.
func (k Keeper) isAuthority(ctx context.Context, addr sdk.AccAddress) (bool, error) {
	authority, err := k.Authority(ctx)
	if err != nil {
		return false, err
	}
	bz, err := k.AddressCodec().StringToBytes(authority)
	if err != nil {
		return false, errorsmod.Wrapf(types.ErrInconsistentState, "authority %q: %v", authority, err)
	}
	return addr.Equals(sdk.AccAddress(bz)), nil
}

// requireAdminWindowOpen refuses owner changes and epoch triggers while an epoch is imminent
// (§3.1): when an owner-triggered epoch is pending, or fewer than AdminFreezeWindow blocks remain
// before the next one, so validators' weights are judged under the rules they were set under.
func (k Keeper) requireAdminWindowOpen(ctx context.Context, netuid uint32, h types.Hyperparams, p types.Params, block uint64) error {
	if h.Tempo == 0 {
		return nil
	}
	sched, err := k.GetSchedule(ctx, netuid)
	if err != nil {
		return err
	}
	if sched.PendingEpochAt > block {
		return errorsmod.Wrapf(types.ErrAdminFreezeWindow,
			"an epoch of subnet %d is triggered for block %d; retry from that block", netuid, sched.PendingEpochAt)
	}
	if remaining := blocksUntilNextEpoch(sched, h.Tempo, block); remaining < p.AdminFreezeWindow {
		return errorsmod.Wrapf(types.ErrAdminFreezeWindow,
			"the next epoch of subnet %d is %d blocks away and owners may not change hyperparameters or trigger an epoch in the last %d; retry at block %d",
			netuid, remaining, p.AdminFreezeWindow, block+remaining)
	}
	return nil
}

func (q queryServer) Hyperparameters(ctx context.Context, req *types.QueryHyperparametersRequest) (*types.QueryHyperparametersResponse, error) {
	if req == nil {
		return nil, errorsmod.Wrap(types.ErrSubnetNotFound, "empty request: give a netuid")
	}
	if err := checkNetuidRange(req.Netuid); err != nil {
		return nil, err
	}
	if _, err := q.k.GetSubnet(ctx, req.Netuid); err != nil {
		return nil, err
	}
	h, err := q.k.GetHyperparams(ctx, req.Netuid)
	if err != nil {
		return nil, err
	}
	return &types.QueryHyperparametersResponse{Netuid: req.Netuid, Hyperparameters: h}, nil
}
