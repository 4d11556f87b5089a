package dendrite_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/axon/axontest"
	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/example/echo"
	"github.com/gotensor/gotensor/sdk/synapse"
)

var scope = synapse.Scope{ChainID: "gotensor-test", NetUID: 1}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// network is one miner and one validator that knows it.
type network struct {
	miner     *axon.Axon
	validator *dendrite.Dendrite
	target    dendrite.Axon
}

func newNetwork(t *testing.T, attach func(*axon.Axon) error, mutate func(*axon.Config, *dendrite.Config)) *network {
	t.Helper()
	vkey, mkey := synapse.GenerateKeySigner(), synapse.GenerateKeySigner()
	acfg := axon.Config{Signer: mkey, Scope: scope, Logger: quiet,
		Peers: axon.StaticPeers{vkey.Address(): {UID: 0, Stake: 1000, ValidatorPermit: true}}}
	dcfg := dendrite.Config{Signer: vkey, Scope: scope, Logger: quiet}
	if mutate != nil {
		mutate(&acfg, &dcfg)
	}
	if attach == nil {
		attach = echo.Register
	}
	a := axontest.Start(t, acfg, attach)
	d, err := dendrite.New(dcfg)
	require.NoError(t, err)
	t.Cleanup(d.Close)
	return &network{miner: a, validator: d, target: dendrite.Axon{Hotkey: mkey.Address(), Addr: a.Addr().String()}}
}

func collect(chunks *[]echo.CountChunk) func(echo.CountChunk) error {
	return func(c echo.CountChunk) error { *chunks = append(*chunks, c); return nil }
}

func TestCallEchoSumCount(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "http1", true: "h2c"}[h2], func(t *testing.T) {
			n := newNetwork(t, nil, func(_ *axon.Config, d *dendrite.Config) { d.HTTP2 = h2 })
			ctx := context.Background()

			r := dendrite.Call(ctx, n.validator, echo.Echo, n.target, echo.EchoRequest{Text: "héllo"})
			require.NoError(t, r.Err)
			require.True(t, r.OK())
			require.Equal(t, http.StatusOK, r.Status)
			require.Equal(t, echo.EchoResponse{Text: "héllo", Length: 5}, r.Response)
			require.Positive(t, r.Latency)

			s := dendrite.Call(ctx, n.validator, echo.Sum, n.target, echo.SumRequest{Numbers: []int64{1, 2, 39}})
			require.NoError(t, s.Err)
			require.Equal(t, int64(42), s.Response.Sum)

			o := dendrite.Call(ctx, n.validator, echo.Sum, n.target, echo.SumRequest{Numbers: []int64{1 << 62, 1 << 62}})
			require.Equal(t, http.StatusBadRequest, o.Status)
			require.Equal(t, synapse.ReasonBadRequest, o.Reason)
			require.ErrorContains(t, o.Err, "overflows int64 at numbers[1]")

			var got []echo.CountChunk
			c := dendrite.Stream(ctx, n.validator, echo.Count, n.target, echo.CountRequest{N: 500, Text: "x"}, collect(&got))
			require.NoError(t, c.Err)
			require.Equal(t, http.StatusOK, c.Status)
			require.Equal(t, 500, c.Chunks)
			for i, ch := range got {
				require.Equal(t, echo.CountChunk{Index: i, Text: "x"}, ch)
			}

			bad := dendrite.Stream(ctx, n.validator, echo.Count, n.target, echo.CountRequest{N: -1}, collect(&got))
			require.Equal(t, http.StatusBadRequest, bad.Status)
			require.ErrorContains(t, bad.Err, "n = -1")
		})
	}
}

// tamperer is a real HTTP proxy between dendrite and axon that rewrites
// answers on the routes it is told to.
type tamperer struct {
	mu     sync.Mutex
	edit   func(resp *http.Response, body []byte) []byte
	record []recorded // answers seen, for replays and splices
}

type recorded struct {
	header http.Header
	body   []byte
}

func startTamperer(t *testing.T, backend string) (*tamperer, string) {
	tp := &tamperer{}
	u, err := url.Parse("http://" + backend)
	require.NoError(t, err)
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u) },
		ModifyResponse: func(resp *http.Response) error {
			if resp.Request.URL.Path == synapse.HandshakePath {
				return nil
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				return err
			}
			resp.Body.Close()
			tp.mu.Lock()
			tp.record = append(tp.record, recorded{resp.Header.Clone(), body})
			if tp.edit != nil {
				body = tp.edit(resp, body)
			}
			tp.mu.Unlock()
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
			return nil
		},
		ErrorLog: slog.NewLogLogger(quiet.Handler(), slog.LevelDebug),
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return tp, strings.TrimPrefix(srv.URL, "http://")
}

func (tp *tamperer) set(edit func(*http.Response, []byte) []byte) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.edit = edit
}

