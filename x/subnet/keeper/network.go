package keeper

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
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

// Subnet registration, start-call and dissolution (§6.4).

// maxSubnetNameBytes bounds a subnet's name, which every metagraph reader downloads.
const maxSubnetNameBytes = 64

// atomically runs f on a branch of the store and keeps its writes and events only if f succeeds,
// so a message refused half-way leaves nothing behind even for callers that do not branch the
// store themselves (other modules, tests).
func atomically(ctx context.Context, f func(ctx sdk.Context) error) error {
	branch, write := sdk.UnwrapSDKContext(ctx).CacheContext()
	if err := f(branch); err != nil {
		return err
	}
	write()
	return nil
}

// canonicalAddress renders an address the one way the store compares it.
func (k Keeper) canonicalAddress(addr sdk.AccAddress) (string, error) {
	return k.AddressCodec().BytesToString(addr)
}

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

// lockCost is §6.4's get_network_lock_cost: twice the last lock paid (once before any subnet was
// registered), less last_lock/interval for every block since, never below the minimum.
func lockCost(reg types.NetworkRegistration, p types.Params, block uint64) uint64 {
	last := reg.LastLockCost
	if last == 0 {
		last = p.NetworkMinLockCost
	}
	var mult uint64 = 1
	if reg.Registered {
		mult = 2
	}
	cost := saturatingProduct(last, mult)
	cost = satSub(cost, saturatingProduct(last/p.NetworkLockReductionInterval, satSub(block, reg.LastLockBlock)))
	return max(cost, p.NetworkMinLockCost)
}

func saturatingProduct(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return math.MaxUint64
	}
	return lo
}

// LockCost is the TAO a subnet registered now locks, in rao.
func (k Keeper) LockCost(ctx context.Context) (uint64, error) {
	p, err := k.mustParams(ctx)
	if err != nil {
		return 0, err
	}
	reg, err := getOrZero(ctx, k.NetworkRegistration.Get)
	if err != nil {
		return 0, err
	}
	return lockCost(reg, p, blockHeight(ctx)), nil
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

// movingPrice decodes a pool's moving price (I96F32 bits, 16 bytes big-endian; empty is 0).
func movingPrice(p types.Pool) (fixed.I96F32, error) {
	switch len(p.MovingPrice) {
	case 0:
		return fixed.I96F32{}, nil
	case 16:
		return fixed.I96F32FromBits(int64(binary.BigEndian.Uint64(p.MovingPrice[:8])), binary.BigEndian.Uint64(p.MovingPrice[8:])), nil
	}
	return fixed.I96F32{}, errorsmod.Wrapf(types.ErrInconsistentState, "moving price is %d bytes, not 16", len(p.MovingPrice))
}

// networkToPrune is the subnet a registration beyond the subnet limit dissolves: among those past
// their immunity, the lowest moving price, then the earliest registered, then the lowest netuid.
func (k Keeper) networkToPrune(ctx context.Context, p types.Params, block uint64) (netuid uint32, ok bool, err error) {
	var bestPrice fixed.I96F32
	var bestAt uint64
	err = k.Subnets.Walk(ctx, nil, func(n uint32, s types.Subnet) (bool, error) {
		if block < s.RegisteredAt+min(p.NetworkImmunityPeriod, math.MaxUint64-s.RegisteredAt) {
			return false, nil
		}
		pool, err := k.GetPool(ctx, n)
		if err != nil {
			return true, err
		}
		price, err := movingPrice(pool)
		if err != nil {
			return true, err
		}
		if !ok || price.Lt(bestPrice) || (price.Cmp(bestPrice) == 0 && s.RegisteredAt < bestAt) {
			netuid, ok, bestPrice, bestAt = n, true, price, s.RegisteredAt
		}
		return false, nil
	})
	return netuid, ok, err
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
		return emit(ctx, &types.EventNetworkRegistered{
			Netuid: netuid, Owner: subnet.Owner, OwnerHotkey: subnet.OwnerHotkey, LockCost: cost, PrunedNetuid: prune,
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
	owner, err := k.canonicalAddress(coldkey)
	if err != nil {
		return types.Subnet{}, err
	}
	ownerHotkey, err := k.canonicalAddress(hotkey)
	if err != nil {
		return types.Subnet{}, err
	}
	subnet := types.Subnet{
		Netuid: netuid, Name: name, Symbol: subnetSymbol(netuid), Owner: owner, OwnerHotkey: ownerHotkey,
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
	return subnet, emit(ctx, &types.EventNeuronRegistered{Netuid: netuid, Uid: uid, Hotkey: ownerHotkey, Coldkey: owner})
}

func (s msgServer) StartCall(ctx context.Context, msg *types.MsgStartCall) (*types.MsgStartCallResponse, error) {
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
	if subnet.FirstEmissionBlock != 0 {
		return nil, errorsmod.Wrapf(types.ErrAlreadyStarted, "subnet %d started emission at block %d", msg.Netuid, subnet.FirstEmissionBlock)
	}
	p, err := k.mustParams(ctx)
	if err != nil {
		return nil, err
	}
	block := blockHeight(ctx)
	if allowed := subnet.RegisteredAt + p.StartCallDelay; block < allowed {
		return nil, errorsmod.Wrapf(types.ErrStartCallTooEarly,
			"subnet %d may start from block %d (%d blocks after its registration); retry in %d blocks",
			msg.Netuid, allowed, p.StartCallDelay, allowed-block)
	}
	subnet.FirstEmissionBlock = block + 1
	if err := k.Subnets.Set(ctx, msg.Netuid, subnet); err != nil {
		return nil, err
	}
	return &types.MsgStartCallResponse{}, emit(ctx, &types.EventStartCall{Netuid: msg.Netuid, FirstEmissionBlock: subnet.FirstEmissionBlock})
}

// requireSubnetOwner fails unless signer is the subnet's owner coldkey.
func (k Keeper) requireSubnetOwner(subnet types.Subnet, signer sdk.AccAddress) error {
	owner, err := k.parseAddress("subnet owner", subnet.Owner)
	if err != nil {
		return errorsmod.Wrapf(types.ErrInconsistentState, "subnet %d: %v", subnet.Netuid, err)
	}
	if !owner.Equals(signer) {
		return errorsmod.Wrapf(types.ErrNotSubnetOwner, "subnet %d is owned by %s; sign with that coldkey", subnet.Netuid, subnet.Owner)
	}
	return nil
}

func (q queryServer) LockCost(ctx context.Context, _ *types.QueryLockCostRequest) (*types.QueryLockCostResponse, error) {
	cost, err := q.k.LockCost(ctx)
	if err != nil {
		return nil, err
	}
	return &types.QueryLockCostResponse{LockCost: cost}, nil
}
