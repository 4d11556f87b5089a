package node

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
	"github.com/gotensor/gotensor/sdk/example/echo"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
)

// MinerConfig configures an echo miner.
type MinerConfig struct {
	Chain  *chain.Client
	Netuid uint16
	// Hotkey is the miner's hotkey; it signs its axon's sessions and its serve-axon.
	Hotkey chain.Signer
	// Coldkey, if set, pays the registration when the hotkey is not registered yet, at most
	// MaxBurn rao (0: any price).
	Coldkey chain.Signer
	MaxBurn uint64

	// ListenAddr is where the axon listens (default ":8091"). ExternalIP and ExternalPort are
	// what it publishes when behind NAT or on a wildcard address.
	ListenAddr   string
	ExternalIP   netip.Addr
	ExternalPort uint16
	// Policy decides which callers the axon serves (default: registered hotkeys).
	Policy axon.Policy
	// Attach adds the routes (default echo.Register); a test may attach a faulty miner.
	Attach func(*axon.Axon) error

	// SyncInterval is how often the metagraph is refreshed (default 1s).
	SyncInterval time.Duration
	Logger       *slog.Logger
}

// Miner is a running echo miner.
type Miner struct {
	uid   uint16
	axon  *axon.Axon
	peers *metagraph.Syncer
	info  axon.ServeInfo
}

// StartMiner registers the miner if needed, starts its axon, publishes the axon on chain (unless
// the chain already lists it exactly), and keeps the metagraph the axon admits callers by fresh.
func StartMiner(ctx context.Context, cfg MinerConfig) (*Miner, error) {
	if cfg.Chain == nil || cfg.Hotkey == nil {
		return nil, errors.New("node: a miner needs a chain client and a hotkey")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Attach == nil {
		cfg.Attach = echo.Register
	}
	peers := metagraph.NewSyncer(cfg.Chain, cfg.Netuid, metagraph.Options{Interval: cfg.SyncInterval, Logger: cfg.Logger})
	uid, err := ensureRegistered(ctx, cfg.Chain, peers, cfg.Netuid, cfg.Hotkey, cfg.Coldkey, cfg.MaxBurn)
	if err != nil {
		return nil, fmt.Errorf("node: miner: %w", err)
	}
	a, err := axon.New(axon.Config{
		Signer: cfg.Hotkey, Scope: synapse.Scope{ChainID: cfg.Chain.ChainID(), NetUID: cfg.Netuid},
		ListenAddr: cfg.ListenAddr, ExternalIP: cfg.ExternalIP, ExternalPort: cfg.ExternalPort,
		Peers: peers, Policy: cfg.Policy, Logger: cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("node: miner axon: %w", err)
	}
	if err := cfg.Attach(a); err != nil {
		return nil, fmt.Errorf("node: miner routes: %w", err)
	}
	if err := a.Start(); err != nil {
		return nil, fmt.Errorf("node: starting the miner's axon: %w", err)
	}
	m := &Miner{uid: uid, axon: a, peers: peers}
	if err := m.publish(ctx, cfg); err != nil {
		_ = a.Stop()
		return nil, err
	}
	if err := peers.Start(); err != nil {
		_ = a.Stop()
		return nil, err
	}
	cfg.Logger.Info("node: miner serving", "netuid", cfg.Netuid, "uid", uid, "axon", m.info)
	return m, nil
}

// publish sends serve-axon unless the metagraph already shows this very axon: the chain
// rate-limits serving, and a restart on the same address needs no transaction.
func (m *Miner) publish(ctx context.Context, cfg MinerConfig) error {
	info, err := m.axon.ServeInfo()
	if err != nil {
		return fmt.Errorf("node: miner: %w", err)
	}
	m.info = info
	if cur := m.peers.Current(); cur != nil && int(m.uid) < cur.N() {
		a := cur.Axons[m.uid]
		if a.IP == info.IP && a.Port == info.Port && a.Version == info.Version && a.Protocol == info.Protocol {
			return nil
		}
	}
	if _, err := cfg.Chain.ServeAxon(ctx, cfg.Hotkey, cfg.Netuid, info); err != nil {
		return fmt.Errorf("node: miner: publishing the axon: %w", err)
	}
	return nil
}

// UID is the miner's uid.
func (m *Miner) UID() uint16 { return m.uid }

// Addr is where the axon listens.
func (m *Miner) Addr() net.Addr { return m.axon.Addr() }

// ServeInfo is what the miner published.
func (m *Miner) ServeInfo() axon.ServeInfo { return m.info }

// Metagraph is the miner's view of its subnet.
func (m *Miner) Metagraph() *metagraph.Metagraph { return m.peers.Current() }

// Stop stops the axon (draining requests in flight) and the metagraph refresh.
func (m *Miner) Stop() error {
	return errors.Join(m.axon.Stop(), m.peers.Stop())
}
