package axon

import (
	"container/list"
	"net/http"
	"sync"
	"time"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// replayGuard refuses a nonce seen before for the same (caller, uuid).
//
// Bittensor keeps only the largest nonce per key and demands each new one be
// larger, which refuses honest requests that one dendrite sends at once on
// several connections and that arrive out of order. Here each key remembers
// its last `depth` nonces in a ring, plus a floor: the largest nonce that fell
// out of the ring. A nonce is fresh iff it is above the floor, not in the
// ring, and inside the time window (which makes anything older than the
// window's end harmless to forget). Requests may thus arrive up to depth
// places out of order.
//
// The keys are bounded too. A key whose newest nonce is older than any
// window is dropped freely. Dropping a live key would forget nonces still
// inside the window, so doing that raises a global floor instead: a key the
// guard does not know must bring a nonce above every nonce it forgot.
type replayGuard struct {
	window     time.Duration // tolerated clock difference
	maxTimeout time.Duration // longest request timeout
	depth      int
	maxKeys    int

	mu    sync.Mutex
	keys  map[replayKey]*list.Element // of *nonceRing, most recent first
	lru   list.List
	floor int64
}

type replayKey struct{ caller, uuid string }

type nonceRing struct {
	key   replayKey
	seen  []int64
	next  int   // where the next nonce goes once seen is full
	max   int64 // newest nonce accepted
	floor int64 // nonces at or below were forgotten
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
		el = g.lru.PushFront(&nonceRing{key: k, seen: make([]int64, 0, min(g.depth, 16)), floor: floor})
		g.keys[k] = el
	} else {
		g.lru.MoveToFront(el)
	}
	r := el.Value.(*nonceRing)
	if nonce <= r.floor {
		return synapse.Errorf(http.StatusUnauthorized, synapse.ReasonNonceReplayed,
			"nonce %d is not above %d, the oldest this axon remembers for caller %s uuid %s: replayed, or more than %d requests out of order",
			nonce, r.floor, caller, uuid, g.depth)
	}
	for _, n := range r.seen {
		if n == nonce {
			return synapse.Errorf(http.StatusUnauthorized, synapse.ReasonNonceReplayed,
				"nonce %d was already used by caller %s uuid %s", nonce, caller, uuid)
		}
	}
	if len(r.seen) < g.depth {
		r.seen = append(r.seen, nonce)
	} else {
		r.floor = max(r.floor, r.seen[r.next])
		r.seen[r.next] = nonce
		r.next = (r.next + 1) % g.depth
	}
	r.max = max(r.max, nonce)
	return nil
}

// evict makes room for one key, taking the least recently used.
func (g *replayGuard) evict(now time.Time) {
	if len(g.keys) < g.maxKeys {
		return
	}
	el := g.lru.Back()
	r := el.Value.(*nonceRing)
	if dead := now.UnixNano() - int64(g.window+g.maxTimeout); r.max >= dead {
		g.floor = max(g.floor, r.max)
	}
	g.lru.Remove(el)
	delete(g.keys, r.key)
}

// size is the number of keys remembered.
func (g *replayGuard) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.keys)
}
