package keeper

import (
	"context"
	"fmt"
	"math/big"
	"slices"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Root dividends and their claims (§5.8, §5.9). An epoch credits a hotkey's root stakers with
// alpha by raising the hotkey's rate on the subnet (RootClaimable: alpha per rao of root stake)
// and its held alpha; a root staker is owed rate·stake − claimed, and a claim pays it, swapped to
// TAO staked on root or kept as alpha stake, as the coldkey's claim type says.
//
// One deliberate difference from subtensor: the claimed watermark is an I96F32, not a u128 of
// whole rao, and a change of root stake moves it by rate·Δ exactly (the rate has 32 fraction bits
// and Δ is whole, so the product is exact). Subtensor floors that product and saturates at 0, so
// each stake change can hand a staker under a rao it was never credited. Here a stake change
// leaves every staker's claim exactly as it was, and rate·(hotkey's root stake) − Σ claimed never
// exceeds the held alpha: every claim is backed (invariant root-claims-backed).

// rootClaimed is RootClaimed of (netuid, hotkey, coldkey).
func (k Keeper) rootClaimed(ctx context.Context, netuid uint32, hotkey, coldkey sdk.AccAddress) (fixed.I96F32, error) {
	b, err := k.RootClaimed.Get(ctx, collections.Join3(netuid, hotkey, coldkey))
	if isNotFound(err) {
		return fixed.I96F32FromUint(0), nil
	}
	return i96f32FromBytes(b), err
}

func (k Keeper) setRootClaimed(ctx context.Context, netuid uint32, hotkey, coldkey sdk.AccAddress, v fixed.I96F32) error {
	key := collections.Join3(netuid, hotkey, coldkey)
	if v.IsZero() {
		return k.RootClaimed.Remove(ctx, key)
	}
	return k.RootClaimed.Set(ctx, key, i96f32Bytes(v))
}

// rootDividendsOf lists the subnets a hotkey has root dividends on, ascending.
func (k Keeper) rootDividendsOf(ctx context.Context, hotkey sdk.AccAddress) ([]uint32, []types.RootDividends, error) {
	var netuids []uint32
	var divs []types.RootDividends
	rng := collections.NewPrefixedPairRange[sdk.AccAddress, uint32](hotkey)
	err := k.RootDividends.Walk(ctx, rng, func(key collections.Pair[sdk.AccAddress, uint32], d types.RootDividends) (bool, error) {
		netuids = append(netuids, key.K2())
		divs = append(divs, d)
		return false, nil
	})
	return netuids, divs, err
}

// rootStakeChanged moves a coldkey's claimed watermark on every subnet its hotkey has root
// dividends on by rate·delta, delta being the change of the hotkey's root stake that the coldkey
// made: new stake claims nothing already credited, removed stake keeps what it was owed (§5.9).
func (k Keeper) rootStakeChanged(ctx context.Context, hotkey, coldkey sdk.AccAddress, delta int64) error {
	if err := k.RootStakers.Set(ctx, collections.Join(coldkey, hotkey)); err != nil {
		return err
	}
	netuids, divs, err := k.rootDividendsOf(ctx, hotkey)
	if err != nil {
		return err
	}
	change := fixed.I96F32FromInt(delta)
	for i, netuid := range netuids {
		claimed, err := k.rootClaimed(ctx, netuid, hotkey, coldkey)
		if err != nil {
			return err
		}
		claimed = claimed.SatAdd(i96f32FromBytes(divs[i].Rate).SatMul(change))
		if err := k.setRootClaimed(ctx, netuid, hotkey, coldkey, claimed); err != nil {
			return err
		}
	}
	return nil
}

// maxRootClaimSubnets is how many subnets one claim may name (subtensor's MAX_SUBNET_CLAIMS).
const maxRootClaimSubnets = 5

// checkRootClaimType refuses a kind that does not exist, a kept-subnet list outside
// ROOT_CLAIM_KEEP_SUBNETS, an empty one inside it, and netuids out of [1, 65535].
func checkRootClaimType(t types.RootClaimType) error {
	switch t.Kind {
	case types.ROOT_CLAIM_SWAP, types.ROOT_CLAIM_KEEP:
		if len(t.Subnets) > 0 {
			return errorsmod.Wrapf(types.ErrRootClaimType, "%s takes no subnets; list them with %s", t.Kind, types.ROOT_CLAIM_KEEP_SUBNETS)
		}
	case types.ROOT_CLAIM_KEEP_SUBNETS:
		if len(t.Subnets) == 0 {
			return errorsmod.Wrapf(types.ErrRootClaimType, "%s needs the subnets to keep", t.Kind)
		}
		for _, n := range t.Subnets {
			if n == types.RootNetuid || n > types.MaxU16 {
				return errorsmod.Wrapf(types.ErrRootClaimType, "netuid %d: kept subnets are in [1, 65535]", n)
			}
		}
	default:
		return errorsmod.Wrapf(types.ErrRootClaimType, "kind %d: use swap, keep or keep-subnets", t.Kind)
	}
	return nil
}

// swaps says whether a claim on netuid sells the alpha for TAO.
func claimSwaps(t types.RootClaimType, netuid uint32) bool {
	switch t.Kind {
	case types.ROOT_CLAIM_KEEP:
		return false
	case types.ROOT_CLAIM_KEEP_SUBNETS:
		return !slices.Contains(t.Subnets, netuid)
	default:
		return true
	}
}

// SetRootClaimType sets what the coldkey's root claims do (§5.9).
func (s msgServer) SetRootClaimType(ctx context.Context, msg *types.MsgSetRootClaimType) (*types.MsgSetRootClaimTypeResponse, error) {
	coldkey, err := s.k.parseAddress("coldkey", msg.Coldkey)
	if err != nil {
		return nil, err
	}
	t := types.RootClaimType{Kind: msg.Kind, Subnets: slices.Compact(slices.Sorted(slices.Values(msg.Subnets)))}
	if err := checkRootClaimType(t); err != nil {
		return nil, err
	}
	if err := s.k.RootClaimTypes.Set(ctx, coldkey, t); err != nil {
		return nil, err
	}
	return &types.MsgSetRootClaimTypeResponse{}, emit(ctx, &types.EventRootClaimTypeSet{Coldkey: msg.Coldkey, ClaimType: t})
}

// RootClaimTypeOf is a coldkey's claim type (swap unless it chose another).
func (k Keeper) RootClaimTypeOf(ctx context.Context, coldkey sdk.AccAddress) (types.RootClaimType, error) {
	t, err := k.RootClaimTypes.Get(ctx, coldkey)
	if isNotFound(err) {
		return types.RootClaimType{Kind: types.ROOT_CLAIM_SWAP}, nil
	}
	return t, err
}

// ClaimRoot pays the coldkey what it is owed on the listed subnets through every hotkey it
// stakes to on root (§5.9 claim_root); amounts under root_claim_threshold wait.
func (s msgServer) ClaimRoot(ctx context.Context, msg *types.MsgClaimRoot) (*types.MsgClaimRootResponse, error) {
	k := s.k
	coldkey, err := k.parseAddress("coldkey", msg.Coldkey)
	if err != nil {
		return nil, err
	}
	netuids := slices.Sorted(slices.Values(msg.Netuids))
	if len(netuids) == 0 || len(netuids) > maxRootClaimSubnets || len(slices.Compact(slices.Clone(netuids))) != len(netuids) {
		return nil, errorsmod.Wrapf(types.ErrRootClaimSubnets, "got %v", msg.Netuids)
	}
	claims, err := k.claimRoot(ctx, coldkey, netuids)
	if err != nil {
		return nil, err
	}
	return &types.MsgClaimRootResponse{Claims: claims}, nil
}

// claimRoot claims for a coldkey on the given subnets (all of them if netuids is nil).
func (k Keeper) claimRoot(ctx context.Context, coldkey sdk.AccAddress, netuids []uint32) ([]types.RootClaim, error) {
	params, err := k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	claimType, err := k.RootClaimTypeOf(ctx, coldkey)
	if err != nil {
		return nil, err
	}
	hotkeys, err := k.rootHotkeysOf(ctx, coldkey)
	if err != nil {
		return nil, err
	}
	var claims []types.RootClaim
	for _, hotkey := range hotkeys {
		subnets, _, err := k.rootDividendsOf(ctx, hotkey)
		if err != nil {
			return nil, err
		}
		for _, netuid := range subnets {
			if netuids != nil && !slices.Contains(netuids, netuid) {
				continue
			}
			c, paid, err := k.claimRootOn(ctx, hotkey, coldkey, netuid, claimSwaps(claimType, netuid), params.RootClaimThreshold)
			if err != nil {
				return nil, err
			}
			if !paid {
				continue
			}
			claims = append(claims, c)
			if err := emit(ctx, &types.EventRootClaimed{Coldkey: coldkey.String(), Claim: c}); err != nil {
				return nil, err
			}
		}
	}
	return claims, nil
}

// RootOwed is what a coldkey is owed on a subnet through a hotkey: rate·stake − claimed, an
// I96F32 (negative reads as nothing owed).
func (k Keeper) RootOwed(ctx context.Context, hotkey, coldkey sdk.AccAddress, netuid uint32) (fixed.I96F32, error) {
	d, err := k.RootDividends.Get(ctx, collections.Join(hotkey, netuid))
	if isNotFound(err) {
		return fixed.I96F32FromUint(0), nil
	}
	if err != nil {
		return fixed.I96F32{}, err
	}
	stake, err := k.StakeOf(ctx, hotkey, coldkey, types.RootNetuid)
	if err != nil {
		return fixed.I96F32{}, err
	}
	claimed, err := k.rootClaimed(ctx, netuid, hotkey, coldkey)
	if err != nil {
		return fixed.I96F32{}, err
	}
	return i96f32FromBytes(d.Rate).SatMul(fixed.I96F32FromUint(stake)).SatSub(claimed), nil
}

// claimRootOn is root_claim_on_subnet: pays floor(owed) if owed reaches the threshold, kept as
// alpha stake on the subnet or sold for TAO (no fee) staked on root. It pays at most what the
// hotkey holds for its stakers, which the accounting above makes always enough.
func (k Keeper) claimRootOn(ctx context.Context, hotkey, coldkey sdk.AccAddress, netuid uint32, swap bool, threshold uint64) (types.RootClaim, bool, error) {
	owed, err := k.RootOwed(ctx, hotkey, coldkey, netuid)
	if err != nil || owed.Lt(fixed.I96F32FromUint(threshold)) {
		return types.RootClaim{}, false, err
	}
	amount := owed.ToUint64()
	if amount == 0 {
		return types.RootClaim{}, false, nil
	}
	key := collections.Join(hotkey, netuid)
	d, err := k.RootDividends.Get(ctx, key)
	if err != nil {
		return types.RootClaim{}, false, err
	}
	if amount > d.Held {
		return types.RootClaim{}, false, errorsmod.Wrapf(types.ErrInconsistentState,
			"hotkey %s owes coldkey %s %d alpha rao of subnet %d but holds %d", hotkey, coldkey, amount, netuid, d.Held)
	}
	d.Held -= amount
	if err := k.RootDividends.Set(ctx, key, d); err != nil {
		return types.RootClaim{}, false, err
	}
	claim := types.RootClaim{Hotkey: hotkey.String(), Netuid: netuid, Alpha: amount, Kept: !swap}
	if swap {
		res, err := k.swapAlphaForTao(ctx, netuid, amount, 0, true)
		if err != nil {
			return types.RootClaim{}, false, errorsmod.Wrapf(err, "selling %d root-dividend alpha of subnet %d (claim type swap)", amount, netuid)
		}
		if res.AmountIn != amount {
			return types.RootClaim{}, false, errorsmod.Wrapf(types.ErrInconsistentState, "sold %d of %d alpha", res.AmountIn, amount)
		}
		if res.AmountOut > 0 {
			if err := k.creditRootStake(ctx, hotkey, coldkey, res.AmountOut); err != nil {
				return types.RootClaim{}, false, err
			}
		}
		claim.Tao = res.AmountOut
	} else if err := k.stakeAlpha(ctx, hotkey, coldkey, netuid, amount); err != nil {
		return types.RootClaim{}, false, err
	}
	claimed, err := k.rootClaimed(ctx, netuid, hotkey, coldkey)
	if err != nil {
		return types.RootClaim{}, false, err
	}
	return claim, true, k.setRootClaimed(ctx, netuid, hotkey, coldkey, claimed.SatAdd(fixed.I96F32FromUint(amount)))
}

// RootClaimable lists what a coldkey could claim now, by hotkey and subnet.
func (q queryServer) RootClaimable(ctx context.Context, req *types.QueryRootClaimableRequest) (*types.QueryRootClaimableResponse, error) {
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
	resp := &types.QueryRootClaimableResponse{Threshold: params.RootClaimThreshold}
	if resp.ClaimType, err = q.k.RootClaimTypeOf(ctx, coldkey); err != nil {
		return nil, err
	}
	hotkeys, err := q.k.rootHotkeysOf(ctx, coldkey)
	if err != nil {
		return nil, err
	}
	for _, hotkey := range hotkeys {
		netuids, _, err := q.k.rootDividendsOf(ctx, hotkey)
		if err != nil {
			return nil, err
		}
		for _, netuid := range netuids {
			owed, err := q.k.RootOwed(ctx, hotkey, coldkey, netuid)
			if err != nil {
				return nil, err
			}
			if amount := owed.ToUint64(); amount > 0 {
				resp.Claimable = append(resp.Claimable, types.RootClaimableView{Hotkey: hotkey.String(), Netuid: netuid, Alpha: amount})
			}
		}
	}
	return resp, nil
}

// rootHotkeysOf lists the hotkeys a coldkey has ever staked to on root.
func (k Keeper) rootHotkeysOf(ctx context.Context, coldkey sdk.AccAddress) ([]sdk.AccAddress, error) {
	var hotkeys []sdk.AccAddress
	rng := collections.NewPrefixedPairRange[sdk.AccAddress, sdk.AccAddress](coldkey)
	err := k.RootStakers.Walk(ctx, rng, func(key collections.Pair[sdk.AccAddress, sdk.AccAddress]) (bool, error) {
		hotkeys = append(hotkeys, key.K2())
		return false, nil
	})
	return hotkeys, err
}

// splitRootDividends is §5.8 step 4 (calculate_dividend_distribution): each hotkey's dividend
// splits by the share of its stake weight that is root, root·tw / (alpha + root·tw); the alpha
// part shares validatorPending and the root part rootPending, each in proportion to its sum
// (share first, then times the pending, as subtensor does). A part whose sum is zero pays no one.
func (k Keeper) splitRootDividends(ctx context.Context, netuid uint32, hotkeys []sdk.AccAddress, dividends []fixed.U96F32,
	validatorPending, rootPending uint64,
) (alphaDivs, rootDivs []fixed.U96F32, err error) {
	params, err := k.mustParams(ctx)
	if err != nil {
		return nil, nil, err
	}
	tw := proportion(params.TaoWeight)
	alphaDivs = make([]fixed.U96F32, len(hotkeys))
	rootDivs = make([]fixed.U96F32, len(hotkeys))
	var sumAlpha, sumRoot fixed.U96F32
	for i, hotkey := range hotkeys {
		w, err := k.HotkeyStakeWeight(ctx, hotkey, netuid)
		if err != nil {
			return nil, nil, err
		}
		rootAlpha := fixed.U96F32FromUint(w.Root).SatMul(tw)
		total := fixed.U96F32FromUint(w.Alpha).SatAdd(rootAlpha)
		rootProp, ok := rootAlpha.CheckedDiv(total)
		if !ok {
			rootProp = fixed.U96F32{}
		}
		rootDivs[i] = dividends[i].SatMul(rootProp)
		alphaDivs[i] = dividends[i].SatSub(rootDivs[i])
		sumAlpha = sumAlpha.SatAdd(alphaDivs[i])
		sumRoot = sumRoot.SatAdd(rootDivs[i])
	}
	for i := range hotkeys {
		alphaDivs[i] = fixed.U96F32FromUint(validatorPending).SatMul(shareOf(alphaDivs[i], sumAlpha))
		rootDivs[i] = fixed.U96F32FromUint(rootPending).SatMul(shareOf(rootDivs[i], sumRoot))
	}
	return alphaDivs, rootDivs, nil
}

// shareOf is part/total (checked_div), 0 when total is 0.
func shareOf(part, total fixed.U96F32) fixed.U96F32 {
	s, ok := part.CheckedDiv(total)
	if !ok {
		return fixed.U96F32{}
	}
	return s
}

// payRootDividend is §5.8 step 5's root part: the hotkey's take, staked in alpha to its owner,
// and the rest credited to its root stakers to claim (increase_root_claimable). A hotkey with
// less root stake than the credit (none at all, say) pays it to its owner instead, as subtensor
// does. Returns the alpha credited for claims.
func (k Keeper) payRootDividend(ctx context.Context, netuid uint32, hotkey sdk.AccAddress, rootAlpha fixed.U96F32) (uint64, error) {
	coldkey, err := k.ownerOf(ctx, hotkey)
	if err != nil {
		return 0, err
	}
	take, err := k.DelegateTake(ctx, hotkey)
	if err != nil {
		return 0, err
	}
	takeAlpha := fixed.U96F32FromUint(uint64(take)).SafeDiv(fixed.U96F32FromUint(types.MaxU16)).SatMul(rootAlpha)
	if err := k.stakeAlpha(ctx, hotkey, coldkey, netuid, takeAlpha.ToUint64()); err != nil {
		return 0, err
	}
	amount := rootAlpha.SatSub(takeAlpha).ToUint64()
	if amount == 0 {
		return 0, nil
	}
	total, err := k.RootStake(ctx, hotkey)
	if err != nil {
		return 0, err
	}
	if amount > total {
		return 0, k.stakeAlpha(ctx, hotkey, coldkey, netuid, amount)
	}
	key := collections.Join(hotkey, netuid)
	d, err := k.RootDividends.Get(ctx, key)
	if err != nil && !isNotFound(err) {
		return 0, err
	}
	increment, ok := fixed.I96F32FromUint(amount).CheckedDiv(fixed.I96F32FromUint(total))
	if !ok {
		increment = fixed.I96F32FromUint(0)
	}
	d.Rate = i96f32Bytes(i96f32FromBytes(d.Rate).SatAdd(increment))
	d.Held += amount
	if err := k.RootDividends.Set(ctx, key, d); err != nil {
		return 0, err
	}
	return amount, emit(ctx, &types.EventRootDividends{Netuid: netuid, Hotkey: hotkey.String(), Alpha: amount, Take: takeAlpha.ToUint64()})
}

// checkRootClaims is the invariant root-claims-backed: for every hotkey and subnet, what its root
// stakers could claim in all, rate·(its root stake) − Σ claimed, is at most the alpha it holds for
// them; and every subnet's held and pending root alpha is part of its alpha_out (checked with the
// stakes in stake-and-pending-within-alpha-out). Computed exactly in integers.
func checkRootClaims(ctx context.Context, k Keeper) (bool, string, error) {
	ok, detail := true, ""
	err := k.RootDividends.Walk(ctx, nil, func(key collections.Pair[sdk.AccAddress, uint32], d types.RootDividends) (bool, error) {
		hotkey, netuid := key.K1(), key.K2()
		stake, err := k.RootStake(ctx, hotkey)
		if err != nil {
			return true, err
		}
		// Everything in 2^-32 units: rate bits · stake − Σ claimed bits ≤ held · 2^32.
		owed := new(big.Int).Mul(fixedBits(i96f32FromBytes(d.Rate)), new(big.Int).SetUint64(stake))
		rng := collections.NewSuperPrefixedTripleRange[uint32, sdk.AccAddress, sdk.AccAddress](netuid, hotkey)
		err = k.RootClaimed.Walk(ctx, rng, func(_ collections.Triple[uint32, sdk.AccAddress, sdk.AccAddress], claimed []byte) (bool, error) {
			owed.Sub(owed, fixedBits(i96f32FromBytes(claimed)))
			return false, nil
		})
		if err != nil {
			return true, err
		}
		held := new(big.Int).Lsh(new(big.Int).SetUint64(d.Held), 32)
		if owed.Cmp(held) > 0 {
			ok = false
			detail += fmt.Sprintf("hotkey %s subnet %d: owed %s/2^32 > held %d; ", hotkey, netuid, owed, d.Held)
		}
		return false, nil
	})
	if ok {
		detail = "every hotkey and subnet: rate·root stake − Σ claimed ≤ held root alpha"
	}
	return ok, detail, err
}

// fixedBits is an I96F32's raw value (value·2^32) as a signed big integer.
func fixedBits(v fixed.I96F32) *big.Int {
	hi, lo := v.Bits()
	b := new(big.Int).Lsh(big.NewInt(hi), 64)
	return b.Add(b, new(big.Int).SetUint64(lo))
}

// rootAlphaOwed is each subnet's root alpha that is part of its alpha_out without being staked:
// pending for its next epoch, and held for root stakers' claims.
func (k Keeper) rootAlphaOwed(ctx context.Context) (map[uint32]uint64, error) {
	owed := map[uint32]uint64{}
	if err := k.RootPending.Walk(ctx, nil, func(netuid uint32, alpha uint64) (bool, error) {
		owed[netuid] += alpha
		return false, nil
	}); err != nil {
		return nil, err
	}
	err := k.RootDividends.Walk(ctx, nil, func(key collections.Pair[sdk.AccAddress, uint32], d types.RootDividends) (bool, error) {
		owed[key.K2()] += d.Held
		return false, nil
	})
	return owed, err
}

// clearRootDividends forgets a pruned subnet's root alpha (finalize_all_subnet_root_dividends):
// its pending root alpha, every hotkey's rate and held alpha on it, and every claimed watermark.
// The alpha itself goes with the subnet's alpha_out; nothing of it can be claimed on the netuid's
// next subnet.
func (k Keeper) clearRootDividends(ctx context.Context, netuid uint32) error {
	if err := k.RootPending.Remove(ctx, netuid); err != nil {
		return err
	}
	var hotkeys []sdk.AccAddress
	err := k.RootDividends.Walk(ctx, nil, func(key collections.Pair[sdk.AccAddress, uint32], _ types.RootDividends) (bool, error) {
		if key.K2() == netuid {
			hotkeys = append(hotkeys, key.K1())
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	for _, h := range hotkeys {
		if err := k.RootDividends.Remove(ctx, collections.Join(h, netuid)); err != nil {
			return err
		}
	}
	return k.RootClaimed.Clear(ctx, collections.NewPrefixedTripleRange[uint32, sdk.AccAddress, sdk.AccAddress](netuid))
}
