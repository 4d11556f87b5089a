package axon

import (
	"container/list"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// replayGuard refuses a nonce seen before for the same (caller, uuid).
//
// Bittensor keeps only the largest nonce per key and demands each new one be
// larger, which refuses honest requests that one dendrite sends at once on
// several connections and that arrive out of order. Here each key remembers
// the nonces it used within the time window (a sorted slice: nonces are
// clock readings, so they arrive nearly in order and insertion is cheap),
// plus a floor. A nonce is fresh iff it is inside the window, above the
// floor and not remembered. Nonces older than the window are forgotten
// freely: the window check refuses them anyway. So memory is 8 bytes per
// request accepted in the last NonceWindow+MaxTimeout, which the axon's
// throughput bounds; ReplayDepth also caps each key, and when a key is over
// it its smallest nonce is forgotten and becomes its floor (requests may
// then arrive at most that many places out of order).
//
// Keys are bounded too. A key whose newest nonce has left the window is
// dropped freely. Dropping a live key would forget nonces still inside the
// window, so that raises a global floor instead: a key the guard does not
// know must bring a nonce above every nonce it forgot.
type replayGuard struct {
	window     time.Duration // tolerated clock difference
	maxTimeout time.Duration // longest request timeout
	depth      int
	maxKeys    int

	mu    sync.Mutex
	keys  map[replayKey]*list.Element // of *nonceSet, most recent first
	lru   list.List
	floor int64
}

type replayKey struct{ caller, uuid string }

type nonceSet struct {
	key    replayKey
	seen   []int64 // ascending; seen[start:] are remembered
	start  int
	newest int64
	floor  int64 // nonces at or below were forgotten
}

// expire forgets nonces below cutoff.
func (s *nonceSet) expire(cutoff int64) {
	for s.start < len(s.seen) && s.seen[s.start] < cutoff {
		s.start++
	}
	if s.start > 64 && 2*s.start > len(s.seen) {
		live := s.seen[s.start:]
		if cap(s.seen) > 1024 && 4*len(live) < cap(s.seen) { // a burst has passed: give its memory back
			s.seen = append(make([]int64, 0, 2*len(live)), live...)
		} else {
			s.seen = append(s.seen[:0], live...)
		}
		s.start = 0
	}
}

func newReplayGuard(window, maxTimeout time.Duration, depth, maxKeys int) *replayGuard {
	return &replayGuard{window: window, maxTimeout: maxTimeout, depth: depth, maxKeys: maxKeys,
		keys: make(map[replayKey]*list.Element)}
}

// checkWindow refuses a nonce outside [now − window − timeout, now + window].
// The lower end gives a request its whole timeout to arrive.
func (g *replayGuard) checkWindow(now time.Time, nonce int64, timeout time.Duration) error {
	t := now.UnixNano()
	if ahead := time.Duration(nonce - t); ahead > g.window {
		return synapse.Errorf(http.StatusUnauthorized, synapse.ReasonNonceFuture,
			"nonce is %s ahead of this axon's clock, more than the %s allowed; check the dendrite's clock (NTP)", ahead, g.window)
	}
	if age := time.Duration(t - nonce); age > g.window+timeout {
		return synapse.Errorf(http.StatusUnauthorized, synapse.ReasonNonceStale,
			"nonce is %s old, more than the %s allowed (clock window %s + request timeout %s)", age, g.window+timeout, g.window, timeout)
	}
	return nil
}

// accept records the nonce if it is fresh. Call it only for authenticated
// requests, so that forgeries cannot fill the guard.
func (g *replayGuard) accept(caller, uuid string, nonce int64, now time.Time, timeout time.Duration) error {
	// The window is checked again here, under the lock, with the time of
	// acceptance: a key dropped while this request's body was in flight may
	// have held this very nonce, and the window is what makes dropping safe.
	if err := g.checkWindow(now, nonce, timeout); err != nil {
		return err
	}
	k := replayKey{caller, uuid}
	g.mu.Lock()
	defer g.mu.Unlock()
	el := g.keys[k]
	if el == nil {
		if nonce <= g.floor {
			return synapse.Errorf(http.StatusUnauthorized, synapse.ReasonNonceReplayed,
				"nonce %d is not above %d, the newest nonce this busy axon has forgotten; send a fresh one", nonce, g.floor)
		}
		// The new key inherits the floor as it stood: whatever this key
		// sent before it was forgotten lies below it. (Evicting another key
		// now raises the floor for keys forgotten from now on.)
		floor := g.floor
		g.evict(now)
		el = g.lru.PushFront(&nonceSet{key: k, floor: floor})
		g.keys[k] = el
	} else {
		g.lru.MoveToFront(el)
	}
	s := el.Value.(*nonceSet)
	s.expire(g.oldestLive(now))
	if nonce <= s.floor {
		return synapse.Errorf(http.StatusUnauthorized, synapse.ReasonNonceReplayed,
			"nonce %d is not above %d, the oldest this axon remembers for caller %s uuid %s: replayed, or more than %d requests out of order",
			nonce, s.floor, caller, uuid, g.depth)
	}
	i, seen := slices.BinarySearch(s.seen[s.start:], nonce)
	if seen {
		return synapse.Errorf(http.StatusUnauthorized, synapse.ReasonNonceReplayed,
			"nonce %d was already used by caller %s uuid %s", nonce, caller, uuid)
	}
	s.seen = slices.Insert(s.seen, s.start+i, nonce)
	if len(s.seen)-s.start > g.depth {
		s.floor = s.seen[s.start]
		s.start++
	}
	s.newest = max(s.newest, nonce)
	return nil
}

// oldestLive is the oldest nonce any request could still pass the window
// with.
func (g *replayGuard) oldestLive(now time.Time) int64 {
	return now.UnixNano() - int64(g.window+g.maxTimeout)
}

// evict makes room for one key, taking the least recently used.
func (g *replayGuard) evict(now time.Time) {
	if len(g.keys) < g.maxKeys {
		return
	}
	el := g.lru.Back()
	s := el.Value.(*nonceSet)
	if s.newest >= g.oldestLive(now) {
		g.floor = max(g.floor, s.newest)
	}
	g.lru.Remove(el)
	delete(g.keys, s.key)
}

// size is the number of keys remembered.
func (g *replayGuard) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.keys)
}
