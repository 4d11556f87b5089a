package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
	"github.com/gotensor/gotensor/yuma"
)

// The root network, netuid 0 (§7.4, §8.1, §8.3). Root stake is TAO: it sits in the hotkey share
// pools of netuid 0 one rao per rao, bought and sold 1:1 without a fee (the "stable" mechanism of
// §6.1), and the module account holds the TAO (RootTao, subtensor's SubnetTAO[0]). It weighs
// TaoWeight times in every subnet's stake weight, sets each subnet's root proportion (emission.go)
// and earns root dividends (root_claim.go). Registering on root gives a hotkey a root uid; staking
// on root needs no uid.

// StakeWeight is what a hotkey's weight on a subnet is made of (§4.3): the alpha staked to it on
// the subnet and the TAO staked to it on root. Child keys split both parts (§8.3).
type StakeWeight struct {
	Alpha, Root uint64
}

// Combined is the epoch stake: Alpha + Root·TaoWeight/(2^64−1), floored to rao (§4.3).
func (w StakeWeight) Combined(taoWeight uint64) uint64 {
	return yuma.CombinedStake(w.Alpha, w.Root, taoWeight)
}

// HotkeyStakeWeight is a hotkey's own stake weight on a subnet, before child keys move any of it.
// It is the one source of the stake the epoch, the weights threshold and the dividend split read.
func (k Keeper) HotkeyStakeWeight(ctx context.Context, hotkey sdk.AccAddress, netuid uint32) (StakeWeight, error) {
	alpha, err := k.HotkeyAlpha(ctx, hotkey, netuid)
	if err != nil {
		return StakeWeight{}, err
	}
	root, err := k.RootStake(ctx, hotkey)
	return StakeWeight{Alpha: alpha, Root: root}, err
}

// RootStake is all the TAO staked to a hotkey on root.
func (k Keeper) RootStake(ctx context.Context, hotkey sdk.AccAddress) (uint64, error) {
	return k.HotkeyAlpha(ctx, hotkey, types.RootNetuid)
}

// GetRootTao is the TAO staked on root, in rao (SubnetTAO[0]).
func (k Keeper) GetRootTao(ctx context.Context) (uint64, error) {
	return getOrZero(ctx, k.RootTao.Get)
}

// addRootStake is stake_into_subnet on root: the TAO leaves the coldkey for the module account
// and is credited 1:1 to the coldkey's stake on the hotkey.
func (k Keeper) addRootStake(ctx context.Context, msg *types.MsgAddStake, coldkey, hotkey sdk.AccAddress) (*types.MsgAddStakeResponse, error) {
	params, err := k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	if err := k.requireHotkey(ctx, hotkey); err != nil {
		return nil, err
	}
	if msg.Amount < params.MinStake {
		return nil, errorsmod.Wrapf(types.ErrAmountTooLow, "%s TAO is below the minimum stake of %s TAO",
			types.FormatTAO(msg.Amount), types.FormatTAO(params.MinStake))
	}
	if balance := k.bank.SpendableCoin(ctx, coldkey, types.Denom).Amount; balance.LT(sdkmath.NewIntFromUint64(msg.Amount)) {
		return nil, errorsmod.Wrapf(types.ErrInsufficientBalance,
			"staking %s TAO on root but coldkey %s can spend %s rao", types.FormatTAO(msg.Amount), msg.Coldkey, balance)
	}
	at := stakeSpot{coldkey: coldkey, hotkey: hotkey, netuid: types.RootNetuid}
	if err := k.checkDeposit(ctx, at, msg.Amount); err != nil {
		return nil, err
	}
	if err := k.bank.SendCoinsFromAccountToModule(ctx, coldkey, types.ModuleName, rao(msg.Amount)); err != nil {
		return nil, err
	}
	if err := k.creditRootStake(ctx, hotkey, coldkey, msg.Amount); err != nil {
		return nil, err
	}
	if err := emit(ctx, &types.EventStakeAdded{
		Coldkey: msg.Coldkey, Hotkey: msg.Hotkey, Netuid: types.RootNetuid, Tao: msg.Amount, Alpha: msg.Amount,
	}); err != nil {
		return nil, err
	}
	return &types.MsgAddStakeResponse{TaoSpent: msg.Amount, AlphaReceived: msg.Amount}, nil
}

