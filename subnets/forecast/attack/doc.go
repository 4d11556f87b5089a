// Package attack measures the incentive suite's miner-side attacks on the
// real forecasting subnet (spec/incentive-suite.md, S10 and S11): the
// subnet's own validator (subnets/forecast/neuron) scores real miners over
// loopback and sets weights on a real in-process chain, whose epoch pays
// them, and the tests read each group's share of miner incentive (CAP) from
// the chain, with the validator's originality check off and on. Its tests
// also run S15's chain-level half on the real app (apptesting): an owner
// whose validator favours the owner's own miner is paid nothing for it, and
// the subnet's share of TAO emission falls with the withheld fraction.
//
// The attackers are what the package holds: a Relay answers each challenge
// with another miner's answer to it, fetched through the relay's own
// dendrite (a uid with stake holds a validator permit, so any miner answers
// it), perturbed or not, or with the source's answer to the previous
// challenge on the same series (a replay of a cached answer). Sybils need no
// code of their own: they are ordinary miners running one model on several
// uids.
//
// The quick checks are part of the package's tests (about 20 s); the full
// run, whose figures are in docs/incentive-report/forecast-subnet.md, is
//
//	FORECAST_ATTACK_REPORT=docs/incentive-report go test ./subnets/forecast/attack -run TestRealValidator -v -timeout 60m
package attack
