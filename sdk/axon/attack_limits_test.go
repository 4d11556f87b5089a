package axon_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/axon/axontest"
	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/example/echo"
	"github.com/gotensor/gotensor/sdk/synapse"
)

// The attacks below come from issue 9's "The axon under attack": each was
// run against a real axon over loopback with raw connections, and each once
// got through. Attackers dial from 127.0.0.2 and up, so that on loopback
// they are other sources than the honest validators (127.0.0.1), as they
// would be on a network.

// attackSource is the i-th attacker address: 127.0.0.2, 127.0.0.3, …
func attackSource(i int) net.IP { return net.IPv4(127, 0, byte(2+i/250), byte(2+i%250)) }

// dialFrom connects to the axon from src; the connection is closed when the
// test ends.
func dialFrom(t testing.TB, a *axon.Axon, src net.IP) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: src}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", a.Addr().String())
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// flood runs f(i) for i in [0, n) on 16 goroutines.
func flood(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// stillOpen counts the connections the axon has not closed: a read that
// times out means the connection is still held.
func stillOpen(conns []net.Conn) int {
	var open atomic.Int64
	deadline := time.Now().Add(300 * time.Millisecond)
	var wg sync.WaitGroup
	for _, c := range conns {
		if c == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetReadDeadline(deadline)
			_, err := io.Copy(io.Discard, c)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				open.Add(1)
			}
		}()
	}
	wg.Wait()
	return int(open.Load())
}

// honestCall makes one call and requires it to succeed. The dendrite's
// timeout is a generous backstop, not a measure of speed.
func honestCall(t *testing.T, d *dendrite.Dendrite, a *axon.Axon, text string) {
	t.Helper()
	r := dendrite.Call(context.Background(), d, echo.Echo, target(a), echo.EchoRequest{Text: text})
	require.NoError(t, r.Err, "honest call %q: status %d", text, r.Status)
	require.Equal(t, text, r.Response.Text)
}

func heapAfterGC() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

const mib = 1 << 20

// connections reads the axon's gauge of open connections of a class
// ("staked" or "unstaked").
func connections(t *testing.T, reg *prometheus.Registry, class string) int {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != "gotensor_axon_connections" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "class" && l.GetValue() == class {
					return int(m.GetGauge().GetValue())
				}
			}
		}
	}
	t.Fatalf("no gotensor_axon_connections{class=%q}", class)
	return 0
}

// A staked validator's connections, over HTTP/1.1 or h2c, leave the
// unstaked bounds; an unregistered caller's stay in them.
func TestStakedConnections(t *testing.T) {
	miner, staked, stranger := synapse.GenerateKeySigner(), synapse.GenerateKeySigner(), synapse.GenerateKeySigner()
	p := axon.StaticPeers{staked.Address(): {UID: 0, Stake: 1000, ValidatorPermit: true}}
	reg := prometheus.NewRegistry()
	a := axontest.Start(t, axon.Config{Signer: miner, Scope: scope, Peers: p, Logger: quiet, Registry: reg,
		Policy: axon.Policy{AllowUnregistered: true}}, echo.Register)
	honestCall(t, newDendrite(t, staked, nil), a, "h1")
	honestCall(t, newDendrite(t, staked, func(c *dendrite.Config) { c.HTTP2 = true }), a, "h2c")
	require.Equal(t, 2, connections(t, reg, "staked"))
	honestCall(t, newDendrite(t, stranger, nil), a, "unregistered")
	require.Equal(t, 2, connections(t, reg, "staked"))
	require.Equal(t, 1, connections(t, reg, "unstaked"))
}

