package keeper

import (
	"context"
	"errors"

	errorsmod "cosmossdk.io/errors"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// One block's flow of new TAO and alpha into the subnets (§5.2–§5.6). The coinbase mints the block
// emission; this file decides how much TAO each subnet's pool takes, how much alpha its pool and its
// stakers get, and what is left to recycle.

// emitting is a subnet that receives emission this block, with the records the block step reads.
type emitting struct {
	netuid uint32
	subnet types.Subnet
	hp     types.Hyperparams
	pool   types.Pool
}

// emittingSubnets are the subnets whose owner sent start-call and that allow registration (§5.2),
// in ascending netuid order.
func (k Keeper) emittingSubnets(ctx context.Context) ([]emitting, error) {
	netuids, err := k.Netuids(ctx)
	if err != nil {
		return nil, err
	}
	block := blockHeight(ctx)
	var out []emitting
	for _, netuid := range netuids {
		s, err := k.GetSubnet(ctx, netuid)
		if err != nil {
			return nil, err
		}
		if s.FirstEmissionBlock == 0 || s.FirstEmissionBlock > block {
			continue
		}
		hp, err := k.GetHyperparams(ctx, netuid)
		if err != nil {
			return nil, err
		}
		if !hp.RegistrationAllowed {
			continue
		}
		pool, err := k.GetPool(ctx, netuid)
		if err != nil {
			return nil, err
		}
		out = append(out, emitting{netuid: netuid, subnet: s, hp: hp, pool: pool})
	}
	return out, nil
}

// emissionShares are the subnets' shares of the block's TAO emission (§5.3): their moving prices,
// normalized, weighed down by the share of last epoch's miner emission they withheld, and limited to
// subnets whose TAO-side emission the authority enabled.
func emissionShares(subnets []emitting) []fixed.U64F64 {
	zero, one := fixed.U64F64FromUint(0), fixed.U64F64One()
	prices := make([]fixed.U64F64, len(subnets))
	sumPrice := zero
	for i, s := range subnets {
		prices[i] = i96f32FromBytes(s.pool.MovingPrice).ToU64F64()
		sumPrice = sumPrice.SatAdd(prices[i])
	}
	shares := make([]fixed.U64F64, len(subnets))
	weighted := make([]fixed.U64F64, len(subnets))
	sumWeighted := zero
	for i, s := range subnets {
		shares[i] = prices[i].SafeDiv(sumPrice)
		burned := u96f32FromBytes(s.pool.MinerBurned).ToU64F64().Min(one)
		weighted[i] = shares[i].SatMul(one.SatSub(burned))
		sumWeighted = sumWeighted.SatAdd(weighted[i])
	}
	if !sumWeighted.IsZero() {
		for i := range shares {
			shares[i] = weighted[i].SafeDiv(sumWeighted)
		}
	}
	allEnabled, sumEnabled := true, zero
	for i, s := range subnets {
		if s.hp.EmissionEnabled {
			sumEnabled = sumEnabled.SatAdd(shares[i])
		} else {
			allEnabled = false
		}
	}
	if !allEnabled {
		for i, s := range subnets {
			if s.hp.EmissionEnabled {
				shares[i] = shares[i].SafeDiv(sumEnabled)
			} else {
				shares[i] = zero
			}
		}
	}
	return shares
}

// injection is what one subnet takes from a block (§5.4): TAO and alpha into its pool, and TAO the
// chain spends buying alpha because the pool could not take it at its price.
type injection struct {
	taoIn, alphaIn, excessTao uint64
}

// injectionFor splits a subnet's TAO emission. Until the root network exists the alpha minted into
// the pool is capped by the subnet's own alpha emission (DESIGN.md: the legacy cap of §5.4).
func injectionFor(taoEmission uint64, price fixed.U64F64, alphaEmission uint64) injection {
	in := injection{taoIn: taoEmission}
	if !price.IsZero() {
		alphaIn := fixed.U64F64FromUint(taoEmission).SafeDiv(price)
		if alphaIn.Gt(fixed.U64F64FromUint(alphaEmission)) {
			in.alphaIn = alphaEmission
			in.taoIn = fixed.U64F64FromUint(alphaEmission).SatMul(price).ToUint64()
		} else {
			in.alphaIn = alphaIn.ToUint64()
		}
	}
	if in.taoIn > taoEmission {
		in.taoIn = taoEmission
	}
	in.excessTao = taoEmission - in.taoIn
	return in
}

// alphaOutSplit is §5.5: the owner's cut, then half of the rest to miners and half to validators,
// of which the root proportion goes to root stakers (root dividends). It returns the pending
// amounts and the root alpha, each floored as subtensor floors them.
func alphaOutSplit(alphaEmission uint64, ownerCutU16 uint32, ownerCutEnabled bool, rootProp fixed.U96F32) (types.PendingEmission, uint64) {
	emit := fixed.U96F32FromUint(alphaEmission)
	cut := fixed.U96F32FromUint(0)
	if ownerCutEnabled {
		cut = emit.SatMul(fixed.U96F32FromUint(uint64(ownerCutU16)).SafeDiv(fixed.U96F32FromUint(types.MaxU16)))
	}
	half := fixed.MustU96F32FromLiteral("0.5")
	rest := emit.SatSub(cut)
	root := rootProp.SatMul(rest).SatMul(half)
	server := rest.SatMul(half)
	validator := rest.SatSub(server).SatSub(root)
	return types.PendingEmission{Server: server.ToUint64(), Validator: validator.ToUint64(), OwnerCut: cut.ToUint64()}, root.ToUint64()
}

// rootProportion is §5.4's root_prop of a subnet with the given alpha issuance:
// RootTao·tw / (RootTao·tw + issuance) in U96F32, 0 when both are 0.
func rootProportion(rootTao, alphaIssuance, taoWeight uint64) fixed.U96F32 {
	weighted := fixed.U96F32FromUint(rootTao).SatMul(proportion(taoWeight))
	p, ok := weighted.CheckedDiv(weighted.SatAdd(fixed.U96F32FromUint(alphaIssuance)))
	if !ok {
		return fixed.U96F32{}
	}
	return p
}

// rootSellFlag is §5.5's root_sell_flag: root dividends accumulate only while the emitting
// subnets' moving prices add up to more than 1 TAO per alpha; otherwise the root alpha is recycled.
func rootSellFlag(subnets []emitting) bool {
	var sum fixed.U64F64
	for _, s := range subnets {
		sum = sum.SatAdd(i96f32FromBytes(s.pool.MovingPrice).ToU64F64())
	}
	return sum.Gt(fixed.U64F64One())
}

// injectEmission runs §5.4 and §5.5 for every emitting subnet and returns the TAO it moved into
// pools (the rest of the coinbase is recycled).
func (k Keeper) injectEmission(ctx context.Context, subnets []emitting, blockEmission uint64) (uint64, error) {
	params, err := k.mustParams(ctx)
	if err != nil {
		return 0, err
	}
	shares := emissionShares(subnets)
	rootTao, err := k.GetRootTao(ctx)
	if err != nil {
		return 0, err
	}
	sell := rootSellFlag(subnets)
	var spent uint64
	for i := range subnets {
		s := &subnets[i]
		taoEmission := fixed.U64F64FromUint(blockEmission).SatMul(shares[i]).ToU96F32().ToUint64()
		alphaEmission := fixed.EmissionForIssuance(s.pool.AlphaIn+s.pool.AlphaOut, types.MaxSupply, types.InitialBlockEmission)
		price, err := k.Price(ctx, s.netuid)
		if err != nil {
			return 0, err
		}
		in := injectionFor(taoEmission, price, alphaEmission)
		if params.PoolWeightUpdates {
			// §5.4 step 1: the weights move first, so that what is added keeps the price.
			if in, err = k.reweightForInjection(ctx, s.netuid, &s.pool, in); err != nil {
				return 0, err
			}
		}

		// The chain buys alpha with the TAO the pool could not take, before the injection and
		// without fees; what it buys is protocol-owned.
		// A pool too shallow for the buy keeps its TAO out: the excess is then recycled.
		if in.excessTao > 0 {
			bought, err := k.swapTaoForAlpha(ctx, s.netuid, in.excessTao, 0, true)
			switch {
			case err == nil:
				if s.pool, err = k.GetPool(ctx, s.netuid); err != nil {
					return 0, err
				}
				s.pool.ProtocolAlpha += bought.AmountOut
				spent += bought.AmountIn
			case isSwapRefusal(err):
				in.excessTao = 0
			default:
				return 0, err
			}
		}
		s.pool.AlphaIn += in.alphaIn
		s.pool.Tao += in.taoIn
		spent += in.taoIn
		s.pool.TaoInEmission, s.pool.AlphaInEmission, s.pool.ExcessTao = in.taoIn, in.alphaIn, in.excessTao

		// §5.5: this block's alpha for stakers accumulates until the subnet's next epoch.
		s.pool.AlphaOut += alphaEmission
		s.pool.AlphaOutEmission = alphaEmission
		s.pool.AlphaIssued += in.alphaIn + alphaEmission
		// The split's root proportion sees this block's alpha already minted, as subtensor's does.
		rootProp := rootProportion(rootTao, s.pool.AlphaIn+s.pool.AlphaOut, params.TaoWeight)
		split, rootAlpha := alphaOutSplit(alphaEmission, params.SubnetOwnerCut, s.hp.OwnerCutEnabled, rootProp)
		if rootAlpha > 0 {
			if sell {
				pendingRoot, err := getOrZero(ctx, func(ctx context.Context) (uint64, error) { return k.RootPending.Get(ctx, s.netuid) })
				if err != nil {
					return 0, err
				}
				if err := k.RootPending.Set(ctx, s.netuid, pendingRoot+rootAlpha); err != nil {
					return 0, err
				}
			} else {
				s.pool.AlphaOut -= rootAlpha
				s.pool.AlphaRecycled += rootAlpha
			}
		}
		if err := k.Pools.Set(ctx, s.netuid, s.pool); err != nil {
			return 0, err
		}
		pending, err := k.GetPending(ctx, s.netuid)
		if err != nil {
			return 0, err
		}
		pending.Server += split.Server
		pending.Validator += split.Validator
		pending.OwnerCut += split.OwnerCut
		if err := k.Pending.Set(ctx, s.netuid, pending); err != nil {
			return 0, err
		}
	}
	return spent, nil
}

// isSwapRefusal tells a pool that cannot take a trade apart from a broken store.
func isSwapRefusal(err error) bool {
	for _, refusal := range []error{types.ErrPoolReservesTooLow, types.ErrSwapTooLarge, types.ErrSlippage, types.ErrInvalidAmount} {
		if errors.Is(err, refusal) {
			return true
		}
	}
	return false
}

// updateMovingPrices is §5.6: each emitting subnet's price EMA moves toward its current price
// (capped at 1 TAO per alpha), faster as the subnet ages.
func (k Keeper) updateMovingPrices(ctx context.Context, subnets []emitting) error {
	params, err := k.mustParams(ctx)
	if err != nil {
		return err
	}
	movingAlpha, err := types.ParseSubnetMovingAlpha(params.SubnetMovingAlpha)
	if err != nil {
		return errorsmod.Wrap(types.ErrInconsistentState, err.Error())
	}
	block := blockHeight(ctx)
	for _, s := range subnets {
		pool, err := k.GetPool(ctx, s.netuid)
		if err != nil {
			return err
		}
		price, err := k.Price(ctx, s.netuid)
		if err != nil {
			return err
		}
		age := satSub(block, satSub(s.subnet.FirstEmissionBlock, 1))
		next := nextMovingPrice(i96f32FromBytes(pool.MovingPrice), price, age, s.hp.EmaPriceHalvingBlocks, movingAlpha)
		pool.MovingPrice = i96f32Bytes(next)
		if err := k.Pools.Set(ctx, s.netuid, pool); err != nil {
			return err
		}
	}
	return nil
}

// nextMovingPrice is §5.6's update_moving_price in its own arithmetic: the factor is
// SubnetMovingAlpha (I96F32, widened to U64F64) times age/(age + halving) (a U64F64 quotient,
// truncated), the price is capped at 1, and the U64F64 result is stored as an I96F32 (truncated).
// age is the number of blocks since the block before the first emission.
func nextMovingPrice(old fixed.I96F32, price fixed.U64F64, age, halving uint64, movingAlpha fixed.I96F32) fixed.I96F32 {
	one := fixed.U64F64One()
	t := fixed.U64F64FromUint(age)
	a := movingAlpha.ToU64F64().SatMul(t.SafeDiv(t.SatAdd(fixed.U64F64FromUint(halving))))
	current := a.SatMul(price.Min(one))
	moving := one.SatSub(a).SatMul(old.ToU64F64())
	return current.SatAdd(moving).ToI96F32()
}
