package axon_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/axon/axontest"
	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/example/echo"
	"github.com/gotensor/gotensor/sdk/synapse"
)

// gate is a route whose handler records who entered and waits for the test
// to let it go, one release at a time.
type gate struct {
	route   synapse.Route[echo.EchoRequest, echo.EchoResponse]
	entered chan string
	release chan struct{}
}

func newGate() *gate {
	return &gate{route: synapse.MustRoute[echo.EchoRequest, echo.EchoResponse]("Gate"),
		entered: make(chan string, 64), release: make(chan struct{})}
}

func (g *gate) attach(a *axon.Axon) error {
	return errors.Join(echo.Register(a), axon.Handle(a, g.route,
		func(_ context.Context, call axon.Call, req echo.EchoRequest) (echo.EchoResponse, error) {
			g.entered <- call.Caller
			<-g.release
			return echo.EchoResponse{Text: req.Text}, nil
		}))
}

// metric reads one sample from the axon's /metrics page ("" if absent).
func metric(t *testing.T, a *axon.Axon, series string) string {
	t.Helper()
	resp, err := http.Get("http://" + a.Addr().String() + synapse.MetricsPath)
	require.NoError(t, err)
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			return v
		}
	}
	require.NoError(t, sc.Err())
	return ""
}

// waitMetric waits until a sample reads want. The deadline is a backstop
// against a hang, not a claim about speed.
func waitMetric(t *testing.T, a *axon.Axon, series, want string) {
	t.Helper()
	require.Eventually(t, func() bool { return metric(t, a, series) == want }, 10*time.Second, 2*time.Millisecond,
		"%s never read %s", series, want)
}

func TestPriorityUnderLoad(t *testing.T) {
	stakes := map[string]uint64{"first": 1, "low": 10, "high": 100, "mid": 50, "poorer": 5, "richest": 200}
	keys := map[string]*synapse.KeySigner{}
	names := map[string]string{} // hotkey → name
	p := axon.StaticPeers{}
	for name, stake := range stakes {
		keys[name] = synapse.GenerateKeySigner()
		names[keys[name].Address()] = name
		p[keys[name].Address()] = axon.PeerInfo{Stake: stake, ValidatorPermit: true}
	}
	g := newGate()
	a := axontest.Start(t, axon.Config{Signer: synapse.GenerateKeySigner(), Scope: scope, Peers: p, Logger: quiet,
		MaxConcurrent: 1, MaxQueue: 3, RetryAfter: 2 * time.Second}, g.attach)
	ax := target(a)

	type named struct {
		name string
		res  dendrite.Result[echo.EchoResponse]
	}
	results := make(chan named, 8)
	call := func(name string) {
		d := newDendrite(t, keys[name], nil)
		require.Nil(t, d.Connect(context.Background(), []dendrite.Axon{ax})[0])
		go func() {
			results <- named{name, dendrite.Call(context.Background(), d, g.route, ax, echo.EchoRequest{Text: name})}
		}()
	}
	call("first")
	require.Equal(t, "first", names[<-g.entered])
	for i, name := range []string{"low", "high", "mid"} {
		call(name)
		waitMetric(t, a, "gotensor_axon_queue_depth", string(rune('1'+i)))
	}

	// The queue is full: a poorer caller is turned away with Retry-After.
	poorer := newRaw(t, a, keys["poorer"])
	require.Equal(t, http.StatusOK, poorer.handshake(t, nil).status)
	ans := poorer.send(t, request{route: "Gate", body: []byte(`{"text":"poorer"}`)})
	require.Equal(t, http.StatusServiceUnavailable, ans.status)
	require.Equal(t, synapse.ReasonBusy, ans.err.Reason)
	require.Equal(t, "2", ans.header.Get("Retry-After"))

	// A richer one displaces the poorest waiter.
	call("richest")
	low := <-results
	require.Equal(t, "low", low.name)
	require.Equal(t, http.StatusServiceUnavailable, low.res.Status)
	require.Equal(t, synapse.ReasonBusy, low.res.Reason)
	require.ErrorContains(t, low.res.Err, "displaced")
	waitMetric(t, a, "gotensor_axon_queue_depth", "3")

	// Slots go to the most stake first.
	var order []string
	for range 4 {
		g.release <- struct{}{}
		if len(order) < 3 {
			order = append(order, names[<-g.entered])
		}
	}
	require.Equal(t, []string{"richest", "high", "mid"}, order)
	for range 4 {
		r := <-results
		require.NoError(t, r.res.Err, r.name)
		require.Equal(t, r.name, r.res.Response.Text)
	}
}

