package fixed

// EmissionForIssuance is subtensor's get_block_emission_for_issuance
// (spec §5.1): the block emission, in base units, for a token whose issuance
// so far is issuance. It halves each time issuance crosses another half of
// the remaining distance to 21M tokens:
//
//	z = 1 / (1 − issuance / (2 · 10_500_000_000_000_000))   (I96F32, checked, truncating)
//	k = floor(log2(z))
//	emission = floor(defaultEmission / 2^k)
//
// and it is 0 once issuance ≥ totalSupply. As in subtensor the halving
// points are fixed at 21M·10^9 whatever totalSupply is, and every failure
// of the checked arithmetic (which the chain maps to "no emission") gives 0.
// TAO uses it with TotalIssuance, each subnet's alpha with its own issuance.
func EmissionForIssuance(issuance, totalSupply, defaultEmission uint64) uint64 {
	total := I96F32FromUint(issuance)
	if total.Ge(I96F32FromUint(totalSupply)) {
		return 0
	}
	one := I96F32One()
	two := I96F32FromInt(2)
	// The Rust literal 10_500_000_000_000_000.0 is an exact binary64 integer.
	halfSupply := I96F32FromUint(10_500_000_000_000_000)
	fraction, ok := total.CheckedDiv(two.SatMul(halfSupply))
	if !ok {
		return 0
	}
	remaining, ok := one.CheckedSub(fraction)
	if !ok {
		return 0
	}
	z, ok := one.CheckedDiv(remaining)
	if !ok {
		return 0
	}
	residual, ok := z.Log2()
	if !ok {
		return 0
	}
	halvings := residual.Floor().ToUint64()
	multiplier := one
	for i := uint64(0); i < halvings; i++ {
		next := multiplier.SatMul(two)
		if next == multiplier {
			break // saturated: further doublings change nothing
		}
		multiplier = next
	}
	share := one.SafeDiv(multiplier)
	return share.SatMul(I96F32FromUint(defaultEmission)).ToUint64()
}
