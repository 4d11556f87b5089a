package dendrite

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// Axon is where to reach one miner: its hotkey (from the metagraph, which
// the axon must prove it holds) and its host:port.
type Axon struct {
	Hotkey string
	Addr   string
}

func (a Axon) String() string { return a.Hotkey + "@" + a.Addr }

// Dendrite is a validator's client. It is safe for concurrent use; make one
// per subnet and keep it: its connections and sessions are what make calls
// cheap.
type Dendrite struct {
	cfg       Config
	hotkey    string
	uuid      string
	log       *slog.Logger
	transport *http.Transport
	client    *http.Client
	sessions  *sessionCache
	lastNonce atomic.Int64
	closed    atomic.Bool

	credMu sync.Mutex
	cred   atomic.Pointer[synapse.Credential]
}

// New builds a dendrite. It certifies its first session key at once, so a
// signer that cannot sign fails here rather than on the first call.
func New(cfg Config) (*Dendrite, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("dendrite config: %w", err)
	}
	tr := &http.Transport{
		// Miners are reached directly: no proxy from the environment.
		Proxy:                  nil,
		DialContext:            (&net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:           0, // per host only
		MaxIdleConnsPerHost:    cfg.MaxIdleConnsPerHost,
		IdleConnTimeout:        90 * time.Second,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 64 << 10,
	}
	if cfg.HTTP2 {
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetUnencryptedHTTP2(true)
	}
	d := &Dendrite{
		cfg:       cfg,
		hotkey:    cfg.Signer.Address(),
		uuid:      uuid.NewString(),
		transport: tr,
		client: &http.Client{
			Transport: tr,
			// An axon that redirects is not answering; never follow it elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		sessions: newSessionCache(cfg.MaxSessions),
	}
	d.log = cfg.Logger.With("component", "dendrite", "hotkey", d.hotkey)
	if _, err := d.credential(cfg.Now()); err != nil {
		return nil, err
	}
	return d, nil
}

// Hotkey is the validator's hotkey address.
func (d *Dendrite) Hotkey() string { return d.hotkey }

// UUID identifies this dendrite instance to axons (nonces are per hotkey
// and uuid).
func (d *Dendrite) UUID() string { return d.uuid }

// Close drops the idle connections and the sessions; calls made after it
// fail at once.
func (d *Dendrite) Close() {
	d.closed.Store(true)
	d.transport.CloseIdleConnections()
	d.sessions.clear()
}

var errClosed = errors.New("dendrite is closed")

// nonce returns the clock in unix nanoseconds, made strictly increasing so
// that two calls in the same nanosecond still differ.
func (d *Dendrite) nonce() int64 {
	for {
		now := d.cfg.Now().UnixNano()
		last := d.lastNonce.Load()
		n := max(now, last+1)
		if d.lastNonce.CompareAndSwap(last, n) {
			return n
		}
	}
}

// credential returns the dendrite's session credential, renewing it once
// three quarters of its life have passed.
func (d *Dendrite) credential(now time.Time) (*synapse.Credential, error) {
	if c := d.cred.Load(); c != nil && now.Before(renewAt(c.Cert)) {
		return c, nil
	}
	d.credMu.Lock()
	defer d.credMu.Unlock()
	if c := d.cred.Load(); c != nil && now.Before(renewAt(c.Cert)) {
		return c, nil
	}
	c, err := synapse.NewCredential(d.cfg.Signer, synapse.RoleDendrite, d.cfg.Scope, now, d.cfg.CertLifetime)
	if err != nil {
		return nil, fmt.Errorf("dendrite session certificate: %w", err)
	}
	d.cred.Store(c)
	return c, nil
}

func renewAt(c *synapse.Certificate) time.Time {
	return time.Unix(c.IssuedAt+(c.NotAfter-c.IssuedAt)*3/4, 0)
}
