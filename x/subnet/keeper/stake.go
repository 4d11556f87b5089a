package keeper

import (
	"context"
	"math"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Stake (§6.3, §8.1, §8.2, §8.6). A coldkey's stake is alpha of one subnet held through a hotkey's
// share pool (sharepool.go). Staking swaps TAO for alpha in the subnet's pool (swap.go) and
// deposits it; unstaking withdraws alpha and swaps it back. Every handler checks everything before
// it writes anything, so a refused message leaves balances, pools and stakes as they were.

// StakeOf is the alpha a coldkey has staked to a hotkey on a subnet.
func (k Keeper) StakeOf(ctx context.Context, hotkey, coldkey sdk.AccAddress, netuid uint32) (uint64, error) {
	pool, held, err := k.holding(ctx, stakeSpot{coldkey: coldkey, hotkey: hotkey, netuid: netuid})
	if err != nil {
		return 0, err
	}
	return shareValue(pool, held), nil
}

// HotkeyAlpha is all the alpha staked to a hotkey on a subnet, by every coldkey.
func (k Keeper) HotkeyAlpha(ctx context.Context, hotkey sdk.AccAddress, netuid uint32) (uint64, error) {
	pool, err := k.hotkeyPool(ctx, hotkey, netuid)
	return pool.Alpha, err
}

// stakeAlpha credits alpha to a coldkey's stake on a hotkey (update_value_for_one). The alpha must
// already be counted in the subnet's alpha_out. ErrZeroShares if it is too little to buy a share.
func (k Keeper) stakeAlpha(ctx context.Context, hotkey, coldkey sdk.AccAddress, netuid uint32, alpha uint64) error {
	if alpha == 0 {
		return nil
	}
	at := stakeSpot{coldkey: coldkey, hotkey: hotkey, netuid: netuid}
	pool, held, err := k.holding(ctx, at)
	if err != nil {
		return err
	}
	pool, held, err = poolDeposit(pool, held, alpha)
	if err != nil {
		return err
	}
	return k.saveHolding(ctx, at, pool, held)
}

// unstakeAlpha debits alpha from a coldkey's stake on a hotkey; the alpha stays in alpha_out for
// the caller to sell or move. ErrInsufficientStake if the stake is smaller.
func (k Keeper) unstakeAlpha(ctx context.Context, hotkey, coldkey sdk.AccAddress, netuid uint32, alpha uint64) error {
	if alpha == 0 {
		return nil
	}
	at := stakeSpot{coldkey: coldkey, hotkey: hotkey, netuid: netuid}
	pool, held, err := k.holding(ctx, at)
	if err != nil {
		return err
	}
	pool, held, err = poolWithdraw(pool, held, alpha)
	if err != nil {
		return errorsmod.Wrapf(err, "coldkey %s on hotkey %s, subnet %d", coldkey, hotkey, netuid)
	}
	return k.saveHolding(ctx, at, pool, held)
}

// addToHotkeyPool pays alpha to every nominator of a hotkey pro rata to their stake
// (update_value_for_all): dividends after the take. A hotkey nobody stakes to pays its owner
// coldkey instead, so emission never lands where no one can reach it.
func (k Keeper) addToHotkeyPool(ctx context.Context, hotkey sdk.AccAddress, netuid uint32, alpha uint64) error {
	if alpha == 0 {
		return nil
	}
	pool, err := k.hotkeyPool(ctx, hotkey, netuid)
	if err != nil {
		return err
	}
	if zeroIfNil(pool.Shares).IsZero() {
		owner, ok, err := k.HotkeyOwner(ctx, hotkey)
		if err != nil {
			return err
		}
		if !ok {
			return errorsmod.Wrapf(types.ErrHotkeyNotFound, "paying %d alpha to hotkey %s on subnet %d", alpha, hotkey, netuid)
		}
		return k.stakeAlpha(ctx, hotkey, owner, netuid, alpha)
	}
	pool, err = poolCredit(pool, alpha)
	if err != nil {
		return err
	}
	return k.setHotkeyPool(ctx, hotkey, netuid, pool)
}

// stakeSpot is where a stake sits: a coldkey's holding in a hotkey's pool on one subnet.
type stakeSpot struct {
	coldkey, hotkey sdk.AccAddress
	netuid          uint32
}

func (s stakeSpot) key() collections.Triple[sdk.AccAddress, sdk.AccAddress, uint32] {
	return collections.Join3(s.coldkey, s.hotkey, s.netuid)
}

func (s stakeSpot) samePool(o stakeSpot) bool {
	return s.netuid == o.netuid && s.hotkey.Equals(o.hotkey)
}

func (k Keeper) hotkeyPool(ctx context.Context, hotkey sdk.AccAddress, netuid uint32) (types.HotkeyPool, error) {
	pool, err := k.HotkeyPools.Get(ctx, pairKey(hotkey, netuid))
	if isNotFound(err) {
		return emptyHotkeyPool(), nil
	}
	pool.Shares = zeroIfNil(pool.Shares)
	return pool, err
}

// holding reads a hotkey's pool and a coldkey's shares of it.
func (k Keeper) holding(ctx context.Context, at stakeSpot) (types.HotkeyPool, sdkmath.Uint, error) {
	pool, err := k.hotkeyPool(ctx, at.hotkey, at.netuid)
	if err != nil {
		return pool, sdkmath.Uint{}, err
	}
	held, err := k.Stakes.Get(ctx, at.key())
	if isNotFound(err) {
		return pool, sdkmath.ZeroUint(), nil
	}
	return pool, held, err
}

// saveHolding writes a pool and a holding back, deleting what became empty.
func (k Keeper) saveHolding(ctx context.Context, at stakeSpot, pool types.HotkeyPool, held sdkmath.Uint) error {
	var err error
	if held.IsZero() {
		err = k.removeStake(ctx, at.coldkey, at.hotkey, at.netuid)
	} else {
		err = k.setStake(ctx, at.coldkey, at.hotkey, at.netuid, held)
	}
	if err != nil {
		return err
	}
	if pool.Alpha == 0 && pool.Shares.IsZero() {
		return k.removeHotkeyPool(ctx, at.hotkey, at.netuid)
	}
	return k.setHotkeyPool(ctx, at.hotkey, at.netuid, pool)
}

// setStake, removeStake, setHotkeyPool and removeHotkeyPool write Stakes and HotkeyPools with
// their by-subnet indexes; nothing else writes them.
func (k Keeper) setStake(ctx context.Context, coldkey, hotkey sdk.AccAddress, netuid uint32, shares sdkmath.Uint) error {
	if err := k.Stakes.Set(ctx, collections.Join3(coldkey, hotkey, netuid), shares); err != nil {
		return err
	}
	return k.SubnetStakes.Set(ctx, collections.Join3(netuid, hotkey, coldkey))
}

func (k Keeper) removeStake(ctx context.Context, coldkey, hotkey sdk.AccAddress, netuid uint32) error {
	if err := k.Stakes.Remove(ctx, collections.Join3(coldkey, hotkey, netuid)); err != nil {
		return err
	}
	return k.SubnetStakes.Remove(ctx, collections.Join3(netuid, hotkey, coldkey))
}

func (k Keeper) setHotkeyPool(ctx context.Context, hotkey sdk.AccAddress, netuid uint32, pool types.HotkeyPool) error {
	if err := k.HotkeyPools.Set(ctx, pairKey(hotkey, netuid), pool); err != nil {
		return err
	}
	return k.SubnetHotkeyPools.Set(ctx, pairKey(netuid, hotkey))
}

func (k Keeper) removeHotkeyPool(ctx context.Context, hotkey sdk.AccAddress, netuid uint32) error {
	if err := k.HotkeyPools.Remove(ctx, pairKey(hotkey, netuid)); err != nil {
		return err
	}
	return k.SubnetHotkeyPools.Remove(ctx, pairKey(netuid, hotkey))
}

// checkNetuidRange refuses netuids that do not fit the spec's u16.
func checkNetuidRange(netuid uint32) error {
	if netuid > math.MaxUint16 {
		return errorsmod.Wrapf(types.ErrValueOutOfRange, "netuid %d: netuids are at most 65535", netuid)
	}
	return nil
}

// stakingSubnet checks that a subnet exists and trades: staking and swaps open at start-call (§6.4).
func (k Keeper) stakingSubnet(ctx context.Context, netuid uint32) (types.Subnet, error) {
	if err := checkNetuidRange(netuid); err != nil {
		return types.Subnet{}, err
	}
	subnet, err := k.GetSubnet(ctx, netuid)
	if err != nil {
		return subnet, err
	}
	if subnet.FirstEmissionBlock == 0 {
		return subnet, errorsmod.Wrapf(types.ErrSubnetNotStarted, "subnet %d: its owner has not sent start-call yet", netuid)
	}
	return subnet, nil
}

// requireHotkey checks that a hotkey exists, i.e. has an owner (§8.1).
func (k Keeper) requireHotkey(ctx context.Context, hotkey sdk.AccAddress) error {
	_, ok, err := k.HotkeyOwner(ctx, hotkey)
	if err != nil {
		return err
	}
	if !ok {
		return errorsmod.Wrapf(types.ErrHotkeyNotFound, "%s", hotkey)
	}
	return nil
}

// AddStake swaps a coldkey's TAO for alpha and stakes it to a hotkey (§6.3 stake_into_subnet).
func (s msgServer) AddStake(ctx context.Context, msg *types.MsgAddStake) (*types.MsgAddStakeResponse, error) {
	k := s.k
	coldkey, hotkey, err := k.parseKeys(msg.Coldkey, msg.Hotkey)
	if err != nil {
		return nil, err
	}
	if msg.Amount == 0 {
		return nil, errorsmod.Wrap(types.ErrInvalidAmount, "amount is 0 rao: give the TAO to stake, fee included")
	}
	if msg.Netuid == types.RootNetuid {
		return k.addRootStake(ctx, msg, coldkey, hotkey)
	}
	if _, err := k.stakingSubnet(ctx, msg.Netuid); err != nil {
		return nil, err
	}
	if err := k.requireHotkey(ctx, hotkey); err != nil {
		return nil, err
	}
	pool, params, err := k.swapTerms(ctx, msg.Netuid)
	if err != nil {
		return nil, err
	}
	if fee := feeOf(msg.Amount, params.SwapFeeRate); msg.Amount-fee < params.MinStake {
		return nil, errorsmod.Wrapf(types.ErrAmountTooLow,
			"%s TAO is %s TAO after the fee; the minimum stake is %s TAO plus the fee",
			types.FormatTAO(msg.Amount), types.FormatTAO(msg.Amount-fee), types.FormatTAO(params.MinStake))
	}
	if balance := k.bank.SpendableCoin(ctx, coldkey, types.Denom).Amount; balance.LT(sdkmath.NewIntFromUint64(msg.Amount)) {
		return nil, errorsmod.Wrapf(types.ErrInsufficientBalance,
			"staking %s TAO but coldkey %s can spend %s rao", types.FormatTAO(msg.Amount), msg.Coldkey, balance)
	}
	q, err := quoteBuy(reservesOf(pool), newSwapRequest(params, msg.Amount, msg.LimitPrice, msg.AllowPartial, false))
	if err != nil {
		return nil, errorsmod.Wrapf(err, "subnet %d", msg.Netuid)
	}
	if q.AmountIn < params.MinStake {
		return nil, errorsmod.Wrapf(types.ErrAmountTooLow,
			"only %s TAO fits under your limit price, below the minimum stake of %s TAO", types.FormatTAO(q.AmountIn), types.FormatTAO(params.MinStake))
	}
	at := stakeSpot{coldkey: coldkey, hotkey: hotkey, netuid: msg.Netuid}
	if err := k.checkDeposit(ctx, at, q.AmountOut); err != nil {
		return nil, err
	}

	spent := q.AmountIn + q.Fee
	if err := k.bank.SendCoinsFromAccountToModule(ctx, coldkey, types.ModuleName, rao(spent)); err != nil {
		return nil, err
	}
	res, err := k.swapTaoForAlpha(ctx, msg.Netuid, spent, msg.LimitPrice, false)
	if err != nil {
		return nil, err
	}
	if res != q.SwapResult {
		return nil, errorsmod.Wrapf(types.ErrInconsistentState, "swap executed %+v, quoted %+v", res, q.SwapResult)
	}
	if err := k.stakeAlpha(ctx, hotkey, coldkey, msg.Netuid, res.AmountOut); err != nil {
		return nil, err
	}
	if err := emit(ctx, &types.EventStakeAdded{
		Coldkey: msg.Coldkey, Hotkey: msg.Hotkey, Netuid: msg.Netuid, Tao: spent, Alpha: res.AmountOut, Fee: res.Fee,
	}); err != nil {
		return nil, err
	}
	return &types.MsgAddStakeResponse{TaoSpent: spent, AlphaReceived: res.AmountOut, Fee: res.Fee}, nil
}

// RemoveStake unstakes alpha and swaps it for TAO paid to the coldkey (§6.3 unstake_from_subnet).
func (s msgServer) RemoveStake(ctx context.Context, msg *types.MsgRemoveStake) (*types.MsgRemoveStakeResponse, error) {
	k := s.k
	coldkey, hotkey, err := k.parseKeys(msg.Coldkey, msg.Hotkey)
	if err != nil {
		return nil, err
	}
	if msg.Alpha == 0 {
		return nil, errorsmod.Wrap(types.ErrInvalidAmount, "alpha is 0: give the alpha rao to unstake")
	}
	if msg.Netuid == types.RootNetuid {
		return k.removeRootStake(ctx, msg, coldkey, hotkey)
	}
	if _, err := k.stakingSubnet(ctx, msg.Netuid); err != nil {
		return nil, err
	}
	staked, err := k.StakeOf(ctx, hotkey, coldkey, msg.Netuid)
	if err != nil {
		return nil, err
	}
	if staked < msg.Alpha {
		return nil, errorsmod.Wrapf(types.ErrInsufficientStake,
			"unstaking %d alpha rao but coldkey %s has %d staked to hotkey %s on subnet %d", msg.Alpha, msg.Coldkey, staked, msg.Hotkey, msg.Netuid)
	}
	pool, params, err := k.swapTerms(ctx, msg.Netuid)
	if err != nil {
		return nil, err
	}
	q, err := quoteSell(reservesOf(pool), newSwapRequest(params, msg.Alpha, msg.LimitPrice, msg.AllowPartial, false))
	if err != nil {
		return nil, errorsmod.Wrapf(err, "subnet %d", msg.Netuid)
	}
	sold := q.AmountIn + q.Fee
	if q.AmountOut < params.MinStake && sold < staked {
		return nil, errorsmod.Wrapf(types.ErrAmountTooLow,
			"unstaking %d alpha rao pays %s TAO, below the minimum of %s; unstake more, or all %d", sold, types.FormatTAO(q.AmountOut), types.FormatTAO(params.MinStake), staked)
	}

	if err := k.unstakeAlpha(ctx, hotkey, coldkey, msg.Netuid, sold); err != nil {
		return nil, err
	}
	res, err := k.swapAlphaForTao(ctx, msg.Netuid, sold, msg.LimitPrice, false)
	if err != nil {
		return nil, err
	}
	if res != q.SwapResult {
		return nil, errorsmod.Wrapf(types.ErrInconsistentState, "swap executed %+v, quoted %+v", res, q.SwapResult)
	}
	if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, coldkey, rao(res.AmountOut)); err != nil {
		return nil, err
	}
	if err := emit(ctx, &types.EventStakeRemoved{
		Coldkey: msg.Coldkey, Hotkey: msg.Hotkey, Netuid: msg.Netuid, Alpha: sold, Tao: res.AmountOut, Fee: res.Fee,
	}); err != nil {
		return nil, err
	}
	// What a nominator leaves below nominator_min_required_stake goes with it (§8.6).
	if err := k.clearSmallNomination(ctx, hotkey, coldkey, msg.Netuid, params); err != nil {
		return nil, err
	}
	// A hotkey left below StakeThreshold loses the children it scheduled (§8.4).
	if err := k.dropPendingChildrenBelowThreshold(ctx, hotkey); err != nil {
		return nil, err
	}
	return &types.MsgRemoveStakeResponse{AlphaSpent: sold, TaoReceived: res.AmountOut, Fee: res.Fee}, nil
}

