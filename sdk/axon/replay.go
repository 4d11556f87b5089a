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
// freely: the window check refuses them anyway. ReplayDepth caps each key:
// when a key is over it, its smallest nonce is forgotten and becomes its
// floor (requests may then arrive at most that many places out of order).
//
// Keys are budgeted per caller, so that no caller can push out another's:
// a caller holds at most keysPerCaller keys whose newest nonce is still
// inside the window, and one more is refused (429) to that caller alone.
// A key whose newest nonce has left the window is dropped freely, for the
// same reason as old nonces. Keys in all are bounded too (maxKeys); when
// every one is live a newcomer is refused (503), never admitted by
// forgetting a live key, whose nonces could then be replayed. So a caller
// costs at most keysPerCaller × ReplayDepth × 8 bytes, whatever it sends.
type replayGuard struct {
	window        time.Duration // tolerated clock difference
	maxTimeout    time.Duration // longest request timeout
	depth         int
	maxKeys       int
	keysPerCaller int

	mu      sync.Mutex
	callers map[string]map[string]*list.Element // caller → uuid → element of lru
	lru     list.List                           // of *nonceSet, most recently used first
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

func newReplayGuard(window, maxTimeout time.Duration, depth, maxKeys, keysPerCaller int) *replayGuard {
	return &replayGuard{window: window, maxTimeout: maxTimeout, depth: depth, maxKeys: maxKeys,
		keysPerCaller: keysPerCaller, callers: make(map[string]map[string]*list.Element)}
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
	g.mu.Lock()
	defer g.mu.Unlock()
	el := g.callers[caller][uuid]
	if el == nil {
		if err := g.admitKey(caller, now); err != nil {
			return err
		}
		el = g.lru.PushFront(&nonceSet{key: replayKey{caller, uuid}})
		keys := g.callers[caller]
		if keys == nil {
			keys = make(map[string]*list.Element)
			g.callers[caller] = keys
		}
		keys[uuid] = el
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

// admitKey makes room for one more key of caller's, dropping dead keys, or
// says why there is none.
func (g *replayGuard) admitKey(caller string, now time.Time) error {
	cutoff := g.oldestLive(now)
	if keys := g.callers[caller]; len(keys) >= g.keysPerCaller {
		for _, el := range keys {
			if s := el.Value.(*nonceSet); s.newest < cutoff {
				g.drop(el)
			}
		}
		if len(g.callers[caller]) >= g.keysPerCaller {
			return synapse.Errorf(http.StatusTooManyRequests, synapse.ReasonCallerBusy,
				"hotkey %s already has %d dendrite instances (uuids) with requests in the last %s, the most one caller may; send from fewer",
				caller, g.keysPerCaller, g.window+g.maxTimeout)
		}
	}
	for g.lru.Len() >= g.maxKeys {
		el := g.lru.Back()
		if el.Value.(*nonceSet).newest >= cutoff {
			return synapse.Errorf(http.StatusServiceUnavailable, synapse.ReasonBusy,
				"this axon already remembers the nonces of %d dendrite instances, all active in the last %s", g.maxKeys, g.window+g.maxTimeout)
		}
		g.drop(el)
	}
	return nil
}

func (g *replayGuard) drop(el *list.Element) {
	k := g.lru.Remove(el).(*nonceSet).key
	keys := g.callers[k.caller]
	delete(keys, k.uuid)
	if len(keys) == 0 {
		delete(g.callers, k.caller)
	}
}

// size is the number of keys remembered.
func (g *replayGuard) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lru.Len()
}
