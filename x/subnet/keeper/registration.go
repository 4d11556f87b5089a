package keeper

import (
	"cmp"
	"context"
	"math"
	"math/bits"
	"sort"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Neuron registration: the burn price and its decay (§7.1), uid assignment and replacement (§7.2),
// immunity and the choice of the uid to replace (§7.3), and the hotkeys it creates (§8.1).

// q32One is 1.0 in the Q32 fixed point the burn decay uses.
const q32One = 1 << 32

// mulQ32 is value·factor for a Q32 factor, floored and clamped to u64.
func mulQ32(value, factor uint64) uint64 {
	hi, lo := bits.Mul64(value, factor)
	if hi >= q32One {
		return math.MaxUint64
	}
	return hi<<32 | lo>>32
}

// powQ32 is base^exp in Q32 by square-and-multiply, each product floored as mulQ32 does.
func powQ32(base, exp uint64) uint64 {
	result := uint64(q32One)
	for ; exp > 0; exp >>= 1 {
		if exp&1 == 1 {
			result = mulQ32(result, base)
		}
		if exp > 1 {
			base = mulQ32(base, base)
		}
	}
	return result
}

// decayFactorQ32 is the per-block burn factor for a half-life: the largest Q32 f ≤ 1 with
// f^halfLife ≤ ½, found by bisection (1.0 for a half-life of 0).
func decayFactorQ32(halfLife uint64) uint64 {
	if halfLife == 0 {
		return q32One
	}
	lo, hi := uint64(0), uint64(q32One)
	for lo+1 < hi {
		mid := lo + (hi-lo)/2
		if powQ32(mid, halfLife) > q32One/2 {
			hi = mid
		} else {
			lo = mid
		}
	}
	return lo
}

// clampBurn bounds a price to [min_burn, max_burn]; max_burn wins if an authority set them crossed.
func clampBurn(burn uint64, h types.Hyperparams) uint64 {
	if burn < h.MinBurn {
		burn = h.MinBurn
	}
	if burn > h.MaxBurn {
		burn = h.MaxBurn
	}
	return burn
}

// bumpedBurn is the price after a registration (§7.1, bump_registration_price_after_registration):
// U64F64(burn)·max(1, mult), floored and saturating, then clamped.
func bumpedBurn(burn uint64, mult fixed.U64F64, h types.Hyperparams) uint64 {
	mult = mult.Max(fixed.U64F64FromUint(1))
	return clampBurn(fixed.U64F64FromUint(burn).SatMul(mult).ToUint64(), h)
}

// DecayBurns lowers every subnet's registration price by its per-block factor (§7.1,
// update_registration_prices_for_networks); BeginBlock calls it before the coinbase.
func (k Keeper) DecayBurns(ctx context.Context) error {
	block := blockHeight(ctx)
	factors := map[uint64]uint64{}
	return k.Hyperparams.Walk(ctx, nil, func(netuid uint32, h types.Hyperparams) (bool, error) {
		burn, err := k.Burns.Get(ctx, netuid)
		if err != nil {
			return true, errorsmod.Wrapf(types.ErrInconsistentState, "subnet %d has no registration price: %v", netuid, err)
		}
		next := burn
		if h.BurnHalfLife > 0 && block > 1 {
			f, ok := factors[h.BurnHalfLife]
			if !ok {
				f = decayFactorQ32(h.BurnHalfLife)
				factors[h.BurnHalfLife] = f
			}
			next = mulQ32(burn, f)
		}
		if next = clampBurn(next, h); next != burn {
			return false, k.Burns.Set(ctx, netuid, next)
		}
		return false, nil
	})
}

// Burn is a subnet's registration price now, in rao.
func (k Keeper) Burn(ctx context.Context, netuid uint32) (uint64, error) {
	if err := checkNetuidRange(netuid); err != nil {
		return 0, err
	}
	if _, err := k.GetSubnet(ctx, netuid); err != nil {
		return 0, err
	}
	burn, err := k.Burns.Get(ctx, netuid)
	if isNotFound(err) {
		return 0, errorsmod.Wrapf(types.ErrInconsistentState, "subnet %d has no registration price", netuid)
	}
	return burn, err
}

// isSystemAccount is true for module accounts, which no one can sign for.
func (k Keeper) isSystemAccount(ctx context.Context, addr sdk.AccAddress) bool {
	if addr.Equals(k.moduleAddress()) {
		return true
	}
	_, isModule := k.auth.GetAccount(ctx, addr).(sdk.ModuleAccountI)
	return isModule
}

// checkHotkeyUsableBy fails unless coldkey may register hotkey: hotkey is not a module account,
// and is new or already owned by coldkey.
func (k Keeper) checkHotkeyUsableBy(ctx context.Context, coldkey, hotkey sdk.AccAddress) error {
	if k.isSystemAccount(ctx, hotkey) {
		return errorsmod.Wrapf(types.ErrHotkeyIsSystemAccount, "%s is a module account; use a key you created (`gotensor keys add`)", hotkey)
	}
	owner, ok, err := k.HotkeyOwner(ctx, hotkey)
	if err != nil {
		return err
	}
	if ok && !owner.Equals(coldkey) {
		return errorsmod.Wrapf(types.ErrHotkeyNotOwned, "hotkey %s belongs to coldkey %s; use a hotkey of your own", hotkey, owner)
	}
	return nil
}

// claimHotkey makes coldkey the owner of a new hotkey (§8.1) and gives it an account, so it signs
// weights and axons without holding TAO, and a delegate take of MaxDelegateTake. A hotkey coldkey
// already owns is left as it is.
func (k Keeper) claimHotkey(ctx context.Context, coldkey, hotkey sdk.AccAddress) error {
	if !k.auth.HasAccount(ctx, hotkey) {
		k.auth.SetAccount(ctx, k.auth.NewAccountWithAddress(ctx, hotkey))
	}
	if has, err := k.Owners.Has(ctx, hotkey); err != nil || has {
		return err
	}
	if err := k.Owners.Set(ctx, hotkey, coldkey); err != nil {
		return err
	}
	if err := k.OwnedHotkeys.Set(ctx, collections.Join(coldkey, hotkey)); err != nil {
		return err
	}
	if has, err := k.Delegates.Has(ctx, hotkey); err != nil || has {
		return err
	}
	p, err := k.mustParams(ctx)
	if err != nil {
		return err
	}
	return k.Delegates.Set(ctx, hotkey, types.Delegate{Take: p.MaxDelegateTake})
}

func (s msgServer) BurnedRegister(ctx context.Context, msg *types.MsgBurnedRegister) (*types.MsgBurnedRegisterResponse, error) {
	k := s.k
	coldkey, hotkey, err := k.parseKeys(msg.Coldkey, msg.Hotkey)
	if err != nil {
		return nil, err
	}
	netuid := msg.Netuid
	burn, err := k.Burn(ctx, netuid)
	if err != nil {
		return nil, err
	}
	if msg.MaxBurn != 0 && burn > msg.MaxBurn {
		return nil, errorsmod.Wrapf(types.ErrBurnTooHigh,
			"registering on subnet %d costs %d rao, above your limit of %d rao; raise --max-burn or wait for the price to decay",
			netuid, burn, msg.MaxBurn)
	}
	subnet, err := k.GetSubnet(ctx, netuid)
	if err != nil {
		return nil, err
	}
	h, err := k.GetHyperparams(ctx, netuid)
	if err != nil {
		return nil, err
	}
	if !h.RegistrationAllowed {
		return nil, errorsmod.Wrapf(types.ErrRegistrationDisabled, "subnet %d", netuid)
	}
	if uid, err := k.Uids.Get(ctx, collections.Join(netuid, hotkey)); err == nil {
		return nil, errorsmod.Wrapf(types.ErrAlreadyRegistered, "hotkey %s is uid %d on subnet %d", msg.Hotkey, uid, netuid)
	} else if !isNotFound(err) {
		return nil, err
	}
	if balance := k.spendable(ctx, coldkey); balance < burn {
		return nil, errorsmod.Wrapf(types.ErrInsufficientBalance,
			"coldkey %s can spend %d rao but registering on subnet %d costs %d rao", msg.Coldkey, balance, netuid, burn)
	}
	if err := k.checkHotkeyUsableBy(ctx, coldkey, hotkey); err != nil {
		return nil, err
	}
	if h.MaxAllowedUids == 0 {
		return nil, errorsmod.Wrapf(types.ErrNoNeuronSlot, "subnet %d allows no uids (max_allowed_uids is 0)", netuid)
	}
	if subnet.N >= h.MaxAllowedUids {
		if _, ok, err := k.neuronToPrune(ctx, netuid, subnet, h); err != nil {
			return nil, err
		} else if !ok {
			return nil, errorsmod.Wrapf(types.ErrNoNeuronSlot,
				"subnet %d has all %d uids taken by immune or owner keys; retry when an immunity period (%d blocks) ends",
				netuid, h.MaxAllowedUids, h.ImmunityPeriod)
		}
	}

	mult, err := types.ParseBurnIncreaseMult(h.BurnIncreaseMult)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInconsistentState, "subnet %d: %v", netuid, err)
	}
	var uid uint32
	err = atomically(ctx, func(ctx sdk.Context) error {
		if err := k.payRegistration(ctx, netuid, coldkey, burn); err != nil {
			return err
		}
		if err := k.claimHotkey(ctx, coldkey, hotkey); err != nil {
			return err
		}
		var replaced sdk.AccAddress
		uid, replaced, err = k.registerNeuron(ctx, netuid, hotkey)
		if err != nil {
			return err
		}
		if err := k.Burns.Set(ctx, netuid, bumpedBurn(burn, mult, h)); err != nil {
			return err
		}
		coldkeyStr, hotkeyStr, err := k.canonicalKeys(coldkey, hotkey)
		if err != nil {
			return err
		}
		replacedStr, err := k.canonicalAddress(replaced)
		if err != nil {
			return err
		}
		return emit(ctx, &types.EventNeuronRegistered{
			Netuid: netuid, Uid: uid, Hotkey: hotkeyStr, Coldkey: coldkeyStr, Burn: burn, ReplacedHotkey: replacedStr,
		})
	})
	if err != nil {
		return nil, err
	}
	return &types.MsgBurnedRegisterResponse{Uid: uid, Burn: burn}, nil
}

