package neuron

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/textgen/miner"
	"github.com/gotensor/gotensor/subnets/textgen/protocol"
)

// MinerConfig configures a miner. Zero values take the defaults listed.
type MinerConfig struct {
	// Chain, Hotkey and Netuid: the node connection, the miner's hotkey and
	// the subnet served. Required.
	Chain  *chain.Client
	Hotkey chain.Signer
	Netuid uint16
	// Backend generates the answers. Required.
	Backend miner.Backend
	// Capacity is how many requests are served at once (default 4); above
	// it the miner declines with 429, without penalty.
	Capacity int
	// MaxTokens is the longest completion served (default 256).
	MaxTokens int

	// ListenAddr is where the axon listens (default ":8091"); ExternalIP and
	// ExternalPort what the chain is told, when validators reach the miner
	// elsewhere.
	ListenAddr   string
	ExternalIP   netip.Addr
	ExternalPort uint16
	// MinStake refuses callers with less stake (rao); callers always need a
	// validator permit.
	MinStake uint64
	// Metagraph, if set, is a syncer shared with other services; otherwise
	// the miner runs its own, refreshed every SyncInterval (default 1s).
	Metagraph    *metagraph.Syncer
	SyncInterval time.Duration
	// Logger receives structured logs (default slog.Default()).
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultCapacity     = 4
	DefaultMaxTokens    = 256
	DefaultSyncInterval = time.Second
)

func (c MinerConfig) withDefaults() (MinerConfig, error) {
	var errs []error
	if c.Chain == nil {
		errs = append(errs, errors.New("Chain (a node connection) is required"))
	}
	if c.Hotkey == nil {
		errs = append(errs, errors.New("Hotkey (the miner's hotkey) is required"))
	}
	if c.Netuid == 0 {
		errs = append(errs, errors.New("Netuid is required: netuid 0 is the root network, which serves no miners"))
	}
	if c.Backend == nil {
		errs = append(errs, errors.New("Backend is required"))
	}
	if c.Capacity < 0 || c.MaxTokens < 0 || c.SyncInterval < 0 {
		errs = append(errs, fmt.Errorf("Capacity %d, MaxTokens %d and SyncInterval %s must not be negative", c.Capacity, c.MaxTokens, c.SyncInterval))
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("neuron: textgen miner config: %w", err)
	}
	setDefault(&c.Capacity, DefaultCapacity)
	setDefault(&c.MaxTokens, DefaultMaxTokens)
	setDefault(&c.ListenAddr, ":8091")
	setDefault(&c.SyncInterval, DefaultSyncInterval)
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

// Miner serves completions from one backend on an axon, and keeps the
// axon's address published on chain.
type Miner struct {
	service
	cfg      MinerConfig
	log      *slog.Logger
	miner    *miner.Miner
	axon     *axon.Axon
	graph    *metagraph.Syncer
	ownGraph bool

	mu       sync.Mutex
	listed   bool // the chain lists the axon served (as far as the miner knows)
	listedAt int64
	retryAt  time.Time
}

// NewMiner checks the configuration and builds the axon; Start serves.
func NewMiner(cfg MinerConfig) (*Miner, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	mn, err := miner.New(cfg.Backend, cfg.Capacity, cfg.MaxTokens)
	if err != nil {
		return nil, fmt.Errorf("neuron: %w", err)
	}
	m := &Miner{service: newService(), cfg: cfg, miner: mn, graph: cfg.Metagraph}
	m.log = cfg.Logger.With("component", "textgen-miner", "netuid", cfg.Netuid)
	if m.graph == nil {
		m.ownGraph = true
		m.graph = metagraph.NewSyncer(cfg.Chain, cfg.Netuid, metagraph.Options{Interval: cfg.SyncInterval, Logger: m.log})
	}
	m.axon, err = axon.New(axon.Config{
		Signer:     cfg.Hotkey,
		Scope:      synapse.Scope{ChainID: cfg.Chain.ChainID(), NetUID: cfg.Netuid},
		ListenAddr: cfg.ListenAddr, ExternalIP: cfg.ExternalIP, ExternalPort: cfg.ExternalPort,
		Peers:  m.graph,
		Policy: axon.Policy{RequireValidatorPermit: true, MinStake: cfg.MinStake},
		Logger: m.log,
	})
	if err != nil {
		return nil, fmt.Errorf("neuron: textgen miner: %w", err)
	}
	if err := Serve(m.axon, mn); err != nil {
		return nil, fmt.Errorf("neuron: textgen miner: %w", err)
	}
	return m, nil
}

// Start listens, starts the metagraph refresh (unless shared), and
// publishes the axon once the hotkey is registered.
func (m *Miner) Start() error {
	if err := m.begin(); err != nil {
		return fmt.Errorf("neuron: textgen miner: %w", err)
	}
	if err := m.axon.Start(); err != nil {
		m.abort()
		return fmt.Errorf("neuron: textgen miner: %w", err)
	}
	if m.ownGraph {
		if err := m.graph.Start(); err != nil {
			m.abort()
			return errors.Join(fmt.Errorf("neuron: textgen miner: metagraph: %w", err), m.axon.Stop())
		}
	}
	m.run(m.publishLoop)
	m.log.Info("miner serving", "addr", m.axon.Addr().String(), "model", m.miner.Info().Model)
	return nil
}

// Stop stops publishing, drains the axon's requests and stops the metagraph
// refresh (unless shared).
func (m *Miner) Stop() error {
	if err := m.end(); err != nil {
		return fmt.Errorf("neuron: textgen miner: %w", err)
	}
	defer m.finish()
	var errs []error
	if m.axon.IsRunning() {
		errs = append(errs, m.axon.Stop())
	}
	if m.ownGraph {
		errs = append(errs, m.graph.Stop())
	}
	return errors.Join(errs...)
}

// Hotkey is the miner's hotkey address.
func (m *Miner) Hotkey() string { return m.cfg.Hotkey.Address() }

// Info is what the miner declares: model, capacity, longest completion.
func (m *Miner) Info() protocol.MinerInfo { return m.miner.Info() }

// Addr is where the axon listens, once started.
func (m *Miner) Addr() net.Addr { return m.axon.Addr() }

// ServeInfo is what the miner publishes, once started.
func (m *Miner) ServeInfo() (axon.ServeInfo, error) { return m.axon.ServeInfo() }

// Published reports whether the chain lists the axon the miner serves.
func (m *Miner) Published() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.listed
}

