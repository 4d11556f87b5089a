package axon_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/synapse"
)

var scope = synapse.Scope{ChainID: "gotensor-test", NetUID: 1}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// peers is a Peers whose entries a test may change while the axon runs.
type peers struct {
	mu sync.RWMutex
	m  map[string]axon.PeerInfo
}

func newPeers() *peers { return &peers{m: make(map[string]axon.PeerInfo)} }

func (p *peers) Lookup(h string) (axon.PeerInfo, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	info, ok := p.m[h]
	return info, ok
}

func (p *peers) set(h string, info axon.PeerInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[h] = info
}

func (p *peers) remove(h string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, h)
}

// clock is a settable clock for both ends.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// newDendrite makes a validator for signer, closed when the test ends.
func newDendrite(t *testing.T, signer synapse.Signer, mutate func(*dendrite.Config)) *dendrite.Dendrite {
	t.Helper()
	cfg := dendrite.Config{Signer: signer, Scope: scope, Logger: quiet}
	if mutate != nil {
		mutate(&cfg)
	}
	d, err := dendrite.New(cfg)
	require.NoError(t, err)
	t.Cleanup(d.Close)
	return d
}

func target(a *axon.Axon) dendrite.Axon {
	return dendrite.Axon{Hotkey: a.Hotkey(), Addr: a.Addr().String()}
}

// raw speaks the wire by hand, so that tests can send what no dendrite would.
type raw struct {
	url    string
	target string
	signer *synapse.KeySigner
	cred   *synapse.Credential
	sess   *synapse.Session
	uuid   string
	now    func() time.Time
}

func newRaw(t *testing.T, a *axon.Axon, signer *synapse.KeySigner) *raw {
	t.Helper()
	cred, err := synapse.NewCredential(signer, synapse.RoleDendrite, scope, time.Now(), time.Hour)
	require.NoError(t, err)
	return &raw{url: "http://" + a.Addr().String(), target: a.Hotkey(), signer: signer, cred: cred,
		uuid: uuid.NewString(), now: time.Now}
}

// answer is what came back: the status and the error body, if any.
type answer struct {
	status int
	err    synapse.Error
	header http.Header
	body   []byte
}

func (c *raw) post(t *testing.T, path string, hdr http.Header, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.url+path, bytes.NewReader(body))
	require.NoError(t, err)
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{status: resp.StatusCode, header: resp.Header, body: b}
	if resp.StatusCode != http.StatusOK {
		require.NoError(t, json.Unmarshal(b, &a.err), "error body %q", b)
		require.Equal(t, resp.StatusCode, a.err.Status)
	}
	return a
}

// handshake presents cert (the raw client's own if nil) and keeps the session.
func (c *raw) handshake(t *testing.T, cert *synapse.Certificate) answer {
	t.Helper()
	if cert == nil {
		cert = c.cred.Cert
	}
	body, err := json.Marshal(synapse.HandshakeRequest{Cert: cert})
	require.NoError(t, err)
	a := c.post(t, synapse.HandshakePath, nil, body)
	if a.status == http.StatusOK {
		var hr synapse.HandshakeResponse
		require.NoError(t, json.Unmarshal(a.body, &hr))
		require.NoError(t, hr.Cert.Verify(synapse.CertCheck{Role: synapse.RoleAxon, Scope: scope, Now: c.now(), Hotkey: c.target}))
		c.sess, err = c.cred.Derive(hr.Cert)
		require.NoError(t, err)
		require.Equal(t, c.sess.ID, hr.Session)
	}
	return a
}

// request builds a signed request; sign edits the fields before the MAC,
// tamper the headers and body after it.
type request struct {
	route  string
	body   []byte
	sign   func(*synapse.RequestAuth)
	tamper func(http.Header, *[]byte)
}

func (c *raw) auth(route string, body []byte) synapse.RequestAuth {
	return synapse.RequestAuth{Version: synapse.Version, Route: route, Caller: c.signer.Address(), Target: c.target,
		UUID: c.uuid, Nonce: c.now().UnixNano(), TimeoutMs: 5000, BodyHash: sha256.Sum256(body)}
}

func (c *raw) build(t *testing.T, r request) (http.Header, []byte) {
	t.Helper()
	require.NotNil(t, c.sess, "handshake first")
	h := synapse.RequestHeader{Auth: c.auth(r.route, r.body), Session: c.sess.ID}
	if r.sign != nil {
		r.sign(&h.Auth)
	}
	h.MAC = c.sess.RequestMAC(&h.Auth)
	hdr := http.Header{}
	h.Write(hdr)
	body := r.body
	if r.tamper != nil {
		r.tamper(hdr, &body)
	}
	return hdr, body
}

func (c *raw) send(t *testing.T, r request) answer {
	t.Helper()
	hdr, body := c.build(t, r)
	a := c.post(t, "/"+r.route, hdr, body)
	if a.status == http.StatusOK || a.header.Get(synapse.HeaderMAC) != "" {
		c.verifyAnswer(t, hdr, a)
	}
	return a
}

// verifyAnswer checks an authenticated answer as a dendrite would.
func (c *raw) verifyAnswer(t *testing.T, sent http.Header, a answer) {
	t.Helper()
	rh, err := synapse.ReadResponseHeader(a.header)
	require.NoError(t, err)
	require.NotNil(t, rh.MAC)
	reqMAC, err := synapse.ParseMAC(sent[synapse.HeaderMAC][0])
	require.NoError(t, err)
	require.True(t, c.sess.VerifyResponse(&synapse.ResponseAuth{Request: reqMAC, Caller: sent[synapse.HeaderCaller][0],
		Target: sent[synapse.HeaderTarget][0], UUID: sent[synapse.HeaderUUID][0], Nonce: rh.Nonce, Status: a.status,
		BodyHash: sha256.Sum256(a.body)}, *rh.MAC), "answer's MAC")
}
