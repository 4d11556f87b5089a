package neuron

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast"
	"github.com/gotensor/gotensor/subnets/forecast/scoreboard"
)

// ValidatorConfig configures a validator. Zero values take the defaults listed.
type ValidatorConfig struct {
	// Chain is the connection to a node; it may be shared with other services. Required.
	Chain *chain.Client
	// Hotkey is the validator's hotkey: it signs the dendrite's sessions and the weights. Required.
	Hotkey chain.Signer
	// Netuid is the subnet validated. Required.
	Netuid uint16

	// Forecast shapes the challenges and the scoreboard (default
	// forecast.DefaultValidatorConfig(), used whenever Series is 0).
	Forecast forecast.ValidatorConfig
	// Secret keys the validator's live series and challenge ids: at least 16 bytes, never
	// shared (default: 32 random bytes, new at every start).
	Secret []byte

	// RoundInterval is how often a challenge goes out (default 2s). A round that takes longer
	// delays the next; rounds never overlap.
	RoundInterval time.Duration
	// QueryTimeout is how long each miner has to answer (default 5s); later is missing.
	QueryTimeout time.Duration

	// WeightsInterval is how many blocks apart weights are set or committed (default 0: once
	// per epoch, every tempo blocks).
	WeightsInterval uint64
	// PollInterval is how often the weights loop reads the chain (default 1s).
	PollInterval time.Duration
	// VersionKey goes with every weight row (default WeightsVersionKey); the subnet refuses
	// keys below its weights_version_key.
	VersionKey uint64
	// StatePath, if set, is the file the unrevealed commit is kept in, so that a validator
	// restarted between a commit and its reveal still reveals. Without it a restart loses that
	// commit's weights (it expires).
	StatePath string

	// ScoreOnly makes the validator a referee: it challenges and scores the miners like any
	// validator, through their axons, but never sets, commits or reveals weights, so what it
	// measures has no part in what they are paid.
	ScoreOnly bool

	// PublishAddr, if set, is where the validator serves its standings for anyone to read:
	// GET /forecast/standings answers the scoreboard (every miner's skill, score, challenges and
	// answers, with the block they were taken at) as JSON signed by the hotkey (package
	// standings). The validator announces the address with serve-axon once its hotkey is
	// registered, as a miner announces its axon; an explorer reads it from the metagraph.
	// Empty publishes nothing.
	PublishAddr string
	// PublishExternalIP and PublishExternalPort are what the chain is told, when readers reach
	// the endpoint at another address than it listens on (NAT, a wildcard listen address).
	PublishExternalIP   netip.Addr
	PublishExternalPort uint16

	// Metagraph, if set, is a syncer of the subnet shared with other services; whoever made it
	// starts and stops it. Otherwise the validator runs its own, refreshed every SyncInterval.
	Metagraph *metagraph.Syncer
	// SyncInterval is the refresh of the validator's own metagraph and how often the standings
	// endpoint's announcement is checked against the chain (default 1s).
	SyncInterval time.Duration
	// Logger receives structured logs (default slog.Default()).
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultRoundInterval = 2 * time.Second
	DefaultQueryTimeout  = 5 * time.Second
	DefaultPollInterval  = time.Second
	// WeightsVersionKey is this validator's version as weights carry it (major·10⁶ + minor·10³
	// + patch, as the wire's synapse.Version): 0.1.0.
	WeightsVersionKey uint64 = 1_000
	secretLen                = 32
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
	for name, d := range map[string]time.Duration{
		"RoundInterval": c.RoundInterval, "QueryTimeout": c.QueryTimeout,
		"PollInterval": c.PollInterval, "SyncInterval": c.SyncInterval,
	} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s is negative (%s)", name, d))
		}
	}
	if c.PublishAddr == "" && (c.PublishExternalIP.IsValid() || c.PublishExternalPort != 0) {
		errs = append(errs, errors.New("PublishExternalIP or PublishExternalPort is set but PublishAddr is empty: give the address the standings endpoint listens on"))
	}
	if len(c.Secret) > 0 && len(c.Secret) < 16 {
		errs = append(errs, fmt.Errorf("Secret has %d bytes, want at least 16 (or none: a random one)", len(c.Secret)))
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("neuron: validator config: %w", err)
	}
	if c.Forecast.Series == 0 {
		c.Forecast = forecast.DefaultValidatorConfig()
	}
	if len(c.Secret) == 0 {
		c.Secret = make([]byte, secretLen)
		_, _ = rand.Read(c.Secret) // crypto/rand never fails on supported platforms
	}
	setDefault(&c.RoundInterval, DefaultRoundInterval)
	setDefault(&c.QueryTimeout, DefaultQueryTimeout)
	setDefault(&c.PollInterval, DefaultPollInterval)
	setDefault(&c.SyncInterval, DefaultSyncInterval)
	setDefault(&c.VersionKey, WeightsVersionKey)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Validator challenges the subnet's miners, scores them, and sets weights from the scores.
