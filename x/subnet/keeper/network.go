package keeper

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Subnet registration (§6.4): a coldkey locks TAO to create a subnet, its pool and its first
// neuron.

// maxSubnetNameBytes bounds a subnet's name, which every metagraph reader downloads.
const maxSubnetNameBytes = 64

// validateSubnetName accepts 1 to 64 bytes of printable UTF-8 without surrounding spaces: a name is
// shown in every wallet and explorer, so control and invisible formatting characters (which can
// reorder or hide what a reader sees) are refused.
func validateSubnetName(name string) error {
	const advice = "use 1 to 64 bytes of letters, digits, punctuation, symbols and inner spaces"
	switch {
	case name == "":
		return errorsmod.Wrapf(types.ErrInvalidName, "the name is empty; %s", advice)
	case len(name) > maxSubnetNameBytes:
		return errorsmod.Wrapf(types.ErrInvalidName, "the name is %d bytes long; %s", len(name), advice)
	case !utf8.ValidString(name):
		return errorsmod.Wrapf(types.ErrInvalidName, "the name %q is not valid UTF-8; %s", name, advice)
	case strings.TrimSpace(name) != name:
		return errorsmod.Wrapf(types.ErrInvalidName, "the name %q starts or ends with a space; %s", name, advice)
	}
	for i, r := range name {
		if !unicode.IsPrint(r) {
			return errorsmod.Wrapf(types.ErrInvalidName, "the name %q has the unprintable character %U at byte %d; %s", name, r, i, advice)
		}
	}
	return nil
}

// subnetSymbols are the token tickers of the first subnets, by netuid (τ is TAO's own).
var subnetSymbols = []string{
	"α", "β", "γ", "δ", "ε", "ζ", "η", "θ", "ι", "κ", "λ", "μ", "ν", "ξ", "ο", "π", "ρ", "σ", "υ", "φ", "χ", "ψ", "ω",
	"א", "ב", "ג", "ד", "ה", "ו", "ז", "ח", "ט", "י", "כ", "ל", "מ", "נ", "ס", "ע", "פ", "צ", "ק", "ר", "ש", "ת",
}

// subnetSymbol is netuid's ticker: a letter for the first subnets, "SN<netuid>" after them.
func subnetSymbol(netuid uint32) string {
	if netuid >= 1 && int(netuid) <= len(subnetSymbols) {
		return subnetSymbols[netuid-1]
	}
	return fmt.Sprintf("SN%d", netuid)
}

// medianPrice is the median spot price of the existing subnets with a price (the mean of the two
// middle ones for an even count), 1.0 when there are none: a new subnet's pool starts there (§6.4).
func (k Keeper) medianPrice(ctx context.Context) (fixed.U64F64, error) {
	netuids, err := k.Netuids(ctx)
	if err != nil {
		return fixed.U64F64{}, err
	}
	prices := make([]fixed.U64F64, 0, len(netuids))
	for _, netuid := range netuids {
		price, err := k.Price(ctx, netuid)
		if err != nil {
			return fixed.U64F64{}, err
		}
		if !price.IsZero() {
			prices = append(prices, price)
		}
	}
	if len(prices) == 0 {
		return fixed.U64F64One(), nil
	}
	sort.Slice(prices, func(i, j int) bool { return prices[i].Lt(prices[j]) })
	lower, upper := prices[(len(prices)-1)/2], prices[len(prices)/2]
	if len(prices)%2 == 1 {
		return upper, nil
	}
	return lower.SatAdd(upper).SafeDiv(fixed.U64F64FromUint(2)), nil
}