func TestAttackConnectionExhaustion(t *testing.T) {
	miner, honestKey := synapse.GenerateKeySigner(), synapse.GenerateKeySigner()
	p := axon.StaticPeers{honestKey.Address(): {UID: 0, Stake: 1000, ValidatorPermit: true}}
	reg := prometheus.NewRegistry()
	// A lenient header timeout: silent connections are not cut short by it.
	a := axontest.Start(t, axon.Config{Signer: miner, Scope: scope, Peers: p, Logger: quiet, Registry: reg,
		ReadHeaderTimeout: 30 * time.Second}, echo.Register)
	generous := func(c *dendrite.Config) { c.Timeout = 5 * time.Second }
	veteran := newDendrite(t, honestKey, generous) // keeps its staked connection through every attack
	honestCall(t, veteran, a, "before")

	const attackConns, perSource = 4096, 64 // the 4096, from 64 sources
	holdConns := func(t *testing.T, open func(c net.Conn) error) []net.Conn {
		conns := make([]net.Conn, attackConns)
		flood(attackConns, func(i int) {
			c, err := dialFrom(t, a, attackSource(i/perSource))
			if err != nil {
				return
			}
			if open(c) == nil {
				conns[i] = c
			}
		})
		return conns
	}

	// attack holds connections opened by open while the veteran calls
	// throughout and a new validator connects; it reports what the axon
	// kept and how the honest calls fared.
	attack := func(t *testing.T, open func(c net.Conn) error) {
		stop := honestLoop(t, veteran, target(a))
		conns := holdConns(t, open)
		honestCall(t, newDendrite(t, honestKey, generous), a, "newcomer")
		served, failure := stop()
		require.NoError(t, failure, "the veteran was never refused")
		require.Positive(t, served)
		require.Positive(t, connections(t, reg, "staked"), "the validators' connections are staked")
		t.Logf("attacker connections the axon kept: %d of %d; honest: newcomer served, veteran served %d calls, none refused",
			stillOpen(conns), attackConns, served)
	}

	t.Run("keep-alive connections each after one 404", func(t *testing.T) {
		attack(t, func(c net.Conn) error {
			if _, err := io.WriteString(c, "POST /nope HTTP/1.1\r\nHost: axon\r\nContent-Length: 0\r\n\r\n"); err != nil {
				return err
			}
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				return err
			}
			resp.Body.Close()
			return nil
		})
	})

	t.Run("silent connections", func(t *testing.T) {
		attack(t, func(net.Conn) error { return nil })
	})

	t.Run("connections trickling their headers", func(t *testing.T) {
		attack(t, func(c net.Conn) error {
			_, err := io.WriteString(c, "POST /Echo HTTP/1.1\r\nHost: axon\r\ngt-caller: ")
			return err
		})
	})

	t.Run("one source", func(t *testing.T) {
		conns := make([]net.Conn, 1000)
		flood(len(conns), func(i int) {
			if c, err := dialFrom(t, a, attackSource(100)); err == nil {
				conns[i] = c
			}
		})
		open := stillOpen(conns)
		t.Logf("connections one source holds: %d of %d", open, len(conns))
		require.LessOrEqual(t, open, 64, "MaxConnsPerSource's default")
		honestCall(t, newDendrite(t, honestKey, generous), a, "newcomer")
	})
}

// unauthenticatedHead is a request head with well-formed envelope headers
// and a session and MAC made up: it passes every check before the session
// lookup.
func unauthenticatedHead(a *axon.Axon, caller string, bodyLen int) string {
	var sess, mac [16]byte
	_, _ = rand.Read(sess[:])
	_, _ = rand.Read(mac[:])
	return fmt.Sprintf("POST /Echo HTTP/1.1\r\nHost: axon\r\nContent-Length: %d\r\n"+
		"gt-version: %d\r\ngt-caller: %s\r\ngt-target: %s\r\ngt-nonce: %d\r\ngt-uuid: %s\r\n"+
		"gt-timeout-ms: 30000\r\ngt-session: %s\r\ngt-mac: %s\r\n\r\n",
		bodyLen, synapse.Version, caller, a.Hotkey(), time.Now().UnixNano(), uuid.NewString(),
		hex.EncodeToString(sess[:]), strings.Repeat(hex.EncodeToString(mac[:]), 2))
}

// signedHead is a request head the raw client signed for a body of bodyLen
// zero bytes.
func signedHead(t *testing.T, c *raw, bodyLen int) string {
	hdr, _ := c.build(t, request{route: "Echo", body: make([]byte, bodyLen)})
	var b strings.Builder
	fmt.Fprintf(&b, "POST /Echo HTTP/1.1\r\nHost: axon\r\nContent-Length: %d\r\n", bodyLen)
	for k, v := range hdr {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v[0])
	}
	b.WriteString("\r\n")
	return b.String()
}

