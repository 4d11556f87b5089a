package types

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	errorsmod "cosmossdk.io/errors"
)

// The registry of subnet hyperparameters (§10.1): for each, who may set it, the values it takes and
// how often an owner may change it. SetHyperparameter, the hyperparameters query and the CLI's help
// all read it, so a hyperparameter's rules are written once, here.

// HyperparamAccess says who may set a hyperparameter.
type HyperparamAccess int

const (
	// OwnerOrAuthority: the subnet owner (within the owner's range, outside the admin freeze window,
	// at most once per rate-limit period) or the chain authority (any value in range, any time).
	OwnerOrAuthority HyperparamAccess = iota
	// AuthorityOnly: the chain authority alone.
	AuthorityOnly
)

func (a HyperparamAccess) String() string {
	if a == AuthorityOnly {
		return "authority"
	}
	return "owner"
}

// HyperparamEnv is what a range check may depend on besides the value and the other
// hyperparameters.
type HyperparamEnv struct {
	// ByOwner is true when the subnet owner sets the value: some ranges are narrower for owners.
	ByOwner bool
	// Neurons is the number of uids registered on the subnet.
	Neurons uint32
}

// HyperparamSpec is one hyperparameter's rules.
type HyperparamSpec struct {
	// Name is the snake_case field name the hyperparameters query shows.
	Name string
	// Doc is one line for the CLI: what it is, its unit and range.
	Doc    string
	Access HyperparamAccess

	get func(Hyperparams) string
	// set parses value, checks it against its range and the other hyperparameters, and stores it.
	set func(h *Hyperparams, value string, env HyperparamEnv) error
	// ownerRateLimit is the number of blocks an owner waits between two changes.
	ownerRateLimit func(h Hyperparams, p Params) uint64
}

// Get formats the hyperparameter's value as SetHyperparameter accepts it.
func (s HyperparamSpec) Get(h Hyperparams) string { return s.get(h) }

// Set parses value and stores it in h, or returns ErrHyperparameterValue saying which range it
// missed; h is unchanged on error.
func (s HyperparamSpec) Set(h *Hyperparams, value string, env HyperparamEnv) error {
	next := *h
	if err := s.set(&next, value, env); err != nil {
		return err
	}
	*h = next
	return nil
}

// OwnerRateLimit is the number of blocks an owner must wait after changing this hyperparameter
// before changing it again: OwnerHyperparamRateLimit tempos unless the hyperparameter says
// otherwise.
func (s HyperparamSpec) OwnerRateLimit(h Hyperparams, p Params) uint64 {
	if s.ownerRateLimit != nil {
		return s.ownerRateLimit(h, p)
	}
	return temposToBlocks(p.OwnerHyperparamRateLimit, h.Tempo)
}

// HyperparamSpecs lists every hyperparameter in the order of the Hyperparams record.
func HyperparamSpecs() []HyperparamSpec { return append([]HyperparamSpec(nil), hyperparamSpecs...) }

// LookupHyperparam finds a hyperparameter by its snake_case name.
func LookupHyperparam(name string) (HyperparamSpec, error) {
	for _, s := range hyperparamSpecs {
		if s.Name == name {
			return s, nil
		}
	}
	names := make([]string, len(hyperparamSpecs))
	for i, s := range hyperparamSpecs {
		names[i] = s.Name
	}
	return HyperparamSpec{}, errorsmod.Wrapf(ErrUnknownHyperparameter, "%q; the names are: %s", name, strings.Join(names, ", "))
}

// Bounds shared by the specs and the rules that read them.
const (
	// MinOwnerTempo and MaxOwnerTempo bound the tempo an owner may set; an owner changes the tempo
	// at most once per MinOwnerTempo blocks.
	MinOwnerTempo = 360
	MaxOwnerTempo = 50_400
	// MaxUidsPerSubnet is the most uids a subnet may allow.
	MaxUidsPerSubnet = 256
	// MinAlphaBound is the least liquid-alpha low or high value (0.025 as a u16 proportion).
	MinAlphaBound = 1_638
	// MinBurnUpperBound and MaxBurnLowerBound keep the registration price range sensible: min_burn
	// under 1 TAO, max_burn over 0.1 TAO.
	MinBurnUpperBound = 1 * RaoPerTAO
	MaxBurnLowerBound = RaoPerTAO / 10
)