// payRegistration moves the burn into the subnet's pool, buying alpha with it (fees paid), and
// recycles the alpha bought: the TAO deepens the pool and the alpha leaves the issuance (§7.1).
func (k Keeper) payRegistration(ctx context.Context, netuid uint32, coldkey sdk.AccAddress, burn uint64) error {
	if burn == 0 {
		return nil
	}
	if err := k.bank.SendCoinsFromAccountToModule(ctx, coldkey, types.ModuleName, rao(burn)); err != nil {
		return errorsmod.Wrapf(types.ErrInsufficientBalance, "paying the %d rao registration: %v", burn, err)
	}
	swap, err := k.swapTaoForAlpha(ctx, netuid, burn, 0, false)
	if err != nil {
		return err
	}
	if swap.AmountIn+swap.Fee != burn {
		return errorsmod.Wrapf(types.ErrInconsistentState, "subnet %d: an unlimited swap of the %d rao registration spent only %d", netuid, burn, swap.AmountIn+swap.Fee)
	}
	pool, err := k.GetPool(ctx, netuid)
	if err != nil {
		return err
	}
	if pool.AlphaOut < swap.AmountOut {
		return errorsmod.Wrapf(types.ErrInconsistentState, "subnet %d: recycling %d alpha bought but alpha_out is %d", netuid, swap.AmountOut, pool.AlphaOut)
	}
	pool.AlphaOut -= swap.AmountOut
	pool.AlphaRecycled += swap.AmountOut
	return k.Pools.Set(ctx, netuid, pool)
}