type Validator struct {
	service
	cfg      ValidatorConfig
	log      *slog.Logger
	fv       *forecast.Validator
	d        *dendrite.Dendrite
	graph    *metagraph.Syncer
	ownGraph bool
	// snapshot is the metagraph's last snapshot (the syncer's; a test may give its own).
	snapshot func() *metagraph.Metagraph
	state    *stateFile

	// synced is the metagraph snapshot the scoreboard was last aligned with (round loop only);
	// alignedTo is the same for readers of the standings.
	synced    *metagraph.Metagraph
	alignedTo atomic.Pointer[metagraph.Metagraph]

	// pubServer is the standings endpoint (nil without PublishAddr); pubMu guards its cache.
	pubServer *standingsServer
	pubMu     sync.Mutex

	mu       sync.Mutex
	weights  WeightsState
	activity Activity
	// self is the uid the weights loop last found the hotkey at, and what it knows of that
	// uid's last update beyond the metagraph's snapshot.
	self struct {
		uid        uint16
		known      bool
		lastUpdate uint64
	}
	refusals int // consecutive refusals of the weights loop, for its backoff
}

// Activity is what a validator has done so far, for reporting.
type Activity struct {
	// Rounds is how many challenges were scored; Refused how many were not, because every
	// miner asked refused the validator (no validator permit yet, not registered).
	Rounds  int `json:"rounds"`
	Refused int `json:"refused"`
	// LastRound is when the last scored challenge went out, Queried how many miners it went
	// to, and Answered how many sent back an authenticated answer (valid or not).
	LastRound time.Time `json:"last_round"`
	Queried   int       `json:"queried"`
	Answered  int       `json:"answered"`

	// Sets, Commits, Reveals and Dropped count the weight transactions that landed, and the
	// commits given up unrevealed.
	Sets    int `json:"sets"`
	Commits int `json:"commits"`
	Reveals int `json:"reveals"`
	Dropped int `json:"dropped"`
	// Weights are the last weights set or revealed, and WeightsHeight the block they landed in.
	Weights       chain.Weights `json:"weights"`
	WeightsHeight int64         `json:"weights_height"`
	// RevealEpoch is the epoch the commit waiting for its reveal can be revealed in (0: none).
	RevealEpoch uint64 `json:"reveal_epoch,omitempty"`
	// Waiting is why the weights loop is not sending anything now; LastError the last
	// refusal or failure it met.
	Waiting   string `json:"waiting,omitempty"`
	LastError string `json:"last_error,omitempty"`
}

