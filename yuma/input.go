package yuma

import (
	"errors"
	"fmt"
	"math"
)

// Entry is one cell of a stored sparse row: the weight (or bond) that the
// row's uid holds toward UID, as a u16 (weights are max-upscaled so a row's
// largest is 65535; Yuma-3 bonds are proportions of 65535).
type Entry struct {
	UID   uint16
	Value uint16
}

// Defaults of the hyperparameters (spec §10.1 at HEAD; the JSON filter
// applies them to omitted fields).
const (
	DefaultActivityCutoffFactorMilli = 13_889
	DefaultKappa                     = 32_767
	DefaultBondsPenalty              = 65_535
	DefaultBondsMovingAverage        = 900_000
	DefaultAlphaLow                  = 45_875
	DefaultAlphaHigh                 = 58_982
	DefaultAlphaSigmoidSteepness     = 1_000
)

// NoCommit marks a validator without a live weight commit in CommitBlock.
const NoCommit = math.MaxUint64

// MaxUIDs is the largest subnet size an epoch accepts: uids are u16.
const MaxUIDs = math.MaxUint16

// Input is everything one epoch of one subnet reads (spec §4.1), in the
// shape of spec/epoch-json.md. n is len(AlphaStake); per-uid slices are
// indexed by uid.
type Input struct {
	// Block is the current block; Tempo the subnet's tempo.
	Block uint64
	Tempo uint16
	// ActivityCutoffFactorMilli sets the activity cutoff to
	// max(1, floor(factor·tempo/1000)) blocks.
	ActivityCutoffFactorMilli uint32

	// AlphaStake is each uid's (inherited) alpha stake on the subnet, in rao.
	AlphaStake []uint64
	// RootStake is each uid's (inherited) TAO stake on root, in rao; nil
	// means none. It counts TaoWeight/(2^64−1) times.
	RootStake []uint64
	TaoWeight uint64
	// StakeThreshold is the minimum whole stake to count; the owner is exempt.
	StakeThreshold uint64
	// OwnerUID is the uid of the subnet owner's hotkey, nil if unregistered.
	OwnerUID *uint16

	// ValidatorPermit holds the permits of the previous epoch (length n).
	ValidatorPermit      []bool
	MaxAllowedValidators uint16

	// LastUpdate is each uid's block of last weight update. As on chain it
	// may be shorter than n (missing uids read as 0) or longer (ignored).
	LastUpdate []uint64
	// BlockAtRegistration is the block each uid was (re)registered.
	BlockAtRegistration []uint64
	// CommitBlock, when non-nil, turns on the commit-reveal mask (§4.6
	// step 4): each validator's earliest live commit block, NoCommit if none.
	CommitBlock []uint64

	// Weights and Bonds are the stored sparse rows, in stored order (weights
	// keep explicit zeros); nil means no rows at all.
	Weights [][]Entry
	Bonds   [][]Entry

	// Kappa and BondsPenalty are u16 proportions of 65535.
	Kappa        uint16
	BondsPenalty uint16
	// BondsMovingAverage is in millionths: the fixed EMA alpha is 1 − v/10^6.
	BondsMovingAverage uint64
	// Yuma3 selects Yuma 3 bonds (§4.11a) over original Yuma (§4.11b);
	// LiquidAlpha turns on per-pair sigmoid alphas (Yuma 3 only).
	Yuma3                 bool
	LiquidAlpha           bool
	AlphaLow, AlphaHigh   uint16
	AlphaSigmoidSteepness int16

	// LastMechanismStepBlock is the block of the previous epoch, 0 if none.
	LastMechanismStepBlock uint64
	// Emission is the alpha, in rao, to distribute in this epoch.
	Emission uint64
}

// Output is what the epoch computes for each uid (spec §4.13); the keeper
// stores Bonds, NewValidatorPermit and the share vectors for the next epoch.
type Output struct {
	Active             []bool
	StakeWeight        []uint16
	NewValidatorPermit []bool
	Consensus          []uint16
	Incentive          []uint16
	Dividends          []uint16
	ValidatorTrust     []uint16
	ServerEmission     []uint64
	ValidatorEmission  []uint64
	Emission           []uint64
	// Bonds are the rows to store: the new row for every uid with a new
	// permit, an empty row for every other uid (§4.14).
	Bonds [][]Entry
	// Stake is each uid's combined stake (alpha + root·TaoWeight) floored
	// to rao, before the threshold filter; it feeds the voting-power EMA.
	Stake []uint64
}

// ErrInvalidInput is wrapped by every error Epoch returns.
var ErrInvalidInput = errors.New("invalid epoch input")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidInput, fmt.Sprintf(format, args...))
}

// validate checks the shape the chain guarantees (field names as in
// spec/epoch-json.md). Subtensor silently drops weight cells to uids ≥ n
// and never stores duplicates; here both are errors, so that what the
// engine computes is always what the caller meant.
func (in *Input) validate() error {
	n := len(in.AlphaStake)
	if n > MaxUIDs {
		return invalid("alpha_stake: %d uids, at most %d allowed", n, MaxUIDs)
	}
	lists := []struct {
		name     string
		length   int
		optional bool
	}{
		{"root_stake", len(in.RootStake), true},
		{"validator_permit", len(in.ValidatorPermit), false},
		{"block_at_registration", len(in.BlockAtRegistration), false},
		{"commit_block", len(in.CommitBlock), true},
		{"weights", len(in.Weights), true},
		{"bonds", len(in.Bonds), true},
	}
	for _, l := range lists {
		if l.length != n && !(l.optional && l.length == 0) {
			return invalid("%s: has %d entries, want n = %d (the length of alpha_stake)", l.name, l.length, n)
		}
	}
	if in.OwnerUID != nil && int(*in.OwnerUID) >= n {
		return invalid("owner_uid: uid %d is out of range (n = %d)", *in.OwnerUID, n)
	}
	if err := validateRows("weights", in.Weights, n); err != nil {
		return err
	}
	return validateRows("bonds", in.Bonds, n)
}

func validateRows(name string, rows [][]Entry, n int) error {
	seen := make([]int, n) // row index + 1 of the last row that used a column
	for i, row := range rows {
		for k, e := range row {
			if int(e.UID) >= n {
				return invalid("%s[%d][%d]: uid %d is out of range (n = %d)", name, i, k, e.UID, n)
			}
			if seen[e.UID] == i+1 {
				return invalid("%s[%d][%d]: uid %d appears twice in the row", name, i, k, e.UID)
			}
			seen[e.UID] = i + 1
		}
	}
	return nil
}
