package scoreboard

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/gotensor/gotensor/subnets/textgen/verify"
)

// ErrInvalid reports a bad configuration or observation.
var ErrInvalid = errors.New("invalid textgen scoreboard input")

// Config tunes the averages and the speed modifiers.
type Config struct {
	// Alpha is the weight of each new answer in the moving averages, in (0, 1].
	Alpha float64 `json:"alpha"`
	// TTFTFull and TTFTZero: a first token within TTFTFull loses nothing,
	// one at TTFTZero or later loses all.
	TTFTFull time.Duration `json:"ttft_full"`
	TTFTZero time.Duration `json:"ttft_zero"`
	// TPSFull and TPSZero: tokens per second (after the first) at or above
	// TPSFull lose nothing, at or below TPSZero lose all. SN19's chat
	// thresholds: about 30 and 10 tokens per second.
	TPSFull float64 `json:"tps_full"`
	TPSZero float64 `json:"tps_zero"`
	// MaxRefusalRate: a miner whose moving rate of refused answers exceeds
	// it gets weight 0.
	MaxRefusalRate float64 `json:"max_refusal_rate"`
}

// DefaultConfig remembers about the last 20 answers (1/Alpha), takes SN19's
// speeds, gives a first token a second before it costs, and zeroes a miner
// with more than one answer in five refused.
func DefaultConfig() Config {
	return Config{Alpha: 0.05, TTFTFull: time.Second, TTFTZero: 10 * time.Second, TPSFull: 30, TPSZero: 10, MaxRefusalRate: 0.2}
}

// Validate reports the first setting out of range.
func (c Config) Validate() error {
	switch {
	case !(c.Alpha > 0 && c.Alpha <= 1):
		return fmt.Errorf("%w: alpha %v, want (0, 1]", ErrInvalid, c.Alpha)
	case !(c.TTFTFull >= 0 && c.TTFTZero > c.TTFTFull):
		return fmt.Errorf("%w: ttft_full %s and ttft_zero %s: want 0 ≤ full < zero", ErrInvalid, c.TTFTFull, c.TTFTZero)
	case !(c.TPSZero >= 0 && c.TPSFull > c.TPSZero) || math.IsInf(c.TPSFull, 0):
		return fmt.Errorf("%w: tps_full %v and tps_zero %v: want 0 ≤ zero < full", ErrInvalid, c.TPSFull, c.TPSZero)
	case !(c.MaxRefusalRate > 0 && c.MaxRefusalRate <= 1):
		return fmt.Errorf("%w: max_refusal_rate %v, want (0, 1]", ErrInvalid, c.MaxRefusalRate)
	}
	return nil
}

// Outcome is what one request to a miner came to.
type Outcome uint8

const (
	Verified Outcome = iota + 1 // an answer that passed every check
	Refused                     // an answer a check refused (verify.Check says which)
	Busy                        // the miner declined for capacity (429, 503): no penalty
	Failed                      // no usable answer: unreachable, late, broken or malformed
)

