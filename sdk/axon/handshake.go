package axon

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// maxHandshakeBytes bounds a handshake body: one certificate in JSON.
const maxHandshakeBytes = 16 << 10

// serveHandshake establishes a session: it verifies the dendrite's
// certificate (the one secp256k1 verification a dendrite costs per
// certificate lifetime), applies the policy to the now-authenticated hotkey,
// and answers with the axon's certificate.
func (a *Axon) serveHandshake(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	x := &exchange{a: a, w: w, r: r, route: labelHandshake}
	status := x.handshake()
	a.metrics.observe(labelHandshake, status, time.Since(start))
}

func (x *exchange) handshake() int {
	a := x.a
	if x.r.Method != http.MethodPost {
		x.w.Header().Set("Allow", http.MethodPost)
		return x.fail(synapse.Errorf(http.StatusMethodNotAllowed, synapse.ReasonMethod, "%s takes POST, not %s", synapse.HandshakePath, x.r.Method))
	}
	x.timeout = a.cfg.ReadTimeout
	// A handshake is unauthenticated until its certificate verifies: its
	// body is charged to its source.
	body, _, release, err := x.readBody(maxHandshakeBytes, time.Now().Add(a.cfg.ReadTimeout), "source "+sourceOf(x.r.RemoteAddr).String())
	if err != nil {
		return x.fail(err)
	}
	defer release()
	var req synapse.HandshakeRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return x.fail(synapse.Errorf(http.StatusBadRequest, synapse.ReasonBadJSON, "handshake body is not a HandshakeRequest: %v", err))
	}
	if req.Cert == nil {
		return x.fail(synapse.Errorf(http.StatusBadRequest, synapse.ReasonMalformed, "handshake carries no certificate"))
	}
	x.hdr.Auth.Caller = req.Cert.Hotkey // for logs only until verified
	now := a.cfg.Now()
	own, err := a.credential(now)
	if err != nil {
		return x.fail(err)
	}
	digest := req.Cert.Digest()
	id := synapse.SessionIDOf(digest, own.Digest)
	if s, err := a.sessions.get(id, now); err == nil { // a repeated handshake
		return x.answerHandshake(own, s)
	}
	if !a.certs.has(digest, now) {
		if err := x.verifyCert(req.Cert, now); err != nil {
			return x.fail(err)
		}
		a.certs.add(digest, req.Cert.Expires())
	}
	peer, _, err := a.cfg.Policy.admit(a.cfg.Peers, req.Cert.Hotkey)
	if err != nil {
		return x.fail(err)
	}
	if peer.Stake > 0 {
		a.conns.stake(x.r.Context())
	}
	s, err := own.Derive(req.Cert)
	if err != nil {
		return x.fail(err)
	}
	s = a.sessions.put(s, now)
	a.log.Debug("session established", "caller", s.Caller, "session", s.ID.String(), "expires", s.Expires)
	return x.answerHandshake(own, s)
}

// verifyCert runs the signature verification under MaxHandshakes, so a flood
// of fresh certificates costs bounded CPU; the requests keep flowing.
func (x *exchange) verifyCert(c *synapse.Certificate, now time.Time) error {
	ctx, cancel := context.WithTimeout(x.r.Context(), time.Second)
	defer cancel()
	select {
	case x.a.hsSlots <- struct{}{}:
		defer func() { <-x.a.hsSlots }()
	case <-ctx.Done():
		return synapse.Errorf(http.StatusServiceUnavailable, synapse.ReasonBusy, "too many handshakes in progress; retry")
	}
	return c.Verify(synapse.CertCheck{Role: synapse.RoleDendrite, Scope: x.a.cfg.Scope, Now: now, Skew: x.a.cfg.NonceWindow})
}

func (x *exchange) answerHandshake(own *synapse.Credential, s *synapse.Session) int {
	body, err := json.Marshal(synapse.HandshakeResponse{Cert: own.Cert, Session: s.ID})
	if err != nil {
		return x.fail(err)
	}
	return x.reply(http.StatusOK, synapse.ContentJSON, body)
}
