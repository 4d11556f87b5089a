package types

// A pool's reserve weights (spec §6.2) are stored as TAO's weight w2 in Perquintill parts
// (Pool.quote_weight); alpha's is w1 = 1 − w2. Zero stands for equal weights, so every pool
// written before weights existed is the constant-product pool it was.
const (
	// PoolWeightAccuracy is a whole weight, 10^18 parts.
	PoolWeightAccuracy uint64 = 1_000_000_000_000_000_000
	// EqualPoolWeight is w1 = w2 = ½.
	EqualPoolWeight = PoolWeightAccuracy / 2
	// MinPoolWeight is the least either weight may be, 0.01 (subtensor's MIN_WEIGHT).
	MinPoolWeight = PoolWeightAccuracy / 100
)

// ValidPoolWeight reports whether a stored quote_weight is 0 (equal weights) or leaves both
// weights at least MinPoolWeight.
func ValidPoolWeight(quoteWeight uint64) bool {
	return quoteWeight == 0 ||
		(quoteWeight >= MinPoolWeight && quoteWeight <= PoolWeightAccuracy-MinPoolWeight)
}