func TestGracefulShutdownDrains(t *testing.T) {
	validator := synapse.GenerateKeySigner()
	g := newGate()
	a, err := axon.New(axon.Config{Signer: synapse.GenerateKeySigner(), Scope: scope, ListenAddr: "127.0.0.1:0", Logger: quiet,
		Peers: axon.StaticPeers{validator.Address(): {Stake: 1}}})
	require.NoError(t, err)
	require.NoError(t, g.attach(a))
	require.NoError(t, a.Start())
	ax := target(a)
	d := newDendrite(t, validator, nil)

	inFlight := make(chan dendrite.Result[echo.EchoResponse], 1)
	go func() {
		inFlight <- dendrite.Call(context.Background(), d, g.route, ax, echo.EchoRequest{Text: "in flight"})
	}()
	<-g.entered

	stopped := make(chan error, 1)
	go func() { stopped <- a.Stop() }()
	// New connections are refused once Stop has begun…
	require.Eventually(t, func() bool {
		conn, err := net.Dial("tcp", ax.Addr)
		if err == nil {
			conn.Close()
		}
		return err != nil
	}, 10*time.Second, time.Millisecond)
	require.False(t, a.IsRunning())
	// …but Stop waits for the request in flight.
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) with a request in flight", err)
	default:
	}
	g.release <- struct{}{}
	r := <-inFlight
	require.NoError(t, r.Err)
	require.Equal(t, "in flight", r.Response.Text)
	require.NoError(t, <-stopped)
	<-a.Quit()

	after := dendrite.Call(context.Background(), d, echo.Echo, ax, echo.EchoRequest{Text: "late"})
	require.Equal(t, http.StatusServiceUnavailable, after.Status)
	require.Equal(t, synapse.ReasonUnreachable, after.Reason)
}

// Many goroutines share one dendrite, hence one hotkey and one uuid; their
// nonces reach the axon out of order over many connections, and all pass.
func TestConcurrentRequestsFromOneDendrite(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "http1", true: "h2c"}[h2], func(t *testing.T) {
			validator := synapse.GenerateKeySigner()
			a := axontest.Start(t, axon.Config{Signer: synapse.GenerateKeySigner(), Scope: scope, Logger: quiet,
				Peers: axon.StaticPeers{validator.Address(): {Stake: 1}}}, echo.Register)
			d := newDendrite(t, validator, func(c *dendrite.Config) { c.HTTP2 = h2 })
			ax := target(a)
			const workers, calls = 64, 25
			var wg sync.WaitGroup
			errs := make(chan error, workers*calls)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range calls {
						r := dendrite.Call(context.Background(), d, echo.Sum, ax, echo.SumRequest{Numbers: []int64{int64(w), int64(i)}})
						if r.Err != nil {
							errs <- r.Err
						} else if r.Response.Sum != int64(w+i) {
							errs <- errors.New("wrong sum")
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			require.Equal(t, "1", metric(t, a, "gotensor_axon_sessions"), "one session for all of them")
			require.Equal(t, "1600", metric(t, a, `gotensor_axon_requests_total{route="Sum",status="200"}`))
		})
	}
}

func TestSessionExpiry(t *testing.T) {
	var clk clock
	validator := synapse.GenerateKeySigner()
	a := axontest.Start(t, axon.Config{Signer: synapse.GenerateKeySigner(), Scope: scope, Logger: quiet, Now: clk.Now,
		Peers: axon.StaticPeers{validator.Address(): {Stake: 1}}}, echo.Register)
	d := newDendrite(t, validator, func(c *dendrite.Config) { c.Now = clk.Now })
	ax := target(a)
	require.NoError(t, dendrite.Call(context.Background(), d, echo.Echo, ax, echo.EchoRequest{Text: "a"}).Err)

	old := newRaw(t, a, validator)
	old.now = clk.Now
	require.Equal(t, http.StatusOK, old.handshake(t, nil).status)

	clk.advance(2 * time.Hour) // past both certificates' hour
	ans := old.send(t, request{route: "Echo", body: []byte(`{"text":"b"}`)})
	require.Equal(t, http.StatusUnauthorized, ans.status)
	require.Equal(t, synapse.ReasonSessionExpired, ans.err.Reason)

	// The dendrite renews its certificate and session by itself.
	r := dendrite.Call(context.Background(), d, echo.Echo, ax, echo.EchoRequest{Text: "c"})
	require.NoError(t, r.Err)
	require.Equal(t, "c", r.Response.Text)
}