var hyperparamSpecs = []HyperparamSpec{
	uintSpec("tempo", "blocks between epochs; owner [360, 50400] once per 360 blocks, authority any u16 (0 = never); resets the epoch cycle",
		OwnerOrAuthority, func(h *Hyperparams) *uint32 { return &h.Tempo },
		ownerRange(MinOwnerTempo, MaxOwnerTempo), atMost(math.MaxUint16)).
		withRateLimit(func(Hyperparams, Params) uint64 { return MinOwnerTempo }),
	uintSpec("activity_cutoff_factor_milli", "activity cutoff in thousandths of a tempo, [1000, 50000]",
		OwnerOrAuthority, func(h *Hyperparams) *uint32 { return &h.ActivityCutoffFactorMilli }, between(1_000, 50_000)),
	uintSpec("kappa", "consensus quantile as a u16 proportion", AuthorityOnly,
		func(h *Hyperparams) *uint32 { return &h.Kappa }, atMost(MaxU16)),
	uintSpec("max_allowed_uids", "most uids the subnet holds, [min_allowed_uids, 256] and at least the uids registered",
		OwnerOrAuthority, func(h *Hyperparams) *uint32 { return &h.MaxAllowedUids }, maxAllowedUidsCheck),
	uintSpec("min_allowed_uids", "fewest uids; below max_allowed_uids and below the uids registered",
		AuthorityOnly, func(h *Hyperparams) *uint32 { return &h.MinAllowedUids }, minAllowedUidsCheck),
	uintSpec("max_allowed_validators", "most validator permits; at most max_allowed_uids",
		AuthorityOnly, func(h *Hyperparams) *uint32 { return &h.MaxAllowedValidators }, maxAllowedValidatorsCheck),
	uintSpec("min_allowed_weights", "fewest weights a validator sets, u16",
		OwnerOrAuthority, func(h *Hyperparams) *uint32 { return &h.MinAllowedWeights }, atMost(MaxU16)),
	uintSpec("max_weights_limit", "largest single weight as a u16 proportion (65535 disables the check)",
		AuthorityOnly, func(h *Hyperparams) *uint32 { return &h.MaxWeightsLimit }, atMost(MaxU16)),
	uintSpec("immunity_period", "blocks a new uid cannot be replaced, u16",
		OwnerOrAuthority, func(h *Hyperparams) *uint64 { return &h.ImmunityPeriod }, atMost(MaxU16)),
	uintSpec("weights_version_key", "oldest weights version accepted; owner once per weights_version_key_rate_limit tempos",
		OwnerOrAuthority, func(h *Hyperparams) *uint64 { return &h.WeightsVersionKey }).
		withRateLimit(func(h Hyperparams, p Params) uint64 { return temposToBlocks(p.WeightsVersionKeyRateLimit, h.Tempo) }),
	uintSpec("weights_set_rate_limit", "blocks between two weight submissions of a hotkey",
		AuthorityOnly, func(h *Hyperparams) *uint64 { return &h.WeightsSetRateLimit }),
	uintSpec("bonds_moving_average", "bond EMA factor in millionths; owner at most 975000, authority at most 1000000",
		OwnerOrAuthority, func(h *Hyperparams) *uint64 { return &h.BondsMovingAverage }, ownerRange(0, 975_000), atMost(1_000_000)),
	uintSpec("bonds_penalty", "bond penalty for weights above consensus, u16 proportion",
		OwnerOrAuthority, func(h *Hyperparams) *uint32 { return &h.BondsPenalty }, atMost(MaxU16)),
	boolSpec("yuma3", "Yuma 3 bonds and dividends", OwnerOrAuthority, func(h *Hyperparams) *bool { return &h.Yuma3 }),
	boolSpec("liquid_alpha", "liquid alpha (per-bond EMA factors between alpha_low and alpha_high)",
		OwnerOrAuthority, func(h *Hyperparams) *bool { return &h.LiquidAlpha }),
	uintSpec("alpha_low", "liquid alpha lower bound, u16 proportion in [1638, alpha_high]; liquid_alpha must be on",
		OwnerOrAuthority, func(h *Hyperparams) *uint32 { return &h.AlphaLow }, alphaBoundCheck(true)),
	uintSpec("alpha_high", "liquid alpha upper bound, u16 proportion in [alpha_low, 65535]; liquid_alpha must be on",
		OwnerOrAuthority, func(h *Hyperparams) *uint32 { return &h.AlphaHigh }, alphaBoundCheck(false)),
	intSpec("alpha_sigmoid_steepness", "liquid alpha sigmoid slope ×100; owner [0, 32767], authority any i16",
		OwnerOrAuthority, func(h *Hyperparams) *int32 { return &h.AlphaSigmoidSteepness }),
	boolSpec("commit_reveal", "weights are committed as hashes and revealed later",
		OwnerOrAuthority, func(h *Hyperparams) *bool { return &h.CommitReveal }),
	uintSpec("reveal_period_epochs", "epochs between a commit and its reveal, [1, 100]",
		OwnerOrAuthority, func(h *Hyperparams) *uint64 { return &h.RevealPeriodEpochs }, between(1, 100)),
	uintSpec("serving_rate_limit", "blocks between two axon updates of a hotkey (0 = no limit)",
		OwnerOrAuthority, func(h *Hyperparams) *uint64 { return &h.ServingRateLimit }),
	uintSpec("min_burn", "lowest registration price in rao; below 1 TAO and below max_burn",
		OwnerOrAuthority, func(h *Hyperparams) *uint64 { return &h.MinBurn }, minBurnCheck),
	uintSpec("max_burn", "highest registration price in rao; above 0.1 TAO and above min_burn",
		OwnerOrAuthority, func(h *Hyperparams) *uint64 { return &h.MaxBurn }, maxBurnCheck),
	uintSpec("burn_half_life", "blocks for the registration price to halve, [1, 36100]",
		OwnerOrAuthority, func(h *Hyperparams) *uint64 { return &h.BurnHalfLife }, between(1, 36_100)),
	uintSpec("immune_owner_uids_limit", "owner hotkeys that are never replaced, [1, 10]",
		OwnerOrAuthority, func(h *Hyperparams) *uint32 { return &h.ImmuneOwnerUidsLimit }, between(1, 10)),
	uintSpec("min_non_immune_uids", "non-immune uids kept before immune ones may be replaced, u16",
		AuthorityOnly, func(h *Hyperparams) *uint32 { return &h.MinNonImmuneUids }, atMost(MaxU16)),
	boolSpec("registration_allowed", "new hotkeys may register (also gates emission)",
		AuthorityOnly, func(h *Hyperparams) *bool { return &h.RegistrationAllowed }),
	boolSpec("owner_cut_enabled", "the owner receives its cut of the alpha emission",
		OwnerOrAuthority, func(h *Hyperparams) *bool { return &h.OwnerCutEnabled }),
	boolSpec("recycle_owner_incentive", "recycle (instead of burn) the miner incentive of the owner's hotkeys",
		OwnerOrAuthority, func(h *Hyperparams) *bool { return &h.RecycleOwnerIncentive }),
	boolSpec("transfers_enabled", "stake may be transferred to other coldkeys",
		OwnerOrAuthority, func(h *Hyperparams) *bool { return &h.TransfersEnabled }),
	uintSpec("ema_price_halving_blocks", "blocks over which the moving price's factor ramps up",
		AuthorityOnly, func(h *Hyperparams) *uint64 { return &h.EmaPriceHalvingBlocks }),
	boolSpec("emission_enabled", "the subnet receives the TAO side of emission",
		AuthorityOnly, func(h *Hyperparams) *bool { return &h.EmissionEnabled }),
	decimalSpec("burn_increase_mult", "registration price multiplier per registration, a decimal in [1, 3] read as U64F64::from_num(f64)",
		OwnerOrAuthority, func(h *Hyperparams) *string { return &h.BurnIncreaseMult }, func(s string) error {
			_, err := ParseBurnIncreaseMult(s)
			return err
		}),
}

