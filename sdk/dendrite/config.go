package dendrite

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// Config is a dendrite's configuration. Zero values take the defaults listed.
type Config struct {
	// Signer is the validator's hotkey. Required.
	Signer synapse.Signer
	// Scope is the chain and subnet queried; axons' certificates must name it. ChainID is required.
	Scope synapse.Scope

	// Timeout bounds each call when the context has no earlier deadline
	// (default 12s, as Bittensor). The axon is told the time left, and
	// cancels its handler then.
	Timeout time.Duration
	// MaxConcurrency bounds the calls one Query runs at once (default 256).
	MaxConcurrency int
	// MaxResponseBytes bounds a response body, and each chunk of a stream
	// (default 16 MiB); MaxStreamBytes bounds a whole stream (default 64 MiB).
	MaxResponseBytes int64
	MaxStreamBytes   int64

	// MaxIdleConnsPerHost keep-alive connections are kept per axon
	// (default 64). DialTimeout bounds connecting (default 3s; the call's
	// deadline bounds it too). HTTP2 speaks cleartext HTTP/2 (h2c) to
	// every axon: one multiplexed connection each instead of a pool.
	MaxIdleConnsPerHost int
	DialTimeout         time.Duration
	HTTP2               bool

	// CertLifetime is the life of the dendrite's session certificate
	// (default 1h); it is renewed when three quarters have passed.
	CertLifetime time.Duration
	// ClockSkew tolerated on an axon's certificate (default 4s).
	ClockSkew time.Duration
	// MaxSessions bounds the axons with a cached session (default 4096).
	MaxSessions int

	// Logger receives structured logs (default slog.Default()).
	Logger *slog.Logger
	// Now is the clock (default time.Now); tests and simulations set it.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	setDefault(&c.Timeout, 12*time.Second)
	setDefault(&c.MaxConcurrency, 256)
	setDefault(&c.MaxResponseBytes, 16<<20)
	setDefault(&c.MaxStreamBytes, 64<<20)
	setDefault(&c.MaxIdleConnsPerHost, 64)
	setDefault(&c.DialTimeout, 3*time.Second)
	setDefault(&c.CertLifetime, time.Hour)
	setDefault(&c.ClockSkew, 4*time.Second)
	setDefault(&c.MaxSessions, 4096)
	if c.Logger == nil {
		c.Logger = slog.Default()
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
		errs = append(errs, errors.New("Signer (the validator's hotkey) is required"))
	}
	if c.Scope.ChainID == "" {
		errs = append(errs, errors.New("Scope.ChainID is required: certificates name the chain they are for"))
	}
	for name, v := range map[string]int64{
		"MaxConcurrency": int64(c.MaxConcurrency), "MaxResponseBytes": c.MaxResponseBytes,
		"MaxStreamBytes": c.MaxStreamBytes, "MaxIdleConnsPerHost": int64(c.MaxIdleConnsPerHost),
		"MaxSessions": int64(c.MaxSessions),
		"Timeout":     int64(c.Timeout), "DialTimeout": int64(c.DialTimeout), "ClockSkew": int64(c.ClockSkew),
	} {
		if v < 0 {
			errs = append(errs, fmt.Errorf("%s is negative (%d)", name, v))
		}
	}
	if c.CertLifetime < time.Second || c.CertLifetime > synapse.MaxCertLifetime {
		errs = append(errs, fmt.Errorf("CertLifetime %s: want 1s..%s", c.CertLifetime, synapse.MaxCertLifetime))
	}
	return errors.Join(errs...)
}