func lines(body []byte) [][]byte {
	return bytes.SplitAfter(bytes.TrimSuffix(body, []byte("\n")), []byte("\n"))
}

func TestResponseTamperingDetected(t *testing.T) {
	n := newNetwork(t, nil, nil)
	tp, addr := startTamperer(t, n.target.Addr)
	via := dendrite.Axon{Hotkey: n.target.Hotkey, Addr: addr}
	ctx := context.Background()

	r := dendrite.Call(ctx, n.validator, echo.Echo, via, echo.EchoRequest{Text: "hello"})
	require.NoError(t, r.Err, "an honest proxy changes nothing")

	for _, tc := range []struct {
		name string
		edit func(*http.Response, []byte) []byte
		msg  string
	}{
		{"body altered", func(_ *http.Response, b []byte) []byte { return bytes.Replace(b, []byte("hello"), []byte("jello"), 1) },
			"answer's MAC does not match"},
		{"MAC stripped", func(resp *http.Response, b []byte) []byte { resp.Header.Del(synapse.HeaderMAC); return b },
			"carries no gt-mac header"},
		{"status rewritten", func(resp *http.Response, b []byte) []byte { resp.StatusCode = http.StatusForbidden; return b },
			"answer's MAC does not match"},
		{"answer to an earlier call replayed", func(resp *http.Response, _ []byte) []byte {
			resp.Header = tp.record[0].header.Clone()
			return tp.record[0].body
		}, "answer's MAC does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp.set(tc.edit)
			r := dendrite.Call(ctx, n.validator, echo.Echo, via, echo.EchoRequest{Text: "hello"})
			require.Equal(t, http.StatusBadGateway, r.Status)
			require.Equal(t, synapse.ReasonBadResponse, r.Reason)
			require.ErrorContains(t, r.Err, tc.msg)
			require.Zero(t, r.Response, "nothing unverified is handed over")
		})
	}
}

// Someone in the middle lets a request through, then answers in the axon's
// stead that the session is unknown. The dendrite renews the session and
// resends the request with its nonce, which the axon refuses: the handler
// ran once.
func TestForgedSessionUnknownCannotRunTwice(t *testing.T) {
	var runs atomic.Int32
	counted := synapse.MustRoute[echo.EchoRequest, echo.EchoResponse]("Counted")
	n := newNetwork(t, func(a *axon.Axon) error {
		return axon.Handle(a, counted, func(_ context.Context, _ axon.Call, req echo.EchoRequest) (echo.EchoResponse, error) {
			runs.Add(1)
			return echo.EchoResponse{Text: req.Text}, nil
		})
	}, nil)
	tp, addr := startTamperer(t, n.target.Addr)
	via := dendrite.Axon{Hotkey: n.target.Hotkey, Addr: addr}
	forged := false
	tp.set(func(resp *http.Response, b []byte) []byte {
		if forged {
			return b
		}
		forged = true
		resp.StatusCode = http.StatusUnauthorized
		resp.Header.Del(synapse.HeaderMAC)
		return []byte(`{"status":401,"reason":"session-unknown","message":"forged"}`)
	})
	r := dendrite.Call(context.Background(), n.validator, counted, via, echo.EchoRequest{Text: "once"})
	require.True(t, forged)
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Equal(t, synapse.ReasonNonceReplayed, r.Reason)
	require.Equal(t, int32(1), runs.Load())
}

func TestStreamTamperingDetected(t *testing.T) {
	n := newNetwork(t, nil, nil)
	tp, addr := startTamperer(t, n.target.Addr)
	via := dendrite.Axon{Hotkey: n.target.Hotkey, Addr: addr}
	ctx := context.Background()
	req := echo.CountRequest{N: 5, Text: "t"}

	var first []echo.CountChunk
	require.NoError(t, dendrite.Stream(ctx, n.validator, echo.Count, via, req, collect(&first)).Err)
	require.Len(t, first, 5)
	earlier := lines(tp.record[0].body)
	require.Len(t, earlier, 6, "five chunks and the final frame")

	for _, tc := range []struct {
		name   string
		edit   func([][]byte) [][]byte
		chunks int
		msg    string
	}{
		{"frames reordered", func(l [][]byte) [][]byte { l[1], l[2] = l[2], l[1]; return l }, 1,
			"frame 2 arrived where frame 1 was due"},
		{"middle frame dropped", func(l [][]byte) [][]byte { return append(l[:2], l[3:]...) }, 2,
			"frame 3 arrived where frame 2 was due"},
		{"chunk altered", func(l [][]byte) [][]byte {
			l[3] = bytes.Replace(l[3], []byte(`"text":"t"`), []byte(`"text":"u"`), 1)
			return l
		}, 3, "frame 3: MAC does not match"},
		{"frame spliced from an earlier stream", func(l [][]byte) [][]byte { l[2] = earlier[2]; return l }, 2,
			"frame 2: MAC does not match"},
		{"final frame cut off", func(l [][]byte) [][]byte { return l[:5] }, 5,
			"stream ended after 5 frames without its final frame"},
		{"error frame forged as the end", func(l [][]byte) [][]byte {
			return append(l[:2], []byte(`{"seq":2,"end":true,"status":200,"mac":"`+strings.Repeat("0", 64)+`"}`+"\n"))
		}, 2, "frame 2: MAC does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp.set(func(_ *http.Response, b []byte) []byte { return bytes.Join(tc.edit(lines(b)), nil) })
			var got []echo.CountChunk
			r := dendrite.Stream(ctx, n.validator, echo.Count, via, req, collect(&got))
			require.Equal(t, http.StatusBadGateway, r.Status)
			require.Equal(t, synapse.ReasonBadResponse, r.Reason)
			require.ErrorContains(t, r.Err, tc.msg)
			require.Equal(t, tc.chunks, r.Chunks)
			require.Len(t, got, tc.chunks, "only verified chunks are handed over")
		})
	}
}

