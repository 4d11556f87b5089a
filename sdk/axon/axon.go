package axon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// Lifecycle errors, as CometBFT's services: Start and Stop each run once.
var (
	ErrAlreadyStarted = errors.New("axon already started")
	ErrAlreadyStopped = errors.New("axon already stopped")
	ErrNotStarted     = errors.New("axon not started")
)

// Axon is a miner's server.
type Axon struct {
	cfg    Config
	hotkey string
	log    *slog.Logger

	routes   map[string]endpoint // written only before Start
	sessions *sessionTable
	certs    *certCache
	replay   *replayGuard
	preAuth  *preAuthBudget
	conns    *connGuard
	admit    *admission
	hsSlots  chan struct{}
	metrics  *metrics
	mux      *http.ServeMux

	credMu sync.Mutex
	cred   atomic.Pointer[synapse.Credential]

	started, stopped atomic.Bool
	quit             chan struct{}
	srv              *http.Server
	ln               net.Listener
	serveErr         chan error
	cancelBase       context.CancelFunc
	handlers         sync.WaitGroup // handlers still running after their answer (overran the deadline)
}

// New builds an axon; attach routes with Handle and HandleStream, then Start.
func New(cfg Config) (*Axon, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("axon config: %w", err)
	}
	a := &Axon{
		cfg:      cfg,
		hotkey:   cfg.Signer.Address(),
		log:      cfg.Logger.With("component", "axon", "hotkey", cfg.Signer.Address()),
		routes:   make(map[string]endpoint),
		sessions: newSessionTable(cfg.MaxSessions, cfg.MaxSessionsPerCaller),
		certs:    newCertCache(cfg.MaxSessions),
		replay: newReplayGuard(cfg.NonceWindow, cfg.MaxTimeout, cfg.ReplayDepth, cfg.MaxReplayKeys,
			cfg.MaxReplayKeysPerCaller),
		preAuth: newPreAuthBudget(cfg.MaxPreAuthBytes, cfg.MaxPreAuthBytesPerCaller),
		hsSlots: make(chan struct{}, cfg.MaxHandshakes),
		quit:    make(chan struct{}),
	}
	a.conns = newConnGuard(cfg.MaxConns, cfg.StakedConns, cfg.MaxConnsPerSource, cfg.UnstakedIdleTimeout,
		func(reason string) { a.metrics.connsClosed.WithLabelValues(reason).Inc() })
	var err error
	if a.metrics, err = newMetrics(cfg.Registry, a.sessions.size, a.replay.size, a.preAuth.held, a.conns.counts); err != nil {
		return nil, fmt.Errorf("axon metrics: %w", err)
	}
	a.admit = newAdmission(cfg.MaxConcurrent, cfg.MaxQueue, cfg.MaxPerCaller, a.metrics.admission)
	if _, err := a.credential(cfg.Now()); err != nil {
		return nil, err
	}
	a.mux = http.NewServeMux()
	a.mux.Handle("GET "+synapse.MetricsPath, promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{}))
	a.mux.HandleFunc(synapse.HandshakePath, a.serveHandshake)
	a.mux.HandleFunc("/", a.serveRoute)
	return a, nil
}

func (a *Axon) attach(name string, ep endpoint) error {
	if err := synapse.CheckRouteName(name); err != nil {
		return err
	}
	if a.started.Load() {
		return fmt.Errorf("route %q: attach routes before Start", name)
	}
	if _, dup := a.routes[name]; dup {
		return fmt.Errorf("route %q is already attached", name)
	}
	a.routes[name] = ep
	return nil
}

