package textgen

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/gotensor/gotensor/subnets/textgen/protocol"
	"github.com/gotensor/gotensor/subnets/textgen/scoreboard"
	"github.com/gotensor/gotensor/subnets/textgen/verify"
)

// ErrConfig reports a validator configuration that cannot work.
var ErrConfig = errors.New("textgen config")

// ValidatorConfig is a validator's challenges, checks and scoreboard: the
// subnet's hyperparameters in effect.
type ValidatorConfig struct {
	Challenge ChallengeConfig   `json:"challenge"`
	Verify    verify.Config     `json:"verify"`
	Board     scoreboard.Config `json:"board"`
}

// DefaultValidatorConfig is each part's default.
func DefaultValidatorConfig() ValidatorConfig {
	return ValidatorConfig{Challenge: DefaultChallengeConfig(), Verify: verify.DefaultConfig(), Board: scoreboard.DefaultConfig()}
}

// Validator draws challenges, verifies the answers with its own copy of the
// model and keeps the scoreboard. It is safe for concurrent use.
type Validator struct {
	cfg      ValidatorConfig
	verifier *verify.Verifier
	board    *scoreboard.Board

	mu  sync.Mutex
	rng *rand.Rand
}

// NewValidator creates a validator whose challenges, seeds and checked
// positions all derive from secret (at least 16 bytes, never shared).
func NewValidator(cfg ValidatorConfig, ref verify.Reference, secret []byte) (*Validator, error) {
	if len(secret) < 16 {
		return nil, fmt.Errorf("%w: secret has %d bytes, want at least 16", ErrConfig, len(secret))
	}
	if err := cfg.Challenge.Validate(); err != nil {
		return nil, err
	}
	verifier, err := verify.New(cfg.Verify, ref, secret)
	if err != nil {
		return nil, err
	}
	board, err := scoreboard.New(cfg.Board)
	if err != nil {
		return nil, err
	}
	seed := sha256.Sum256(append([]byte("textgen/validator/challenges\x00"), secret...))
	return &Validator{cfg: cfg, verifier: verifier, board: board, rng: rand.New(rand.NewChaCha8(seed))}, nil
}

// NextRequest draws the next challenge: a prompt, its sampling, an id and a
// seed. Each miner gets its own, never the prompt another miner is asked at
// the same time, so that no answer exists for a miner to copy.
func (v *Validator) NextRequest() protocol.Request {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.cfg.Challenge.draw(v.rng)
}

// Response is what one miner did with its request.
type Response struct {
	UID     uint16
	Hotkey  string
	Request protocol.Request
	// Answer is the whole answer, nil when there was none.
	Answer *protocol.Answer
	// Busy is a refusal for capacity (429, 503); otherwise a nil Answer
	// failed (Err says how).
	Busy bool
	Err  error
	// Start is when the request went out; TTFT is when the first token
	// arrived and Duration when the answer ended (or failed), from Start.
	Start          time.Time
	TTFT, Duration time.Duration
}

// Result is one response's verdict and what the scoreboard recorded.
type Result struct {
	scoreboard.Observation
	Verdict verify.Verdict
	Err     error
}

// Score verifies every answer of a round, in the order they finished (of
// two copies of one answer the later is the relay), and records the
// outcomes. The error is the reference model's own failure.
func (v *Validator) Score(ctx context.Context, responses []Response) ([]Result, error) {
	order := make([]int, len(responses))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return responses[a].Start.Add(responses[a].Duration).Compare(responses[b].Start.Add(responses[b].Duration))
	})
	results := make([]Result, len(responses))
	for _, i := range order {
		r := responses[i]
		res := Result{Observation: scoreboard.Observation{UID: r.UID, Hotkey: r.Hotkey, TTFT: r.TTFT, Duration: max(r.Duration, r.TTFT)}, Err: r.Err}
		switch {
		case r.Busy:
			res.Outcome = scoreboard.Busy
		case r.Answer == nil:
			res.Outcome = scoreboard.Failed
		default:
			d, err := v.verifier.Verify(ctx, r.Hotkey, r.Request, *r.Answer)
			if err != nil {
				return nil, err
			}
			res.Verdict = d
			if d.OK {
				res.Outcome, res.Quality, res.Tokens = scoreboard.Verified, d.Quality, d.Tokens
			} else {
				res.Outcome, res.Check = scoreboard.Refused, d.Check
			}
		}
		results[i] = res
	}
	obs := make([]scoreboard.Observation, len(results))
	for i, r := range results {
		obs[i] = r.Observation
	}
	if err := v.board.Record(obs); err != nil {
		return nil, err
	}
	return results, nil
}

// Weights is the weight vector to set on chain now.
func (v *Validator) Weights() (uids, values []uint16) { return v.board.Weights() }

// Standings lists every miner's record, by uid.
func (v *Validator) Standings() []scoreboard.Standing { return v.board.Standings() }

// Board is the scoreboard, for Sync with the metagraph.
func (v *Validator) Board() *scoreboard.Board { return v.board }

// Verifier is the validator's verifier.
func (v *Validator) Verifier() *verify.Verifier { return v.verifier }