// registerNeuron gives hotkey a uid (§7.2): the next one while the subnet has room, else the one
// neuronToPrune picks, whose hotkey it returns.
func (k Keeper) registerNeuron(ctx context.Context, netuid uint32, hotkey sdk.AccAddress) (uid uint32, replaced sdk.AccAddress, err error) {
	subnet, err := k.GetSubnet(ctx, netuid)
	if err != nil {
		return 0, nil, err
	}
	h, err := k.GetHyperparams(ctx, netuid)
	if err != nil {
		return 0, nil, err
	}
	block := blockHeight(ctx)
	if subnet.N < h.MaxAllowedUids {
		uid = subnet.N
		subnet.N++
	} else {
		var ok bool
		if uid, ok, err = k.neuronToPrune(ctx, netuid, subnet, h); err != nil {
			return 0, nil, err
		} else if !ok {
			return 0, nil, errorsmod.Wrapf(types.ErrNoNeuronSlot, "subnet %d", netuid)
		}
		if replaced, err = k.vacateUid(ctx, netuid, uid, subnet); err != nil {
			return 0, nil, err
		}
	}
	if err := k.Neurons.Set(ctx, collections.Join(netuid, uid), types.Neuron{
		Uid: uid, Hotkey: hotkey, BlockAtRegistration: block, LastUpdate: block, Active: true,
	}); err != nil {
		return 0, nil, err
	}
	if err := k.Uids.Set(ctx, collections.Join(netuid, hotkey), uid); err != nil {
		return 0, nil, err
	}
	subnet.TopologyChangedAt = block
	return uid, replaced, k.Subnets.Set(ctx, netuid, subnet)
}

