package axon

import (
	"container/list"
	"context"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// connGuard decides which connections the axon keeps, so that no number of
// idle or unauthenticated connections locks out a validator.
//
// A connection is unstaked until a request on it is authenticated for a
// caller with stake; then it is staked, and only its own idleness (the
// server's IdleTimeout) or the caller ends it. Unstaked connections are
// what anyone can open, so they are bounded three ways: per source
// (perSource), in all (max − staked slots kept back), and in time (closed
// after idleTimeout without a request). When the unstaked slots are full,
// a newcomer displaces the unstaked connection idle longest, or if none is
// idle the one busy longest (an attacker trickling headers looks busy):
// attackers holding connections only make room for the next caller, who
// may be honest, and staked connections are never displaced.
//
// A source that holds a staked connection is a validator's host: its new
// connections are unstaked until their first request authenticates, and a
// validator with many concurrent calls opens more of them at once than
// perSource. So the per-source bound applies only to sources with no staked
// connection; the others' unstaked connections still count against the
// unstaked slots and the idle timeout like anyone's.
type connGuard struct {
	max, forUnstaked, perSource int
	idleTimeout                 time.Duration
	onClose                     func(reason string) // counts connections the guard ends

	mu       sync.Mutex
	open     int
	unstaked int
	bySource map[netip.Prefix]int // unstaked connections per source
	staked   map[netip.Prefix]int // staked connections per source
	idle     list.List            // of *guardedConn: unstaked and idle (or new), longest idle first
	busy     list.List            // of *guardedConn: unstaked and in a request, longest busy first
}

// Reasons the guard ends a connection, as the metric labels them.
const (
	closedPerSource = "per-source" // refused: its source holds MaxConnsPerSource unstaked connections
	closedFull      = "full"       // refused: every slot taken by staked connections
	closedDisplaced = "displaced"  // an unstaked connection made room for a new one
	closedIdle      = "idle"       // unstaked and idle for UnstakedIdleTimeout
)

func newConnGuard(max, staked, perSource int, idleTimeout time.Duration, onClose func(string)) *connGuard {
	return &connGuard{max: max, forUnstaked: max - staked, perSource: perSource, idleTimeout: idleTimeout,
		onClose: onClose, bySource: make(map[netip.Prefix]int), staked: make(map[netip.Prefix]int)}
}

// guardedConn is an accepted connection as the guard tracks it.
type guardedConn struct {
	net.Conn
	source netip.Prefix

	// Guarded by the guard's mu.
	staked    bool
	gone      bool          // no longer counted: closed, or ended by the guard
	el        *list.Element // in the guard's idle or busy list, while unstaked
	idle      bool          // which of the two
	idleSince time.Time
	timer     *time.Timer
}

// sourceOf is the source a connection counts against: its IPv4 address, or
// its IPv6 /64 (one host's usual allocation, which costs an attacker nothing
// to spread over).
func sourceOf(addr string) netip.Prefix {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return netip.Prefix{}
	}
	ip := ap.Addr().Unmap().WithZone("")
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}

// listener admits each accepted connection through the guard; refused ones
// are closed at once, and Accept goes on, so the server never blocks.
func (g *connGuard) listener(ln net.Listener) net.Listener { return &guardedListener{ln, g} }

type guardedListener struct {
	net.Listener
	g *connGuard
}

func (l *guardedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if gc := l.g.admit(c); gc != nil {
			return gc, nil
		}
		c.Close()
	}
}

// admit counts c in, displacing an unstaked connection if the unstaked
// slots are full, or returns nil to refuse it.
func (g *connGuard) admit(c net.Conn) *guardedConn {
	gc := &guardedConn{Conn: c, source: sourceOf(c.RemoteAddr().String())}
	var victim *guardedConn
	g.mu.Lock()
	refused := ""
	switch {
	case g.bySource[gc.source] >= g.perSource && g.staked[gc.source] == 0:
		refused = closedPerSource
	case g.unstaked >= g.forUnstaked || g.open >= g.max:
		el := g.idle.Front()
		if el == nil {
			el = g.busy.Front()
		}
		if el != nil {
			victim = el.Value.(*guardedConn)
			g.forget(victim)
		} else {
			refused = closedFull
		}
	}
	if refused == "" {
		g.open++
		g.unstaked++
		g.bySource[gc.source]++
		g.markIdle(gc)
	}
	g.mu.Unlock()
	if victim != nil {
		victim.Conn.Close()
		g.onClose(closedDisplaced)
	}
	if refused != "" {
		g.onClose(refused)
		return nil
	}
	return gc
}

