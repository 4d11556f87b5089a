package score

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

// ErrBadTruth reports ground truth that cannot score the challenge.
var ErrBadTruth = errors.New("bad ground truth")

// Status says how an answer was handled.
type Status uint8

const (
	Scored  Status = iota // a valid answer in time
	Missing               // no answer
	Late                  // arrived after the deadline
	Invalid               // failed protocol.Answer.Check
	Copy                  // a copy of an earlier answer (MarkCopies)
)

func (s Status) String() string {
	switch s {
	case Scored:
		return "scored"
	case Missing:
		return "missing"
	case Late:
		return "late"
	case Invalid:
		return "invalid"
	case Copy:
		return "copy"
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// Submission is what the validator collected from one miner.
type Submission struct {
	UID    uint16
	Hotkey string
	Answer *protocol.Answer // nil when the miner did not answer
	Late   bool             // the answer came after the deadline
	// Registered is the block the uid was registered at (the
	// metagraph's block_at_registration); only MarkCopies reads it, to
	// tell a source from its copies.
	Registered uint64
}

// Result is one miner's outcome on one challenge.
type Result struct {
	UID    uint16 `json:"uid"`
	Hotkey string `json:"hotkey"`
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"` // why an invalid answer was rejected
	Loss   Loss   `json:"loss"`             // zero unless Scored
	// Skill is the improvement over the reference forecast (Skill), or
	// NoAnswerSkill when the answer was not scored.
	Skill float64 `json:"skill"`
}

// Challenge scores every submission to c against the truth that followed
// its history: each answer's skill over the reference forecast, which
// depends on that answer and the truth alone, never on the other answers.
// Results are ordered by uid. It errs only when the truth or the
// submissions themselves are malformed (an invalid challenge, truth of the
// wrong length or not finite, so large that the reference's loss
// overflows, a uid submitted twice), never because of what a miner sent.
func Challenge(c protocol.Challenge, truth []float64, subs []Submission) ([]Result, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if len(truth) != c.Horizon {
		return nil, fmt.Errorf("%w: challenge %s: %d values for horizon %d", ErrBadTruth, c.ID, len(truth), c.Horizon)
	}
	for i, v := range truth {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: challenge %s: value %d is %v", ErrBadTruth, c.ID, i, v)
		}
	}
	results := make([]Result, len(subs))
	for i, s := range subs {
		results[i] = Result{UID: s.UID, Hotkey: s.Hotkey}
	}
	slices.SortStableFunc(results, func(a, b Result) int { return int(a.UID) - int(b.UID) })
	for i := 1; i < len(results); i++ {
		if results[i].UID == results[i-1].UID {
			return nil, fmt.Errorf("%w: challenge %s: uid %d submitted twice", ErrBadTruth, c.ID, results[i].UID)
		}
	}
	byUID := make(map[uint16]Submission, len(subs))
	for _, s := range subs {
		byUID[s.UID] = s
	}

	scale := Scale(c.History.Values, c.History.Period())
	ref, err := Reference(c)
	if err != nil {
		return nil, err
	}
	refLoss := Evaluate(ref, truth, scale)
	if !scoreable(refLoss.Combined) {
		return nil, fmt.Errorf("%w: challenge %s: the reference forecast's loss overflows", ErrBadTruth, c.ID)
	}
	for i := range results {
		r := &results[i]
		s := byUID[r.UID]
		r.Skill = NoAnswerSkill(refLoss)
		switch {
		case s.Answer == nil:
			r.Status = Missing
		case s.Late:
			r.Status = Late
		default:
			f, err := s.Answer.Check(c)
			if err != nil {
				r.Status, r.Reason = Invalid, err.Error()
				continue
			}
			r.Loss = Evaluate(f, truth, scale)
			if !scoreable(r.Loss.Combined) {
				// Finite but astronomically wrong values overflow the sum.
				r.Status, r.Reason, r.Loss = Invalid, "loss overflows", Loss{}
				continue
			}
			r.Skill = Skill(refLoss, r.Loss)
		}
	}
	return results, nil
}

func scoreable(l float64) bool { return l >= 0 && !math.IsInf(l, 1) }
