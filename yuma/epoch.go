package yuma

import (
	"errors"

	"github.com/gotensor/gotensor/fixed"
)

// Epoch runs one Yuma Consensus epoch (spec §4.1–4.14, the sparse path of
// subtensor's epoch_mechanism) bit for bit. It is a pure function: the
// caller reads state into Input and writes Output back. It fails only on
// input the chain could not hold (lengths that disagree with n, uids out
// of range, a uid twice in a row), with an error wrapping ErrInvalidInput.
// Large epochs use up to GOMAXPROCS goroutines (parallel.go). Its
// scratch memory is a fresh Workspace; a caller that runs many epochs
// keeps one and calls Workspace.Epoch instead.
func Epoch(in Input) (Output, error) {
	return new(Workspace).Epoch(in)
}

// Epoch is the package's Epoch computed in ws's memory, which it grows as
// needed and leaves for the next epoch: the output is the same bits as
// with a fresh Workspace. A nil ws allocates one. Besides invalid input it
// fails only with ErrWorkspaceBusy, when another epoch is running in ws.
func (ws *Workspace) Epoch(in Input) (Output, error) {
	return ws.epoch(in, defaultSchedule())
}

// ErrWorkspaceBusy is returned by an epoch started on a Workspace that
// another epoch is using.
var ErrWorkspaceBusy = errors.New("yuma: workspace in use by another epoch")

func (ws *Workspace) epoch(in Input, s schedule) (Output, error) {
	if err := in.validate(); err != nil {
		return Output{}, err
	}
	if ws == nil {
		ws = new(Workspace)
	}
	if !ws.busy.CompareAndSwap(false, true) {
		return Output{}, ErrWorkspaceBusy
	}
	defer ws.busy.Store(false)
	n := len(in.AlphaStake)
	owner := -1
	if in.OwnerUID != nil {
		owner = int(*in.OwnerUID)
	}

	active := activity(&in, n)
	rawStake, stake := stakeWeights(&in, n, owner)
	forbid, nextPermit := permits(&in, stake, owner)
	activeStake := activeStake(stake, active, forbid)

	ws.reset(n, s.chunks(&in, n))

	maskedWeights(&in, n, owner, forbid, ws)
	w := &ws.weights
	c := consensus(w, activeStake, fixed.U16ProportionToFixed(in.Kappa), n, ws)
	trust, ranks := trustAndRanks(w, c, activeStake, n, ws)
	inc := append([]fixed.I32F32(nil), ranks...)
	normalize(inc)

	wb := penalty{w: w, c: c, beta: fixed.U16ProportionToFixed(in.BondsPenalty)}
	var div []fixed.I32F32
	var bonds [][]Entry
	if in.Yuma3 {
		div, bonds = yuma3Bonds(&in, wb, inc, activeStake, nextPermit, n, ws)
	} else {
		div, bonds = originalBonds(&in, wb, ranks, inc, activeStake, nextPermit, n, ws)
	}

	server, validator, combined := shares(inc, div, stake, activeStake)
	return Output{
		Active:             active,
		StakeWeight:        proportions(stake),
		NewValidatorPermit: nextPermit,
		Consensus:          proportions(c),
		Incentive:          proportions(inc),
		Dividends:          proportions(div),
		ValidatorTrust:     proportions(trust),
		ServerEmission:     rao(server, in.Emission),
		ValidatorEmission:  rao(validator, in.Emission),
		Emission:           rao(combined, in.Emission),
		Bonds:              bonds,
		Stake:              rawStake,
	}, nil
}