// check is one rule a value must satisfy; it returns what is wrong, or "".
type check func(v uint64, h Hyperparams, env HyperparamEnv) string

func atMost(hi uint64) check {
	return func(v uint64, _ Hyperparams, _ HyperparamEnv) string {
		if v > hi {
			return fmt.Sprintf("must be at most %d", hi)
		}
		return ""
	}
}

func between(lo, hi uint64) check {
	return func(v uint64, _ Hyperparams, _ HyperparamEnv) string {
		if v < lo || v > hi {
			return fmt.Sprintf("must be in [%d, %d]", lo, hi)
		}
		return ""
	}
}

// ownerRange narrows the range for owners only.
func ownerRange(lo, hi uint64) check {
	inner := between(lo, hi)
	return func(v uint64, h Hyperparams, env HyperparamEnv) string {
		if !env.ByOwner {
			return ""
		}
		if why := inner(v, h, env); why != "" {
			return "the subnet owner's value " + why
		}
		return ""
	}
}

func maxAllowedUidsCheck(v uint64, h Hyperparams, env HyperparamEnv) string {
	switch {
	case v == 0 || v > MaxUidsPerSubnet:
		return fmt.Sprintf("must be in [1, %d]", MaxUidsPerSubnet)
	case v < uint64(h.MinAllowedUids):
		return fmt.Sprintf("must be at least min_allowed_uids (%d)", h.MinAllowedUids)
	case v < uint64(env.Neurons):
		return fmt.Sprintf("must be at least the %d uids registered", env.Neurons)
	}
	return ""
}

