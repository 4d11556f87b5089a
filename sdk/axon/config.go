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
	// MaxPreAuthBytes bounds the body bytes held before their request's
	// MAC is verified, all requests together (default 16 × MaxBodyBytes,
	// 64 MiB); MaxPreAuthBytesPerCaller bounds those of requests on one
	// caller's sessions (default 2 × MaxBodyBytes, 8 MiB). Nothing of a
	// body is read before its headers name a live session of the claimed
	// caller, and body buffers grow with the bytes that arrive, not with
	// the length announced. Beyond a bound the request gets 503 (all) or
	// 429 (one caller).
	MaxPreAuthBytes          int64
	MaxPreAuthBytesPerCaller int64
	// MaxTimeout caps a request's own timeout (default 60s).
	MaxTimeout time.Duration
	// NonceWindow is the clock difference tolerated between dendrite and
	// axon: a nonce may be this far ahead, or this far plus the request's
	// timeout behind (default 4s, as Bittensor).
	NonceWindow time.Duration
	// ReplayDepth caps the nonces remembered per (caller, uuid) (default
	// 4096, 32 KiB): one dendrite's requests may arrive this many places
	// out of order (a dendrite runs at most 256 calls at once by default).
	// Nonces leave memory anyway once older than the window, so the guard
	// holds 8 bytes per request accepted in the last NonceWindow+MaxTimeout,
	// up to the caps.
	ReplayDepth int
	// MaxReplayKeysPerCaller is one caller's replay budget: the dendrite
	// instances (uuids) of one hotkey whose nonces are remembered at once
	// (default 16, so at most 16 × ReplayDepth × 8 bytes = 512 KiB per
	// caller). A key is freed once its newest nonce is older than the
	// window; a caller with this many live keys is refused a new one
	// (429), and no other caller's keys are touched.
	MaxReplayKeysPerCaller int
	// MaxReplayKeys bounds the (caller, uuid) pairs remembered in all
	// (default 16384); when every one is live a new one is refused (503).
	MaxReplayKeys int

	// ReadHeaderTimeout bounds reading a request's headers (default 5s);
	// ReadTimeout bounds reading a whole request (default 30s), and the
	// request's own timeout bounds its body too. IdleTimeout closes idle
	// keep-alive connections of staked callers (default 120s).
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration

	// Connections. A connection is staked once it has carried a request
	// (or handshake) authenticated for a caller the policy admits with
	// stake above zero; every other connection, which includes each new
	// one, is unstaked. MaxConns bounds open connections (default 4096).
	// StakedConns of them are kept for staked connections (default
	// MaxConns/4): unstaked ones may hold only MaxConns − StakedConns, and
	// when they do, a new connection displaces the unstaked one idle
	// longest, or else the one busy longest. MaxConnsPerSource bounds the
	// unstaked connections from one source, an IPv4 address or an IPv6 /64
	// (default 64): beyond it new ones are closed at once, unless the source
	// holds a staked connection (a validator opening many at once).
	// UnstakedIdleTimeout closes an unstaked connection idle this long,
	// before its first request included (default 2s). A request the axon
	// cannot authenticate is answered and its connection closed.
	MaxConns            int
	StakedConns         int
	MaxConnsPerSource   int
	UnstakedIdleTimeout time.Duration
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
	setDefault(&c.MaxPreAuthBytes, 16*c.MaxBodyBytes)
	setDefault(&c.MaxPreAuthBytesPerCaller, 2*c.MaxBodyBytes)
	setDefault(&c.MaxTimeout, 60*time.Second)
	setDefault(&c.NonceWindow, 4*time.Second)
	setDefault(&c.ReplayDepth, 4096)
	setDefault(&c.MaxReplayKeysPerCaller, 16)
	setDefault(&c.MaxReplayKeys, 16384)
	setDefault(&c.ReadHeaderTimeout, 5*time.Second)
	setDefault(&c.ReadTimeout, 30*time.Second)
	setDefault(&c.IdleTimeout, 120*time.Second)
	setDefault(&c.MaxConns, 4096)
	setDefault(&c.StakedConns, c.MaxConns/4)
	setDefault(&c.MaxConnsPerSource, 64)
	setDefault(&c.UnstakedIdleTimeout, 2*time.Second)
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
	positive("MaxPreAuthBytes", c.MaxPreAuthBytes)
	positive("MaxPreAuthBytesPerCaller", c.MaxPreAuthBytesPerCaller)
	positive("ReplayDepth", int64(c.ReplayDepth))
	positive("MaxReplayKeysPerCaller", int64(c.MaxReplayKeysPerCaller))
	positive("MaxReplayKeys", int64(c.MaxReplayKeys))
	positive("MaxConns", int64(c.MaxConns))
	positive("StakedConns", int64(c.StakedConns))
	positive("MaxConnsPerSource", int64(c.MaxConnsPerSource))
	positive("MaxSessions", int64(c.MaxSessions))
	positive("MaxSessionsPerCaller", int64(c.MaxSessionsPerCaller))
	positive("MaxHandshakes", int64(c.MaxHandshakes))
	for name, d := range map[string]time.Duration{
		"RetryAfter": c.RetryAfter, "MaxTimeout": c.MaxTimeout, "NonceWindow": c.NonceWindow,
		"ReadHeaderTimeout": c.ReadHeaderTimeout, "ReadTimeout": c.ReadTimeout,
		"IdleTimeout": c.IdleTimeout, "UnstakedIdleTimeout": c.UnstakedIdleTimeout,
		"DrainTimeout": c.DrainTimeout, "CertLifetime": c.CertLifetime,
	} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s is negative (%s)", name, d))
		}
	}
	if c.MaxPreAuthBytesPerCaller < c.MaxBodyBytes || c.MaxPreAuthBytes < c.MaxPreAuthBytesPerCaller {
		errs = append(errs, fmt.Errorf("want MaxBodyBytes (%d) ≤ MaxPreAuthBytesPerCaller (%d) ≤ MaxPreAuthBytes (%d): a body must fit the budgets it is read under",
			c.MaxBodyBytes, c.MaxPreAuthBytesPerCaller, c.MaxPreAuthBytes))
	}
	if c.StakedConns >= c.MaxConns {
		errs = append(errs, fmt.Errorf("StakedConns (%d) must be below MaxConns (%d): every connection starts unstaked", c.StakedConns, c.MaxConns))
	}
	if c.CertLifetime > synapse.MaxCertLifetime {
		errs = append(errs, fmt.Errorf("CertLifetime %s exceeds %s", c.CertLifetime, synapse.MaxCertLifetime))
	}
	if c.ExternalIP.IsValid() && c.ExternalIP.Zone() != "" {
		errs = append(errs, fmt.Errorf("ExternalIP %s has a zone; the chain stores bare addresses", c.ExternalIP))
	}
	return errors.Join(errs...)
}