// An axon that restarts forgets its sessions; the dendrite notices
// ("session-unknown"), handshakes again and retries, and the caller sees
// only success.
func TestAxonRestartRenewsSession(t *testing.T) {
	miner, validator := synapse.GenerateKeySigner(), synapse.GenerateKeySigner()
	cfg := axon.Config{Signer: miner, Scope: scope, Logger: quiet, ListenAddr: "127.0.0.1:0",
		Peers: axon.StaticPeers{validator.Address(): {Stake: 1}}}
	first := axontest.Start(t, cfg, echo.Register)
	ax := target(first)
	d := newDendrite(t, validator, nil)
	require.NoError(t, dendrite.Call(context.Background(), d, echo.Echo, ax, echo.EchoRequest{Text: "before"}).Err)
	require.NoError(t, first.Stop())

	cfg.ListenAddr = ax.Addr
	second := axontest.Start(t, cfg, echo.Register)
	r := dendrite.Call(context.Background(), d, echo.Echo, ax, echo.EchoRequest{Text: "after"})
	require.NoError(t, r.Err)
	require.Equal(t, "after", r.Response.Text)
	require.Equal(t, "1", metric(t, second, `gotensor_axon_requests_total{route="Echo",status="401"}`), "the stale session was refused once")
	require.Equal(t, "1", metric(t, second, `gotensor_axon_requests_total{route="handshake",status="200"}`))
	require.Equal(t, "1", metric(t, second, `gotensor_axon_requests_total{route="Echo",status="200"}`))
}

func TestHandlerPanicAnswers500(t *testing.T) {
	validator := synapse.GenerateKeySigner()
	boom := synapse.MustRoute[echo.EchoRequest, echo.EchoResponse]("Boom")
	a := axontest.Start(t, axon.Config{Signer: synapse.GenerateKeySigner(), Scope: scope, Logger: quiet,
		Peers: axon.StaticPeers{validator.Address(): {Stake: 1}}}, func(a *axon.Axon) error {
		return errors.Join(echo.Register(a), axon.Handle(a, boom,
			func(context.Context, axon.Call, echo.EchoRequest) (echo.EchoResponse, error) { panic("kaboom") }))
	})
	d := newDendrite(t, validator, nil)
	r := dendrite.Call(context.Background(), d, boom, target(a), echo.EchoRequest{})
	require.Equal(t, http.StatusInternalServerError, r.Status)
	require.Equal(t, synapse.ReasonInternal, r.Reason)
	require.ErrorContains(t, r.Err, `the handler for route "Boom" failed`)
	require.NotContains(t, r.Err.Error(), "kaboom", "internals stay in the miner's log")
	require.NoError(t, dendrite.Call(context.Background(), d, echo.Echo, target(a), echo.EchoRequest{}).Err, "still serving")
}

func TestMetricsPage(t *testing.T) {
	validator := synapse.GenerateKeySigner()
	a := axontest.Start(t, axon.Config{Signer: synapse.GenerateKeySigner(), Scope: scope, Logger: quiet,
		Peers: axon.StaticPeers{validator.Address(): {Stake: 1}}}, echo.Register)
	d := newDendrite(t, validator, nil)
	for range 3 {
		require.NoError(t, dendrite.Call(context.Background(), d, echo.Echo, target(a), echo.EchoRequest{}).Err)
	}
	unknown := synapse.MustRoute[echo.EchoRequest, echo.EchoResponse]("Unheard")
	require.Equal(t, http.StatusNotFound, dendrite.Call(context.Background(), d, unknown, target(a), echo.EchoRequest{}).Status)

	require.Equal(t, "3", metric(t, a, `gotensor_axon_requests_total{route="Echo",status="200"}`))
	require.Equal(t, "1", metric(t, a, `gotensor_axon_requests_total{route="unknown",status="404"}`))
	require.Equal(t, "3", metric(t, a, `gotensor_axon_request_duration_seconds_count{route="Echo"}`))
	require.Equal(t, "0", metric(t, a, "gotensor_axon_in_flight"))
	require.Equal(t, "0", metric(t, a, "gotensor_axon_queue_depth"))
	require.Equal(t, "1", metric(t, a, "gotensor_axon_replay_keys"))
}

