package metagraph

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/chain"
)

// Options configure a Syncer. Zero values take the defaults listed.
type Options struct {
	// Mode is what to read (default Lite).
	Mode Mode
	// Interval is how often the syncer checks for a new block (default 1s).
	Interval time.Duration
	// MaxAge, if set, re-reads the metagraph once the snapshot is this many blocks old even when
	// no marker moved, to refresh the stake and last-update fields that change between epochs.
	MaxAge uint64
	// Logger receives failed refreshes (default slog.Default()).
	Logger *slog.Logger
}

// Syncer keeps a subnet's metagraph fresh. Current and Lookup read the latest snapshot and never
// wait on the chain, so an axon can call Lookup on every request.
type Syncer struct {
	c      *chain.Client
	netuid uint16
	opts   Options

	cur     atomic.Pointer[Metagraph]
	checked atomic.Int64 // the last height the markers were compared at
	reads   atomic.Int64 // metagraph reads made, for tests and metrics
	syncing sync.Mutex   // one refresh at a time

	started, stopped atomic.Bool
	cancel           context.CancelFunc
	quit             chan struct{}
}

// Lifecycle errors, as CometBFT's services: Start and Stop each run once.
var (
	ErrAlreadyStarted = errors.New("metagraph syncer already started")
	ErrNotStarted     = errors.New("metagraph syncer not started")
)

// NewSyncer makes a syncer for one subnet. Call Sync once, or Start, before reading it.
func NewSyncer(c *chain.Client, netuid uint16, opts Options) *Syncer {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Syncer{c: c, netuid: netuid, opts: opts, quit: make(chan struct{})}
}

// Sync brings the snapshot up to the node's latest block: it reads the subnet's summary and,
// only if a marker moved (or the snapshot is older than MaxAge), the metagraph at the summary's
// height. It returns the snapshot and whether it was read anew.
func (s *Syncer) Sync(ctx context.Context) (*Metagraph, bool, error) {
	s.syncing.Lock()
	defer s.syncing.Unlock()
	summary, height, err := s.c.Subnet(ctx, s.netuid)
	if err != nil {
		return s.cur.Load(), false, err
	}
	cur := s.cur.Load()
	if cur != nil && height <= s.checked.Load() {
		return cur, false, nil // no new block
	}
	fresh := cur != nil && cur.Mode == s.opts.Mode &&
		summary.TopologyChangedAt == cur.TopologyChangedAt && summary.LastEpochBlock == cur.LastEpochBlock &&
		(s.opts.MaxAge == 0 || height-cur.Height < int64(s.opts.MaxAge))
	if fresh {
		s.checked.Store(height)
		return cur, false, nil
	}
	m, err := Load(chain.AtHeight(ctx, height), s.c, s.netuid, s.opts.Mode)
	if err != nil {
		return cur, false, err
	}
	s.reads.Add(1)
	s.cur.Store(m)
	s.checked.Store(height)
	return m, true, nil
}

// Current is the latest snapshot, or nil before the first successful Sync.
func (s *Syncer) Current() *Metagraph { return s.cur.Load() }

// Checked is the last height at which the snapshot was confirmed current.
func (s *Syncer) Checked() int64 { return s.checked.Load() }

// Reads is how many times the syncer has read the metagraph itself (not counting summaries).
func (s *Syncer) Reads() int64 { return s.reads.Load() }

// Lookup implements axon.Peers on the latest snapshot; before the first one, nobody is known.
func (s *Syncer) Lookup(hotkey string) (axon.PeerInfo, bool) {
	m := s.cur.Load()
	if m == nil {
		return axon.PeerInfo{}, false
	}
	return m.Lookup(hotkey)
}

var _ axon.Peers = (*Syncer)(nil)

// Start syncs every Interval in the background until Stop. A failed refresh is logged and the
// previous snapshot kept; each one is bounded by the client's deadlines.
func (s *Syncer) Start() error {
	if !s.started.CompareAndSwap(false, true) {
		return ErrAlreadyStarted
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.run(ctx)
	return nil
}

func (s *Syncer) run(ctx context.Context) {
	defer close(s.quit)
	t := time.NewTicker(s.opts.Interval)
	defer t.Stop()
	for {
		if _, _, err := s.Sync(ctx); err != nil && ctx.Err() == nil {
			s.opts.Logger.Warn("metagraph: refresh failed; keeping the last snapshot", "netuid", s.netuid, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Stop ends the background refresh and waits for it.
func (s *Syncer) Stop() error {
	if !s.started.Load() {
		return ErrNotStarted
	}
	if !s.stopped.CompareAndSwap(false, true) {
		return nil
	}
	s.cancel()
	<-s.quit
	return nil
}

// IsRunning reports whether the background refresh runs.
func (s *Syncer) IsRunning() bool { return s.started.Load() && !s.stopped.Load() }

// Quit is closed when the background refresh has stopped.
func (s *Syncer) Quit() <-chan struct{} { return s.quit }