// creditRootStake stakes TAO the module already holds to (hotkey, coldkey) on root.
func (k Keeper) creditRootStake(ctx context.Context, hotkey, coldkey sdk.AccAddress, tao uint64) error {
	total, err := k.GetRootTao(ctx)
	if err != nil {
		return err
	}
	if err := k.stakeAlpha(ctx, hotkey, coldkey, types.RootNetuid, tao); err != nil {
		return err
	}
	if err := k.RootTao.Set(ctx, total+tao); err != nil {
		return err
	}
	return k.rootStakeChanged(ctx, hotkey, coldkey, int64(tao))
}

// removeRootStake is unstake_from_subnet on root: the stake is debited and its TAO paid back 1:1.
func (k Keeper) removeRootStake(ctx context.Context, msg *types.MsgRemoveStake, coldkey, hotkey sdk.AccAddress) (*types.MsgRemoveStakeResponse, error) {
	params, err := k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	staked, err := k.StakeOf(ctx, hotkey, coldkey, types.RootNetuid)
	if err != nil {
		return nil, err
	}
	if staked < msg.Alpha {
		return nil, errorsmod.Wrapf(types.ErrInsufficientStake,
			"unstaking %d rao from root but coldkey %s has %d staked to hotkey %s there", msg.Alpha, msg.Coldkey, staked, msg.Hotkey)
	}
	if msg.Alpha < params.MinStake && msg.Alpha < staked {
		return nil, errorsmod.Wrapf(types.ErrAmountTooLow,
			"unstaking %s TAO from root is below the minimum of %s; unstake more, or all %d rao", types.FormatTAO(msg.Alpha), types.FormatTAO(params.MinStake), staked)
	}
	total, err := k.GetRootTao(ctx)
	if err != nil {
		return nil, err
	}
	if total < msg.Alpha {
		return nil, errorsmod.Wrapf(types.ErrInconsistentState, "root holds %d rao, less than a stake of %d", total, msg.Alpha)
	}
	if err := k.unstakeAlpha(ctx, hotkey, coldkey, types.RootNetuid, msg.Alpha); err != nil {
		return nil, err
	}
	if err := k.RootTao.Set(ctx, total-msg.Alpha); err != nil {
		return nil, err
	}
	if err := k.rootStakeChanged(ctx, hotkey, coldkey, -int64(msg.Alpha)); err != nil {
		return nil, err
	}
	if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, coldkey, rao(msg.Alpha)); err != nil {
		return nil, err
	}
	if err := emit(ctx, &types.EventStakeRemoved{
		Coldkey: msg.Coldkey, Hotkey: msg.Hotkey, Netuid: types.RootNetuid, Alpha: msg.Alpha, Tao: msg.Alpha,
	}); err != nil {
		return nil, err
	}
	return &types.MsgRemoveStakeResponse{AlphaSpent: msg.Alpha, TaoReceived: msg.Alpha}, nil
}