func TestAttackPreAuthMemory(t *testing.T) {
	miner, honestKey, attackerKey := synapse.GenerateKeySigner(), synapse.GenerateKeySigner(), synapse.GenerateKeySigner()
	p := axon.StaticPeers{
		honestKey.Address():   {UID: 0, Stake: 1000, ValidatorPermit: true},
		attackerKey.Address(): {UID: 1, Stake: 1000, ValidatorPermit: true},
	}
	a := axontest.Start(t, axon.Config{Signer: miner, Scope: scope, Peers: p, Logger: quiet}, echo.Register)
	honest := newDendrite(t, honestKey, func(c *dendrite.Config) { c.Timeout = 5 * time.Second })
	honestCall(t, honest, a, "before")

	const conns, announced = 128, 4 << 20 // the default MaxBodyBytes
	body := make([]byte, announced-1)
	attack := func(t *testing.T, head func(i int) string, sent func(i int) int) {
		before := heapAfterGC()
		stop := honestLoop(t, honest, target(a))
		var wg sync.WaitGroup
		for i := range conns {
			c, err := dialFrom(t, a, attackSource(i/32))
			require.NoError(t, err)
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
				if _, err := io.WriteString(c, head(i)); err == nil {
					_, _ = c.Write(body[:sent(i)]) // fails once the axon has answered and closed
				}
			}()
		}
		wg.Wait()
		time.Sleep(300 * time.Millisecond) // let the axon take in what arrived
		during := heapAfterGC()
		served, failure := stop()
		require.NoError(t, failure, "the honest validator was never refused")
		honestCall(t, honest, a, "after")
		growth := int64(during) - int64(before)
		t.Logf("heap %.1f MiB before, %.1f MiB with %d connections attacking (growth %.1f MiB); honest validator served %d calls, none refused",
			float64(before)/mib, float64(during)/mib, conns, float64(growth)/mib, served)
		require.Less(t, growth, int64(64*mib))
	}

	t.Run("unauthenticated, announcing 4 MiB, none or all but one byte sent", func(t *testing.T) {
		attack(t, func(int) string { return unauthenticatedHead(a, attackerKey.Address(), announced) },
			func(i int) int { return (i % 2) * (announced - 1) })
	})

	t.Run("valid session, announcing 4 MiB, 256 KiB sent", func(t *testing.T) {
		atk := newRaw(t, a, attackerKey)
		require.Equal(t, http.StatusOK, atk.handshake(t, nil).status)
		attack(t, func(int) string { return signedHead(t, atk, announced) }, func(int) int { return 256 << 10 })
	})
}

func TestAttackReplayEviction(t *testing.T) {
	miner, honestKey, attackerKey := synapse.GenerateKeySigner(), synapse.GenerateKeySigner(), synapse.GenerateKeySigner()
	p := axon.StaticPeers{
		honestKey.Address():   {UID: 0, Stake: 1000, ValidatorPermit: true},
		attackerKey.Address(): {UID: 1, Stake: 1000, ValidatorPermit: true},
	}
	// The flood was 18,496 keys against MaxReplayKeys 16,384, with
	// nonces 3.5 s ahead in a 4 s window; the same ratios at a smaller
	// scale, and a wider window so that a slow machine cannot outlast it,
	// keep the test fast and sure.
	const maxKeys, floodKeys, window = 1024, 1160, 30 * time.Second
	a := axontest.Start(t, axon.Config{Signer: miner, Scope: scope, Peers: p, Logger: quiet,
		MaxReplayKeys: maxKeys, NonceWindow: window}, echo.Register)
	honest := newDendrite(t, honestKey, nil)
	honestCall(t, honest, a, "before")

	atk := newRaw(t, a, attackerKey)
	require.Equal(t, http.StatusOK, atk.handshake(t, nil).status)
	// Fresh uuids, nonces well ahead: each request makes a new replay key.
	ahead := func(c *synapse.RequestAuth) {
		c.UUID = uuid.NewString()
		c.Nonce = time.Now().Add(window * 7 / 8).UnixNano()
	}
	var statuses sync.Map // status → *atomic.Int64
	count := func(status int) {
		n, _ := statuses.LoadOrStore(status, new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
	}
	hi := []byte(`{"text":"hi"}`)
	flood(floodKeys, func(int) {
		count(atk.send(t, request{route: "Echo", body: hi, sign: ahead}).status)
	})

	for i := range 20 {
		honestCall(t, honest, a, fmt.Sprintf("after the flood %d", i))
	}
	honestCall(t, newDendrite(t, honestKey, nil), a, "a new honest dendrite")

	// A sustained flood, with the honest validator calling throughout.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					count(atk.send(t, request{route: "Echo", body: hi, sign: ahead}).status)
				}
			}
		}()
	}
	for i := range 40 {
		honestCall(t, honest, a, fmt.Sprintf("during the flood %d", i))
	}
	close(stop)
	wg.Wait()

	var summary []string
	statuses.Range(func(k, v any) bool {
		summary = append(summary, fmt.Sprintf("%d×%d", v.(*atomic.Int64).Load(), k))
		return true
	})
	t.Logf("attacker's answers: %s; honest: 61 of 61 served", strings.Join(summary, " "))
	refused, _ := statuses.Load(http.StatusTooManyRequests)
	require.NotNil(t, refused, "the flooding caller is refused over its own budget")
}

