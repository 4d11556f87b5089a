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

	w := maskedWeights(&in, n, owner, forbid)
	kappa := fixed.U16ProportionToFixed(in.Kappa)
	c := consensus(w, activeStake, kappa, n)
	wc, trust := clip(w, c)
	inc := incentive(wc, activeStake, n)

	wb := penalized(w, wc, fixed.U16ProportionToFixed(in.BondsPenalty), n)
	var bonds matrix
	var div []fixed.I32F32
	if in.Yuma3 {
		bonds, div = yuma3Bonds(&in, wb, c, inc, activeStake, n)
	} else {
		bonds, div = originalBonds(&in, wb, inc, activeStake, n)
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
func storedRows(bonds matrix, nextPermit []bool) [][]Entry {
	total := 0
	for i, row := range bonds {
		if nextPermit[i] {
			total += len(row)
		}
	}
	buf := make([]Entry, 0, total)
	out := make([][]Entry, len(bonds))
	for i, row := range bonds {
		start := len(buf)
		if nextPermit[i] {
			for _, c := range row {
				buf = append(buf, Entry{UID: c.col, Value: fixed.FixedProportionToU16(c.val)})
			}
		}
		out[i] = buf[start:len(buf):len(buf)]
	}
	return out
}
