package neuron

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	fneuron "github.com/gotensor/gotensor/subnets/forecast/neuron"
	"github.com/gotensor/gotensor/subnets/textgen"
	"github.com/gotensor/gotensor/subnets/textgen/protocol"
	"github.com/gotensor/gotensor/subnets/textgen/scoreboard"
	"github.com/gotensor/gotensor/subnets/textgen/verify"
)

// ValidatorConfig configures a validator. Zero values take the defaults listed.
type ValidatorConfig struct {
	// Chain, Hotkey and Netuid: the node connection, the validator's hotkey
	// and the subnet validated. Required.
	Chain  *chain.Client
	Hotkey chain.Signer
	Netuid uint16
	// Reference is the validator's own copy of the subnet's model. Required.
	Reference verify.Reference
	// TextGen is the subnet's challenges, checks and scoreboard (default
	// textgen.DefaultValidatorConfig(), used whenever Challenge.MaxTokens is 0).
	TextGen textgen.ValidatorConfig
	// Secret keys the challenges, seeds and checked positions: at least 16
	// bytes, never shared (default: 32 random bytes, new at every start).
	Secret []byte

	// RoundInterval is how often a challenge goes out (default 2s); rounds
	// never overlap. QueryTimeout is how long each miner has (default 10s).
	RoundInterval time.Duration
	QueryTimeout  time.Duration
	// WeightsInterval is how many blocks apart weights go on chain (default
	// 0: once per epoch); PollInterval how often the chain is read (1s).
	WeightsInterval uint64
	PollInterval    time.Duration
	// VersionKey goes with every weight row (default fneuron.WeightsVersionKey).
	VersionKey uint64
	// ScoreOnly scores the miners and never sets weights (a referee).
	ScoreOnly bool

	// Metagraph, if set, is a syncer shared with other services; otherwise
	// the validator runs its own, refreshed every SyncInterval (default 1s).
	Metagraph    *metagraph.Syncer
	SyncInterval time.Duration
	// Logger receives structured logs (default slog.Default()).
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultRoundInterval = 2 * time.Second
	DefaultQueryTimeout  = 10 * time.Second
	DefaultPollInterval  = time.Second
)

