package yuma

import "github.com/gotensor/gotensor/fixed"

// Epoch runs one Yuma Consensus epoch (spec §4.1–4.14, the sparse path of
// subtensor's epoch_mechanism) bit for bit. It is a pure function: the
// caller reads state into Input and writes Output back. It fails only on
// input the chain could not hold (lengths that disagree with n, uids out
// of range, a uid twice in a row), with an error wrapping ErrInvalidInput.
func Epoch(in Input) (Output, error) {
	if err := in.validate(); err != nil {
		return Output{}, err
	}
	n := len(in.AlphaStake)
	owner := -1
	if in.OwnerUID != nil {
		owner = int(*in.OwnerUID)
	}

	active := activity(&in, n)
	rawStake, stake := stakeWeights(&in, n, owner)
	forbid, nextPermit := permits(&in, stake, owner)
	activeStake := activeStake(stake, active, forbid)

	ws := workspaces.Get().(*workspace)
	defer workspaces.Put(ws)
	ws.reset(n)

	w := &ws.weights
	maskedWeights(&in, n, owner, forbid, w)
	c := consensus(w, activeStake, fixed.U16ProportionToFixed(in.Kappa), n, ws)
	trust, inc := trustAndIncentive(w, c, activeStake, n)

	wb := penalizedWeights(w, c, fixed.U16ProportionToFixed(in.BondsPenalty), ws)
	var bonds *matrix
	var div []fixed.I32F32
	if in.Yuma3 {
		bonds, div = yuma3Bonds(&in, wb, c, inc, activeStake, n, ws)
	} else {
		bonds, div = originalBonds(&in, wb, inc, activeStake, n, ws)
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
		Bonds:              storedRows(bonds, nextPermit),
		Stake:              rawStake,
	}, nil
}

// storedRows is §4.14: a uid with a new permit keeps its new bond row (as
// u16 proportions), every other uid's row is wiped.
func storedRows(bonds *matrix, nextPermit []bool) [][]Entry {
	total := 0
	for i, p := range nextPermit {
		if p {
			total += bonds.start[i+1] - bonds.start[i]
		}
	}
	buf := make([]Entry, total)
	out := make([][]Entry, len(nextPermit))
	next := 0
	for i, p := range nextPermit {
		first := next
		if p {
			cols, vals := bonds.row(i)
			row := buf[first : first+len(cols)]
			for k, v := range vals {
				row[k] = Entry{UID: cols[k], Value: fixed.FixedProportionToU16(v)}
			}
			next += len(cols)
		}
		out[i] = buf[first:next:next]
	}
	return out
}