// nextNetuid is the lowest netuid from 1 that no subnet holds and no dissolution still pays out.
func (k Keeper) nextNetuid(ctx context.Context) (uint32, error) {
	taken := map[uint32]bool{}
	netuids, err := k.Netuids(ctx)
	if err != nil {
		return 0, err
	}
	for _, n := range netuids {
		taken[n] = true
	}
	if err := k.Dissolutions.Walk(ctx, nil, func(n uint32, _ types.Dissolution) (bool, error) {
		taken[n] = true
		return false, nil
	}); err != nil {
		return 0, err
	}
	next := uint32(1)
	for taken[next] {
		next++
	}
	if next > math.MaxUint16 {
		return 0, errorsmod.Wrapf(types.ErrSubnetLimitReached, "every netuid up to %d is taken", math.MaxUint16)
	}
	return next, nil
}

// spendable is what an account can pay now, in rao.
func (k Keeper) spendable(ctx context.Context, addr sdk.AccAddress) uint64 {
	amount := k.bank.SpendableCoin(ctx, addr, types.Denom).Amount
	if !amount.IsUint64() {
		return math.MaxUint64
	}
	return amount.Uint64()
}

func (s msgServer) RegisterNetwork(ctx context.Context, msg *types.MsgRegisterNetwork) (*types.MsgRegisterNetworkResponse, error) {
	k := s.k
	coldkey, hotkey, err := k.parseKeys(msg.Coldkey, msg.Hotkey)
	if err != nil {
		return nil, err
	}
	if err := validateSubnetName(msg.Name); err != nil {
		return nil, err
	}
	if err := k.checkHotkeyUsableBy(ctx, coldkey, hotkey); err != nil {
		return nil, err
	}
	p, err := k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	block := blockHeight(ctx)
	reg, err := getOrZero(ctx, k.NetworkRegistration.Get)
	if err != nil {
		return nil, err
	}
	if reg.Registered && satSub(block, reg.LastLockBlock) < p.NetworkRateLimit {
		next := reg.LastLockBlock + p.NetworkRateLimit
		return nil, errorsmod.Wrapf(types.ErrNetworkRateLimit,
			"the last subnet was registered at block %d and one subnet may register every %d blocks; retry at block %d (%d blocks from now)",
			reg.LastLockBlock, p.NetworkRateLimit, next, next-block)
	}
	netuids, err := k.Netuids(ctx)
	if err != nil {
		return nil, err
	}
	var prune uint32
	if uint64(len(netuids)) >= uint64(p.SubnetLimit) {
		n, ok, err := k.networkToPrune(ctx, p, block)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errorsmod.Wrapf(types.ErrSubnetLimitReached,
				"%d subnets exist (limit %d) and every one is within its %d-block immunity; retry when the oldest leaves it",
				len(netuids), p.SubnetLimit, p.NetworkImmunityPeriod)
		}
		prune = n
	}
	cost := lockCost(reg, p, block)
	if msg.MaxLockCost != 0 && cost > msg.MaxLockCost {
		advice := "it is at its minimum and will not fall"
		if perBlock := reg.LastLockCost / p.NetworkLockReductionInterval; cost > p.NetworkMinLockCost && perBlock > 0 {
			advice = fmt.Sprintf("it falls by %d rao a block", perBlock)
		}
		return nil, errorsmod.Wrapf(types.ErrLockCostTooHigh,
			"the lock cost is %s TAO (%d rao), above your limit of %d rao; raise --max-lock-cost or wait: %s",
			types.FormatTAO(cost), cost, msg.MaxLockCost, advice)
	}
	if balance := k.spendable(ctx, coldkey); balance < cost {
		return nil, errorsmod.Wrapf(types.ErrInsufficientBalance,
			"coldkey %s can spend %d rao but the subnet lock costs %d rao", msg.Coldkey, balance, cost)
	}

	var netuid uint32
	err = atomically(ctx, func(ctx sdk.Context) error {
		if prune != 0 {
			if err := k.startDissolution(ctx, prune); err != nil {
				return err
			}
		}
		if netuid, err = k.nextNetuid(ctx); err != nil {
			return err
		}
		subnet, err := k.createSubnet(ctx, netuid, coldkey, hotkey, msg.Name, cost)
		if err != nil {
			return err
		}
		if err := k.NetworkRegistration.Set(ctx, types.NetworkRegistration{LastLockCost: cost, LastLockBlock: block, Registered: true}); err != nil {
			return err
		}
		owner, ownerHotkey, err := k.canonicalKeys(subnet.Owner, subnet.OwnerHotkey)
		if err != nil {
			return err
		}
		return emit(ctx, &types.EventNetworkRegistered{
			Netuid: netuid, Owner: owner, OwnerHotkey: ownerHotkey, LockCost: cost, PrunedNetuid: prune,
		})
	})
	if err != nil {
		return nil, err
	}
	return &types.MsgRegisterNetworkResponse{Netuid: netuid, LockCost: cost}, nil
}

