package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/metagraph"
)

// Follower keeps a subnet's metagraph from the first of several nodes
// that answers (--node a,b,c): when the node followed fails, the gateway
// keeps serving from the last metagraph and the follower moves to the next
// node, round the list. It is a Metagraph for Subnet.
type Follower struct {
	syncers  []*metagraph.Syncer // one per node, synced by hand
	netuid   uint16
	interval time.Duration
	log      *slog.Logger

	cur    atomic.Pointer[metagraph.Metagraph]
	active atomic.Int32
	moves  atomic.Int64

	mu       sync.Mutex
	lastErr  error
	failedAt time.Time

	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// NewFollower follows netuid through clients, in order, checking every
// interval (default 1s).
func NewFollower(clients []*chain.Client, netuid uint16, interval time.Duration, log *slog.Logger) (*Follower, error) {
	if len(clients) == 0 {
		return nil, errors.New("gateway: a follower needs at least one node")
	}
	setDefault(&interval, time.Second)
	if log == nil {
		log = slog.Default()
	}
	f := &Follower{netuid: netuid, interval: interval, log: log, done: make(chan struct{})}
	for _, c := range clients {
		if c.ChainID() != clients[0].ChainID() {
			return nil, fmt.Errorf("gateway: nodes of two chains (%s and %s)", clients[0].ChainID(), c.ChainID())
		}
		f.syncers = append(f.syncers, metagraph.NewSyncer(c, netuid, metagraph.Options{Logger: log}))
	}
	return f, nil
}

// Current is the latest metagraph read, from whichever node.
func (f *Follower) Current() *metagraph.Metagraph { return f.cur.Load() }

// Node is the index of the node followed now; Moves counts the moves.
func (f *Follower) Node() int    { return int(f.active.Load()) }
func (f *Follower) Moves() int64 { return f.moves.Load() }

// NodeStatus is how following the nodes goes, as GET /healthz reports it.
type NodeStatus struct {
	// Following is the index of the node followed now, of Nodes.
	Following int `json:"following"`
	Nodes     int `json:"nodes"`
	// Moves counts the moves to the next node.
	Moves int64 `json:"moves"`
	// Height is the block of the metagraph served (0: none read yet).
	Height int64 `json:"metagraph_height"`
	// LastError is the last failure of a node, when it happened; empty
	// while none has failed.
	LastError string     `json:"last_error,omitempty"`
	FailedAt  *time.Time `json:"failed_at,omitempty"`
}

// Nodes reports how following the nodes goes.
func (f *Follower) Nodes() NodeStatus {
	s := NodeStatus{Following: f.Node(), Nodes: len(f.syncers), Moves: f.Moves()}
	if m := f.Current(); m != nil {
		s.Height = m.Height
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lastErr != nil {
		at := f.failedAt
		s.LastError, s.FailedAt = f.lastErr.Error(), &at
	}
	return s
}

// Sync reads the metagraph once from the node followed; on failure it
// moves to the next node, keeping the last metagraph, and reports the
// error (also in Nodes).
func (f *Follower) Sync(ctx context.Context) error {
	i := int(f.active.Load())
	m, _, err := f.syncers[i].Sync(ctx)
	if err != nil {
		err = fmt.Errorf("node %d of %d: %w", i, len(f.syncers), err)
		if ctx.Err() == nil {
			f.mu.Lock()
			f.lastErr, f.failedAt = err, time.Now()
			f.mu.Unlock()
		}
		if ctx.Err() == nil && len(f.syncers) > 1 {
			next := (i + 1) % len(f.syncers)
			f.active.Store(int32(next))
			f.moves.Add(1)
			f.log.Warn("gateway: node failed; serving from the last metagraph and moving to the next node", "netuid", f.netuid, "from", i, "to", next, "err", err)
		}
		return err
	}
	if m != nil {
		f.cur.Store(m)
	}
	return nil
}

// Start reads the metagraph once before it returns, so that a gateway started
// after it routes its first request (a node that does not answer now is
// logged, not fatal: the reads go on), then every interval until Stop.
func (f *Follower) Start() error {
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	_ = f.Sync(ctx) // logged by Sync
	go func() {
		defer close(f.done)
		t := time.NewTicker(f.interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			_ = f.Sync(ctx) // logged by Sync; the last metagraph stays
		}
	}()
	return nil
}

// Stop ends the reads and waits for them.
func (f *Follower) Stop() error {
	if f.cancel == nil {
		return errors.New("gateway: follower not started")
	}
	f.once.Do(f.cancel)
	<-f.done
	return nil
}

// Quit is closed once the follower has stopped.
func (f *Follower) Quit() <-chan struct{} { return f.done }