func TestAttackTimeOverflow(t *testing.T) {
	miner, attackerKey := synapse.GenerateKeySigner(), synapse.GenerateKeySigner()
	p := axon.StaticPeers{attackerKey.Address(): {UID: 1, Stake: 1000, ValidatorPermit: true}}
	a := axontest.Start(t, axon.Config{Signer: miner, Scope: scope, Peers: p, Logger: quiet}, echo.Register)
	now := time.Now().Unix()

	for _, tc := range []struct {
		name               string
		issuedAt, notAfter int64
		reason             synapse.Reason
		msg                string
	}{
		{"issued_at hugely negative, not_after max int64", math.MinInt64, math.MaxInt64,
			synapse.ReasonBadCertificate, "issued_at -9223372036854775808 is outside"},
		{"issued_at -2^62, not_after now", -1 << 62, now + 60,
			synapse.ReasonBadCertificate, "issued_at -4611686018427387904 is outside"},
		{"not_after max int64", now, math.MaxInt64,
			synapse.ReasonBadCertificate, "not_after 9223372036854775807 is outside"},
		{"not_after now + 9,223,372,037 s (lifetime × 1 s overflows)", now, now + 9_223_372_037,
			synapse.ReasonBadCertificate, "longer than 24h"},
	} {
		t.Run("certificate "+tc.name, func(t *testing.T) {
			c := newRaw(t, a, attackerKey)
			c.cred.Cert.IssuedAt, c.cred.Cert.NotAfter = tc.issuedAt, tc.notAfter
			require.NoError(t, c.cred.Cert.Sign(attackerKey))
			c.cred.Digest = c.cred.Cert.Digest()
			ans := c.handshake(t, nil)
			require.Equal(t, http.StatusUnauthorized, ans.status, "answer %s", ans.body)
			require.Equal(t, tc.reason, ans.err.Reason)
			require.Contains(t, ans.err.Message, tc.msg)
		})
	}

	atk := newRaw(t, a, attackerKey)
	require.Equal(t, http.StatusOK, atk.handshake(t, nil).status)
	for _, timeoutMs := range []int64{9_223_372_036_855, math.MaxInt64, math.MaxInt64 / int64(time.Millisecond)} {
		t.Run(fmt.Sprintf("gt-timeout-ms %d", timeoutMs), func(t *testing.T) {
			ans := atk.send(t, request{route: "Echo", body: []byte(`{"text":"hi"}`),
				sign: func(c *synapse.RequestAuth) { c.TimeoutMs = timeoutMs }})
			if timeoutMs == math.MaxInt64/int64(time.Millisecond) { // the largest a time.Duration holds: capped at MaxTimeout, served
				require.Equal(t, http.StatusOK, ans.status, "answer %s", ans.body)
				return
			}
			require.Equal(t, http.StatusBadRequest, ans.status, "answer %s", ans.body)
			require.Equal(t, synapse.ReasonMalformed, ans.err.Reason)
			require.Contains(t, ans.err.Message, "header gt-timeout-ms: "+fmt.Sprint(timeoutMs)+" ms is more than")
		})
	}
}