func TestQueryManyAxons(t *testing.T) {
	validator := synapse.GenerateKeySigner()
	peers := axon.StaticPeers{validator.Address(): {Stake: 1}}
	var axons []dendrite.Axon
	for i := range 6 {
		if i == 3 { // a registered miner whose axon is down
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			addr := ln.Addr().String()
			require.NoError(t, ln.Close())
			axons = append(axons, dendrite.Axon{Hotkey: synapse.GenerateKeySigner().Address(), Addr: addr})
			continue
		}
		a := axontest.Start(t, axon.Config{Signer: synapse.GenerateKeySigner(), Scope: scope, Peers: peers, Logger: quiet}, echo.Register)
		axons = append(axons, dendrite.Axon{Hotkey: a.Hotkey(), Addr: a.Addr().String()})
	}
	d, err := dendrite.New(dendrite.Config{Signer: validator, Scope: scope, Logger: quiet, MaxConcurrency: 2})
	require.NoError(t, err)
	defer d.Close()

	results := dendrite.Query(context.Background(), d, echo.Echo, axons, echo.EchoRequest{Text: "all"})
	require.Len(t, results, 6)
	for i, r := range results {
		require.Equal(t, axons[i], r.Axon, "results come in the axons' order")
		if i == 3 {
			require.Equal(t, http.StatusServiceUnavailable, r.Status)
			require.Equal(t, synapse.ReasonUnreachable, r.Reason)
			continue
		}
		require.NoError(t, r.Err)
		require.Equal(t, "all", r.Response.Text)
	}
	errs := d.Connect(context.Background(), axons)
	require.Len(t, errs, 6)
	require.Error(t, errs[3])
	for i, err := range errs {
		if i != 3 {
			require.NoError(t, err)
		}
	}
}

func TestMalformedAxonHotkey(t *testing.T) {
	n := newNetwork(t, nil, nil)
	r := dendrite.Call(context.Background(), n.validator, echo.Echo, dendrite.Axon{Hotkey: "cosmos1xyz", Addr: n.target.Addr}, echo.EchoRequest{})
	require.False(t, r.OK())
	require.Equal(t, 0, r.Status)
	require.Equal(t, synapse.ReasonMalformed, r.Reason)
	require.ErrorContains(t, r.Err, "cosmos1xyz")
}

func TestAxonWithAnotherHotkeyRefused(t *testing.T) {
	n := newNetwork(t, nil, nil)
	impostor := dendrite.Axon{Hotkey: synapse.GenerateKeySigner().Address(), Addr: n.target.Addr}
	r := dendrite.Call(context.Background(), n.validator, echo.Echo, impostor, echo.EchoRequest{Text: "x"})
	require.Equal(t, http.StatusBadGateway, r.Status)
	require.Equal(t, synapse.ReasonBadResponse, r.Reason)
	require.ErrorContains(t, r.Err, "axon's certificate refused")
	require.ErrorContains(t, r.Err, "want "+impostor.Hotkey)
}

// slowRoute answers after the test lets it, or never; slowStream sends one
// chunk and then waits for its deadline.
var (
	slowRoute  = synapse.MustRoute[echo.EchoRequest, echo.EchoResponse]("Slow")
	slowStream = synapse.MustStreamRoute[echo.CountRequest, echo.CountChunk]("SlowStream")
)

