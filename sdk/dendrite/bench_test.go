package dendrite_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/axon/axontest"
	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/example/echo"
	"github.com/gotensor/gotensor/sdk/synapse"
)

// run calls op b.N times from `workers` goroutines and reports throughput
// and latency percentiles.
func run(b *testing.B, workers int, op func() error) {
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
				t0 := time.Now()
				if err := op(); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	report(b, lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
}

// cpuTime is the CPU this process has used (both ends run in it): unlike
// wall time, it does not depend on what else the machine is running.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func report(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Microsecond) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

// bareEcho is the ceiling: net/http answering a 1 KB POST with its body,
// no envelope, no JSON, no authentication.
func bareEcho(b *testing.B, h2 bool) (url string, client *http.Client) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(body)
	}), Protocols: new(http.Protocols)}
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	if h2 {
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetUnencryptedHTTP2(true)
	}
	b.Cleanup(tr.CloseIdleConnections)
	return "http://" + ln.Addr().String() + "/echo", &http.Client{Transport: tr}
}

// BenchmarkRoundTrip: one dendrite to one axon on loopback, 1 KB request
// and response, at concurrency 1 and 64, against a bare net/http echo.
func BenchmarkRoundTrip(b *testing.B) {
	payload := bytes.Repeat([]byte("a"), 1024)
	text := strings.Repeat("a", 1000) // {"text":"…"} ≈ 1 KB; the answer adds "length"
	for _, h2 := range []bool{false, true} {
		proto := map[bool]string{false: "http1", true: "h2c"}[h2]
		for _, workers := range []int{1, 64} {
			b.Run("bare-"+proto+"/c"+strconv.Itoa(workers), func(b *testing.B) {
				url, client := bareEcho(b, h2)
				run(b, workers, func() error {
					resp, err := client.Post(url, "application/octet-stream", bytes.NewReader(payload))
					if err != nil {
						return err
					}
					defer resp.Body.Close()
					got, err := io.ReadAll(resp.Body)
					if err == nil && len(got) != len(payload) {
						return io.ErrShortBuffer
					}
					return err
				})
			})
			b.Run("sdk-"+proto+"/c"+strconv.Itoa(workers), func(b *testing.B) {
				validator := synapse.GenerateKeySigner()
				a := axontest.Start(b, axon.Config{Signer: synapse.GenerateKeySigner(), Scope: scope, Logger: quiet,
					Peers:  axon.StaticPeers{validator.Address(): {Stake: 1, ValidatorPermit: true}},
					Policy: axon.Policy{RequireValidatorPermit: true}}, echo.Register)
				d, err := dendrite.New(dendrite.Config{Signer: validator, Scope: scope, Logger: quiet, HTTP2: h2})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(d.Close)
				ax := dendrite.Axon{Hotkey: a.Hotkey(), Addr: a.Addr().String()}
				if err := d.Connect(context.Background(), []dendrite.Axon{ax})[0]; err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				req := echo.EchoRequest{Text: text}
				run(b, workers, func() error {
					r := dendrite.Call(ctx, d, echo.Echo, ax, req)
					if r.Err == nil && r.Response.Length != len(text) {
						return io.ErrShortBuffer
					}
					return r.Err
				})
			})
		}
	}
}

// BenchmarkFanOut256: one Query to 256 axons (in this process) with a
// trivial handler; an op is the whole query, until the last answer. "warm"
// has sessions and connections from an earlier query; "cold" starts a new
// dendrite each time (256 dials and handshakes).
func BenchmarkFanOut256(b *testing.B) {
	const n = 256
	validator := synapse.GenerateKeySigner()
	peers := axon.StaticPeers{validator.Address(): {Stake: 1}}
	axons := make([]dendrite.Axon, n)
	for i := range axons {
		a := axontest.Start(b, axon.Config{Signer: synapse.GenerateKeySigner(), Scope: scope, Logger: quiet, Peers: peers}, echo.Register)
		axons[i] = dendrite.Axon{Hotkey: a.Hotkey(), Addr: a.Addr().String()}
	}
	query := func(b *testing.B, d *dendrite.Dendrite) time.Duration {
		t0 := time.Now()
		for _, r := range dendrite.Query(context.Background(), d, echo.Echo, axons, echo.EchoRequest{Text: "x"}) {
			if r.Err != nil {
				b.Fatalf("%s: %v", r.Axon, r.Err)
			}
		}
		return time.Since(t0)
	}
	newDendrite := func(b *testing.B) *dendrite.Dendrite {
		d, err := dendrite.New(dendrite.Config{Signer: validator, Scope: scope, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
	b.Run("warm", func(b *testing.B) {
		d := newDendrite(b)
		defer d.Close()
		query(b, d)
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		cpu0 := cpuTime()
		for range b.N {
			lat = append(lat, query(b, d))
		}
		cpu := cpuTime() - cpu0
		b.StopTimer()
		reportFanOut(b, lat)
		b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	})
	b.Run("cold", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		var cpu time.Duration
		for range b.N {
			d := newDendrite(b)
			cpu0 := cpuTime()
			lat = append(lat, query(b, d))
			cpu += cpuTime() - cpu0
			b.StopTimer()
			d.Close()
			b.StartTimer()
		}
		reportFanOut(b, lat)
		b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	})
}

func reportFanOut(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[int(0.99*float64(len(lat)-1))]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
}
