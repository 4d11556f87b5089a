package neuron

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// axonPublisher keeps the chain's record of a hotkey's axon what it serves: a miner's synapse
// axon, or a validator's standings endpoint. Registration is the owner's decision, so it only
// publishes once the metagraph lists the hotkey, and again whenever the chain's record differs
// (a restart on another port, a uid lost and won back).
type axonPublisher struct {
	role   string // "miner" or "validator", for the logs
	chain  *chain.Client
	hotkey chain.Signer
	netuid uint16
	graph  *metagraph.Syncer
	info   func() (axon.ServeInfo, error)
	log    *slog.Logger

	mu  sync.Mutex
	pub publication
}

// publication is where the hotkey stands with the chain's record of its axon.
type publication struct {
	registered bool
	uid        uint16
	// info is what the chain lists (or what a serve-axon that landed at height put there).
	info   axon.ServeInfo
	height int64
	listed bool
	// retryAt and backoff space out serve-axons the chain refused.
	retryAt time.Time
	backoff time.Duration
}

// Backoff of refused serve-axons.
const (
	minPublishBackoff = 2 * time.Second
	maxPublishBackoff = time.Minute
)

// loop publishes every interval until ctx ends.
func (p *axonPublisher) loop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		p.publish(ctx, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// published is the axon the chain lists, and whether it lists one the publisher knows of.
func (p *axonPublisher) published() (axon.ServeInfo, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pub.info, p.pub.listed
}

// publish sends serve-axon when the metagraph shows the hotkey registered with another axon (or
// none) than the one served, unless its own serve-axon is newer than the snapshot.
func (p *axonPublisher) publish(ctx context.Context, now time.Time) {
	g := p.graph.Current()
	if g == nil {
		return
	}
	info, err := p.info()
	if err != nil {
		return // checked at Start; the server stopped since
	}
	p.mu.Lock()
	uid, registered := g.UID(p.hotkey.Address())
	if registered != p.pub.registered || (registered && uid != p.pub.uid) {
		if registered {
			p.log.Info(p.role+" registered", "uid", uid)
		} else {
			p.log.Warn(p.role+" not registered on the subnet: serving, and waiting for registration", "hotkey", p.hotkey.Address())
		}
		p.pub = publication{registered: registered, uid: uid}
	}
	if !registered {
		p.mu.Unlock()
		return
	}
	switch {
	case sameAxon(g.Axons[uid], info):
		p.pub.info, p.pub.height, p.pub.listed = info, g.Height, true
		p.mu.Unlock()
		return
	case p.pub.listed && p.pub.info == info && g.Height <= p.pub.height:
		p.mu.Unlock()
		return // our serve-axon landed after this snapshot was read
	case now.Before(p.pub.retryAt):
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()

	res, err := p.chain.ServeAxon(ctx, p.hotkey, p.netuid, info)

	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		p.pub.backoff = min(max(2*p.pub.backoff, minPublishBackoff), maxPublishBackoff)
		p.pub.retryAt = now.Add(p.pub.backoff)
		level, msg := slog.LevelWarn, p.role+": serve-axon refused; will retry"
		switch {
		case errors.Is(err, types.ErrServingRateLimit):
			level = slog.LevelInfo
		case errors.Is(err, types.ErrInvalidIP):
			level, msg = slog.LevelError, p.role+": the chain refuses this address, which others could not reach: set the external IP to a public one"
		}
		p.log.Log(ctx, level, msg, "axon", info.String(), "retry_in", p.pub.backoff, "err", err)
		return
	}
	p.pub.info, p.pub.height, p.pub.listed, p.pub.backoff, p.pub.retryAt = info, res.Height, true, 0, time.Time{}
	p.log.Info(p.role+" published its axon", "uid", uid, "axon", info.String(), "height", res.Height)
}

// sameAxon reports whether the chain's record is the axon served.
func sameAxon(listed metagraph.Axon, info axon.ServeInfo) bool {
	return listed.Serving() && listed.IP == info.IP && listed.Port == info.Port &&
		listed.Version == info.Version && listed.Protocol == info.Protocol
}
