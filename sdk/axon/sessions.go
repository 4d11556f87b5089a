package axon

import (
	"net/http"
	"sync"
	"time"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// sessionTable holds the sessions dendrites have established, bounded in
// total and per caller. A session's ID is derived from its two certificates,
// so a replayed handshake finds its session instead of adding one; only a
// caller who signs new certificates can add sessions, and then only its own
// share.
type sessionTable struct {
	max, maxPerCaller int

	mu       sync.RWMutex
	byID     map[synapse.SessionID]*sessionEntry
	byCaller map[string]int
	seq      uint64
}

type sessionEntry struct {
	s   *synapse.Session
	seq uint64 // insertion order: the oldest is evicted first
}

func newSessionTable(max, maxPerCaller int) *sessionTable {
	return &sessionTable{max: max, maxPerCaller: maxPerCaller,
		byID: make(map[synapse.SessionID]*sessionEntry), byCaller: make(map[string]int)}
}

// get returns a live session or a 401 saying to handshake again.
func (t *sessionTable) get(id synapse.SessionID, now time.Time) (*synapse.Session, error) {
	t.mu.RLock()
	e := t.byID[id]
	t.mu.RUnlock()
	if e == nil {
		return nil, synapse.Errorf(http.StatusUnauthorized, synapse.ReasonSessionUnknown,
			"session %s is unknown here (the axon restarted or dropped it); handshake again at %s", id, synapse.HandshakePath)
	}
	if !now.Before(e.s.Expires) {
		return nil, synapse.Errorf(http.StatusUnauthorized, synapse.ReasonSessionExpired,
			"session %s expired at %s; handshake again at %s", id, e.s.Expires.UTC().Format(time.RFC3339), synapse.HandshakePath)
	}
	return e.s, nil
}

// put stores s, or returns the live session already stored under its ID.
func (t *sessionTable) put(s *synapse.Session, now time.Time) *synapse.Session {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.byID[s.ID]; e != nil && now.Before(e.s.Expires) {
		return e.s
	}
	t.remove(s.ID)
	if t.byCaller[s.Caller] >= t.maxPerCaller {
		t.evictOldest(now, s.Caller)
	}
	if len(t.byID) >= t.max {
		t.evictOldest(now, "")
	}
	t.seq++
	t.byID[s.ID] = &sessionEntry{s: s, seq: t.seq}
	t.byCaller[s.Caller]++
	return s
}

// evictOldest drops every expired session and, if none was, the oldest of
// caller's (or of all, for ""). Handshakes run it, behind a signature
// verification each, so a linear scan costs little in comparison.
func (t *sessionTable) evictOldest(now time.Time, caller string) {
	var oldest *sessionEntry
	expired := false
	for id, e := range t.byID {
		if !now.Before(e.s.Expires) {
			t.remove(id)
			expired = true
			continue
		}
		if (caller == "" || e.s.Caller == caller) && (oldest == nil || e.seq < oldest.seq) {
			oldest = e
		}
	}
	if !expired && oldest != nil {
		t.remove(oldest.s.ID)
	}
}

func (t *sessionTable) remove(id synapse.SessionID) {
	e := t.byID[id]
	if e == nil {
		return
	}
	delete(t.byID, id)
	if t.byCaller[e.s.Caller] <= 1 {
		delete(t.byCaller, e.s.Caller)
	} else {
		t.byCaller[e.s.Caller]--
	}
}

func (t *sessionTable) size() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.byID)
}

// certCache remembers certificates already verified, so that a caller whose
// session was refused (e.g. blacklisted) and who keeps handshaking costs a
// hash, not a signature verification, each time.
type certCache struct {
	max int

	mu   sync.Mutex
	seen map[[32]byte]time.Time // digest → expiry
}

func newCertCache(max int) *certCache {
	return &certCache{max: max, seen: make(map[[32]byte]time.Time)}
}

func (c *certCache) has(digest [32]byte, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	exp, ok := c.seen[digest]
	return ok && now.Before(exp)
}

func (c *certCache) add(digest [32]byte, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.seen) >= c.max {
		for d := range c.seen { // Go's map order is random: a random eviction
			delete(c.seen, d)
			break
		}
	}
	c.seen[digest] = expires
}
