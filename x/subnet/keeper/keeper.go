package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	collcodec "cosmossdk.io/collections/codec"
	"cosmossdk.io/core/address"
	"cosmossdk.io/core/store"
	"cosmossdk.io/log/v2"
	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
	"github.com/gotensor/gotensor/yuma"
)

// Keeper owns x/subnet's state. Other modules are reached only through the narrow interfaces of
// types/expected_keepers.go.
type Keeper struct {
	cdc    codec.BinaryCodec
	logger log.Logger
	auth   types.AccountKeeper
	bank   types.BankKeeper
	// govAuthority is the authority unless a local network's genesis names another.
	govAuthority string
	// epochWorkspace is the Yuma engine's scratch memory, which every epoch of every subnet reuses
	// (epochs run in end block, one after another).
	epochWorkspace *yuma.Workspace

	Schema         collections.Schema
	Params         collections.Item[types.Params]
	TotalIssuance  collections.Item[uint64]
	Burned         collections.Item[uint64]
	LocalAuthority collections.Item[string]

	// Subnets, keyed by netuid.
	NetworkRegistration collections.Item[types.NetworkRegistration]
	Subnets             collections.Map[uint32, types.Subnet]
	Hyperparams         collections.Map[uint32, types.Hyperparams]
	Pools               collections.Map[uint32, types.Pool]
	Schedules           collections.Map[uint32, types.Schedule]
	Pending             collections.Map[uint32, types.PendingEmission]
	// Burns is each subnet's neuron registration price, in rao (§7.1).
	Burns collections.Map[uint32, uint64]
	// HyperparamSetAt is the block an owner last set each (netuid, hyperparameter).
	HyperparamSetAt collections.Map[collections.Pair[uint32, string], uint64]
	// Dissolutions are pruned subnets whose pool is being paid out, by netuid (§6.4).
	Dissolutions collections.Map[uint32, types.Dissolution]
	// Remainders are a dissolution's rounding remainders, keyed (netuid, remainder complemented so
	// the largest sorts first, sequence), holding the coldkey to pay (empty: the protocol).
	Remainders collections.Map[collections.Triple[uint32, []byte, uint64], []byte]

	// Neurons, keyed by (netuid, uid) unless said otherwise.
	Neurons collections.Map[collections.Pair[uint32, uint32], types.Neuron]
	// Uids indexes (netuid, hotkey) → uid.
	Uids    collections.Map[collections.Pair[uint32, sdk.AccAddress], uint32]
	Weights collections.Map[collections.Pair[uint32, uint32], types.WeightRow]
	Bonds   collections.Map[collections.Pair[uint32, uint32], types.WeightRow]
	Axons   collections.Map[collections.Pair[uint32, uint32], types.AxonInfo]
	// Commits are each (netuid, hotkey)'s unrevealed weight commits.
	Commits collections.Map[collections.Pair[uint32, sdk.AccAddress], types.CommitQueue]

	// Keys and stake.
	// Owners maps a hotkey to the coldkey that owns it (§8.1); OwnedHotkeys indexes (coldkey, hotkey).
	Owners       collections.Map[sdk.AccAddress, sdk.AccAddress]
	OwnedHotkeys collections.KeySet[collections.Pair[sdk.AccAddress, sdk.AccAddress]]
	Delegates    collections.Map[sdk.AccAddress, types.Delegate]
	// HotkeyPools is each (hotkey, netuid)'s share pool (§8.2).
	HotkeyPools collections.Map[collections.Pair[sdk.AccAddress, uint32], types.HotkeyPool]
	// Stakes holds each (coldkey, hotkey, netuid)'s shares of the hotkey's pool.
	Stakes collections.Map[collections.Triple[sdk.AccAddress, sdk.AccAddress, uint32], sdkmath.Uint]
	// SubnetStakes indexes Stakes as (netuid, hotkey, coldkey) and SubnetHotkeyPools indexes
	// HotkeyPools as (netuid, hotkey), so a subnet's stakes are read without scanning the chain's.
	SubnetStakes      collections.KeySet[collections.Triple[uint32, sdk.AccAddress, sdk.AccAddress]]
	SubnetHotkeyPools collections.KeySet[collections.Pair[uint32, sdk.AccAddress]]

	// Child keys (§8.4), keyed by (netuid, hotkey): a parent's children and a child's parents in
	// force (each the other's index), a parent's scheduled list, a child's take, and the block a
	// parent last set children (childkeys.go).
	ChildKeys        collections.Map[childLinkKey, types.ChildLinks]
	ParentKeys       collections.Map[childLinkKey, types.ChildLinks]
	PendingChildKeys collections.Map[childLinkKey, types.PendingChildren]
	ChildkeyTakes    collections.Map[childLinkKey, types.ChildkeyTake]
	ChildrenSetAt    collections.Map[childLinkKey, uint64]

	// Key swaps (hotkey_swap.go, coldkey_swap.go). ColdkeySwaps are announced coldkey swaps by old
	// coldkey, ColdkeySwapsDue indexes them as (execute_at, coldkey); LastHotkeySwap is the block a
	// coldkey last swapped a hotkey, HotkeySwapsOnSubnet the same per (netuid, coldkey).
	ColdkeySwaps        collections.Map[sdk.AccAddress, types.ColdkeySwap]
	ColdkeySwapsDue     collections.KeySet[collections.Pair[uint64, sdk.AccAddress]]
	LastHotkeySwap      collections.Map[sdk.AccAddress, uint64]
	HotkeySwapsOnSubnet collections.Map[collections.Pair[uint32, sdk.AccAddress], uint64]

	// The root network, netuid 0 (root.go, root_claim.go). Root stake itself lives in HotkeyPools
	// and Stakes with netuid 0; RootTao is their sum, the TAO the module holds for it (SubnetTAO[0]).
	RootTao           collections.Item[uint64]
	RootNeurons       collections.Map[uint32, types.RootNeuron]
	RootUids          collections.Map[sdk.AccAddress, uint32]
	RootRegistrations collections.Item[types.RootRegistrations]
	// RootPending is each subnet's root alpha for its next epoch (PendingRootAlphaDivs, §5.5).
	RootPending collections.Map[uint32, uint64]
	// RootDividends are each (hotkey, netuid)'s unclaimed root dividends (RootClaimable, §5.8);
	// RootClaimed is each (netuid, hotkey, coldkey)'s claimed watermark, an I96F32 (§5.9).
	RootDividends  collections.Map[collections.Pair[sdk.AccAddress, uint32], types.RootDividends]
	RootClaimed    collections.Map[collections.Triple[uint32, sdk.AccAddress, sdk.AccAddress], []byte]
	RootClaimTypes collections.Map[sdk.AccAddress, types.RootClaimType]
	// RootStakers indexes every (coldkey, hotkey) that ever staked on root (StakingHotkeys): a
	// coldkey that unstaked all still claims what it was owed.
	RootStakers collections.KeySet[collections.Pair[sdk.AccAddress, sdk.AccAddress]]
}

