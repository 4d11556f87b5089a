// Package epochs runs the real yuma engine epoch after epoch over one
// simulated subnet (the incentive suite's L1 layer): it keeps what the
// chain's keeper keeps between epochs (bonds, permits, registration and
// weight-update blocks), feeds u16 weight rows exactly as set_weights
// stores them, and reads each epoch's emission back as float shares.
package epochs

import (
	"fmt"
	"math"

	"github.com/gotensor/gotensor/yuma"
)

// Params are the subnet hyperparameters a scenario may change, as
// fractions where the chain stores u16 proportions.
type Params struct {
	Kappa        float64 // consensus majority κ
	BondsPenalty float64 // β
	// BondsMovingAverage is in millionths (the EMA alpha is 1 − v/10^6).
	BondsMovingAverage  uint64
	Yuma3               bool
	LiquidAlpha         bool
	AlphaLow, AlphaHigh float64 // liquid alpha bounds; 0 means the chain default
	Tempo               uint16
	// MaxValidators is the number of validator permits; 0 means every
	// staked uid can hold one.
	MaxValidators int
	// Engine replaces yuma.Epoch when set: the suite's tests pass a broken
	// engine to show that their tolerances catch it.
	Engine func(yuma.Input) (yuma.Output, error)
}

// DefaultParams mirror the chain's defaults (spec/incentive-suite.md):
// κ = 0.5, β = 1, bonds moving average 0.9, Yuma 3 on, liquid alpha off,
// tempo 360.
func DefaultParams() Params {
	return Params{Kappa: 0.5, BondsPenalty: 1, BondsMovingAverage: yuma.DefaultBondsMovingAverage, Yuma3: true, Tempo: 360}
}

// Tempo blocks between epochs; Params.Tempo 0 reads as 360.
func (p Params) tempo() uint64 {
	if p.Tempo == 0 {
		return 360
	}
	return uint64(p.Tempo)
}

func proportion(name string, x float64) (uint16, error) {
	if math.IsNaN(x) || x < 0 || x > 1 {
		return 0, fmt.Errorf("%s = %v: want a fraction in [0, 1]", name, x)
	}
	return uint16(math.Round(x * 65535)), nil
}

// Shares is one epoch read back: each uid's share of the miners' half
// (Incentive), of the validators' half (Dividends), of the whole
// (Emission), its validator trust and consensus, as fractions.
type Shares struct {
	Incentive, Dividends, Emission []float64
	ValidatorTrust, Consensus      []float64
	Active                         []bool
	// BondsOn is, per validator row, the bond (u16 proportion as a
	// fraction) it holds on each uid after this epoch.
	Bonds [][]yuma.Entry
}

// Subnet is one simulated subnet's state between epochs. Block numbers run
// from the first epoch at one tempo; each Epoch call advances one tempo.
type Subnet struct {
	p          Params
	kappa      uint16
	beta       uint16
	lo, hi     uint16
	stake      []uint64
	permit     []bool
	bonds      [][]yuma.Entry
	weights    [][]yuma.Entry
	registered []uint64
	lastUpdate []uint64
	commit     []uint64
	useCommit  bool
	owner      *uint16
	lastStep   uint64
	block      uint64
}

// Emission is the rao an epoch distributes: large enough that a share's
// floor loses under 10^-12 of it.
const Emission = 1 << 50

// New makes a subnet of n uids with every uid registered at block 0 and no
// stake, weights or bonds.
func New(n int, p Params) (*Subnet, error) {
	if n < 1 || n > yuma.MaxUIDs {
		return nil, fmt.Errorf("subnet size %d: want 1 to %d uids", n, yuma.MaxUIDs)
	}
	s := &Subnet{p: p, stake: make([]uint64, n), permit: make([]bool, n), bonds: make([][]yuma.Entry, n),
		weights: make([][]yuma.Entry, n), registered: make([]uint64, n), lastUpdate: make([]uint64, n),
		commit: make([]uint64, n), block: p.tempo()}
	var err error
	if s.kappa, err = proportion("kappa", p.Kappa); err != nil {
		return nil, err
	}
	if s.beta, err = proportion("bonds penalty", p.BondsPenalty); err != nil {
		return nil, err
	}
	s.lo, s.hi = yuma.DefaultAlphaLow, yuma.DefaultAlphaHigh
	if p.AlphaLow != 0 || p.AlphaHigh != 0 {
		if s.lo, err = proportion("alpha low", p.AlphaLow); err != nil {
			return nil, err
		}
		if s.hi, err = proportion("alpha high", p.AlphaHigh); err != nil {
			return nil, err
		}
	}
	if p.BondsMovingAverage > 1_000_000 {
		return nil, fmt.Errorf("bonds moving average %d: want millionths in [0, 1000000]", p.BondsMovingAverage)
	}
	for i := range s.commit {
		s.commit[i] = yuma.NoCommit
	}
	return s, nil
}

// N is the number of uids.
func (s *Subnet) N() int { return len(s.stake) }

// Block is the block of the next epoch.
func (s *Subnet) Block() uint64 { return s.block }

// Tempo is the number of blocks between epochs.
func (s *Subnet) Tempo() uint64 { return s.p.tempo() }

// SetStake sets a uid's alpha stake in rao; validators with stake get a
// permit at once (as if an earlier epoch had granted it).
func (s *Subnet) SetStake(uid int, rao uint64) {
	s.stake[uid] = rao
	s.permit[uid] = rao > 0
}

// Stake is a uid's alpha stake in rao.
func (s *Subnet) Stake(uid int) uint64 { return s.stake[uid] }

// SetOwner names the owner's uid (its self-weight is kept, §4.6).
func (s *Subnet) SetOwner(uid int) {
	u := uint16(uid)
	s.owner = &u
}