func (c ValidatorConfig) withDefaults() (ValidatorConfig, error) {
	var errs []error
	if c.Chain == nil {
		errs = append(errs, errors.New("Chain (a node connection) is required"))
	}
	if c.Hotkey == nil {
		errs = append(errs, errors.New("Hotkey (the validator's hotkey) is required"))
	}
	if c.Netuid == 0 {
		errs = append(errs, errors.New("Netuid is required: netuid 0 is the root network, which has no miners"))
	}
	if c.Reference == nil {
		errs = append(errs, errors.New("Reference (the validator's copy of the model) is required"))
	}
	if c.RoundInterval < 0 || c.QueryTimeout < 0 || c.PollInterval < 0 || c.SyncInterval < 0 {
		errs = append(errs, errors.New("intervals and timeouts must not be negative"))
	}
	if len(c.Secret) > 0 && len(c.Secret) < 16 {
		errs = append(errs, fmt.Errorf("Secret has %d bytes, want at least 16 (or none: a random one)", len(c.Secret)))
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("neuron: textgen validator config: %w", err)
	}
	if c.TextGen.Challenge.MaxTokens == 0 {
		c.TextGen = textgen.DefaultValidatorConfig()
	}
	if len(c.Secret) == 0 {
		c.Secret = make([]byte, 32)
		_, _ = rand.Read(c.Secret)
	}
	setDefault(&c.RoundInterval, DefaultRoundInterval)
	setDefault(&c.QueryTimeout, DefaultQueryTimeout)
	setDefault(&c.PollInterval, DefaultPollInterval)
	setDefault(&c.SyncInterval, DefaultSyncInterval)
	setDefault(&c.VersionKey, fneuron.WeightsVersionKey)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// Validator challenges the subnet's miners, verifies and scores them, and
// sets weights from the scores.
type Validator struct {
	service
	cfg      ValidatorConfig
	log      *slog.Logger
	tv       *textgen.Validator
	d        *dendrite.Dendrite
	graph    *metagraph.Syncer
	ownGraph bool
	synced   *metagraph.Metagraph

	mu       sync.Mutex
	weights  fneuron.WeightsState
	activity Activity
}

// Activity is what a validator has done so far.
type Activity struct {
	// Rounds is how many challenges were scored; Verified and Refused count
	// answers, Busy and Failed the requests without one.
	Rounds   int `json:"rounds"`
	Verified int `json:"verified"`
	Refused  int `json:"refused"`
	Busy     int `json:"busy"`
	Failed   int `json:"failed"`
	// Sets, Commits and Reveals count weight transactions that landed;
	// Weights are the last set or revealed, at WeightsHeight.
	Sets          int           `json:"sets"`
	Commits       int           `json:"commits"`
	Reveals       int           `json:"reveals"`
	Weights       chain.Weights `json:"weights"`
	WeightsHeight int64         `json:"weights_height"`
	LastError     string        `json:"last_error,omitempty"`
}

// NewValidator checks the configuration and prepares the validator; Start
// runs its loops.
func NewValidator(cfg ValidatorConfig) (*Validator, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	tv, err := textgen.NewValidator(cfg.TextGen, cfg.Reference, cfg.Secret)
	if err != nil {
		return nil, fmt.Errorf("neuron: textgen validator: %w", err)
	}
	v := &Validator{service: newService(), cfg: cfg, tv: tv, graph: cfg.Metagraph}
	v.log = cfg.Logger.With("component", "textgen-validator", "netuid", cfg.Netuid, "hotkey", cfg.Hotkey.Address())
	v.d, err = dendrite.New(dendrite.Config{
		Signer: cfg.Hotkey, Scope: synapse.Scope{ChainID: cfg.Chain.ChainID(), NetUID: cfg.Netuid},
		Timeout: cfg.QueryTimeout, Logger: v.log,
	})
	if err != nil {
		return nil, fmt.Errorf("neuron: textgen validator: %w", err)
	}
	if v.graph == nil {
		v.ownGraph = true
		v.graph = metagraph.NewSyncer(cfg.Chain, cfg.Netuid, metagraph.Options{Interval: cfg.SyncInterval, Logger: v.log})
	}
	return v, nil
}

// Start starts the metagraph refresh (unless shared), the rounds and the
// weights loop.
func (v *Validator) Start() error {
	if err := v.begin(); err != nil {
		return fmt.Errorf("neuron: textgen validator: %w", err)
	}
	if v.ownGraph {
		if err := v.graph.Start(); err != nil {
			v.abort()
			return fmt.Errorf("neuron: textgen validator: metagraph: %w", err)
		}
	}
	v.run(v.roundLoop)
	if !v.cfg.ScoreOnly {
		v.run(v.weightsLoop)
	}
	return nil
}

// Stop ends the loops, closes the dendrite and stops the metagraph refresh
// (unless shared).
func (v *Validator) Stop() error {
	if err := v.end(); err != nil {
		return fmt.Errorf("neuron: textgen validator: %w", err)
	}
	defer v.finish()
	v.d.Close()
	if v.ownGraph {
		return v.graph.Stop()
	}
	return nil
}

// Hotkey is the validator's hotkey address.
func (v *Validator) Hotkey() string { return v.cfg.Hotkey.Address() }

// Standings are the miners' records, by uid.
func (v *Validator) Standings() []scoreboard.Standing { return v.tv.Standings() }

// Activity is what the validator has done so far.
func (v *Validator) Activity() Activity {
	v.mu.Lock()
	defer v.mu.Unlock()
	a := v.activity
	a.Weights.UIDs = append([]uint16(nil), a.Weights.UIDs...)
	a.Weights.Values = append([]uint16(nil), a.Weights.Values...)
	return a
}

func (v *Validator) roundLoop(ctx context.Context) {
	t := time.NewTicker(v.cfg.RoundInterval)
	defer t.Stop()
	for {
		v.round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// round sends one challenge to every miner serving an axon, each under its
// own id and seed, streams the answers, and scores them.
func (v *Validator) round(ctx context.Context) {
	m := v.graph.Current()
	if m == nil {
		return
	}
	if m != v.synced {
		neurons := make([]scoreboard.Neuron, m.N())
		for u, hk := range m.Hotkeys {
			neurons[u] = scoreboard.Neuron{UID: uint16(u), Hotkey: hk}
		}
		v.tv.Board().Sync(neurons)
		v.synced = m
	}
	uids, axons := m.Serving()
	var responses []Response
	var targets []dendrite.Axon
	for i, uid := range uids {
		if axons[i].Hotkey == v.Hotkey() {
			continue
		}
		responses = append(responses, Response{UID: uid, Hotkey: axons[i].Hotkey, Request: v.tv.NextRequest()})
		targets = append(targets, axons[i])
	}
	if len(responses) == 0 {
		return
	}
	qctx, cancel := context.WithTimeout(ctx, v.cfg.QueryTimeout)
	var wg sync.WaitGroup
	forbidden := make([]bool, len(responses))
	for i := range responses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			forbidden[i] = Query(qctx, v.d, targets[i], &responses[i])
		}()
	}
	wg.Wait()
	cancel()
	if ctx.Err() != nil {
		return
	}
	refused := 0
	for _, f := range forbidden {
		if f {
			refused++
		}
	}
	if refused == len(responses) {
		v.log.Debug("validator: every miner refused the challenge; waiting for a validator permit")
		return
	}
	results, err := v.tv.Score(ctx, responses)
	if err != nil {
		v.log.Error("validator: scoring a round", "err", err)
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.activity.Rounds++
	for _, r := range results {
		switch r.Outcome {
		case scoreboard.Verified:
			v.activity.Verified++
		case scoreboard.Refused:
			v.activity.Refused++
		case scoreboard.Busy:
			v.activity.Busy++
		case scoreboard.Failed:
			v.activity.Failed++
		}
	}
}

// Response is textgen.Response: one miner's answer as the round collects it.
type Response = textgen.Response

// Query streams one request to a miner's axon into r: its answer, or
// whether it declined for capacity, or how it failed, with the time of the
// first token and of the last chunk. It reports whether the miner refused
// the caller outright (403: no permit yet), which says nothing about the
// miner.
func Query(ctx context.Context, d *dendrite.Dendrite, ax dendrite.Axon, r *Response) (forbidden bool) {
	start := time.Now()
	r.Start = start
	asm := protocol.NewAssembler(r.Request)
	res := dendrite.Stream(ctx, d, protocol.Complete, ax, r.Request, func(c protocol.Chunk) error {
		if r.TTFT == 0 && len(c.Tokens) > 0 {
			r.TTFT = time.Since(start)
		}
		if c.Finish != "" {
			r.Duration = time.Since(start)
		}
		return asm.Add(c)
	})
	if r.Duration == 0 {
		r.Duration = time.Since(start)
	}
	switch {
	case res.OK():
		a, err := asm.Answer()
		if err != nil {
			r.Err = err
			return false
		}
		r.Answer = &a
	case res.Status == http.StatusTooManyRequests || res.Status == http.StatusServiceUnavailable && res.Reason == synapse.ReasonBusy:
		r.Busy = true
	default:
		r.Err = res.Err
	}
	return res.Status == http.StatusForbidden
}