// connState follows the server's view of each connection (http.Server's
// ConnState hook).
func (g *connGuard) connState(c net.Conn, state http.ConnState) {
	gc, ok := c.(*guardedConn)
	if !ok {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case gc.gone:
	case state == http.StateClosed || state == http.StateHijacked:
		g.forget(gc)
	case gc.staked:
	case state == http.StateActive:
		g.markBusy(gc)
	case state == http.StateIdle:
		g.markIdle(gc)
	}
}

// stake marks the connection a request arrived on as carrying a caller
// with stake: it leaves the unstaked bounds for good.
func (g *connGuard) stake(ctx context.Context) {
	gc, _ := ctx.Value(connKey{}).(*guardedConn)
	if gc == nil {
		return // served by a server other than Start's
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if gc.gone || gc.staked {
		return
	}
	g.unlist(gc)
	gc.staked = true
	g.unstaked--
	g.leaveSource(gc)
	g.staked[gc.source]++
}

// connKey is the context key under which requests find their connection.
type connKey struct{}

func withConn(ctx context.Context, c net.Conn) context.Context {
	if gc, ok := c.(*guardedConn); ok {
		return context.WithValue(ctx, connKey{}, gc)
	}
	return ctx
}

func (g *connGuard) markIdle(gc *guardedConn) {
	if gc.el != nil && gc.idle {
		return
	}
	g.unlist(gc)
	gc.el, gc.idle = g.idle.PushBack(gc), true
	gc.idleSince = time.Now()
	if gc.timer == nil {
		gc.timer = time.AfterFunc(g.idleTimeout, func() { g.expire(gc) })
	} else {
		gc.timer.Reset(g.idleTimeout)
	}
}

func (g *connGuard) markBusy(gc *guardedConn) {
	if gc.el != nil && !gc.idle {
		return
	}
	g.unlist(gc)
	gc.el, gc.idle = g.busy.PushBack(gc), false
}

// unlist takes gc off the idle or busy list and stops its idle timer.
func (g *connGuard) unlist(gc *guardedConn) {
	if gc.el == nil {
		return
	}
	if gc.idle {
		g.idle.Remove(gc.el)
		gc.timer.Stop()
	} else {
		g.busy.Remove(gc.el)
	}
	gc.el = nil
}

// expire closes gc if it is still idle and unstaked after idleTimeout.
func (g *connGuard) expire(gc *guardedConn) {
	g.mu.Lock()
	if gc.gone || gc.el == nil || !gc.idle || time.Since(gc.idleSince) < g.idleTimeout {
		g.mu.Unlock() // busy since, or idle again more recently: its timer was reset
		return
	}
	g.forget(gc)
	g.mu.Unlock()
	gc.Conn.Close()
	g.onClose(closedIdle)
}

// forget stops counting gc; the caller closes it if it is still open.
func (g *connGuard) forget(gc *guardedConn) {
	if gc.gone {
		return
	}
	gc.gone = true
	g.unlist(gc)
	g.open--
	if !gc.staked {
		g.unstaked--
		g.leaveSource(gc)
	} else if g.staked[gc.source] <= 1 {
		delete(g.staked, gc.source)
	} else {
		g.staked[gc.source]--
	}
}

func (g *connGuard) leaveSource(gc *guardedConn) {
	if g.bySource[gc.source] <= 1 {
		delete(g.bySource, gc.source)
	} else {
		g.bySource[gc.source]--
	}
}

// counts returns the open connections, staked and unstaked.
func (g *connGuard) counts() (staked, unstaked int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.open - g.unstaked, g.unstaked
}
