package keeper

import "cosmossdk.io/collections"

type collectionsPair = collections.Pair[uint32, uint32]

func pairKey[A, B any](a A, b B) collections.Pair[A, B] { return collections.Join(a, b) }

// collectionsPrefix ranges over every (netuid, ·) key of a map keyed by (netuid, uid).
func collectionsPrefix(netuid uint32) *collections.PairRange[uint32, uint32] {
	return collections.NewPrefixedPairRange[uint32, uint32](netuid)
}
