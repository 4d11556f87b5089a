package axon

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeConn is a connection from addr that records being closed.
type fakeConn struct {
	net.Conn
	addr   string
	closed atomic.Bool
}

func (c *fakeConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.ParseIP(c.addr), Port: 1} }
func (c *fakeConn) Close() error         { c.closed.Store(true); return nil }

func TestSourceOf(t *testing.T) {
	require.Equal(t, "203.0.113.7/32", sourceOf("203.0.113.7:8091").String())
	require.Equal(t, "203.0.113.7/32", sourceOf("[::ffff:203.0.113.7]:8091").String(), "IPv4-mapped")
	require.Equal(t, "2001:db8:1:2::/64", sourceOf("[2001:db8:1:2:aaaa::1]:8091").String(), "an IPv6 host's /64")
	require.Equal(t, sourceOf("[2001:db8:1:2::9]:1"), sourceOf("[2001:db8:1:2:ffff::1%eth0]:2"))
	require.False(t, sourceOf("pipe").IsValid())
}

func TestConnGuard(t *testing.T) {
	var closed []string
	g := newConnGuard(4, 1, 2, time.Hour, func(reason string) { closed = append(closed, reason) })
	admit := func(addr string) (*fakeConn, *guardedConn) {
		c := &fakeConn{addr: addr}
		return c, g.admit(c)
	}

	a1, ga1 := admit("10.0.0.1")
	_, ga2 := admit("10.0.0.1")
	require.NotNil(t, ga1)
	require.NotNil(t, ga2)
	_, ga3 := admit("10.0.0.1")
	require.Nil(t, ga3, "a third unstaked connection from one source")
	require.Equal(t, []string{closedPerSource}, closed)

	// ga1 carries a staked caller: it leaves the source's count and the
	// unstaked slots, and is never displaced.
	g.connState(ga1, http.StateActive)
	g.stake(context.WithValue(context.Background(), connKey{}, ga1))
	g.connState(ga1, http.StateIdle)
	s, u := g.counts()
	require.Equal(t, [2]int{1, 1}, [2]int{s, u})

	b1, gb1 := admit("10.0.0.2")
	b2, gb2 := admit("10.0.0.3")
	require.NotNil(t, gb1)
	require.NotNil(t, gb2)
	// Unstaked slots (4 − 1) are full: a newcomer displaces the unstaked
	// connection idle longest, ga2, and not the staked ga1.
	g.connState(ga2, http.StateActive)
	g.connState(ga2, http.StateIdle) // ga2 idle again, now the most recent
	c1, gc1 := admit("10.0.0.4")
	require.NotNil(t, gc1)
	require.True(t, b1.closed.Load(), "gb1 was idle longest")
	require.False(t, a1.closed.Load(), "staked connections are never displaced")
	require.Equal(t, []string{closedPerSource, closedDisplaced}, closed)

	// With every unstaked connection busy (as one trickling its headers
	// is), the one busy longest makes room.
	for _, gc := range []*guardedConn{gb2, gc1, ga2} {
		g.connState(gc, http.StateActive)
	}
	_, gd := admit("10.0.0.5")
	require.NotNil(t, gd)
	require.True(t, b2.closed.Load(), "gb2 was busy longest")
	require.False(t, c1.closed.Load())
	require.Equal(t, []string{closedPerSource, closedDisplaced, closedDisplaced}, closed)

	// A closed connection frees its slot.
	g.connState(gc1, http.StateClosed)
	_, ge := admit("10.0.0.6")
	require.NotNil(t, ge)
	s, u = g.counts()
	require.Equal(t, [2]int{1, 3}, [2]int{s, u})
	require.Len(t, closed, 3, "no one displaced")

	// Staked connections alone may fill every slot; then newcomers are
	// refused.
	for _, gc := range []*guardedConn{ga2, gd, ge} {
		g.connState(gc, http.StateActive)
		g.stake(context.WithValue(context.Background(), connKey{}, gc))
	}
	s, u = g.counts()
	require.Equal(t, [2]int{4, 0}, [2]int{s, u})
	_, gf := admit("10.0.0.7")
	require.Nil(t, gf)
	require.Equal(t, closedFull, closed[len(closed)-1])
}

func TestConnGuardIdleTimeout(t *testing.T) {
	done := make(chan string, 1)
	g := newConnGuard(4, 1, 2, 20*time.Millisecond, func(reason string) { done <- reason })
	c := &fakeConn{addr: "10.0.0.1"}
	gc := g.admit(c)
	require.NotNil(t, gc)
	require.Equal(t, closedIdle, <-done, "a connection that never sends a request")
	require.True(t, c.closed.Load())
	_, u := g.counts()
	require.Zero(t, u)

	// Staked connections are left to the server's own IdleTimeout.
	c = &fakeConn{addr: "10.0.0.1"}
	gc = g.admit(c)
	g.connState(gc, http.StateActive)
	g.stake(context.WithValue(context.Background(), connKey{}, gc))
	g.connState(gc, http.StateIdle)
	time.Sleep(60 * time.Millisecond)
	require.False(t, c.closed.Load())
}

// A validator with many calls in flight opens more connections at once than
// the per-source bound; each is unstaked until its first request. A source
// that holds a staked connection is not held to the bound (CI saw a dendrite
// with 64 workers reset by it), and is again once its staked ones close.
func TestConnGuardSourceWithStake(t *testing.T) {
	g := newConnGuard(16, 4, 2, time.Hour, func(string) {})
	admit := func(addr string) *guardedConn { return g.admit(&fakeConn{addr: addr}) }
	staked := admit("10.0.0.1")
	require.NotNil(t, staked)
	g.stake(context.WithValue(context.Background(), connKey{}, staked))

	for i := range 5 {
		require.NotNil(t, admit("10.0.0.1"), "connection %d from a source with stake", i)
	}
	require.NotNil(t, admit("10.0.0.2"))
	require.NotNil(t, admit("10.0.0.2"))
	require.Nil(t, admit("10.0.0.2"), "a source without stake keeps its bound")

	g.connState(staked, http.StateClosed)
	require.Nil(t, admit("10.0.0.1"), "its staked connection gone, the source is bounded again")
}
