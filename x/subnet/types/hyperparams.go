package types

// NewSubnetHyperparams are the values a new subnet starts with: subtensor's runtime defaults as
// init_new_network overrides them (§6.4, §10.1 "create" column).
func NewSubnetHyperparams() Hyperparams {
	return Hyperparams{
		Tempo:                     360,
		ActivityCutoffFactorMilli: 13_889,
		Kappa:                     32_767,
		MaxAllowedUids:            256,
		MinAllowedUids:            64,
		MaxAllowedValidators:      64,
		MinAllowedWeights:         1,
		MaxWeightsLimit:           MaxU16,
		ImmunityPeriod:            5_000,
		WeightsVersionKey:         0,
		WeightsSetRateLimit:       100,
		BondsMovingAverage:        900_000,
		BondsPenalty:              MaxU16,
		Yuma3:                     true,
		LiquidAlpha:               false,
		AlphaLow:                  45_875,
		AlphaHigh:                 58_982,
		AlphaSigmoidSteepness:     1_000,
		CommitReveal:              true,
		RevealPeriodEpochs:        1,
		ServingRateLimit:          50,
		MinBurn:                   500_000,
		MaxBurn:                   100 * RaoPerTAO,
		BurnHalfLife:              360,
		BurnIncreaseMult:          DefaultBurnIncreaseMult,
		ImmuneOwnerUidsLimit:      1,
		MinNonImmuneUids:          10,
		RegistrationAllowed:       true,
		OwnerCutEnabled:           true,
		RecycleOwnerIncentive:     false,
		TransfersEnabled:          true,
		EmaPriceHalvingBlocks:     201_600,
		EmissionEnabled:           false,
	}
}

// InitialBurn is a new subnet's neuron registration price (§6.4).
const InitialBurn = 1 * RaoPerTAO
