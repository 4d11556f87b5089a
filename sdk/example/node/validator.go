package node

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/example/echo"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// ValidatorConfig configures an echo validator.
type ValidatorConfig struct {
	Chain  *chain.Client
	Netuid uint16
	// Hotkey is the validator's hotkey: it signs its dendrite's sessions and its weights.
	Hotkey chain.Signer
	// Coldkey, if set, pays the registration when the hotkey is not registered yet, at most
	// MaxBurn rao (0: any price).
	Coldkey chain.Signer
	MaxBurn uint64

	// Timeout bounds each query (default 5s); an answer's latency is scored against it.
	Timeout time.Duration
	// VersionKey goes with every weight row.
	VersionKey uint64
	// Smoothing is the weight of one round in each miner's moving score, in (0, 1] (default 0.5).
	Smoothing float64
	Logger    *slog.Logger
}

// Validator scores the subnet's miners and puts the scores on chain.
type Validator struct {
	cfg   ValidatorConfig
	uid   uint16
	d     *dendrite.Dendrite
	graph *metagraph.Syncer

	mu sync.Mutex // one Step at a time
	// scores are the moving scores by uid, and holders the hotkey each was earned by: a uid that
	// changes hands starts again from 0.
	scores  map[uint16]float64
	holders map[uint16]string
	// pending are commits not yet revealed, oldest first. They live in memory only: a validator
	// restarted between a commit and its reveal loses that round's weights (the commit expires).
	pending []chain.Commit
}

// Action is what a round did on chain.
type Action string

const (
	ActionSet              Action = "set"                // weights set directly
	ActionCommitted        Action = "committed"          // weights committed as a hash
	ActionRevealed         Action = "revealed"           // a commit revealed (and a new one made if allowed)
	ActionWaitingForReveal Action = "waiting-for-reveal" // a commit waits for its reveal epoch
	ActionRateLimited      Action = "rate-limited"       // the chain's weights rate limit has not passed
	ActionNothingToWeight  Action = "nothing-to-weight"  // no miner earned a positive score yet
)

// Round is one Step's outcome.
type Round struct {
	// Height is the block the metagraph was read at.
	Height int64
	// Answers are this round's results by uid, for every miner queried.
	Answers map[uint16]Answer
	// Scores are the moving scores after this round, by uid.
	Scores map[uint16]float64
	// Weights are what was set or committed, if anything.
	Weights chain.Weights
	// Actions are what the round did on chain, in order (a reveal may be followed by a commit).
	Actions []Action
	Txs     []*chain.TxResult
}

// Answer is one miner's result in one round.
type Answer struct {
	Hotkey  string
	Status  int
	Reason  synapse.Reason
	Latency time.Duration
	Correct bool
	Score   float64
}