func minAllowedUidsCheck(v uint64, h Hyperparams, env HyperparamEnv) string {
	switch {
	case v >= uint64(h.MaxAllowedUids):
		return fmt.Sprintf("must be below max_allowed_uids (%d)", h.MaxAllowedUids)
	case v >= uint64(env.Neurons):
		return fmt.Sprintf("must be below the %d uids registered", env.Neurons)
	}
	return ""
}

func maxAllowedValidatorsCheck(v uint64, h Hyperparams, _ HyperparamEnv) string {
	if v > uint64(h.MaxAllowedUids) {
		return fmt.Sprintf("must be at most max_allowed_uids (%d)", h.MaxAllowedUids)
	}
	return ""
}

func alphaBoundCheck(low bool) check {
	return func(v uint64, h Hyperparams, _ HyperparamEnv) string {
		switch {
		case !h.LiquidAlpha:
			return "liquid alpha is off: set liquid_alpha to true first"
		case v < MinAlphaBound || v > MaxU16:
			return fmt.Sprintf("must be in [%d, %d]", MinAlphaBound, MaxU16)
		case low && v > uint64(h.AlphaHigh):
			return fmt.Sprintf("must not exceed alpha_high (%d)", h.AlphaHigh)
		case !low && v < uint64(h.AlphaLow):
			return fmt.Sprintf("must not be below alpha_low (%d)", h.AlphaLow)
		}
		return ""
	}
}

func minBurnCheck(v uint64, h Hyperparams, _ HyperparamEnv) string {
	switch {
	case v >= MinBurnUpperBound:
		return fmt.Sprintf("must be below %d rao (1 TAO)", uint64(MinBurnUpperBound))
	case v >= h.MaxBurn:
		return fmt.Sprintf("must be below max_burn (%d rao)", h.MaxBurn)
	}
	return ""
}

