package forecast

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/gotensor/gotensor/subnets/forecast/protocol"
	"github.com/gotensor/gotensor/subnets/forecast/score"
	"github.com/gotensor/gotensor/subnets/forecast/scoreboard"
	"github.com/gotensor/gotensor/subnets/forecast/series"
)

// ErrRound reports a round that cannot be issued or scored.
var ErrRound = errors.New("forecast round")

// ValidatorConfig shapes the challenges a validator issues.
type ValidatorConfig struct {
	// Series is how many live series the validator keeps; one round uses
	// one series, so it is also how many rounds can be open at once.
	Series int
	// Families are the live series' families: series i is of family
	// Families[i % len(Families)], and rounds go through the series in
	// turn, so they rotate through the families. Empty means all of
	// series.Families().
	Families []series.Family
	// HistoryLen is how many past values a challenge shows.
	HistoryLen int
	// Horizon is how many values a challenge asks for.
	Horizon int
	// Levels are the quantile levels a challenge asks for.
	Levels []float64
	// Live sizes each live series' memory.
	Live series.LiveConfig
	// Board tunes the scoreboard.
	Board scoreboard.Config
	// Originality, when on, scores an answer that repeats an older uid's
	// answer to the same challenge (within CopyTolerance, see
	// score.MarkCopies) as no answer: one model on several uids earns once,
	// and a relay of an established miner's answers earns nothing. Off by
	// default.
	Originality bool
	// CopyTolerance is the originality check's distance, in scale units
	// (0 with Originality on: score.DefaultCopyTolerance).
	CopyTolerance float64
}

// DefaultValidatorConfig is what the demo runs: 256 values of history, 8
// steps ahead, the 10 %, 50 % and 90 % quantiles, 6 live series, two of
// each family.
func DefaultValidatorConfig() ValidatorConfig {
	return ValidatorConfig{
		Series:     6,
		Families:   series.Families(),
		HistoryLen: 256,
		Horizon:    8,
		Levels:     []float64{0.1, 0.5, 0.9},
		Live:       series.DefaultLiveConfig(),
		Board:      scoreboard.DefaultConfig(),
	}
}

// Validator issues challenges, scores answers and keeps the scoreboard. It
// is safe for concurrent use; rounds on different series may be open at the
// same time.
type Validator struct {
	mu      sync.Mutex
	cfg     ValidatorConfig
	sources []series.Source
	next    int // the source the next round tries first
	ids     *rand.Rand
	board   *scoreboard.Board
}

// NewValidator creates a validator whose live series and challenge ids are
// all derived from secret (at least 16 bytes, never shared).
func NewValidator(cfg ValidatorConfig, secret []byte) (*Validator, error) {
	if cfg.Series < 1 || cfg.Series > 1024 {
		return nil, fmt.Errorf("%w: %d series, want 1..1024", ErrRound, cfg.Series)
	}
	families := cfg.Families
	if len(families) == 0 {
		families = series.Families()
	}
	sources := make([]series.Source, cfg.Series)
	for i := range sources {
		seed := secretSeed(secret, i)
		live := cfg.Live
		live.Family = families[i%len(families)]
		l, err := series.NewLive(fmt.Sprintf("live-%d", i), seed, secret, live)
		if err != nil {
			return nil, err
		}
		sources[i] = l
	}
	return NewValidatorWithSources(cfg, secret, sources)
}

// NewValidatorWithSources creates a validator that draws challenges from
// the given sources in turn, e.g. a replay for a backtest (see the series
// package for why replay must not carry incentives).
func NewValidatorWithSources(cfg ValidatorConfig, secret []byte, sources []series.Source) (*Validator, error) {
	if len(secret) < 16 {
		return nil, fmt.Errorf("%w: secret has %d bytes, want at least 16", ErrRound, len(secret))
	}
	if len(sources) == 0 {
		return nil, fmt.Errorf("%w: no series sources", ErrRound)
	}
	if !(cfg.CopyTolerance >= 0) || math.IsInf(cfg.CopyTolerance, 1) {
		return nil, fmt.Errorf("%w: copy tolerance %v, want a finite value ≥ 0", ErrRound, cfg.CopyTolerance)
	}
	if cfg.Originality && cfg.CopyTolerance == 0 {
		cfg.CopyTolerance = score.DefaultCopyTolerance
	}
	probe := protocol.Challenge{ID: "-", SeriesID: "-", History: protocol.History{Values: make([]float64, cfg.HistoryLen)}, Horizon: cfg.Horizon, Levels: cfg.Levels}
	if err := probe.Validate(); err != nil {
		return nil, fmt.Errorf("%w: configuration makes invalid challenges: %v", ErrRound, err)
	}
	board, err := scoreboard.New(cfg.Board)
	if err != nil {
		return nil, err
	}
	var key [32]byte
	copy(key[:], secretKey(secret, "forecast/validator/ids"))
	return &Validator{
		cfg:     cfg,
		sources: sources,
		ids:     rand.New(rand.NewChaCha8(key)),
		board:   board,
	}, nil
}

// Round is one challenge in flight.
type Round struct {
	Challenge protocol.Challenge
	window    *series.Window
	scored    bool
}

// NextRound opens a window on the next series that has none open and
// returns the challenge to send. Every round must be scored (Score), even
// with no submissions, to free its series.
func (v *Validator) NextRound() (*Round, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	var lastErr error
	for range v.sources {
		src := v.sources[v.next]
		v.next = (v.next + 1) % len(v.sources)
		w, err := src.Open(v.cfg.HistoryLen, v.cfg.Horizon)
		if err != nil {
			lastErr = err
			continue
		}
		var id [16]byte
		for i := range id {
			id[i] = byte(v.ids.Uint32())
		}
		c := protocol.Challenge{
			ID:       hex.EncodeToString(id[:]),
			SeriesID: w.SeriesID,
			History:  w.History,
			Horizon:  w.Horizon,
			Levels:   append([]float64(nil), v.cfg.Levels...),
		}
		return &Round{Challenge: c, window: w}, nil
	}
	return nil, fmt.Errorf("%w: no series can open a window: %w", ErrRound, lastErr)
}

// Score reveals the round's future (a live series draws it now), scores the
// submissions and records them on the scoreboard. Submissions are the
// miners' answers as collected: nil answers and late ones score 0, and with
// Originality on so do copies of an earlier answer.
func (v *Validator) Score(r *Round, subs []score.Submission) ([]score.Result, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if r == nil || r.window == nil {
		return nil, fmt.Errorf("%w: round was not issued by NextRound", ErrRound)
	}
	if r.scored {
		return nil, fmt.Errorf("%w: challenge %s was already scored", ErrRound, r.Challenge.ID)
	}
	r.scored = true
	truth, err := r.window.Reveal()
	if err != nil {
		return nil, err
	}
	results, err := score.Challenge(r.Challenge, truth, subs)
	if err != nil {
		return nil, err
	}
	if v.cfg.Originality {
		if _, err := score.MarkCopies(r.Challenge, truth, subs, results, v.cfg.CopyTolerance); err != nil {
			return nil, err
		}
	}
	if err := v.board.Record(results); err != nil {
		return nil, err
	}
	return results, nil
}

// Weights is the weight vector to set on chain now.
func (v *Validator) Weights() (uids, values []uint16) { return v.board.Weights() }

// Standings lists every miner's moving score and measured skill, by uid.
func (v *Validator) Standings() []scoreboard.Standing { return v.board.Standings() }

// Board is the validator's scoreboard, for Sync with the metagraph and for
// saving (Encode) across restarts.
func (v *Validator) Board() *scoreboard.Board { return v.board }