// createSubnet writes a new subnet (init_new_network and the pool of §6.4), moves the lock from
// the coldkey into the module account as pool TAO, and registers the owner hotkey as uid 0. It
// returns the subnet as stored.
func (k Keeper) createSubnet(ctx context.Context, netuid uint32, coldkey, hotkey sdk.AccAddress, name string, lock uint64) (types.Subnet, error) {
	block := blockHeight(ctx)
	price, err := k.medianPrice(ctx)
	if err != nil {
		return types.Subnet{}, err
	}
	if err := k.bank.SendCoinsFromAccountToModule(ctx, coldkey, types.ModuleName, rao(lock)); err != nil {
		return types.Subnet{}, errorsmod.Wrapf(types.ErrInsufficientBalance, "locking %d rao: %v", lock, err)
	}
	subnet := types.Subnet{
		Netuid: netuid, Name: name, Symbol: subnetSymbol(netuid), Owner: coldkey, OwnerHotkey: hotkey,
		RegisteredAt: block, LockCost: lock, TopologyChangedAt: block,
	}
	if err := k.Subnets.Set(ctx, netuid, subnet); err != nil {
		return types.Subnet{}, err
	}
	h := types.NewSubnetHyperparams()
	if err := k.Hyperparams.Set(ctx, netuid, h); err != nil {
		return types.Subnet{}, err
	}
	// The whole lock stays in the pool (lock ≥ NetworkMinLockCost, so subtensor's max(lock, min) is
	// the lock), priced at the median so a new subnet does not start as an outlier.
	alphaIn := fixed.U64F64FromUint(lock).SafeDiv(price).ToUint64()
	if err := k.Pools.Set(ctx, netuid, types.Pool{
		Tao: lock, AlphaIn: alphaIn, AlphaIssued: alphaIn, MovingPrice: make([]byte, 16), Volume: sdkmath.ZeroUint(),
	}); err != nil {
		return types.Subnet{}, err
	}
	// Staggering the first epoch by netuid spreads the subnets' epochs over the tempo.
	stagger := uint64(netuid) % uint64(max(h.Tempo, 1))
	if err := k.Schedules.Set(ctx, netuid, types.Schedule{LastEpochBlock: satSub(block, stagger)}); err != nil {
		return types.Subnet{}, err
	}
	if err := k.Burns.Set(ctx, netuid, types.InitialBurn); err != nil {
		return types.Subnet{}, err
	}
	if err := k.claimHotkey(ctx, coldkey, hotkey); err != nil {
		return types.Subnet{}, err
	}
	uid, _, err := k.registerNeuron(ctx, netuid, hotkey)
	if err != nil {
		return types.Subnet{}, err
	}
	// Indexers that follow uids through NeuronRegistered see uid 0 too; it paid the lock, not a burn.
	owner, ownerHotkey, err := k.canonicalKeys(coldkey, hotkey)
	if err != nil {
		return types.Subnet{}, err
	}
	return subnet, emit(ctx, &types.EventNeuronRegistered{Netuid: netuid, Uid: uid, Hotkey: ownerHotkey, Coldkey: owner})
}
