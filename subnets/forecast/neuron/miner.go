package neuron

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast"
)

// MinerConfig configures a miner. Zero values take the defaults listed.
type MinerConfig struct {
	// Chain is the connection to a node; it may be shared with other services. Required.
	Chain *chain.Client
	// Hotkey is the miner's hotkey: it signs the axon's sessions and the serve-axon. Required.
	Hotkey chain.Signer
	// Netuid is the subnet served. Required.
	Netuid uint16
	// Model is the forecasting model answering challenges (model.Names()). Required.
	Model string

	// ListenAddr is where the axon listens (default ":8091"; port 0 picks a free one).
	ListenAddr string
	// ExternalIP and ExternalPort are what the chain is told, when validators reach the miner
	// at another address than it listens on (NAT, a wildcard listen address). Loopback and
	// private addresses are accepted only by chains that allow them (local networks).
	ExternalIP   netip.Addr
	ExternalPort uint16
	// MinStake refuses callers with less stake (rao); callers always need a validator permit.
	MinStake uint64

	// Metagraph, if set, is a syncer of the subnet shared with other services; whoever made it
	// starts and stops it. Otherwise the miner runs its own, refreshed every SyncInterval.
	Metagraph *metagraph.Syncer
	// SyncInterval is how often the miner's own metagraph is refreshed and the published axon
	// checked against the chain's record (default 1s).
	SyncInterval time.Duration
	// Logger receives structured logs (default slog.Default()).
	Logger *slog.Logger
}

// DefaultSyncInterval is how often the metagraph is refreshed.
const DefaultSyncInterval = time.Second

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
	if c.Model == "" {
		errs = append(errs, errors.New("Model is required"))
	}
	if c.SyncInterval < 0 {
		errs = append(errs, fmt.Errorf("SyncInterval is negative (%s)", c.SyncInterval))
	}
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("neuron: miner config: %w", err)
	}
	if c.ListenAddr == "" {
		c.ListenAddr = ":8091"
	}
	if c.SyncInterval == 0 {
		c.SyncInterval = DefaultSyncInterval
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// Miner answers the subnet's challenges with one model on an axon, and keeps the axon's address
// published on chain.
type Miner struct {
	service
	cfg      MinerConfig
	log      *slog.Logger
	model    *forecast.Miner
	axon     *axon.Axon
	graph    *metagraph.Syncer
	ownGraph bool

	pub *axonPublisher
}

// NewMiner checks the configuration, loads the model and builds the axon; Start serves.
func NewMiner(cfg MinerConfig) (*Miner, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	model, err := forecast.NewMiner(cfg.Model)
	if err != nil {
		return nil, fmt.Errorf("neuron: miner: %w", err)
	}
	m := &Miner{service: newService(), cfg: cfg, model: model, graph: cfg.Metagraph}
	m.log = cfg.Logger.With("component", "forecast-miner", "netuid", cfg.Netuid, "model", model.Model())
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
		return nil, fmt.Errorf("neuron: miner: %w", err)
	}
	if err := Serve(m.axon, model); err != nil {
		return nil, fmt.Errorf("neuron: miner: %w", err)
	}
	m.pub = &axonPublisher{role: "miner", chain: cfg.Chain, hotkey: cfg.Hotkey, netuid: cfg.Netuid, graph: m.graph,
		info: m.axon.ServeInfo, log: m.log}
	return m, nil
}

// Start listens, starts the metagraph refresh (unless shared), and publishes the axon once the
// hotkey is registered.
func (m *Miner) Start() error {
	if err := m.begin(); err != nil {
		return fmt.Errorf("neuron: miner: %w", err)
	}
	if err := m.axon.Start(); err != nil {
		m.abort()
		return fmt.Errorf("neuron: miner: %w", err)
	}
	if _, err := m.axon.ServeInfo(); err != nil {
		m.abort()
		return errors.Join(fmt.Errorf("neuron: miner: %w", err), m.axon.Stop())
	}
	if m.ownGraph {
		if err := m.graph.Start(); err != nil {
			m.abort()
			return errors.Join(fmt.Errorf("neuron: miner: metagraph: %w", err), m.axon.Stop())
		}
	}
	m.run(func(ctx context.Context) { m.pub.loop(ctx, m.cfg.SyncInterval) })
	go m.watchAxon()
	m.log.Info("miner serving", "addr", m.axon.Addr().String(), "hotkey", m.cfg.Hotkey.Address())
	return nil
}

// Stop stops publishing, drains the axon's requests in flight and stops the metagraph refresh
// (unless shared).
func (m *Miner) Stop() error {
	if err := m.end(); err != nil {
		return fmt.Errorf("neuron: miner: %w", err)
	}
	defer m.finish()
	var errs []error
	if m.axon.IsRunning() {
		errs = append(errs, m.axon.Stop())
	}
	if m.ownGraph {
		errs = append(errs, m.graph.Stop())
	}
	m.log.Info("miner stopped")
	return errors.Join(errs...)
}

// watchAxon stops the miner when its axon fails: a miner that cannot serve must say so (Quit),
// not linger.
func (m *Miner) watchAxon() {
	select {
	case <-m.axon.Quit():
		if m.IsRunning() {
			m.log.Error("miner: the axon stopped serving; stopping")
			if err := m.Stop(); err != nil && !errors.Is(err, ErrAlreadyStopped) {
				m.log.Error("miner: stop", "err", err)
			}
		}
	case <-m.quit:
	}
}

// Hotkey is the miner's hotkey address.
func (m *Miner) Hotkey() string { return m.cfg.Hotkey.Address() }

// Model is the model answering.
func (m *Miner) Model() string { return m.model.Model() }

// Addr is where the axon listens, once started.
func (m *Miner) Addr() net.Addr { return m.axon.Addr() }

// ServeInfo is what the miner publishes, once started.
func (m *Miner) ServeInfo() (axon.ServeInfo, error) { return m.axon.ServeInfo() }

// UID is the miner's uid, if the metagraph lists its hotkey.
func (m *Miner) UID() (uint16, bool) {
	g := m.graph.Current()
	if g == nil {
		return 0, false
	}
	return g.UID(m.Hotkey())
}

// Published is the axon the chain lists for the miner, and whether it lists one that the miner
// knows of (its own serve-axon landed, or the metagraph shows it).
func (m *Miner) Published() (axon.ServeInfo, bool) { return m.pub.published() }