// MoveStake moves a coldkey's stake to another hotkey and/or subnet.
func (s msgServer) MoveStake(ctx context.Context, msg *types.MsgMoveStake) (*types.MsgMoveStakeResponse, error) {
	coldkey, err := s.k.parseAddress("coldkey", msg.Coldkey)
	if err != nil {
		return nil, err
	}
	from, err := s.k.parseAddress("origin_hotkey", msg.OriginHotkey)
	if err != nil {
		return nil, err
	}
	to, err := s.k.parseAddress("destination_hotkey", msg.DestinationHotkey)
	if err != nil {
		return nil, err
	}
	received, err := s.k.relocateStake(ctx,
		stakeSpot{coldkey: coldkey, hotkey: from, netuid: msg.OriginNetuid},
		stakeSpot{coldkey: coldkey, hotkey: to, netuid: msg.DestinationNetuid}, msg.Alpha)
	if err != nil {
		return nil, err
	}
	return &types.MsgMoveStakeResponse{AlphaReceived: received}, nil
}

// TransferStake gives a coldkey's stake on a hotkey to another coldkey, on the same subnet or, by
// swapping, another one. Each subnet involved must allow transfers (transfers_enabled).
func (s msgServer) TransferStake(ctx context.Context, msg *types.MsgTransferStake) (*types.MsgTransferStakeResponse, error) {
	coldkey, err := s.k.parseAddress("coldkey", msg.Coldkey)
	if err != nil {
		return nil, err
	}
	dest, err := s.k.parseAddress("destination_coldkey", msg.DestinationColdkey)
	if err != nil {
		return nil, err
	}
	hotkey, err := s.k.parseAddress("hotkey", msg.Hotkey)
	if err != nil {
		return nil, err
	}
	if !coldkey.Equals(dest) {
		for _, netuid := range []uint32{msg.OriginNetuid, msg.DestinationNetuid} {
			if err := s.k.requireTransfers(ctx, netuid); err != nil {
				return nil, err
			}
		}
	}
	received, err := s.k.relocateStake(ctx,
		stakeSpot{coldkey: coldkey, hotkey: hotkey, netuid: msg.OriginNetuid},
		stakeSpot{coldkey: dest, hotkey: hotkey, netuid: msg.DestinationNetuid}, msg.Alpha)
	if err != nil {
		return nil, err
	}
	return &types.MsgTransferStakeResponse{AlphaReceived: received}, nil
}