func TestServeInfo(t *testing.T) {
	miner := synapse.GenerateKeySigner()
	base := axon.Config{Signer: miner, Scope: scope, Logger: quiet, Policy: axon.Policy{AllowUnregistered: true}}

	a := axontest.Start(t, base, nil)
	info, err := a.ServeInfo()
	require.NoError(t, err)
	port := a.Addr().(*net.TCPAddr).Port
	require.Equal(t, axon.ServeInfo{IP: netip.MustParseAddr("127.0.0.1"), Port: uint16(port), IPType: 4,
		Protocol: axon.ProtocolHTTP, Version: synapse.Version}, info)

	for _, tc := range []struct {
		name   string
		listen string
		ip     string
		port   uint16
		want   axon.ServeInfo
		err    string
	}{
		{name: "NAT: external address", listen: "0.0.0.0:0", ip: "203.0.113.7", port: 8091,
			want: axon.ServeInfo{IP: netip.MustParseAddr("203.0.113.7"), Port: 8091, IPType: 4, Protocol: 4, Version: synapse.Version}},
		{name: "IPv6", listen: "127.0.0.1:0", ip: "2001:db8::7", port: 9000,
			want: axon.ServeInfo{IP: netip.MustParseAddr("2001:db8::7"), Port: 9000, IPType: 6, Protocol: 4, Version: synapse.Version}},
		{name: "IPv4-mapped is published as IPv4", listen: "127.0.0.1:0", ip: "::ffff:198.51.100.1", port: 9000,
			want: axon.ServeInfo{IP: netip.MustParseAddr("198.51.100.1"), Port: 9000, IPType: 4, Protocol: 4, Version: synapse.Version}},
		{name: "wildcard without an external address", listen: "0.0.0.0:0", err: "set ExternalIP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			cfg.ListenAddr = tc.listen
			if tc.ip != "" {
				cfg.ExternalIP, cfg.ExternalPort = netip.MustParseAddr(tc.ip), tc.port
			}
			a := axontest.Start(t, cfg, nil)
			info, err := a.ServeInfo()
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, info)
		})
	}

	notStarted, err := axon.New(base)
	require.NoError(t, err)
	_, err = notStarted.ServeInfo()
	require.ErrorContains(t, err, "not started")
}

func TestLifecycle(t *testing.T) {
	a, err := axon.New(axon.Config{Signer: synapse.GenerateKeySigner(), Scope: scope, Logger: quiet, ListenAddr: "127.0.0.1:0",
		Policy: axon.Policy{AllowUnregistered: true}})
	require.NoError(t, err)
	require.False(t, a.IsRunning())
	require.ErrorIs(t, a.Stop(), axon.ErrNotStarted)
	require.NoError(t, echo.Register(a))
	require.ErrorContains(t, echo.Register(a), `route "Echo" is already attached`)
	require.NoError(t, a.Start())
	require.True(t, a.IsRunning())
	require.ErrorIs(t, a.Start(), axon.ErrAlreadyStarted)
	require.ErrorContains(t, axon.Handle(a, synapse.MustRoute[int, int]("Late"),
		func(context.Context, axon.Call, int) (int, error) { return 0, nil }), "before Start")
	require.NoError(t, a.Stop())
	<-a.Quit()
	require.False(t, a.IsRunning())
	require.ErrorIs(t, a.Stop(), axon.ErrAlreadyStopped)
	require.ErrorIs(t, a.Start(), axon.ErrAlreadyStopped)
}

func TestConfigRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  axon.Config
		err  string
	}{
		{"no signer", axon.Config{Scope: scope, Policy: axon.Policy{AllowUnregistered: true}}, "Signer (the miner's hotkey) is required"},
		{"no chain", axon.Config{Signer: synapse.GenerateKeySigner(), Policy: axon.Policy{AllowUnregistered: true}}, "Scope.ChainID is required"},
		{"no peers", axon.Config{Signer: synapse.GenerateKeySigner(), Scope: scope}, "Peers is required"},
		{"negative queue", axon.Config{Signer: synapse.GenerateKeySigner(), Scope: scope, Policy: axon.Policy{AllowUnregistered: true},
			MaxQueue: -1}, "MaxQueue is negative"},
		{"certificate too long", axon.Config{Signer: synapse.GenerateKeySigner(), Scope: scope, Policy: axon.Policy{AllowUnregistered: true},
			CertLifetime: 48 * time.Hour}, "exceeds 24h"},
		{"every connection kept for staked callers", axon.Config{Signer: synapse.GenerateKeySigner(), Scope: scope,
			Policy: axon.Policy{AllowUnregistered: true}, MaxConns: 8, StakedConns: 8},
			"StakedConns (8) must be below MaxConns (8): every connection starts unstaked"},
		{"pre-auth budget below the body limit", axon.Config{Signer: synapse.GenerateKeySigner(), Scope: scope,
			Policy: axon.Policy{AllowUnregistered: true}, MaxBodyBytes: 1 << 20, MaxPreAuthBytesPerCaller: 1 << 10},
			"want MaxBodyBytes (1048576) ≤ MaxPreAuthBytesPerCaller (1024) ≤ MaxPreAuthBytes (16777216)"},
		{"negative idle timeout", axon.Config{Signer: synapse.GenerateKeySigner(), Scope: scope,
			Policy: axon.Policy{AllowUnregistered: true}, UnstakedIdleTimeout: -time.Second}, "UnstakedIdleTimeout is negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := axon.New(tc.cfg)
			require.ErrorContains(t, err, tc.err)
		})
	}
}