func (o Outcome) String() string {
	switch o {
	case Verified:
		return "verified"
	case Refused:
		return "refused"
	case Busy:
		return "busy"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Observation is one request's outcome for one miner.
type Observation struct {
	UID     uint16
	Hotkey  string
	Outcome Outcome
	// Check is the check that refused the answer (Refused only).
	Check verify.Check
	// Quality and Tokens are the verdict's (Verified only).
	Quality float64
	Tokens  int
	// TTFT is when the first token arrived, Duration when the answer ended,
	// both from the request's start.
	TTFT, Duration time.Duration
}

// Standing is one miner's record.
type Standing struct {
	UID    uint16 `json:"uid"`
	Hotkey string `json:"hotkey"`
	// Score and Volume are the bias-corrected moving averages of the
	// per-answer score and of verified tokens per request; RefusalRate that
	// of refused answers among those answered or failed.
	Score       float64 `json:"score"`
	Volume      float64 `json:"volume"`
	RefusalRate float64 `json:"refusal_rate"`
	// Counts of every outcome, and the refusals by check.
	Requests int                  `json:"requests"`
	Verified int                  `json:"verified"`
	Refused  int                  `json:"refused"`
	Busy     int                  `json:"busy"`
	Failed   int                  `json:"failed"`
	Checks   map[verify.Check]int `json:"checks,omitempty"`
	// VerifiedTokens is the volume served in all; TokensPerSecond and TTFT
	// the means over verified answers.
	VerifiedTokens  int           `json:"verified_tokens"`
	TokensPerSecond float64       `json:"verified_tokens_per_s"`
	TTFT            time.Duration `json:"ttft"`
}

// Board holds the standings. It is safe for concurrent use.
type Board struct {
	mu     sync.Mutex
	cfg    Config
	miners map[uint16]*entry
}

type entry struct {
	hotkey                 string
	score, volume, refusal ema
	requests, verified     int
	refused, busy, failed  int
	checks                 map[verify.Check]int
	tokens                 int
	seconds                float64 // generation time of verified answers, after the first token
	ttft                   time.Duration
	tpsTokens              int // tokens after the first, in verified answers
}

// ema is a bias-corrected exponential moving average.
type ema struct{ sum, mass float64 }

func (e *ema) add(alpha, x float64) {
	e.sum = (1-alpha)*e.sum + alpha*x
	e.mass = (1-alpha)*e.mass + alpha
}

func (e ema) value() float64 {
	if e.mass == 0 {
		return 0
	}
	return e.sum / e.mass
}

// New returns an empty board.
func New(cfg Config) (*Board, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Board{cfg: cfg, miners: map[uint16]*entry{}}, nil
}

// Config returns the board's configuration.
func (b *Board) Config() Config { return b.cfg }

// Score is one answer's score (see the package doc): 0 unless Verified.
func (c Config) Score(o Observation) float64 {
	if o.Outcome != Verified {
		return 0
	}
	q := math.Pow(max(0, min(1, o.Quality)), 1.5)
	return q * modifier(o.TTFT.Seconds(), c.TTFTFull.Seconds(), c.TTFTZero.Seconds()) * modifier(secondsPerToken(o), 1/c.TPSFull, safeInv(c.TPSZero))
}

// modifier is SN19's max(1 − penalty², 0), penalty linear from 0 at full to
// 1 at zero (both in seconds: less is better).
func modifier(x, full, zero float64) float64 {
	if x <= full {
		return 1
	}
	p := (x - full) / (zero - full)
	return max(1-p*p, 0)
}

func safeInv(x float64) float64 {
	if x == 0 {
		return math.Inf(1)
	}
	return 1 / x
}

// secondsPerToken is the time per token after the first (0 with one token:
// the time to first token already counted).
func secondsPerToken(o Observation) float64 {
	if o.Tokens < 2 {
		return 0
	}
	return max(0, (o.Duration-o.TTFT).Seconds()) / float64(o.Tokens-1)
}

// Record observes the outcomes of one round. It checks them all before
// recording any, so a bad batch changes nothing.
func (b *Board) Record(obs []Observation) error {
	for _, o := range obs {
		switch {
		case o.Hotkey == "":
			return fmt.Errorf("%w: observation for uid %d has no hotkey", ErrInvalid, o.UID)
		case o.Outcome < Verified || o.Outcome > Failed:
			return fmt.Errorf("%w: observation for uid %d has outcome %v", ErrInvalid, o.UID, o.Outcome)
		case o.Tokens < 0 || o.TTFT < 0 || o.Duration < o.TTFT || math.IsNaN(o.Quality):
			return fmt.Errorf("%w: observation for uid %d has tokens %d, ttft %s, duration %s, quality %v", ErrInvalid, o.UID, o.Tokens, o.TTFT, o.Duration, o.Quality)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, o := range obs {
		b.observe(o)
	}
	return nil
}

func (b *Board) observe(o Observation) {
	e := b.miners[o.UID]
	if e == nil || e.hotkey != o.Hotkey {
		e = &entry{hotkey: o.Hotkey, checks: map[verify.Check]int{}}
		b.miners[o.UID] = e
	}
	a := b.cfg.Alpha
	e.requests++
	switch o.Outcome {
	case Busy:
		e.busy++
		e.volume.add(a, 0)
		return
	case Verified:
		e.verified++
		e.tokens += o.Tokens
		e.ttft += o.TTFT
		if o.Tokens > 1 {
			e.seconds += max(0, (o.Duration - o.TTFT).Seconds())
			e.tpsTokens += o.Tokens - 1
		}
		e.volume.add(a, float64(o.Tokens))
		e.refusal.add(a, 0)
	case Refused:
		e.refused++
		e.checks[o.Check]++
		e.volume.add(a, 0)
		e.refusal.add(a, 1)
	case Failed:
		e.failed++
		e.volume.add(a, 0)
		e.refusal.add(a, 0)
	}
	e.score.add(a, b.cfg.Score(o))
}

// Neuron is a uid as the metagraph reports it.
type Neuron struct {
	UID    uint16
	Hotkey string
}

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
		if hk, ok := current[uid]; !ok || hk != e.hotkey {
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
		s := Standing{
			UID: uid, Hotkey: e.hotkey,
			Score: e.score.value(), Volume: e.volume.value(), RefusalRate: e.refusal.value(),
			Requests: e.requests, Verified: e.verified, Refused: e.refused, Busy: e.busy, Failed: e.failed,
			VerifiedTokens: e.tokens,
		}
		if len(e.checks) > 0 {
			s.Checks = make(map[verify.Check]int, len(e.checks))
			for c, n := range e.checks {
				s.Checks[c] = n
			}
		}
		if e.seconds > 0 {
			s.TokensPerSecond = float64(e.tpsTokens) / e.seconds
		}
		if e.verified > 0 {
			s.TTFT = e.ttft / time.Duration(e.verified)
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Standing) int { return int(a.UID) - int(b.UID) })
	return out
}

// Weights returns the weight vector to set on chain: every uid on the board
// in ascending order and its weight (see the package doc).
func (b *Board) Weights() (uids, values []uint16) {
	standings := b.Standings()
	raw := make([]float64, len(standings))
	best := 0.0
	for i, s := range standings {
		if s.RefusalRate <= b.cfg.MaxRefusalRate {
			raw[i] = s.Score * s.Volume
		}
		best = max(best, raw[i])
	}
	uids = make([]uint16, len(standings))
	values = make([]uint16, len(standings))
	for i, s := range standings {
		uids[i] = s.UID
		if best > 0 && raw[i] > 0 {
			values[i] = uint16(max(1, math.Round(65535*raw[i]/best)))
		}
	}
	return uids, values
}