func maxBurnCheck(v uint64, h Hyperparams, _ HyperparamEnv) string {
	switch {
	case v <= MaxBurnLowerBound:
		return fmt.Sprintf("must be above %d rao (0.1 TAO)", uint64(MaxBurnLowerBound))
	case v <= h.MinBurn:
		return fmt.Sprintf("must be above min_burn (%d rao)", h.MinBurn)
	}
	return ""
}

func (s HyperparamSpec) withRateLimit(f func(Hyperparams, Params) uint64) HyperparamSpec {
	s.ownerRateLimit = f
	return s
}

func valueError(name, value, why string) error {
	return errorsmod.Wrapf(ErrHyperparameterValue, "%s = %q: %s", name, value, why)
}

func uintSpec[T uint32 | uint64](name, doc string, access HyperparamAccess, field func(*Hyperparams) *T, checks ...check) HyperparamSpec {
	var zero T
	bitSize := 64
	if any(zero) == any(uint32(0)) {
		bitSize = 32
	}
	return HyperparamSpec{
		Name: name, Doc: doc, Access: access,
		get: func(h Hyperparams) string { return strconv.FormatUint(uint64(*field(&h)), 10) },
		set: func(h *Hyperparams, value string, env HyperparamEnv) error {
			v, err := strconv.ParseUint(value, 10, bitSize)
			if err != nil {
				return valueError(name, value, fmt.Sprintf("must be a whole number in [0, %d] written in decimal digits", uint64(1)<<bitSize-1))
			}
			for _, c := range checks {
				if why := c(v, *h, env); why != "" {
					return valueError(name, value, why)
				}
			}
			*field(h) = T(v)
			return nil
		},
	}
}

// intSpec is the one signed hyperparameter, alpha_sigmoid_steepness: an i16 for the authority,
// non-negative for owners.
func intSpec(name, doc string, access HyperparamAccess, field func(*Hyperparams) *int32) HyperparamSpec {
	return HyperparamSpec{
		Name: name, Doc: doc, Access: access,
		get: func(h Hyperparams) string { return strconv.FormatInt(int64(*field(&h)), 10) },
		set: func(h *Hyperparams, value string, env HyperparamEnv) error {
			v, err := strconv.ParseInt(value, 10, 16)
			if err != nil {
				return valueError(name, value, fmt.Sprintf("must be a whole number in [%d, %d]", math.MinInt16, math.MaxInt16))
			}
			if env.ByOwner && v < 0 {
				return valueError(name, value, "the subnet owner's value must not be negative")
			}
			*field(h) = int32(v)
			return nil
		},
	}
}

// decimalSpec is a fixed-point hyperparameter written as a decimal; parse says whether a value is
// one the chain accepts.
func decimalSpec(name, doc string, access HyperparamAccess, field func(*Hyperparams) *string, parse func(string) error) HyperparamSpec {
	return HyperparamSpec{
		Name: name, Doc: doc, Access: access,
		get: func(h Hyperparams) string { return *field(&h) },
		set: func(h *Hyperparams, value string, _ HyperparamEnv) error {
			if err := parse(value); err != nil {
				return errorsmod.Wrap(ErrHyperparameterValue, err.Error())
			}
			*field(h) = value
			return nil
		},
	}
}

func boolSpec(name, doc string, access HyperparamAccess, field func(*Hyperparams) *bool) HyperparamSpec {
	return HyperparamSpec{
		Name: name, Doc: doc, Access: access,
		get: func(h Hyperparams) string { return strconv.FormatBool(*field(&h)) },
		set: func(h *Hyperparams, value string, _ HyperparamEnv) error {
			switch value {
			case "true":
				*field(h) = true
			case "false":
				*field(h) = false
			default:
				return valueError(name, value, "must be true or false")
			}
			return nil
		},
	}
}

// temposToBlocks converts a rate limit counted in tempos to blocks, saturating.
func temposToBlocks(tempos uint64, tempo uint32) uint64 {
	if tempo != 0 && tempos > math.MaxUint64/uint64(tempo) {
		return math.MaxUint64
	}
	return tempos * uint64(tempo)
}
