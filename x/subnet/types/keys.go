package types

import "cosmossdk.io/collections"

const (
	// ModuleName names the module, its store and its module account. The module account holds the
	// TAO of every subnet pool, and mints and destroys TAO for the coinbase.
	ModuleName = "subnet"
	StoreKey   = ModuleName
)

// Store prefixes, one per collection. Never reuse or renumber one: stored chains depend on them.
var (
	ParamsKey         = collections.NewPrefix(0)
	TotalIssuanceKey  = collections.NewPrefix(1)
	BurnedKey         = collections.NewPrefix(2)
	LocalAuthorityKey = collections.NewPrefix(3)

	NetworkRegistrationKey = collections.NewPrefix(10)
	SubnetsKey             = collections.NewPrefix(11)
	HyperparamsKey         = collections.NewPrefix(12)
	PoolsKey               = collections.NewPrefix(13)
	SchedulesKey           = collections.NewPrefix(14)
	PendingKey             = collections.NewPrefix(15)
	BurnsKey               = collections.NewPrefix(16)
	HyperparamSetAtKey     = collections.NewPrefix(17)
	DissolutionsKey        = collections.NewPrefix(18)
	RemaindersKey          = collections.NewPrefix(19)

	NeuronsKey = collections.NewPrefix(20)
	UidsKey    = collections.NewPrefix(21)
	WeightsKey = collections.NewPrefix(22)
	BondsKey   = collections.NewPrefix(23)
	AxonsKey   = collections.NewPrefix(24)
	CommitsKey = collections.NewPrefix(25)

	OwnersKey       = collections.NewPrefix(30)
	OwnedHotkeysKey = collections.NewPrefix(31)
	DelegatesKey    = collections.NewPrefix(32)
	HotkeyPoolsKey  = collections.NewPrefix(33)
	StakesKey       = collections.NewPrefix(34)
	// SubnetStakesKey and SubnetHotkeyPoolsKey index Stakes and HotkeyPools by netuid.
	SubnetStakesKey      = collections.NewPrefix(35)
	SubnetHotkeyPoolsKey = collections.NewPrefix(36)

	// Child keys (§8.4), each keyed by (netuid, hotkey).
	ChildKeysKey        = collections.NewPrefix(40)
	ParentKeysKey       = collections.NewPrefix(41)
	PendingChildKeysKey = collections.NewPrefix(42)
	ChildkeyTakesKey    = collections.NewPrefix(43)
	ChildrenSetAtKey    = collections.NewPrefix(44)

	// Key swaps (§8.1): announced coldkey swaps, their queue by due block, and the blocks a
	// coldkey last swapped a hotkey (anywhere, and per subnet) for the rate limits.
	ColdkeySwapsKey        = collections.NewPrefix(45)
	ColdkeySwapsDueKey     = collections.NewPrefix(46)
	LastHotkeySwapKey      = collections.NewPrefix(47)
	HotkeySwapsOnSubnetKey = collections.NewPrefix(48)
)

// The root network (netuid 0): its TAO, uids, admission counters and root dividends.
var (
	RootTaoKey           = collections.NewPrefix(50)
	RootNeuronsKey       = collections.NewPrefix(51)
	RootUidsKey          = collections.NewPrefix(52)
	RootRegistrationsKey = collections.NewPrefix(53)
	RootPendingKey       = collections.NewPrefix(54)
	RootDividendsKey     = collections.NewPrefix(55)
	RootClaimedKey       = collections.NewPrefix(56)
	RootClaimTypesKey    = collections.NewPrefix(57)
	RootStakersKey       = collections.NewPrefix(58)
)

// RootNetuid is the root network's netuid (§0.3).
const RootNetuid uint32 = 0