// Register re-registers uid at block (a new occupant: the engine masks
// weights and bonds that predate it). The block must lie in the tempo
// before the next epoch.
func (s *Subnet) Register(uid int, block uint64) {
	s.registered[uid] = block
	s.stake[uid] = 0
	s.permit[uid] = false
	s.weights[uid] = nil
}

// Registered is the block uid was last registered.
func (s *Subnet) Registered(uid int) uint64 { return s.registered[uid] }

// SetWeights stores uid's row at block as set_weights does (values
// max-upscaled to u16, zeros kept). commitBlock is the validator's
// earliest live commit (yuma.NoCommit if none); any value other than
// NoCommit turns the subnet's commit-reveal mask on.
func (s *Subnet) SetWeights(uid int, values []float64, block, commitBlock uint64) error {
	row, err := Row(values)
	if err != nil {
		return fmt.Errorf("weights of uid %d: %w", uid, err)
	}
	s.weights[uid] = row
	s.lastUpdate[uid] = block
	s.commit[uid] = commitBlock
	if commitBlock != yuma.NoCommit {
		s.useCommit = true
	}
	return nil
}

// Touch refreshes uid's last update without changing its row (a
// validator re-submitting the same weights) and sets its live commit.
func (s *Subnet) Touch(uid int, block, commitBlock uint64) {
	s.lastUpdate[uid] = block
	s.commit[uid] = commitBlock
	if commitBlock != yuma.NoCommit {
		s.useCommit = true
	}
}

// Row converts non-negative weights over all uids to the stored u16 row:
// the largest becomes 65535, the others round to nearest, zeros dropped.
func Row(values []float64) ([]yuma.Entry, error) {
	var top float64
	for j, v := range values {
		if math.IsNaN(v) || v < 0 || math.IsInf(v, 0) {
			return nil, fmt.Errorf("weight to uid %d is %v: want a finite non-negative number", j, v)
		}
		top = max(top, v)
	}
	if top == 0 {
		return nil, nil
	}
	row := make([]yuma.Entry, 0, len(values))
	for j, v := range values {
		if q := uint16(math.Round(v / top * 65535)); q > 0 {
			row = append(row, yuma.Entry{UID: uint16(j), Value: q})
		}
	}
	return row, nil
}

// ClearBonds zeroes every validator's bond on uid (the yuma-simulation
// cases' bond reset).
func (s *Subnet) ClearBonds(uid int) {
	for i, row := range s.bonds {
		kept := row[:0:0]
		for _, e := range row {
			if int(e.UID) != uid {
				kept = append(kept, e)
			}
		}
		s.bonds[i] = kept
	}
}

// Bond is validator i's stored bond on uid j as a fraction of 65535.
func (s *Subnet) Bond(i, j int) float64 {
	for _, e := range s.bonds[i] {
		if int(e.UID) == j {
			return float64(e.Value) / 65535
		}
	}
	return 0
}

// Epoch runs one epoch at the current block over the stored stake,
// weights and bonds, keeps the bonds and permits it returns, and advances
// one tempo.
func (s *Subnet) Epoch() (Shares, error) {
	return s.EpochWithStake(s.stake)
}

// EpochWithStake is Epoch with the stake the engine reads replaced (a
// stake cap counts less than the uid holds).
func (s *Subnet) EpochWithStake(stake []uint64) (Shares, error) {
	n := s.N()
	if len(stake) != n {
		return Shares{}, fmt.Errorf("stake for %d uids, subnet has %d", len(stake), n)
	}
	maxVal := s.p.MaxValidators
	if maxVal <= 0 || maxVal > n {
		maxVal = n
	}
	in := yuma.Input{
		Block: s.block, Tempo: uint16(s.p.tempo()), ActivityCutoffFactorMilli: yuma.DefaultActivityCutoffFactorMilli,
		AlphaStake: stake, OwnerUID: s.owner,
		ValidatorPermit: s.permit, MaxAllowedValidators: uint16(maxVal),
		LastUpdate: s.lastUpdate, BlockAtRegistration: s.registered,
		Weights: s.weights, Bonds: s.bonds,
		Kappa: s.kappa, BondsPenalty: s.beta, BondsMovingAverage: s.p.BondsMovingAverage,
		Yuma3: s.p.Yuma3, LiquidAlpha: s.p.LiquidAlpha, AlphaLow: s.lo, AlphaHigh: s.hi,
		AlphaSigmoidSteepness:  yuma.DefaultAlphaSigmoidSteepness,
		LastMechanismStepBlock: s.lastStep, Emission: Emission,
	}
	if s.useCommit {
		in.CommitBlock = s.commit
	}
	run := yuma.Epoch
	if s.p.Engine != nil {
		run = s.p.Engine
	}
	out, err := run(in)
	if err != nil {
		return Shares{}, fmt.Errorf("epoch at block %d: %w", s.block, err)
	}
	s.bonds = out.Bonds
	s.permit = out.NewValidatorPermit
	s.lastStep = s.block
	s.block += s.p.tempo()
	return Shares{
		Incentive:      fractions(out.ServerEmission),
		Dividends:      fractions(out.ValidatorEmission),
		Emission:       fractions(out.Emission),
		ValidatorTrust: u16s(out.ValidatorTrust),
		Consensus:      u16s(out.Consensus),
		Active:         out.Active,
		Bonds:          out.Bonds,
	}, nil
}

// fractions normalizes rao amounts to shares of their sum.
func fractions(rao []uint64) []float64 {
	var total float64
	for _, r := range rao {
		total += float64(r)
	}
	out := make([]float64, len(rao))
	if total == 0 {
		return out
	}
	for i, r := range rao {
		out[i] = float64(r) / total
	}
	return out
}

func u16s(v []uint16) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x) / 65535
	}
	return out
}