// NewValidator registers the validator if needed and prepares its dendrite.
func NewValidator(ctx context.Context, cfg ValidatorConfig) (*Validator, error) {
	if cfg.Chain == nil || cfg.Hotkey == nil {
		return nil, errors.New("node: a validator needs a chain client and a hotkey")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Smoothing <= 0 || cfg.Smoothing > 1 {
		cfg.Smoothing = 0.5
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	graph := metagraph.NewSyncer(cfg.Chain, cfg.Netuid, metagraph.Options{Logger: cfg.Logger})
	uid, err := ensureRegistered(ctx, cfg.Chain, graph, cfg.Netuid, cfg.Hotkey, cfg.Coldkey, cfg.MaxBurn)
	if err != nil {
		return nil, fmt.Errorf("node: validator: %w", err)
	}
	d, err := dendrite.New(dendrite.Config{
		Signer: cfg.Hotkey, Scope: synapse.Scope{ChainID: cfg.Chain.ChainID(), NetUID: cfg.Netuid},
		Timeout: cfg.Timeout, Logger: cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("node: validator dendrite: %w", err)
	}
	return &Validator{cfg: cfg, uid: uid, d: d, graph: graph, scores: map[uint16]float64{}, holders: map[uint16]string{}}, nil
}

// UID is the validator's uid.
func (v *Validator) UID() uint16 { return v.uid }

// Pending is the commits waiting for their reveal.
func (v *Validator) Pending() []chain.Commit {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]chain.Commit(nil), v.pending...)
}

// Close drops the dendrite's connections.
func (v *Validator) Close() { v.d.Close() }

// Run steps every interval until ctx ends; a failed step is logged and the next one tried.
func (v *Validator) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if r, err := v.Step(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			v.cfg.Logger.Warn("node: validator step failed", "err", err)
		} else {
			v.cfg.Logger.Info("node: validator step", "height", r.Height, "queried", len(r.Answers), "actions", r.Actions)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Step runs one round: read the metagraph, query every serving miner, score the answers, and
// set (or commit, or reveal) weights as the subnet's rules and rate limit allow.
func (v *Validator) Step(ctx context.Context) (Round, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	m, _, err := v.graph.Sync(ctx)
	if err != nil {
		return Round{}, fmt.Errorf("node: validator: reading the metagraph: %w", err)
	}
	if int(v.uid) >= m.N() || m.Hotkeys[v.uid] != v.cfg.Hotkey.Address() {
		return Round{}, fmt.Errorf("node: validator: %s no longer holds uid %d on subnet %d (replaced by a newer registration): register again", v.cfg.Hotkey.Address(), v.uid, v.cfg.Netuid)
	}
	r := Round{Height: m.Height, Answers: map[uint16]Answer{}}
	v.query(ctx, m, &r)
	r.Scores = v.score(m, r.Answers)

	h, err := v.cfg.Chain.Hyperparameters(ctx, v.cfg.Netuid)
	if err != nil {
		return r, fmt.Errorf("node: validator: reading hyperparameters: %w", err)
	}
	if h.CommitReveal {
		if err := v.reveal(ctx, &r); err != nil {
			return r, err
		}
		if len(v.pending) > 0 {
			r.Actions = append(r.Actions, ActionWaitingForReveal)
			return r, nil
		}
	}
	w, err := chain.WeightsFromScores(r.Scores, v.cfg.VersionKey)
	if err != nil {
		r.Actions = append(r.Actions, ActionNothingToWeight)
		return r, nil
	}
	if last := m.LastUpdate[v.uid]; last != 0 && uint64(m.Height) < last+h.WeightsSetRateLimit {
		r.Actions = append(r.Actions, ActionRateLimited)
		return r, nil
	}
	return r, v.submit(ctx, h.CommitReveal, w, &r)
}

// query asks every serving miner but the validator itself to echo a fresh random text.
func (v *Validator) query(ctx context.Context, m *metagraph.Metagraph, r *Round) {
	uids, axons := m.Serving()
	var targets []dendrite.Axon
	var targetUIDs []uint16
	for i, uid := range uids {
		if uid != v.uid {
			targets, targetUIDs = append(targets, axons[i]), append(targetUIDs, uid)
		}
	}
	if len(targets) == 0 {
		return
	}
	text := challenge()
	for i, res := range dendrite.Query(ctx, v.d, echo.Echo, targets, echo.EchoRequest{Text: text}) {
		a := Answer{Hotkey: res.Axon.Hotkey, Status: res.Status, Reason: res.Reason, Latency: res.Latency}
		if res.OK() {
			a.Correct = res.Response.Text == text && res.Response.Length == utf8.RuneCountInString(text)
		}
		if a.Correct {
			// Correct answers score from 1 (instant) down to 0.5 (at the timeout).
			a.Score = 1 - 0.5*min(float64(res.Latency)/float64(v.cfg.Timeout), 1)
		}
		r.Answers[targetUIDs[i]] = a
	}
}

// score folds a round's answers into the moving scores: a miner that did not answer (or does not
// serve) scores 0 this round.
func (v *Validator) score(m *metagraph.Metagraph, answers map[uint16]Answer) map[uint16]float64 {
	out := make(map[uint16]float64, m.N())
	for u := range m.N() {
		uid := uint16(u)
		if uid == v.uid {
			continue
		}
		if v.holders[uid] != m.Hotkeys[u] {
			v.holders[uid], v.scores[uid] = m.Hotkeys[u], 0
		}
		round := answers[uid].Score
		v.scores[uid] = v.cfg.Smoothing*round + (1-v.cfg.Smoothing)*v.scores[uid]
		out[uid] = v.scores[uid]
	}
	for uid := range v.scores {
		if int(uid) >= m.N() {
			delete(v.scores, uid)
			delete(v.holders, uid)
		}
	}
	return out
}

// reveal reveals the pending commits whose epoch has come, oldest first, and drops those that
// can no longer be revealed.
func (v *Validator) reveal(ctx context.Context, r *Round) error {
	for len(v.pending) > 0 {
		c := v.pending[0]
		res, err := v.cfg.Chain.RevealWeights(ctx, v.cfg.Hotkey, c)
		switch {
		case err == nil:
			v.pending = v.pending[1:]
			r.Actions, r.Txs = append(r.Actions, ActionRevealed), append(r.Txs, res)
		case errors.Is(err, types.ErrRevealTooEarly):
			return nil // later commits are later still
		case errors.Is(err, types.ErrCommitExpired), errors.Is(err, types.ErrNoCommitFound):
			v.cfg.Logger.Warn("node: validator: dropping a commit that can no longer be revealed", "err", err)
			v.pending = v.pending[1:]
		default:
			return fmt.Errorf("node: validator: revealing weights: %w", err)
		}
	}
	return nil
}

// submit sets the weights, or commits them on a commit-reveal subnet. The chain's rate limit
// refusing them is a round without weights, not a failure.
func (v *Validator) submit(ctx context.Context, commitReveal bool, w chain.Weights, r *Round) error {
	var (
		res    *chain.TxResult
		err    error
		action = ActionSet
	)
	if commitReveal {
		action = ActionCommitted
		var c chain.Commit
		if c, err = chain.NewCommit(v.cfg.Hotkey.Address(), v.cfg.Netuid, w); err != nil {
			return err
		}
		if _, res, err = v.cfg.Chain.CommitWeights(ctx, v.cfg.Hotkey, c); err == nil {
			v.pending = append(v.pending, c)
		}
	} else {
		res, err = v.cfg.Chain.SetWeights(ctx, v.cfg.Hotkey, v.cfg.Netuid, w)
	}
	switch {
	case errors.Is(err, types.ErrSettingWeightsTooFast), errors.Is(err, types.ErrCommittingTooFast):
		r.Actions = append(r.Actions, ActionRateLimited)
		return nil
	case err != nil:
		return fmt.Errorf("node: validator: %s weights: %w", action, err)
	}
	r.Weights = w
	r.Actions, r.Txs = append(r.Actions, action), append(r.Txs, res)
	return nil
}

// challenge is a fresh text to echo, with a character of more than one byte so that the answer's
// length in characters is checked, not in bytes.
func challenge() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return "echo-" + hex.EncodeToString(b) + "-τ"
}