// subnetStakeKey encodes SubnetStakes keys; a dissolution's cursor is one.
var subnetStakeKey = collections.TripleKeyCodec(collections.Uint32Key, sdk.AccAddressKey, sdk.AccAddressKey)

// childLinkCodec encodes the child-key maps' (netuid, hotkey) keys.
var childLinkCodec = collections.PairKeyCodec(collections.Uint32Key, sdk.AccAddressKey)

// netuidUID keys per-uid state by (netuid, uid), so one subnet's uids are one prefix range.
var netuidUID = collections.PairKeyCodec(collections.Uint32Key, collections.Uint32Key)

// NewKeeper builds the keeper. govAuthority is the bech32 address of the governance module account
// (or of the account the app config names).
func NewKeeper(cdc codec.BinaryCodec, storeService store.KVStoreService, logger log.Logger,
	auth types.AccountKeeper, bank types.BankKeeper, govAuthority string,
) Keeper {
	if _, err := auth.AddressCodec().StringToBytes(govAuthority); err != nil {
		panic(fmt.Sprintf("x/subnet: authority %q is not an address: %v", govAuthority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		cdc:            cdc,
		logger:         logger.With("module", "x/"+types.ModuleName),
		auth:           auth,
		bank:           bank,
		govAuthority:   govAuthority,
		epochWorkspace: new(yuma.Workspace),
		Params:         collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		TotalIssuance:  collections.NewItem(sb, types.TotalIssuanceKey, "total_issuance", collections.Uint64Value),
		Burned:         collections.NewItem(sb, types.BurnedKey, "burned", collections.Uint64Value),
		LocalAuthority: collections.NewItem(sb, types.LocalAuthorityKey, "local_authority", collections.StringValue),

		NetworkRegistration: collections.NewItem(sb, types.NetworkRegistrationKey, "network_registration", codec.CollValue[types.NetworkRegistration](cdc)),
		Subnets:             collections.NewMap(sb, types.SubnetsKey, "subnets", collections.Uint32Key, codec.CollValue[types.Subnet](cdc)),
		Hyperparams:         collections.NewMap(sb, types.HyperparamsKey, "hyperparams", collections.Uint32Key, codec.CollValue[types.Hyperparams](cdc)),
		Pools:               collections.NewMap(sb, types.PoolsKey, "pools", collections.Uint32Key, codec.CollValue[types.Pool](cdc)),
		Schedules:           collections.NewMap(sb, types.SchedulesKey, "schedules", collections.Uint32Key, codec.CollValue[types.Schedule](cdc)),
		Pending:             collections.NewMap(sb, types.PendingKey, "pending", collections.Uint32Key, codec.CollValue[types.PendingEmission](cdc)),
		Burns:               collections.NewMap(sb, types.BurnsKey, "burns", collections.Uint32Key, collections.Uint64Value),
		HyperparamSetAt: collections.NewMap(sb, types.HyperparamSetAtKey, "hyperparam_set_at",
			collections.PairKeyCodec(collections.Uint32Key, collections.StringKey), collections.Uint64Value),
		Dissolutions: collections.NewMap(sb, types.DissolutionsKey, "dissolutions", collections.Uint32Key, codec.CollValue[types.Dissolution](cdc)),
		Remainders: collections.NewMap(sb, types.RemaindersKey, "remainders",
			collections.TripleKeyCodec(collections.Uint32Key, collections.BytesKey, collections.Uint64Key), collections.BytesValue),

		Neurons: collections.NewMap(sb, types.NeuronsKey, "neurons", netuidUID, codec.CollValue[types.Neuron](cdc)),
		Uids: collections.NewMap(sb, types.UidsKey, "uids",
			collections.PairKeyCodec(collections.Uint32Key, sdk.AccAddressKey), collections.Uint32Value),
		Weights: collections.NewMap(sb, types.WeightsKey, "weights", netuidUID, codec.CollValue[types.WeightRow](cdc)),
		Bonds:   collections.NewMap(sb, types.BondsKey, "bonds", netuidUID, codec.CollValue[types.WeightRow](cdc)),
		Axons:   collections.NewMap(sb, types.AxonsKey, "axons", netuidUID, codec.CollValue[types.AxonInfo](cdc)),
		Commits: collections.NewMap(sb, types.CommitsKey, "commits",
			collections.PairKeyCodec(collections.Uint32Key, sdk.AccAddressKey), codec.CollValue[types.CommitQueue](cdc)),

		Owners: collections.NewMap(sb, types.OwnersKey, "owners", sdk.AccAddressKey, collcodec.KeyToValueCodec(sdk.AccAddressKey)),
		OwnedHotkeys: collections.NewKeySet(sb, types.OwnedHotkeysKey, "owned_hotkeys",
			collections.PairKeyCodec(sdk.AccAddressKey, sdk.AccAddressKey)),
		Delegates: collections.NewMap(sb, types.DelegatesKey, "delegates", sdk.AccAddressKey, codec.CollValue[types.Delegate](cdc)),
		HotkeyPools: collections.NewMap(sb, types.HotkeyPoolsKey, "hotkey_pools",
			collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint32Key), codec.CollValue[types.HotkeyPool](cdc)),
		Stakes: collections.NewMap(sb, types.StakesKey, "stakes",
			collections.TripleKeyCodec(sdk.AccAddressKey, sdk.AccAddressKey, collections.Uint32Key), sdk.UintValue),
		SubnetStakes: collections.NewKeySet(sb, types.SubnetStakesKey, "subnet_stakes", subnetStakeKey),
		SubnetHotkeyPools: collections.NewKeySet(sb, types.SubnetHotkeyPoolsKey, "subnet_hotkey_pools",
			collections.PairKeyCodec(collections.Uint32Key, sdk.AccAddressKey)),

		ChildKeys:        collections.NewMap(sb, types.ChildKeysKey, "child_keys", childLinkCodec, codec.CollValue[types.ChildLinks](cdc)),
		ParentKeys:       collections.NewMap(sb, types.ParentKeysKey, "parent_keys", childLinkCodec, codec.CollValue[types.ChildLinks](cdc)),
		PendingChildKeys: collections.NewMap(sb, types.PendingChildKeysKey, "pending_child_keys", childLinkCodec, codec.CollValue[types.PendingChildren](cdc)),
		ChildkeyTakes:    collections.NewMap(sb, types.ChildkeyTakesKey, "childkey_takes", childLinkCodec, codec.CollValue[types.ChildkeyTake](cdc)),
		ChildrenSetAt:    collections.NewMap(sb, types.ChildrenSetAtKey, "children_set_at", childLinkCodec, collections.Uint64Value),

		ColdkeySwaps: collections.NewMap(sb, types.ColdkeySwapsKey, "coldkey_swaps", sdk.AccAddressKey, codec.CollValue[types.ColdkeySwap](cdc)),
		ColdkeySwapsDue: collections.NewKeySet(sb, types.ColdkeySwapsDueKey, "coldkey_swaps_due",
			collections.PairKeyCodec(collections.Uint64Key, sdk.AccAddressKey)),
		LastHotkeySwap: collections.NewMap(sb, types.LastHotkeySwapKey, "last_hotkey_swap", sdk.AccAddressKey, collections.Uint64Value),
		HotkeySwapsOnSubnet: collections.NewMap(sb, types.HotkeySwapsOnSubnetKey, "hotkey_swaps_on_subnet",
			collections.PairKeyCodec(collections.Uint32Key, sdk.AccAddressKey), collections.Uint64Value),

		RootTao:     collections.NewItem(sb, types.RootTaoKey, "root_tao", collections.Uint64Value),
		RootNeurons: collections.NewMap(sb, types.RootNeuronsKey, "root_neurons", collections.Uint32Key, codec.CollValue[types.RootNeuron](cdc)),
		RootUids:    collections.NewMap(sb, types.RootUidsKey, "root_uids", sdk.AccAddressKey, collections.Uint32Value),
		RootRegistrations: collections.NewItem(sb, types.RootRegistrationsKey, "root_registrations",
			codec.CollValue[types.RootRegistrations](cdc)),
		RootPending: collections.NewMap(sb, types.RootPendingKey, "root_pending", collections.Uint32Key, collections.Uint64Value),
		RootDividends: collections.NewMap(sb, types.RootDividendsKey, "root_dividends",
			collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint32Key), codec.CollValue[types.RootDividends](cdc)),
		RootClaimed: collections.NewMap(sb, types.RootClaimedKey, "root_claimed",
			collections.TripleKeyCodec(collections.Uint32Key, sdk.AccAddressKey, sdk.AccAddressKey), collections.BytesValue),
		RootClaimTypes: collections.NewMap(sb, types.RootClaimTypesKey, "root_claim_types", sdk.AccAddressKey,
			codec.CollValue[types.RootClaimType](cdc)),
		RootStakers: collections.NewKeySet(sb, types.RootStakersKey, "root_stakers",
			collections.PairKeyCodec(sdk.AccAddressKey, sdk.AccAddressKey)),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(fmt.Sprintf("x/subnet: building the state schema: %v", err))
	}
	k.Schema = schema
	return k
}

// Authority returns the account allowed to make root-only changes: the local network's named
// account if its genesis set one, else governance.
func (k Keeper) Authority(ctx context.Context) (string, error) {
	local, err := k.LocalAuthority.Get(ctx)
	switch {
	case err == nil && local != "":
		return local, nil
	case err == nil, isNotFound(err):
		return k.govAuthority, nil
	default:
		return "", err
	}
}

// AddressCodec encodes and decodes account addresses (bech32 "tao").
func (k Keeper) AddressCodec() address.Codec { return k.auth.AddressCodec() }

// Logger returns the module's logger.
func (k Keeper) Logger() log.Logger { return k.logger }

// moduleAddress is the account holding pool TAO and the coinbase in flight.
func (k Keeper) moduleAddress() sdk.AccAddress { return k.auth.GetModuleAddress(types.ModuleName) }

func isNotFound(err error) bool { return errors.Is(err, collections.ErrNotFound) }