// RootRegister gives a hotkey a root uid (§7.4): at most root_max_registrations_per_block a block
// and 3·root_target_registrations_per_interval an interval of root_tempo blocks; when the root
// network is full, the uid of the lowest root stake goes to the newcomer if its root stake is
// strictly larger. Root members are delegates; a new hotkey starts at the default take.
func (s msgServer) RootRegister(ctx context.Context, msg *types.MsgRootRegister) (*types.MsgRootRegisterResponse, error) {
	k := s.k
	coldkey, hotkey, err := k.parseKeys(msg.Coldkey, msg.Hotkey)
	if err != nil {
		return nil, err
	}
	params, err := k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	if params.RootMaxUids == 0 {
		return nil, errorsmod.Wrap(types.ErrRootClosed, "the chain authority sets root_max_uids")
	}
	block := blockHeight(ctx)
	regs, err := k.rootRegistrationsAt(ctx, params, block)
	if err != nil {
		return nil, err
	}
	if regs.ThisBlock >= params.RootMaxRegistrationsPerBlock {
		return nil, errorsmod.Wrapf(types.ErrRootRegistrationLimit, "%d root registrations in block %d already; try the next block", regs.ThisBlock, block)
	}
	if limit := 3 * params.RootTargetRegistrationsPerInterval; regs.ThisInterval >= limit {
		return nil, errorsmod.Wrapf(types.ErrRootRegistrationLimit, "%d root registrations since block %d, the limit of an interval of %d blocks; try after block %d",
			regs.ThisInterval, regs.IntervalStart, params.RootTempo, regs.IntervalStart+params.RootTempo)
	}
	if has, err := k.RootUids.Has(ctx, hotkey); err != nil {
		return nil, err
	} else if has {
		return nil, errorsmod.Wrapf(types.ErrAlreadyRegistered, "hotkey %s already holds a root uid", msg.Hotkey)
	}
	if err := k.checkHotkeyUsableBy(ctx, coldkey, hotkey); err != nil {
		return nil, err
	}

	n, err := k.rootSize(ctx)
	if err != nil {
		return nil, err
	}
	uid := n
	var replaced sdk.AccAddress
	if n >= params.RootMaxUids {
		lowestUID, lowestStake, err := k.lowestRootStake(ctx)
		if err != nil {
			return nil, err
		}
		stake, err := k.RootStake(ctx, hotkey)
		if err != nil {
			return nil, err
		}
		if stake <= lowestStake {
			return nil, errorsmod.Wrapf(types.ErrRootStakeTooLow,
				"hotkey %s has %d rao on root; root uid %d has %d: stake more to the hotkey on root first", msg.Hotkey, stake, lowestUID, lowestStake)
		}
		old, err := k.RootNeurons.Get(ctx, lowestUID)
		if err != nil {
			return nil, err
		}
		if err := k.RootUids.Remove(ctx, old.Hotkey); err != nil {
			return nil, err
		}
		uid, replaced = lowestUID, old.Hotkey
	}
	if err := k.claimHotkey(ctx, coldkey, hotkey); err != nil {
		return nil, err
	}
	if err := k.RootNeurons.Set(ctx, uid, types.RootNeuron{Uid: uid, Hotkey: hotkey, BlockAtRegistration: block}); err != nil {
		return nil, err
	}
	if err := k.RootUids.Set(ctx, hotkey, uid); err != nil {
		return nil, err
	}
	regs.ThisBlock++
	regs.ThisInterval++
	if err := k.RootRegistrations.Set(ctx, regs); err != nil {
		return nil, err
	}
	resp := &types.MsgRootRegisterResponse{Uid: uid}
	if replaced != nil {
		resp.Replaced = replaced.String()
	}
	return resp, emit(ctx, &types.EventRootRegistered{Coldkey: msg.Coldkey, Hotkey: msg.Hotkey, Uid: uid, Replaced: resp.Replaced})
}

// rootRegistrationsAt reads the admission counters as they stand at block: the block counter
// restarts every block, the interval counter every root_tempo blocks (root's epoch, §2 step 2).
func (k Keeper) rootRegistrationsAt(ctx context.Context, params types.Params, block uint64) (types.RootRegistrations, error) {
	regs, err := getOrZero(ctx, k.RootRegistrations.Get)
	if err != nil {
		return regs, err
	}
	if regs.Block != block {
		regs.Block, regs.ThisBlock = block, 0
	}
	if params.RootTempo > 0 && satSub(block, regs.IntervalStart) >= params.RootTempo {
		regs.IntervalStart, regs.ThisInterval = block-(block-regs.IntervalStart)%params.RootTempo, 0
	}
	return regs, nil
}

// rootSize is the number of root uids.
func (k Keeper) rootSize(ctx context.Context) (uint32, error) {
	var n uint32
	err := k.RootNeurons.Walk(ctx, nil, func(uint32, types.RootNeuron) (bool, error) {
		n++
		return false, nil
	})
	return n, err
}

// lowestRootStake finds the root uid with the least root stake; among equals the lowest uid.
func (k Keeper) lowestRootStake(ctx context.Context) (uid uint32, stake uint64, err error) {
	first := true
	err = k.RootNeurons.Walk(ctx, nil, func(u uint32, nr types.RootNeuron) (bool, error) {
		s, err := k.RootStake(ctx, nr.Hotkey)
		if err != nil {
			return true, err
		}
		if first || s < stake {
			uid, stake, first = u, s, false
		}
		return false, nil
	})
	return uid, stake, err
}

// RootNetwork lists the root uids with their root stake.
func (q queryServer) RootNetwork(ctx context.Context, _ *types.QueryRootNetworkRequest) (*types.QueryRootNetworkResponse, error) {
	params, err := q.k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	resp := &types.QueryRootNetworkResponse{MaxUids: params.RootMaxUids}
	if resp.TotalStake, err = q.k.GetRootTao(ctx); err != nil {
		return nil, err
	}
	err = q.k.RootNeurons.Walk(ctx, nil, func(uid uint32, nr types.RootNeuron) (bool, error) {
		coldkey, _, err := q.k.HotkeyOwner(ctx, nr.Hotkey)
		if err != nil {
			return true, err
		}
		stake, err := q.k.RootStake(ctx, nr.Hotkey)
		if err != nil {
			return true, err
		}
		resp.Neurons = append(resp.Neurons, types.RootNeuronView{
			Uid: uid, Hotkey: nr.Hotkey.String(), Coldkey: coldkey.String(), Stake: stake, BlockAtRegistration: nr.BlockAtRegistration,
		})
		return false, nil
	})
	return resp, err
}

