package scoreboard

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/gotensor/gotensor/sim/stats"
	"github.com/gotensor/gotensor/subnets/forecast/score"
)

// ErrInvalid reports a bad configuration, observation or encoding.
var ErrInvalid = errors.New("invalid scoreboard input")

// Config tunes the moving average and the sharpening.
type Config struct {
	// Alpha is the weight of each new skill in the moving average, in (0, 1].
	Alpha float64 `json:"alpha"`
	// Sharpness turns scores into weights: exp(Sharpness·(score − best)),
	// in (0, 1000].
	Sharpness float64 `json:"sharpness"`
}

// DefaultConfig remembers about the last 50 challenges (1/Alpha) and gives
// a miner one tenth of a scale unit behind the best about half the best's
// weight.
func DefaultConfig() Config { return Config{Alpha: 0.02, Sharpness: 7} }

func (c Config) validate() error {
	if !(c.Alpha > 0 && c.Alpha <= 1) {
		return fmt.Errorf("%w: alpha %v, want (0, 1]", ErrInvalid, c.Alpha)
	}
	if !(c.Sharpness > 0 && c.Sharpness <= 1000) {
		return fmt.Errorf("%w: sharpness %v, want (0, 1000]", ErrInvalid, c.Sharpness)
	}
	return nil
}

// Neuron is a uid as the metagraph reports it.
type Neuron struct {
	UID    uint16
	Hotkey string
}

// Standing is one miner's record.
type Standing struct {
	UID    uint16 `json:"uid"`
	Hotkey string `json:"hotkey"`
	// Score is the bias-corrected moving average of the miner's skill.
	Score float64 `json:"score"`
	// Skill is the plain average of every skill recorded for this hotkey:
	// the demo's measured skill.
	Skill float64 `json:"skill"`
	// Challenges is how many skills the averages are made of, and Answered
	// how many of them scored an answer (the rest were missing, late or
	// invalid).
	Challenges int `json:"challenges"`
	Answered   int `json:"answered"`
}

// Board holds the standings. It is safe for concurrent use.
type Board struct {
	mu     sync.Mutex
	cfg    Config
	miners map[uint16]*entry
}

type entry struct {
	Hotkey   string  `json:"hotkey"`
	EMA      float64 `json:"ema"`  // uncorrected moving average
	Mass     float64 `json:"mass"` // 1 − (1 − alpha)^n: what EMA must be divided by
	Sum      float64 `json:"sum"`  // of all skills, for the plain average
	Count    int     `json:"count"`
	Answered int     `json:"answered"`
}

// New returns an empty board.
func New(cfg Config) (*Board, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Board{cfg: cfg, miners: map[uint16]*entry{}}, nil
}

// Config returns the board's configuration.
func (b *Board) Config() Config { return b.cfg }

// Observe records the skill of one scored answer (any finite value, see
// score.Skill) for a miner. A hotkey other than the one on record replaces
// the uid's history.
func (b *Board) Observe(uid uint16, hotkey string, skill float64) error {
	return b.Record([]score.Result{{UID: uid, Hotkey: hotkey, Status: score.Scored, Skill: skill}})
}

func (b *Board) observe(r score.Result) {
	e := b.miners[r.UID]
	if e == nil || e.Hotkey != r.Hotkey {
		e = &entry{Hotkey: r.Hotkey}
		b.miners[r.UID] = e
	}
	a := b.cfg.Alpha
	e.EMA = (1-a)*e.EMA + a*r.Skill
	e.Mass = (1-a)*e.Mass + a
	e.Sum += r.Skill
	e.Count++
	if r.Status == score.Scored {
		e.Answered++
	}
}