// NewValidator checks the configuration, prepares the challenges and the dendrite, and loads
// an unrevealed commit from StatePath; Start runs the loops.
func NewValidator(cfg ValidatorConfig) (*Validator, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	fv, err := forecast.NewValidator(cfg.Forecast, cfg.Secret)
	if err != nil {
		return nil, fmt.Errorf("neuron: validator: %w", err)
	}
	v := &Validator{service: newService(), cfg: cfg, fv: fv, graph: cfg.Metagraph}
	v.log = cfg.Logger.With("component", "forecast-validator", "netuid", cfg.Netuid, "hotkey", cfg.Hotkey.Address())
	if cfg.StatePath != "" {
		v.state = &stateFile{path: cfg.StatePath, hotkey: cfg.Hotkey.Address(), netuid: cfg.Netuid}
		if v.weights.Pending, err = v.state.load(); err != nil {
			return nil, fmt.Errorf("neuron: validator: %w", err)
		}
		if p := v.weights.Pending; p != nil {
			v.log.Info("validator: resuming an unrevealed commit", "path", cfg.StatePath, "epoch", p.Epoch, "reveal_epoch", p.RevealEpoch)
		}
	}
	v.d, err = dendrite.New(dendrite.Config{
		Signer:  cfg.Hotkey,
		Scope:   synapse.Scope{ChainID: cfg.Chain.ChainID(), NetUID: cfg.Netuid},
		Timeout: cfg.QueryTimeout,
		Logger:  v.log,
	})
	if err != nil {
		return nil, fmt.Errorf("neuron: validator: %w", err)
	}
	if v.graph == nil {
		v.ownGraph = true
		v.graph = metagraph.NewSyncer(cfg.Chain, cfg.Netuid, metagraph.Options{Interval: cfg.SyncInterval, Logger: v.log})
	}
	v.snapshot = v.graph.Current
	return v, nil
}

// Start starts the metagraph refresh (unless shared), the rounds and the weights loop.
func (v *Validator) Start() error {
	if err := v.begin(); err != nil {
		return fmt.Errorf("neuron: validator: %w", err)
	}
	if v.ownGraph {
		if err := v.graph.Start(); err != nil {
			v.abort()
			return fmt.Errorf("neuron: validator: metagraph: %w", err)
		}
	}
	if v.cfg.PublishAddr != "" {
		if err := v.startStandings(); err != nil {
			v.abort()
			var stop error
			if v.ownGraph {
				stop = v.graph.Stop()
			}
			return errors.Join(fmt.Errorf("neuron: validator: %w", err), stop)
		}
		v.run(func(ctx context.Context) { v.pubServer.publisher.loop(ctx, v.cfg.SyncInterval) })
	}
	v.run(v.roundLoop)
	if !v.cfg.ScoreOnly {
		v.run(v.weightsLoop)
	}
	v.log.Info("validator started", "round_interval", v.cfg.RoundInterval, "query_timeout", v.cfg.QueryTimeout, "score_only", v.cfg.ScoreOnly,
		"standings", v.cfg.PublishAddr)
	return nil
}

// Stop ends the loops (a transaction in flight is abandoned; an unrevealed commit stays in
// StatePath), closes the dendrite and stops the metagraph refresh (unless shared).
func (v *Validator) Stop() error {
	if err := v.end(); err != nil {
		return fmt.Errorf("neuron: validator: %w", err)
	}
	defer v.finish()
	v.d.Close()
	var errs []error
	if v.pubServer != nil {
		errs = append(errs, v.pubServer.stop())
	}
	if v.ownGraph {
		errs = append(errs, v.graph.Stop())
	}
	err := errors.Join(errs...)
	v.log.Info("validator stopped")
	return err
}

// Hotkey is the validator's hotkey address.
func (v *Validator) Hotkey() string { return v.cfg.Hotkey.Address() }

// Standings are the miners' records, by uid: hotkey, moving score (what weights are made of),
// measured skill (the plain average) and how many challenges they rest on.
func (v *Validator) Standings() []scoreboard.Standing { return v.fv.Standings() }

// Activity is what the validator has done so far.
func (v *Validator) Activity() Activity {
	v.mu.Lock()
	defer v.mu.Unlock()
	a := v.activity
	a.Weights.UIDs = append([]uint16(nil), a.Weights.UIDs...)
	a.Weights.Values = append([]uint16(nil), a.Weights.Values...)
	if p := v.weights.Pending; p != nil {
		a.RevealEpoch = p.RevealEpoch
	}
	return a
}
