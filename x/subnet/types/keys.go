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
)
