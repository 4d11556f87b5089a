package axon

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// Config is an axon's configuration. Zero values take the defaults listed.
type Config struct {
	// Signer is the miner's hotkey. Required.
	Signer synapse.Signer
	// Scope is the chain and subnet served; callers' certificates must name it. ChainID is required.
	Scope synapse.Scope
	// ListenAddr is where to listen (default ":8091", Bittensor's port).
	ListenAddr string
	// ExternalIP and ExternalPort are what ServeInfo publishes when the
	// miner is behind NAT or listens on a wildcard address.
	ExternalIP   netip.Addr
	ExternalPort uint16

	// Peers resolves callers' hotkeys; required unless Policy.AllowUnregistered.
	Peers  Peers
	Policy Policy

	// MaxConcurrent handlers run at once (default 64).
	MaxConcurrent int
	// MaxQueue requests wait for a handler, highest stake first (default 256).
	MaxQueue int
	// MaxPerCaller bounds one hotkey's running plus waiting requests
	// (0: no bound); beyond it the caller gets 429.
	MaxPerCaller int
	// RetryAfter is what 429 and 503 answers tell callers to wait (default 1s).
	RetryAfter time.Duration

	// MaxBodyBytes bounds a request body (default 4 MiB); larger gets 413.
	MaxBodyBytes int64
	// MaxTimeout caps a request's own timeout (default 60s).
	MaxTimeout time.Duration
	// NonceWindow is the clock difference tolerated between dendrite and
	// axon: a nonce may be this far ahead, or this far plus the request's
	// timeout behind (default 4s, as Bittensor).
	NonceWindow time.Duration
	// ReplayDepth caps the nonces remembered per (caller, uuid) (default
	// 65536, 512 KiB): one dendrite's requests may arrive this many places
	// out of order. Nonces leave memory anyway once older than the window,
	// so in all the guard holds 8 bytes per request accepted in the last
	// NonceWindow+MaxTimeout.
	ReplayDepth int
	// MaxReplayKeys bounds the (caller, uuid) pairs remembered (default 16384).
	MaxReplayKeys int

	// ReadHeaderTimeout bounds reading a request's headers (default 5s);
	// ReadTimeout bounds reading a whole request (default 30s), and the
	// request's own timeout bounds its body too. IdleTimeout closes idle
	// keep-alive connections (default 120s). MaxConns bounds open
	// connections (default 4096).
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration
	MaxConns          int
	// DrainTimeout is how long Stop waits for in-flight requests (default 10s).
	DrainTimeout time.Duration

	// CertLifetime is the life of the axon's session certificate (default
	// 1h); it is renewed when three quarters have passed.
	CertLifetime time.Duration
	// MaxSessions bounds live sessions (default 16384), MaxSessionsPerCaller
	// one hotkey's (default 16); MaxHandshakes bounds certificate
	// verifications running at once (default 2×GOMAXPROCS).
	MaxSessions          int
	MaxSessionsPerCaller int
	MaxHandshakes        int

	// Logger receives structured logs (default slog.Default()).
	Logger *slog.Logger
	// Registry receives the axon's metrics (default a new registry, served
	// at /metrics).
	Registry *prometheus.Registry
	// Now is the clock (default time.Now); tests and simulations set it.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	setDefault(&c.ListenAddr, ":8091")
	setDefault(&c.MaxConcurrent, 64)
	setDefault(&c.MaxQueue, 256)
	setDefault(&c.RetryAfter, time.Second)
	setDefault(&c.MaxBodyBytes, 4<<20)
	setDefault(&c.MaxTimeout, 60*time.Second)
	setDefault(&c.NonceWindow, 4*time.Second)
	setDefault(&c.ReplayDepth, 65536)
	setDefault(&c.MaxReplayKeys, 16384)
	setDefault(&c.ReadHeaderTimeout, 5*time.Second)
	setDefault(&c.ReadTimeout, 30*time.Second)
	setDefault(&c.IdleTimeout, 120*time.Second)
	setDefault(&c.MaxConns, 4096)
	setDefault(&c.DrainTimeout, 10*time.Second)
	setDefault(&c.CertLifetime, time.Hour)
	setDefault(&c.MaxSessions, 16384)
	setDefault(&c.MaxSessionsPerCaller, 16)
	setDefault(&c.MaxHandshakes, 2*runtime.GOMAXPROCS(0))
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Registry == nil {
		c.Registry = prometheus.NewRegistry()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

func (c Config) validate() error {
	var errs []error
	if c.Signer == nil {
		errs = append(errs, errors.New("Signer (the miner's hotkey) is required"))
	}
	if c.Scope.ChainID == "" {
		errs = append(errs, errors.New("Scope.ChainID is required: certificates name the chain they are for"))
	}
	if c.Peers == nil && !c.Policy.AllowUnregistered {
		errs = append(errs, errors.New("Peers is required unless Policy.AllowUnregistered is set"))
	}
	positive := func(name string, v int64) {
		if v < 0 {
			errs = append(errs, fmt.Errorf("%s is negative (%d)", name, v))
		}
	}
	positive("MaxConcurrent", int64(c.MaxConcurrent))
	positive("MaxQueue", int64(c.MaxQueue))
	positive("MaxPerCaller", int64(c.MaxPerCaller))
	positive("MaxBodyBytes", c.MaxBodyBytes)
	positive("ReplayDepth", int64(c.ReplayDepth))
	positive("MaxReplayKeys", int64(c.MaxReplayKeys))
	positive("MaxConns", int64(c.MaxConns))
	positive("MaxSessions", int64(c.MaxSessions))
	positive("MaxSessionsPerCaller", int64(c.MaxSessionsPerCaller))
	positive("MaxHandshakes", int64(c.MaxHandshakes))
	for name, d := range map[string]time.Duration{
		"RetryAfter": c.RetryAfter, "MaxTimeout": c.MaxTimeout, "NonceWindow": c.NonceWindow,
		"ReadHeaderTimeout": c.ReadHeaderTimeout, "ReadTimeout": c.ReadTimeout,
		"IdleTimeout": c.IdleTimeout, "DrainTimeout": c.DrainTimeout, "CertLifetime": c.CertLifetime,
	} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s is negative (%s)", name, d))
		}
	}
	if c.CertLifetime > synapse.MaxCertLifetime {
		errs = append(errs, fmt.Errorf("CertLifetime %s exceeds %s", c.CertLifetime, synapse.MaxCertLifetime))
	}
	if c.ExternalIP.IsValid() && c.ExternalIP.Zone() != "" {
		errs = append(errs, fmt.Errorf("ExternalIP %s has a zone; the chain stores bare addresses", c.ExternalIP))
	}
	return errors.Join(errs...)
}
