package dendrite

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// maxHandshakeResponse bounds a handshake answer: one certificate in JSON.
const maxHandshakeResponse = 16 << 10

// sessionCache holds one session per axon, established on first use. When
// many calls to one axon start at once, one handshakes and the others wait
// for it (or for their own deadline).
type sessionCache struct {
	max int

	mu sync.Mutex
	m  map[Axon]*axonSession
}

type axonSession struct {
	lock chan struct{} // held while handshaking
	cur  atomic.Pointer[synapse.Session]
}

func newSessionCache(max int) *sessionCache {
	return &sessionCache{max: max, m: make(map[Axon]*axonSession)}
}

func (c *sessionCache) entry(ax Axon) *axonSession {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[ax]
	if e != nil {
		return e
	}
	if len(c.m) >= c.max {
		var victim Axon
		for k, old := range c.m { // random order; prefer an entry without a session
			victim = k
			if old.cur.Load() == nil {
				break
			}
		}
		delete(c.m, victim)
	}
	e = &axonSession{lock: make(chan struct{}, 1)}
	c.m[ax] = e
	return e
}

// drop forgets s if it is still the axon's session (the axon said it no
// longer knows it).
func (c *sessionCache) drop(ax Axon, s *synapse.Session) {
	c.mu.Lock()
	e := c.m[ax]
	c.mu.Unlock()
	if e != nil {
		e.cur.CompareAndSwap(s, nil)
	}
}

func (c *sessionCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}

// session returns a session with ax that outlives ctx's deadline, making one
// if needed.
func (d *Dendrite) session(ctx context.Context, ax Axon) (*synapse.Session, error) {
	e := d.sessions.entry(ax)
	deadline, _ := ctx.Deadline()
	needed := d.cfg.Now().Add(time.Until(deadline)) // on the dendrite's clock, as Expires
	if s := e.cur.Load(); s != nil && needed.Before(s.Expires) {
		return s, nil
	}
	select {
	case e.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, d.transportError(ctx, ax, ctx.Err())
	}
	defer func() { <-e.lock }()
	if s := e.cur.Load(); s != nil && needed.Before(s.Expires) {
		return s, nil // made while this call waited
	}
	s, err := d.handshake(ctx, ax)
	if err != nil {
		return nil, err
	}
	e.cur.Store(s)
	return s, nil
}

// handshake presents the dendrite's certificate and checks the axon's: it
// must be for the hotkey the caller expects at that address.
func (d *Dendrite) handshake(ctx context.Context, ax Axon) (*synapse.Session, error) {
	if err := synapse.CheckAddress(ax.Hotkey); err != nil {
		return nil, synapse.Errorf(0, synapse.ReasonMalformed, "axon %s: %v", ax, err)
	}
	now := d.cfg.Now()
	cred, err := d.credential(now)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(synapse.HandshakeRequest{Cert: cred.Cert})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+ax.Addr+synapse.HandshakePath, bytes.NewReader(body))
	if err != nil {
		return nil, synapse.Errorf(http.StatusBadRequest, synapse.ReasonMalformed, "axon address %q: %v", ax.Addr, err)
	}
	req.Header[synapse.HeaderVersion] = []string{strconv.FormatUint(uint64(synapse.Version), 10)}
	req.Header["Content-Type"] = []string{synapse.ContentJSON}
	req.Header["Idempotency-Key"] = nil // the same certificates always make the same session
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, d.transportError(ctx, ax, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, d.errorResponse(ctx, resp, nil)
	}
	raw, err := d.readBody(ctx, resp, maxHandshakeResponse)
	if err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) error {
		return synapse.Errorf(http.StatusBadGateway, synapse.ReasonBadResponse, "handshake with %s: "+format, append([]any{ax}, args...)...)
	}
	var hr synapse.HandshakeResponse
	if err := json.Unmarshal(raw, &hr); err != nil {
		return nil, bad("answer is not a HandshakeResponse: %v", err)
	}
	if hr.Cert == nil {
		return nil, bad("answer carries no certificate")
	}
	if err := hr.Cert.Verify(synapse.CertCheck{Role: synapse.RoleAxon, Scope: d.cfg.Scope, Now: now,
		Skew: d.cfg.ClockSkew, Hotkey: ax.Hotkey}); err != nil {
		return nil, bad("axon's certificate refused: %v", err)
	}
	s, err := cred.Derive(hr.Cert)
	if err != nil {
		return nil, bad("%v", err)
	}
	if s.ID != hr.Session {
		return nil, bad("axon names session %s but the certificates give %s: a certificate was swapped in transit", hr.Session, s.ID)
	}
	return s, nil
}

// Connect establishes sessions with axons ahead of time, so that a timed
// query pays no handshakes. It returns one error (or nil) per axon.
func (d *Dendrite) Connect(ctx context.Context, axons []Axon) []error {
	errs := make([]error, len(axons))
	d.fanOut(len(axons), func(i int) {
		cctx, cancel := d.callContext(ctx)
		defer cancel()
		_, errs[i] = d.session(cctx, axons[i])
	})
	return errs
}