// Record observes every result of one scored challenge. It checks them all
// before recording any, so a bad batch changes nothing.
func (b *Board) Record(results []score.Result) error {
	for _, r := range results {
		if r.Hotkey == "" || !finite(r.Skill) {
			return fmt.Errorf("%w: result for uid %d has hotkey %q and skill %v", ErrInvalid, r.UID, r.Hotkey, r.Skill)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range results {
		b.observe(r)
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Sync aligns the board with the metagraph: uids no longer registered are
// dropped, and uids whose hotkey changed start over.
func (b *Board) Sync(neurons []Neuron) {
	current := make(map[uint16]string, len(neurons))
	for _, n := range neurons {
		current[n.UID] = n.Hotkey
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for uid, e := range b.miners {
		if hk, ok := current[uid]; !ok || hk != e.Hotkey {
			delete(b.miners, uid)
		}
	}
}

// Standings lists every miner on the board, by uid.
func (b *Board) Standings() []Standing {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Standing, 0, len(b.miners))
	for uid, e := range b.miners {
		s := Standing{UID: uid, Hotkey: e.Hotkey, Challenges: e.Count, Answered: e.Answered}
		if e.Mass > 0 {
			s.Score = e.EMA / e.Mass
		}
		if e.Count > 0 {
			s.Skill = e.Sum / float64(e.Count)
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Standing) int { return int(a.UID) - int(b.UID) })
	return out
}

// Weights returns the weight vector to set on chain: every uid on the board
// in ascending order and its weight (see the package comment).
func (b *Board) Weights() (uids, values []uint16) {
	standings := b.Standings()
	best := math.Inf(-1)
	for _, s := range standings {
		if s.Answered > 0 {
			best = max(best, s.Score)
		}
	}
	uids = make([]uint16, len(standings))
	values = make([]uint16, len(standings))
	for i, s := range standings {
		uids[i] = s.UID
		if s.Answered == 0 {
			continue
		}
		w := math.Round(65535 * math.Exp(b.cfg.Sharpness*(s.Score-best)))
		values[i] = uint16(max(1, min(65535, w)))
	}
	return uids, values
}

// Pool merges the standings of several validators into one measured skill
// per miner: the average over every challenge any of them scored. Score is
// pooled the same way. Entries of one uid with different hotkeys are kept
// apart. The result is sorted by uid, then hotkey.
func Pool(lists ...[]Standing) []Standing {
	type key struct {
		uid    uint16
		hotkey string
	}
	sums := map[key]*Standing{}
	var keys []key
	for _, list := range lists {
		for _, s := range list {
			k := key{s.UID, s.Hotkey}
			p := sums[k]
			if p == nil {
				p = &Standing{UID: s.UID, Hotkey: s.Hotkey}
				sums[k] = p
				keys = append(keys, k)
			}
			n := float64(s.Challenges)
			p.Skill += s.Skill * n
			p.Score += s.Score * n
			p.Challenges += s.Challenges
			p.Answered += s.Answered
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.uid != b.uid {
			return int(a.uid) - int(b.uid)
		}
		return cmpString(a.hotkey, b.hotkey)
	})
	out := make([]Standing, len(keys))
	for i, k := range keys {
		p := *sums[k]
		if p.Challenges > 0 {
			p.Skill /= float64(p.Challenges)
			p.Score /= float64(p.Challenges)
		}
		out[i] = p
	}
	return out
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// SkillIncentive is the rank correlation (Spearman's, from sim/stats) between measured skill and
// incentive over the miners: the standings resting on at least one challenge whose incentiveOf
// says they are a miner, with that incentive. miners is how many were correlated; ok is false
// where the correlation is undefined (fewer than two, or one side without spread). The local
// network's report and the explorer's fairness panel both measure this.
func SkillIncentive(measured []Standing, incentiveOf func(Standing) (incentive float64, miner bool)) (rho float64, miners int, ok bool) {
	var skill, incentive []float64
	for _, s := range measured {
		if s.Challenges == 0 {
			continue
		}
		if inc, miner := incentiveOf(s); miner {
			skill = append(skill, s.Skill)
			incentive = append(incentive, inc)
		}
	}
	rho, ok = stats.SpearmanDefined(skill, incentive)
	return rho, len(skill), ok
}