func (k Keeper) requireTransfers(ctx context.Context, netuid uint32) error {
	if err := checkNetuidRange(netuid); err != nil {
		return err
	}
	if _, err := k.GetSubnet(ctx, netuid); err != nil {
		return err
	}
	h, err := k.GetHyperparams(ctx, netuid)
	if err != nil {
		return err
	}
	if !h.TransfersEnabled {
		return errorsmod.Wrapf(types.ErrTransfersDisabled, "subnet %d: its owner has turned transfers_enabled off; move the stake instead", netuid)
	}
	return nil
}

// relocateStake moves alpha of stake from one spot to another. Within a subnet the alpha moves as
// it is; across subnets it is sold on the origin's pool and the TAO bought into the destination's,
// both legs paying the swap fee (§6.3). Either way it must be worth at least MinStake in TAO.
func (k Keeper) relocateStake(ctx context.Context, from, to stakeSpot, alpha uint64) (uint64, error) {
	if alpha == 0 {
		return 0, errorsmod.Wrap(types.ErrInvalidAmount, "alpha is 0: give the alpha rao to move")
	}
	if from.samePool(to) && from.coldkey.Equals(to.coldkey) {
		return 0, errorsmod.Wrapf(types.ErrSameStakeLocation, "hotkey %s on subnet %d is where the stake already is", from.hotkey, from.netuid)
	}
	for _, netuid := range []uint32{from.netuid, to.netuid} {
		if _, err := k.stakingSubnet(ctx, netuid); err != nil {
			return 0, err
		}
	}
	if err := k.requireHotkey(ctx, to.hotkey); err != nil {
		return 0, err
	}
	fromPool, fromHeld, err := k.holding(ctx, from)
	if err != nil {
		return 0, err
	}
	fromPoolAfter, _, err := poolWithdraw(fromPool, fromHeld, alpha)
	if err != nil {
		return 0, errorsmod.Wrapf(err, "coldkey %s on hotkey %s, subnet %d", from.coldkey, from.hotkey, from.netuid)
	}
	origin, params, err := k.swapTerms(ctx, from.netuid)
	if err != nil {
		return 0, err
	}

	var sale, purchase swapQuote
	moved := alpha
	if from.netuid == to.netuid {
		if worth := reservesOf(origin).taoWorth(alpha); worth < params.MinStake {
			return 0, errorsmod.Wrapf(types.ErrAmountTooLow,
				"%d alpha rao is worth %s TAO at the current price, below the minimum stake of %s", alpha, types.FormatTAO(worth), types.FormatTAO(params.MinStake))
		}
	} else {
		if sale, err = quoteSell(reservesOf(origin), newSwapRequest(params, alpha, 0, false, false)); err != nil {
			return 0, errorsmod.Wrapf(err, "selling on subnet %d", from.netuid)
		}
		if sale.AmountOut < params.MinStake {
			return 0, errorsmod.Wrapf(types.ErrAmountTooLow,
				"%d alpha rao sells for %s TAO, below the minimum stake of %s", alpha, types.FormatTAO(sale.AmountOut), types.FormatTAO(params.MinStake))
		}
		destination, err := k.GetPool(ctx, to.netuid)
		if err != nil {
			return 0, err
		}
		if purchase, err = quoteBuy(reservesOf(destination), newSwapRequest(params, sale.AmountOut, 0, false, false)); err != nil {
			return 0, errorsmod.Wrapf(err, "buying on subnet %d", to.netuid)
		}
		moved = purchase.AmountOut
	}
	toPool, toHeld, err := k.holding(ctx, to)
	if err != nil {
		return 0, err
	}
	if from.samePool(to) {
		toPool = fromPoolAfter
	}
	if _, _, err := poolDeposit(toPool, toHeld, moved); err != nil {
		return 0, err
	}

	if err := k.unstakeAlpha(ctx, from.hotkey, from.coldkey, from.netuid, alpha); err != nil {
		return 0, err
	}
	if from.netuid != to.netuid {
		res, err := k.swapAlphaForTao(ctx, from.netuid, alpha, 0, false)
		if err != nil {
			return 0, err
		}
		bought, err := k.swapTaoForAlpha(ctx, to.netuid, res.AmountOut, 0, false)
		if err != nil {
			return 0, err
		}
		if res != sale.SwapResult || bought != purchase.SwapResult {
			return 0, errorsmod.Wrapf(types.ErrInconsistentState, "move executed %+v then %+v, quoted %+v then %+v",
				res, bought, sale.SwapResult, purchase.SwapResult)
		}
	}
	if err := k.stakeAlpha(ctx, to.hotkey, to.coldkey, to.netuid, moved); err != nil {
		return 0, err
	}
	return moved, emit(ctx, &types.EventStakeMoved{
		Coldkey: from.coldkey.String(), DestinationColdkey: to.coldkey.String(),
		OriginHotkey: from.hotkey.String(), DestinationHotkey: to.hotkey.String(),
		OriginNetuid: from.netuid, DestinationNetuid: to.netuid, AlphaOut: alpha, AlphaIn: moved,
	})
}