func attachSlow(release <-chan struct{}) func(*axon.Axon) error {
	return func(a *axon.Axon) error {
		return errors.Join(echo.Register(a),
			axon.Handle(a, slowRoute, func(ctx context.Context, _ axon.Call, req echo.EchoRequest) (echo.EchoResponse, error) {
				select {
				case <-release:
					return echo.EchoResponse{Text: req.Text}, nil
				case <-ctx.Done():
					return echo.EchoResponse{}, ctx.Err()
				}
			}),
			axon.HandleStream(a, slowStream, func(ctx context.Context, _ axon.Call, _ echo.CountRequest, send func(echo.CountChunk) error) error {
				if err := send(echo.CountChunk{Index: 0}); err != nil {
					return err
				}
				<-ctx.Done()
				return ctx.Err()
			}))
	}
}

func TestDeadlinesAndCancellation(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	n := newNetwork(t, attachSlow(release), func(_ *axon.Config, d *dendrite.Config) { d.Timeout = 300 * time.Millisecond })

	r := dendrite.Call(context.Background(), n.validator, slowRoute, n.target, echo.EchoRequest{Text: "x"})
	require.Equal(t, http.StatusRequestTimeout, r.Status)
	require.Equal(t, synapse.ReasonDeadline, r.Reason)

	var got []echo.CountChunk
	s := dendrite.Stream(context.Background(), n.validator, slowStream, n.target, echo.CountRequest{}, collect(&got))
	require.Equal(t, http.StatusRequestTimeout, s.Status, "the axon closes the stream with 408: %v", s.Err)
	require.Equal(t, 1, s.Chunks)

	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	c := dendrite.Call(ctx, n.validator, slowRoute, n.target, echo.EchoRequest{Text: "x"})
	require.Equal(t, 0, c.Status)
	require.Equal(t, synapse.ReasonCanceled, c.Reason)
	require.ErrorContains(t, c.Err, "cancelled")

	// An address that never answers: the call ends at its deadline all the same.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close() // held open, never answered
		}
	}()
	silent := dendrite.Call(context.Background(), n.validator, echo.Echo, dendrite.Axon{Hotkey: n.target.Hotkey, Addr: ln.Addr().String()},
		echo.EchoRequest{})
	require.Equal(t, http.StatusRequestTimeout, silent.Status)
}

func TestLimitsAndCallbacks(t *testing.T) {
	n := newNetwork(t, nil, func(_ *axon.Config, d *dendrite.Config) { d.MaxResponseBytes = 1024; d.MaxStreamBytes = 4096 })
	ctx := context.Background()

	big := dendrite.Call(ctx, n.validator, echo.Echo, n.target, echo.EchoRequest{Text: strings.Repeat("x", 2000)})
	require.Equal(t, http.StatusBadGateway, big.Status)
	require.Equal(t, synapse.ReasonTooLarge, big.Reason)
	require.ErrorContains(t, big.Err, "exceeds the limit of 1024")

	var got []echo.CountChunk
	long := dendrite.Stream(ctx, n.validator, echo.Count, n.target, echo.CountRequest{N: 1000, Text: "x"}, collect(&got))
	require.Equal(t, http.StatusBadGateway, long.Status)
	require.Equal(t, synapse.ReasonTooLarge, long.Reason)
	require.ErrorContains(t, long.Err, "stream exceeds the limit of 4096 bytes")

	wide := dendrite.Stream(ctx, n.validator, echo.Count, n.target, echo.CountRequest{N: 1, Text: strings.Repeat("x", 2000)}, collect(&got))
	require.Equal(t, synapse.ReasonTooLarge, wide.Reason)
	require.ErrorContains(t, wide.Err, "frame 0 exceeds the limit of 1024 bytes")

	enough := errors.New("enough")
	got = nil
	stop := dendrite.Stream(ctx, n.validator, echo.Count, n.target, echo.CountRequest{N: 10, Text: "x"}, func(c echo.CountChunk) error {
		if c.Index == 2 {
			return enough
		}
		got = append(got, c)
		return nil
	})
	require.ErrorIs(t, stop.Err, enough)
	require.Equal(t, 0, stop.Status)
	require.Equal(t, 2, stop.Chunks)

	n.validator.Close()
	closed := dendrite.Call(ctx, n.validator, echo.Echo, n.target, echo.EchoRequest{})
	require.ErrorContains(t, closed.Err, "dendrite is closed")
}

func TestConfigRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  dendrite.Config
		err  string
	}{
		{"no signer", dendrite.Config{Scope: scope}, "Signer (the validator's hotkey) is required"},
		{"no chain", dendrite.Config{Signer: synapse.GenerateKeySigner()}, "Scope.ChainID is required"},
		{"negative timeout", dendrite.Config{Signer: synapse.GenerateKeySigner(), Scope: scope, Timeout: -time.Second}, "Timeout is negative"},
		{"certificate too long", dendrite.Config{Signer: synapse.GenerateKeySigner(), Scope: scope, CertLifetime: 25 * time.Hour}, "CertLifetime 25h0m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dendrite.New(tc.cfg)
			require.ErrorContains(t, err, tc.err)
		})
	}
}