// Routes lists the attached routes' names, sorted.
func (a *Axon) Routes() []string {
	names := make([]string, 0, len(a.routes))
	for n := range a.routes {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Hotkey is the miner's hotkey address.
func (a *Axon) Hotkey() string { return a.hotkey }

// Handler is the axon's HTTP handler, for a program that runs its own
// server; Start runs one with the configured limits. The connection limits
// (MaxConns, StakedConns, MaxConnsPerSource, UnstakedIdleTimeout) are
// Start's server's: another server must bound its connections itself.
func (a *Axon) Handler() http.Handler { return a.mux }

// Start listens on ListenAddr and serves HTTP/1.1 and cleartext HTTP/2
// (h2c) in the background.
func (a *Axon) Start() error {
	if a.stopped.Load() {
		return ErrAlreadyStopped
	}
	if !a.started.CompareAndSwap(false, true) {
		return ErrAlreadyStarted
	}
	ln, err := net.Listen("tcp", a.cfg.ListenAddr)
	if err != nil {
		a.started.Store(false)
		return fmt.Errorf("axon listen on %s: %w", a.cfg.ListenAddr, err)
	}
	a.ln = a.conns.listener(ln)
	base, cancel := context.WithCancel(context.Background())
	a.cancelBase = cancel
	a.srv = &http.Server{
		Handler:           a.mux,
		ReadHeaderTimeout: a.cfg.ReadHeaderTimeout,
		ReadTimeout:       a.cfg.ReadTimeout,
		// A backstop only: each request's own deadline tightens it.
		WriteTimeout:   a.cfg.MaxTimeout + a.cfg.ReadTimeout,
		IdleTimeout:    a.cfg.IdleTimeout,
		MaxHeaderBytes: 16 << 10,
		BaseContext:    func(net.Listener) context.Context { return base },
		ConnContext:    withConn,
		ConnState:      a.conns.connState,
		ErrorLog:       slog.NewLogLogger(a.log.Handler(), slog.LevelDebug),
		Protocols:      new(http.Protocols),
		HTTP2:          &http.HTTP2Config{MaxConcurrentStreams: a.cfg.MaxConcurrent + a.cfg.MaxQueue},
	}
	a.srv.Protocols.SetHTTP1(true)
	a.srv.Protocols.SetUnencryptedHTTP2(true)
	a.serveErr = make(chan error, 1)
	go func() {
		err := a.srv.Serve(a.ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		a.serveErr <- err
		if err != nil {
			a.log.Error("axon server failed", "err", err)
			a.shutdown()
		}
	}()
	a.log.Info("axon started", "addr", a.ln.Addr().String(), "routes", a.Routes(), "scope", a.cfg.Scope.String())
	return nil
}

// Stop stops accepting, lets in-flight requests finish (up to
// DrainTimeout), then cancels what is left.
func (a *Axon) Stop() error {
	if !a.started.Load() {
		return ErrNotStarted
	}
	if !a.stopped.CompareAndSwap(false, true) {
		return ErrAlreadyStopped
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.DrainTimeout)
	defer cancel()
	err := a.srv.Shutdown(ctx)
	a.cancelBase() // handlers still running see their context end
	if err != nil {
		err = errors.Join(fmt.Errorf("axon drain: %w", err), a.srv.Close())
	}
	drained := make(chan struct{})
	go func() { a.handlers.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-ctx.Done():
		err = errors.Join(err, errors.New("axon stop: handlers still running after the drain timeout"))
	}
	if serveErr := <-a.serveErr; serveErr != nil {
		err = errors.Join(err, serveErr)
	}
	a.shutdown()
	a.log.Info("axon stopped", "err", err)
	return err
}

func (a *Axon) shutdown() {
	a.stopped.Store(true)
	select {
	case <-a.quit:
	default:
		close(a.quit)
	}
}

// IsRunning reports whether the axon has started and not stopped.
func (a *Axon) IsRunning() bool { return a.started.Load() && !a.stopped.Load() }

// Quit is closed when the axon stops, by Stop or by a failure.
func (a *Axon) Quit() <-chan struct{} { return a.quit }

// Addr is the address listened on, once started (useful with port 0).
func (a *Axon) Addr() net.Addr {
	if a.ln == nil {
		return nil
	}
	return a.ln.Addr()
}

// credential returns the axon's session credential, renewing it once three
// quarters of its life have passed. Sessions made with an older credential
// keep their keys until they expire.
func (a *Axon) credential(now time.Time) (*synapse.Credential, error) {
	if c := a.cred.Load(); c != nil && now.Before(renewAt(c.Cert)) {
		return c, nil
	}
	a.credMu.Lock()
	defer a.credMu.Unlock()
	if c := a.cred.Load(); c != nil && now.Before(renewAt(c.Cert)) {
		return c, nil
	}
	c, err := synapse.NewCredential(a.cfg.Signer, synapse.RoleAxon, a.cfg.Scope, now, a.cfg.CertLifetime)
	if err != nil {
		return nil, fmt.Errorf("axon session certificate: %w", err)
	}
	a.cred.Store(c)
	return c, nil
}

func renewAt(c *synapse.Certificate) time.Time {
	return time.Unix(c.IssuedAt+(c.NotAfter-c.IssuedAt)*3/4, 0)
}