// checkDeposit refuses a deposit that would buy no share, before anything is written.
func (k Keeper) checkDeposit(ctx context.Context, at stakeSpot, alpha uint64) error {
	pool, held, err := k.holding(ctx, at)
	if err != nil {
		return err
	}
	_, _, err = poolDeposit(pool, held, alpha)
	return err
}

// Stakes lists a coldkey's balance and every stake it holds, each with what unstaking all of it
// would pay now (0 where the pool cannot pay it out).
func (q queryServer) Stakes(ctx context.Context, req *types.QueryStakesRequest) (*types.QueryStakesResponse, error) {
	if req == nil {
		return nil, errorsmod.Wrap(types.ErrInvalidAddress, "empty request: give a coldkey")
	}
	coldkey, err := q.k.parseAddress("coldkey", req.Coldkey)
	if err != nil {
		return nil, err
	}
	params, err := q.k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	resp := &types.QueryStakesResponse{
		Coldkey: req.Coldkey,
		Balance: q.k.bank.GetBalance(ctx, coldkey, types.Denom).Amount.Uint64(),
	}
	pools := map[uint32]types.Pool{}
	rng := collections.NewPrefixedTripleRange[sdk.AccAddress, sdk.AccAddress, uint32](coldkey)
	err = q.k.Stakes.Walk(ctx, rng, func(key collections.Triple[sdk.AccAddress, sdk.AccAddress, uint32], held sdkmath.Uint) (bool, error) {
		hotkey, netuid := key.K2(), key.K3()
		hp, err := q.k.hotkeyPool(ctx, hotkey, netuid)
		if err != nil {
			return true, err
		}
		view := types.StakeView{Hotkey: hotkey.String(), Netuid: netuid, Alpha: shareValue(hp, held)}
		if netuid == types.RootNetuid {
			// Root stake is TAO, unstaked 1:1 without a fee.
			view.TaoValue = view.Alpha
			resp.Stakes = append(resp.Stakes, view)
			return false, nil
		}
		pool, ok := pools[netuid]
		if !ok {
			dissolving, err := q.k.Dissolutions.Has(ctx, netuid)
			if err != nil {
				return true, err
			}
			if dissolving {
				// A pruned subnet's stake no longer trades: its TAO is being paid out (§6.4).
				resp.Stakes = append(resp.Stakes, view)
				return false, nil
			}
			if pool, err = q.k.GetPool(ctx, netuid); err != nil {
				return true, err
			}
			pools[netuid] = pool
		}
		if view.Alpha > 0 {
			if sale, err := quoteSell(reservesOf(pool), newSwapRequest(params, view.Alpha, 0, false, false)); err == nil {
				view.TaoValue = sale.AmountOut
			}
		}
		resp.Stakes = append(resp.Stakes, view)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}
