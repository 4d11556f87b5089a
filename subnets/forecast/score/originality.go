package score

import (
	"fmt"
	"math"
	"slices"

	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

// DefaultCopyTolerance is the distance (Distance, in scale units) under which
// MarkCopies takes an answer for a copy of an earlier one. Distinct models
// differ by far more on almost every challenge (the originality tests
// measure how often two of them fall under it); a relay must perturb its
// copy by more than this.
const DefaultCopyTolerance = 0.01

// Distance is how far apart two forecasts for one challenge are: the mean
// absolute difference over every point and quantile value, divided by
// scale. It is +Inf when their shapes differ.
func Distance(a, b protocol.Forecast, scale float64) float64 {
	if len(a.Point) != len(b.Point) || len(a.Quantiles) != len(b.Quantiles) {
		return math.Inf(1)
	}
	sum, n := 0.0, 0
	add := func(x, y []float64) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			sum += math.Abs(x[i] - y[i])
		}
		n += len(x)
		return true
	}
	if !add(a.Point, b.Point) {
		return math.Inf(1)
	}
	for i := range a.Quantiles {
		if !add(a.Quantiles[i].Values, b.Quantiles[i].Values) {
			return math.Inf(1)
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n) / scale
}

// MarkCopies is the validator's originality check, run on one challenge's
// results after Challenge: an answer within tolerance (Distance, in the
// challenge's scale units) of an answer from a uid registered before it
// (Submission.Registered, then the lower uid: the order uids are handed out
// in one block) is a copy: its status becomes Copy, its skill NoAnswerSkill
// and its loss zero. The oldest uid of a group keeps its skill. One model
// run on several uids therefore earns once per challenge, and a relay of an
// established miner earns nothing unless it moves its answers beyond the
// tolerance, which costs it skill.
//
// The order is registration, not arrival: a relay answers after its
// source, but on loopback by less than the validator's timing jitter (the
// attack tests measured a relay arriving first on about half the
// challenges, which with arrival order sank its source's score with its
// own). Registration order has its own gap: a uid registered before a new
// miner can relay it and keep the reward; a miner guards against that by
// answering only validators (its axon's MinStake above what a relay
// stakes).
//
// This check is what makes a skill depend on other answers (an honest
// miner who happens to run the same public method as an older uid earns
// nothing for the repeat); it is the validator's choice, off unless asked
// for. results must be Challenge's output for the same c, truth and subs.
// It returns how many answers it marked.
func MarkCopies(c protocol.Challenge, truth []float64, subs []Submission, results []Result, tolerance float64) (int, error) {
	if !(tolerance >= 0) || math.IsInf(tolerance, 1) {
		return 0, fmt.Errorf("%w: copy tolerance %v, want a finite value ≥ 0", ErrBadTruth, tolerance)
	}
	if len(truth) != c.Horizon {
		return 0, fmt.Errorf("%w: challenge %s: %d values for horizon %d", ErrBadTruth, c.ID, len(truth), c.Horizon)
	}
	if len(results) != len(subs) {
		return 0, fmt.Errorf("%w: challenge %s: %d results for %d submissions", ErrBadTruth, c.ID, len(results), len(subs))
	}
	byUID := make(map[uint16]Submission, len(subs))
	for _, s := range subs {
		byUID[s.UID] = s
	}
	type answer struct {
		result     int
		registered uint64
		uid        uint16
		f          protocol.Forecast
	}
	var scored []answer
	for i, r := range results {
		if r.Status != Scored {
			continue
		}
		s, ok := byUID[r.UID]
		if !ok || s.Answer == nil {
			return 0, fmt.Errorf("%w: challenge %s: uid %d was scored without a submission", ErrBadTruth, c.ID, r.UID)
		}
		f, err := s.Answer.Check(c)
		if err != nil {
			return 0, fmt.Errorf("%w: challenge %s: uid %d was scored but its answer fails: %v", ErrBadTruth, c.ID, r.UID, err)
		}
		scored = append(scored, answer{result: i, registered: s.Registered, uid: r.UID, f: f})
	}
	slices.SortFunc(scored, func(a, b answer) int {
		if a.registered != b.registered {
			if a.registered < b.registered {
				return -1
			}
			return 1
		}
		return int(a.uid) - int(b.uid)
	})
	if len(scored) < 2 {
		return 0, nil
	}
	scale := Scale(c.History.Values, c.History.Period())
	ref, err := Reference(c)
	if err != nil {
		return 0, err
	}
	noAnswer := NoAnswerSkill(Evaluate(ref, truth, scale))
	marked := 0
	for j := 1; j < len(scored); j++ {
		for i := range j {
			if Distance(scored[i].f, scored[j].f, scale) <= tolerance {
				r := &results[scored[j].result]
				r.Status, r.Reason, r.Loss, r.Skill = Copy, fmt.Sprintf("within %g of uid %d's earlier answer", tolerance, scored[i].uid), Loss{}, noAnswer
				marked++
				break
			}
		}
	}
	return marked, nil
}