// RootStake lists root stake by coldkey, by hotkey, or of one coldkey on one hotkey.
func (q queryServer) RootStake(ctx context.Context, req *types.QueryRootStakeRequest) (*types.QueryRootStakeResponse, error) {
	if req == nil || (req.Coldkey == "" && req.Hotkey == "") {
		return nil, errorsmod.Wrap(types.ErrInvalidAddress, "give a coldkey, a hotkey, or both")
	}
	resp := &types.QueryRootStakeResponse{}
	add := func(coldkey, hotkey sdk.AccAddress, stake uint64) {
		resp.Stakes = append(resp.Stakes, types.RootStakeView{Coldkey: coldkey.String(), Hotkey: hotkey.String(), Stake: stake})
		resp.Total += stake
	}
	var coldkey, hotkey sdk.AccAddress
	var err error
	if req.Coldkey != "" {
		if coldkey, err = q.k.parseAddress("coldkey", req.Coldkey); err != nil {
			return nil, err
		}
	}
	if req.Hotkey != "" {
		if hotkey, err = q.k.parseAddress("hotkey", req.Hotkey); err != nil {
			return nil, err
		}
	}
	switch {
	case coldkey != nil && hotkey != nil:
		stake, err := q.k.StakeOf(ctx, hotkey, coldkey, types.RootNetuid)
		if err != nil {
			return nil, err
		}
		add(coldkey, hotkey, stake)
	case hotkey != nil:
		pool, err := q.k.hotkeyPool(ctx, hotkey, types.RootNetuid)
		if err != nil {
			return nil, err
		}
		rng := collections.NewSuperPrefixedTripleRange[uint32, sdk.AccAddress, sdk.AccAddress](types.RootNetuid, hotkey)
		err = q.k.SubnetStakes.Walk(ctx, rng, func(key collections.Triple[uint32, sdk.AccAddress, sdk.AccAddress]) (bool, error) {
			held, err := q.k.Stakes.Get(ctx, collections.Join3(key.K3(), hotkey, types.RootNetuid))
			if err != nil {
				return true, err
			}
			add(key.K3(), hotkey, shareValue(pool, held))
			return false, nil
		})
		if err != nil {
			return nil, err
		}
	default:
		err := q.k.walkRootStakesOf(ctx, coldkey, func(hotkey sdk.AccAddress, stake uint64) error {
			add(coldkey, hotkey, stake)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// walkRootStakesOf visits every hotkey a coldkey stakes to on root, with the stake.
func (k Keeper) walkRootStakesOf(ctx context.Context, coldkey sdk.AccAddress, visit func(hotkey sdk.AccAddress, stake uint64) error) error {
	rng := collections.NewPrefixedTripleRange[sdk.AccAddress, sdk.AccAddress, uint32](coldkey)
	return k.Stakes.Walk(ctx, rng, func(key collections.Triple[sdk.AccAddress, sdk.AccAddress, uint32], held sdkmath.Uint) (bool, error) {
		if key.K3() != types.RootNetuid {
			return false, nil
		}
		pool, err := k.hotkeyPool(ctx, key.K2(), types.RootNetuid)
		if err != nil {
			return true, err
		}
		return false, visit(key.K2(), shareValue(pool, held))
	})
}

// checkRootStake is the invariant root-stake-totals-agree: RootTao is the sum of the root stake
// of every hotkey.
func checkRootStake(ctx context.Context, k Keeper) (bool, string, error) {
	var sum uint64
	rng := collections.NewPrefixedPairRange[uint32, sdk.AccAddress](types.RootNetuid)
	err := k.SubnetHotkeyPools.Walk(ctx, rng, func(key collections.Pair[uint32, sdk.AccAddress]) (bool, error) {
		p, err := k.hotkeyPool(ctx, key.K2(), types.RootNetuid)
		sum += p.Alpha
		return false, err
	})
	if err != nil {
		return false, "", err
	}
	total, err := k.GetRootTao(ctx)
	if err != nil {
		return false, "", err
	}
	return total == sum, fmt.Sprintf("root_tao %d; Σ hotkeys' root stake %d", total, sum), nil
}