// vacateUid removes a uid's hotkey before another takes it (replace_neuron and clear_neuron of
// §7.2): its index entry, axon and pending commits go; its bonds and own weights row are deleted;
// and every other row's weight on it is set to 0 (rows keep explicit zeros). Stake stays with the
// hotkey. The caller writes the new neuron, which starts with zero results.
func (k Keeper) vacateUid(ctx context.Context, netuid, uid uint32, subnet types.Subnet) (sdk.AccAddress, error) {
	old, err := k.GetNeuron(ctx, netuid, uid)
	if err != nil {
		return nil, err
	}
	if old.Hotkey.Equals(subnet.OwnerHotkey) {
		return nil, errorsmod.Wrapf(types.ErrInconsistentState, "subnet %d: the owner hotkey (uid %d) was chosen for replacement", netuid, uid)
	}
	key := collections.Join(netuid, uid)
	for _, remove := range []func() error{
		func() error { return k.Uids.Remove(ctx, collections.Join(netuid, old.Hotkey)) },
		func() error { return k.Commits.Remove(ctx, collections.Join(netuid, old.Hotkey)) },
		func() error { return k.Axons.Remove(ctx, key) },
		func() error { return k.Bonds.Remove(ctx, key) },
		func() error { return k.Weights.Remove(ctx, key) },
	} {
		if err := remove(); err != nil {
			return nil, err
		}
	}
	type rowUpdate struct {
		key collectionsPair
		row types.WeightRow
	}
	var updates []rowUpdate
	err = k.Weights.Walk(ctx, collectionsPrefix(netuid), func(rowKey collectionsPair, row types.WeightRow) (bool, error) {
		changed := false
		for i := range row.Entries {
			if row.Entries[i].Uid == uid && row.Entries[i].Value != 0 {
				row.Entries[i].Value = 0
				changed = true
			}
		}
		if changed {
			updates = append(updates, rowUpdate{rowKey, row})
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	for _, u := range updates {
		if err := k.Weights.Set(ctx, u.key, u.row); err != nil {
			return nil, err
		}
	}
	return old.Hotkey, nil
}

// neuronImmune is §7.3's immunity: registered fewer than immunity_period blocks ago.
func neuronImmune(n types.Neuron, h types.Hyperparams, block uint64) bool {
	return satSub(block, n.BlockAtRegistration) < h.ImmunityPeriod
}

// IsImmune says whether a uid is within its immunity period now.
func (k Keeper) IsImmune(ctx context.Context, netuid uint32, n types.Neuron) (bool, error) {
	h, err := k.GetHyperparams(ctx, netuid)
	if err != nil {
		return false, err
	}
	return neuronImmune(n, h, blockHeight(ctx)), nil
}

// ownedNeuron is a uid held by a hotkey of the subnet owner's coldkey.
type ownedNeuron struct {
	hotkey sdk.AccAddress
	neuron types.Neuron
}

// ownerNeurons lists the uids held by hotkeys of the subnet owner's coldkey: the owner hotkey
// first, then the others by registration block, then uid.
func (k Keeper) ownerNeurons(ctx context.Context, netuid uint32, subnet types.Subnet) ([]ownedNeuron, error) {
	var out []ownedNeuron
	err := k.OwnedHotkeys.Walk(ctx, collections.NewPrefixedPairRange[sdk.AccAddress, sdk.AccAddress](subnet.Owner),
		func(key collections.Pair[sdk.AccAddress, sdk.AccAddress]) (bool, error) {
			uid, err := k.Uids.Get(ctx, collections.Join(netuid, key.K2()))
			if isNotFound(err) {
				return false, nil
			}
			if err != nil {
				return true, err
			}
			n, err := k.GetNeuron(ctx, netuid, uid)
			if err != nil {
				return true, err
			}
			out = append(out, ownedNeuron{hotkey: key.K2(), neuron: n})
			return false, nil
		})
	if err != nil {
		return nil, err
	}
	isOwnerHotkey := func(o ownedNeuron) bool { return o.neuron.Hotkey.Equals(subnet.OwnerHotkey) }
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if isOwnerHotkey(a) != isOwnerHotkey(b) {
			return isOwnerHotkey(a)
		}
		if a.neuron.BlockAtRegistration != b.neuron.BlockAtRegistration {
			return a.neuron.BlockAtRegistration < b.neuron.BlockAtRegistration
		}
		return a.neuron.Uid < b.neuron.Uid
	})
	return out, nil
}

// OwnerHotkeys are the hotkeys of the subnet owner's coldkey registered on the subnet, the owner
// hotkey first: the epoch withholds their miner incentive (§5.8).
func (k Keeper) OwnerHotkeys(ctx context.Context, netuid uint32) ([]sdk.AccAddress, error) {
	subnet, err := k.GetSubnet(ctx, netuid)
	if err != nil {
		return nil, err
	}
	owned, err := k.ownerNeurons(ctx, netuid, subnet)
	if err != nil {
		return nil, err
	}
	out := make([]sdk.AccAddress, len(owned))
	for i, o := range owned {
		out[i] = o.hotkey
	}
	return out, nil
}

// immortalHotkeys are the owner keys never replaced (§7.3): the owner hotkey and the owner's
// earliest-registered other hotkeys, immune_owner_uids_limit in all.
func (k Keeper) immortalHotkeys(ctx context.Context, netuid uint32, subnet types.Subnet, h types.Hyperparams) (map[string]bool, error) {
	owned, err := k.ownerNeurons(ctx, netuid, subnet)
	if err != nil {
		return nil, err
	}
	// The owner hotkey is immortal whatever the limit says.
	keep := max(int(h.ImmuneOwnerUidsLimit), 1)
	out := map[string]bool{string(subnet.OwnerHotkey): true}
	for _, o := range owned[:min(keep, len(owned))] {
		out[string(o.neuron.Hotkey)] = true
	}
	return out, nil
}

// neuronToPrune is get_neuron_to_prune (§7.3). Owner-immortal keys are never chosen. Among the
// rest the lowest emission loses, then the earliest registration, then the lowest uid; a
// non-immune uid is chosen only while more than min_non_immune_uids of them remain, else the best
// immune one. ok is false when no uid can be replaced.
func (k Keeper) neuronToPrune(ctx context.Context, netuid uint32, subnet types.Subnet, h types.Hyperparams) (uint32, bool, error) {
	immortal, err := k.immortalHotkeys(ctx, netuid, subnet, h)
	if err != nil {
		return 0, false, err
	}
	neurons, err := k.SubnetNeurons(ctx, netuid)
	if err != nil {
		return 0, false, err
	}
	block := blockHeight(ctx)
	var bestFree, bestImmune *types.Neuron
	var free uint32
	for i := range neurons {
		n := &neurons[i]
		switch {
		case immortal[string(n.Hotkey)]:
		case neuronImmune(*n, h, block):
			if bestImmune == nil || pruneOrder(*n, *bestImmune) < 0 {
				bestImmune = n
			}
		default:
			free++
			if bestFree == nil || pruneOrder(*n, *bestFree) < 0 {
				bestFree = n
			}
		}
	}
	if bestFree != nil && free > h.MinNonImmuneUids {
		return bestFree.Uid, true, nil
	}
	if bestImmune != nil {
		return bestImmune.Uid, true, nil
	}
	return 0, false, nil
}

// pruneOrder is negative when a is replaced before b.
func pruneOrder(a, b types.Neuron) int {
	if c := cmp.Compare(a.Emission, b.Emission); c != 0 {
		return c
	}
	if c := cmp.Compare(a.BlockAtRegistration, b.BlockAtRegistration); c != 0 {
		return c
	}
	return cmp.Compare(a.Uid, b.Uid)
}

func (q queryServer) RegistrationCost(ctx context.Context, req *types.QueryRegistrationCostRequest) (*types.QueryRegistrationCostResponse, error) {
	if req == nil {
		return nil, errorsmod.Wrap(types.ErrSubnetNotFound, "empty request: give a netuid")
	}
	burn, err := q.k.Burn(ctx, req.Netuid)
	if err != nil {
		return nil, err
	}
	return &types.QueryRegistrationCostResponse{Netuid: req.Netuid, Burn: burn}, nil
}