// UID is the miner's uid, if the metagraph lists its hotkey.
func (m *Miner) UID() (uint16, bool) {
	g := m.graph.Current()
	if g == nil {
		return 0, false
	}
	return g.UID(m.Hotkey())
}

func (m *Miner) publishLoop(ctx context.Context) {
	t := time.NewTicker(m.cfg.SyncInterval)
	defer t.Stop()
	for {
		m.publish(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// publish sends serve-axon when the metagraph shows the hotkey registered
// with another axon (or none) than the one served, unless the miner's own
// serve-axon landed after the snapshot was read.
func (m *Miner) publish(ctx context.Context) {
	g := m.graph.Current()
	info, err := m.axon.ServeInfo()
	if g == nil || err != nil {
		return
	}
	uid, ok := g.UID(m.Hotkey())
	if !ok {
		return
	}
	a := g.Axons[uid]
	same := a.Serving() && a.IP == info.IP && a.Port == info.Port && a.Version == info.Version && a.Protocol == info.Protocol
	m.mu.Lock()
	switch {
	case same:
		m.listed, m.listedAt = true, g.Height
		m.mu.Unlock()
		return
	case m.listed && g.Height <= m.listedAt, time.Now().Before(m.retryAt):
		m.mu.Unlock()
		return
	}
	m.mu.Unlock()
	res, err := m.cfg.Chain.ServeAxon(ctx, m.cfg.Hotkey, m.cfg.Netuid, info)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			m.retryAt = time.Now().Add(2 * time.Second)
			m.log.Warn("miner: serve-axon refused; will retry", "axon", info.String(), "err", err)
		}
		return
	}
	m.listed, m.listedAt = true, res.Height
	m.log.Info("miner published its axon", "uid", uid, "axon", info.String(), "height", res.Height)
}
