package axon_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
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

// stallRoute's handler ignores its context and waits for the test to end.
var stallRoute = synapse.MustRoute[echo.EchoRequest, echo.EchoResponse]("Stall")

func setHdr(h http.Header, name, value string) { h[name] = []string{value} }

// honestLoop keeps an honest validator calling the axon until stopped, and
// reports how many calls succeeded and the first failure.
func honestLoop(t *testing.T, d *dendrite.Dendrite, ax dendrite.Axon) (stop func() (served int64, failure error)) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var served atomic.Int64
	var failure atomic.Pointer[error]
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				text := fmt.Sprintf("honest %d", i)
				r := dendrite.Call(context.Background(), d, echo.Echo, ax, echo.EchoRequest{Text: text})
				if r.Err != nil || r.Response.Text != text {
					err := fmt.Errorf("honest call %d: status %d: %v", i, r.Status, r.Err)
					failure.CompareAndSwap(nil, &err)
					continue
				}
				served.Add(1)
			}
		}()
	}
	return func() (int64, error) {
		close(done)
		wg.Wait()
		if f := failure.Load(); f != nil {
			return served.Load(), *f
		}
		return served.Load(), nil
	}
}

func TestAttacks(t *testing.T) {
	miner := synapse.GenerateKeySigner()
	honestKey, attackerKey := synapse.GenerateKeySigner(), synapse.GenerateKeySigner()
	noPermitKey, lowStakeKey, strangerKey, leaverKey, bannedKey := synapse.GenerateKeySigner(), synapse.GenerateKeySigner(),
		synapse.GenerateKeySigner(), synapse.GenerateKeySigner(), synapse.GenerateKeySigner()
	p := newPeers()
	p.set(honestKey.Address(), axon.PeerInfo{UID: 0, Stake: 1000, ValidatorPermit: true})
	p.set(attackerKey.Address(), axon.PeerInfo{UID: 1, Stake: 1000, ValidatorPermit: true})
	p.set(noPermitKey.Address(), axon.PeerInfo{UID: 2, Stake: 1000})
	p.set(lowStakeKey.Address(), axon.PeerInfo{UID: 3, Stake: 10, ValidatorPermit: true})
	p.set(leaverKey.Address(), axon.PeerInfo{UID: 4, Stake: 1000, ValidatorPermit: true})
	p.set(bannedKey.Address(), axon.PeerInfo{UID: 5, Stake: 1000, ValidatorPermit: true})

	stall := make(chan struct{})
	a := axontest.Start(t, axon.Config{
		Signer: miner, Scope: scope, Peers: p, Logger: quiet,
		Policy: axon.Policy{RequireValidatorPermit: true, MinStake: 100,
			Allow: func(hotkey string, peer axon.PeerInfo, _ bool) error {
				if hotkey == bannedKey.Address() {
					return fmt.Errorf("uid %d sent garbage yesterday", peer.UID)
				}
				return nil
			}},
		MaxBodyBytes:      64 << 10,
		ReadHeaderTimeout: 300 * time.Millisecond,
		ReadTimeout:       time.Second,
	}, func(a *axon.Axon) error {
		return errors.Join(echo.Register(a), axon.Handle(a, stallRoute,
			func(_ context.Context, _ axon.Call, req echo.EchoRequest) (echo.EchoResponse, error) {
				<-stall
				return echo.EchoResponse{Text: req.Text}, nil
			}))
	})
	t.Cleanup(func() { close(stall) }) // runs before the axon stops

	stopHonest := honestLoop(t, newDendrite(t, honestKey, nil), target(a))
	atk := newRaw(t, a, attackerKey)
	require.Equal(t, http.StatusOK, atk.handshake(t, nil).status)

	hi := []byte(`{"text":"hi"}`)
	t.Run("baseline: the raw client is served", func(t *testing.T) {
		ans := atk.send(t, request{route: "Echo", body: hi})
		require.Equal(t, http.StatusOK, ans.status)
		require.JSONEq(t, `{"text":"hi","length":2}`, string(ans.body))
	})

	for _, tc := range []struct {
		name   string
		req    request
		status int
		reason synapse.Reason
		msg    string
	}{
		{"stale nonce", request{route: "Echo", body: hi, sign: func(a *synapse.RequestAuth) {
			a.Nonce = time.Now().Add(-20 * time.Second).UnixNano()
		}}, 401, synapse.ReasonNonceStale, "allowed (clock window 4s + request timeout 5s)"},
		{"nonce from the future", request{route: "Echo", body: hi, sign: func(a *synapse.RequestAuth) {
			a.Nonce = time.Now().Add(10 * time.Second).UnixNano()
		}}, 401, synapse.ReasonNonceFuture, "ahead of this axon's clock"},
		{"empty MAC", request{route: "Echo", body: hi, tamper: func(h http.Header, _ *[]byte) {
			setHdr(h, synapse.HeaderMAC, "")
		}}, 401, synapse.ReasonMissingMAC, "every request must be authenticated"},
		{"no MAC header", request{route: "Echo", body: hi, tamper: func(h http.Header, _ *[]byte) {
			delete(h, synapse.HeaderMAC)
		}}, 401, synapse.ReasonMissingMAC, "missing or empty"},
		{"wrong MAC", request{route: "Echo", body: hi, tamper: func(h http.Header, _ *[]byte) {
			var b [32]byte
			_, _ = rand.Read(b[:])
			setHdr(h, synapse.HeaderMAC, hex.EncodeToString(b[:]))
		}}, 401, synapse.ReasonBadMAC, "MAC does not match the request"},
		{"body changed after signing", request{route: "Echo", body: hi, tamper: func(_ http.Header, b *[]byte) {
			*b = []byte(`{"text":"ho"}`)
		}}, 401, synapse.ReasonBadMAC, "headers or body changed after signing"},
		{"timeout changed after signing", request{route: "Echo", body: hi, tamper: func(h http.Header, _ *[]byte) {
			setHdr(h, synapse.HeaderTimeout, "60000")
		}}, 401, synapse.ReasonBadMAC, "MAC does not match"},
		{"addressed to another axon", request{route: "Echo", body: hi, sign: func(a *synapse.RequestAuth) {
			a.Target = honestKey.Address()
		}}, 401, synapse.ReasonWrongTarget, "this axon is " + miner.Address()},
		{"claims another caller on its own session", request{route: "Echo", body: hi, sign: func(a *synapse.RequestAuth) {
			a.Caller = honestKey.Address()
		}}, 401, synapse.ReasonWrongCaller, "belongs to " + attackerKey.Address()},
		{"unknown session", request{route: "Echo", body: hi, tamper: func(h http.Header, _ *[]byte) {
			setHdr(h, synapse.HeaderSession, strings.Repeat("0", 32))
		}}, 401, synapse.ReasonSessionUnknown, "handshake again"},
		{"other wire version", request{route: "Echo", body: hi, tamper: func(h http.Header, _ *[]byte) {
			setHdr(h, synapse.HeaderVersion, "2000000")
		}}, 400, synapse.ReasonVersion, "not compatible"},
		{"unknown route", request{route: "Nope", body: hi}, 404, synapse.ReasonUnknownRoute, `no route "Nope" here; this axon serves [Count Echo Stall Sum]`},
		{"malformed JSON", request{route: "Echo", body: []byte(`{"text":`)}, 400, synapse.ReasonBadJSON, "body is not a valid echo.EchoRequest"},
		{"wrong JSON type", request{route: "Echo", body: []byte(`{"text":5}`)}, 400, synapse.ReasonBadJSON, "cannot unmarshal number"},
		{"oversized body", request{route: "Echo", body: bytes.Repeat([]byte("x"), 100<<10)}, 413, synapse.ReasonTooLarge,
			"body of 102400 bytes exceeds this axon's limit of 65536"},
		{"deadline exceeded by the handler", request{route: "Stall", body: hi, sign: func(a *synapse.RequestAuth) {
			a.TimeoutMs = 200
		}}, 408, synapse.ReasonDeadline, "handler did not answer within the request's timeout of 200ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ans := atk.send(t, tc.req)
			require.Equal(t, tc.status, ans.status, "answer %s", ans.body)
			require.Equal(t, tc.reason, ans.err.Reason)
			require.Contains(t, ans.err.Message, tc.msg)
		})
	}

	t.Run("replayed request", func(t *testing.T) {
		hdr, body := atk.build(t, request{route: "Echo", body: hi})
		require.Equal(t, http.StatusOK, atk.post(t, "/Echo", hdr, body).status)
		ans := atk.post(t, "/Echo", hdr, body)
		require.Equal(t, http.StatusUnauthorized, ans.status)
		require.Equal(t, synapse.ReasonNonceReplayed, ans.err.Reason)
		require.Contains(t, ans.err.Message, "already used")
	})

	t.Run("oversized chunked body", func(t *testing.T) {
		hdr, _ := atk.build(t, request{route: "Echo", body: hi})
		req, err := http.NewRequest(http.MethodPost, atk.url+"/Echo", io.MultiReader(bytes.NewReader(make([]byte, 100<<10))))
		require.NoError(t, err)
		for k, v := range hdr {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	})

	t.Run("GET", func(t *testing.T) {
		resp, err := http.Get(atk.url + "/Echo")
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
		require.Equal(t, "POST", resp.Header.Get("Allow"))
	})

	handshakeAttacks := []struct {
		name   string
		cert   func(t *testing.T) *synapse.Certificate
		status int
		reason synapse.Reason
		msg    string
	}{
		{"signer not registered", credOf(strangerKey, scope, 0), 403, synapse.ReasonNotRegistered, "is not registered on this subnet"},
		{"signer without validator permit", credOf(noPermitKey, scope, 0), 403, synapse.ReasonNoPermit, "has no validator permit"},
		{"stake below minimum", credOf(lowStakeKey, scope, 0), 403, synapse.ReasonLowStake, "stake 10 rao, below this axon's minimum of 100"},
		{"refused by the miner's own rule", credOf(bannedKey, scope, 0), 403, synapse.ReasonBlacklisted, "refused: uid 5 sent garbage yesterday"},
		{"forged certificate: honest hotkey, signed by the attacker", func(t *testing.T) *synapse.Certificate {
			c := credOf(attackerKey, scope, 0)(t)
			c.Hotkey, c.HotkeyPub = honestKey.Address(), honestKey.PubKey().Bytes()
			return c
		}, 401, synapse.ReasonBadCertificate, "signature does not verify against hotkey " + honestKey.Address()},
		{"expired certificate", credOf(attackerKey, scope, -2*time.Hour), 401, synapse.ReasonBadCertificate, "expired"},
		{"certificate for another subnet", credOf(attackerKey, synapse.Scope{ChainID: scope.ChainID, NetUID: 2}, 0),
			401, synapse.ReasonBadCertificate, "netuid 2"},
	}
	for _, tc := range handshakeAttacks {
		t.Run(tc.name, func(t *testing.T) {
			c := newRaw(t, a, attackerKey)
			ans := c.handshake(t, tc.cert(t))
			require.Equal(t, tc.status, ans.status, "answer %s", ans.body)
			require.Equal(t, tc.reason, ans.err.Reason)
			require.Contains(t, ans.err.Message, tc.msg)
		})
	}

	t.Run("handshake garbage", func(t *testing.T) {
		ans := atk.post(t, synapse.HandshakePath, nil, []byte("{]"))
		require.Equal(t, http.StatusBadRequest, ans.status)
		require.Equal(t, synapse.ReasonBadJSON, ans.err.Reason)
	})

	t.Run("deregistered after the handshake", func(t *testing.T) {
		c := newRaw(t, a, leaverKey)
		require.Equal(t, http.StatusOK, c.handshake(t, nil).status)
		require.Equal(t, http.StatusOK, c.send(t, request{route: "Echo", body: hi}).status)
		p.remove(leaverKey.Address())
		ans := c.send(t, request{route: "Echo", body: hi})
		require.Equal(t, http.StatusForbidden, ans.status)
		require.Equal(t, synapse.ReasonNotRegistered, ans.err.Reason)
	})

	t.Run("slow client trickling headers", func(t *testing.T) {
		conn, err := net.Dial("tcp", a.Addr().String())
		require.NoError(t, err)
		defer conn.Close()
		_, err = io.WriteString(conn, "POST /Echo HTTP/1.1\r\nHost: axon\r\n")
		require.NoError(t, err)
		go trickle(conn, "gt-caller: "+strings.Repeat("x", 200)+"\r\n")
		requireCutOff(t, conn)
	})

	t.Run("slow client trickling the body", func(t *testing.T) {
		hdr, body := atk.build(t, request{route: "Echo", body: []byte(`{"text":"` + strings.Repeat("x", 100) + `"}`)})
		conn, err := net.Dial("tcp", a.Addr().String())
		require.NoError(t, err)
		defer conn.Close()
		var head strings.Builder
		fmt.Fprintf(&head, "POST /Echo HTTP/1.1\r\nHost: axon\r\nContent-Length: %d\r\n", len(body))
		for k, v := range hdr {
			fmt.Fprintf(&head, "%s: %s\r\n", k, v[0])
		}
		head.WriteString("\r\n")
		_, err = io.WriteString(conn, head.String()+string(body[:10]))
		require.NoError(t, err)
		go trickle(conn, string(body[10:]))
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
		msg, _ := io.ReadAll(resp.Body)
		require.Contains(t, string(msg), "body not received in time")
		requireCutOff(t, conn)
	})

	served, failure := stopHonest()
	require.NoError(t, failure, "the honest validator was never refused")
	require.Positive(t, served)
	t.Logf("honest validator served %d times during the attacks", served)
}

// credOf issues signer's dendrite certificate for sc, issued shift from now.
func credOf(signer *synapse.KeySigner, sc synapse.Scope, shift time.Duration) func(t *testing.T) *synapse.Certificate {
	return func(t *testing.T) *synapse.Certificate {
		c, err := synapse.NewCredential(signer, synapse.RoleDendrite, sc, time.Now().Add(shift), time.Hour)
		require.NoError(t, err)
		return c.Cert
	}
}

// trickle writes s one byte every 50 ms until done or the connection breaks.
func trickle(conn net.Conn, s string) {
	for i := range len(s) {
		if _, err := conn.Write([]byte{s[i]}); err != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// requireCutOff waits for the axon to close conn. The generous deadline is
// only a backstop: the test checks who closed the connection, not how fast.
func requireCutOff(t *testing.T, conn net.Conn) {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err := io.Copy(io.Discard, conn)
	require.False(t, errors.Is(err, os.ErrDeadlineExceeded), "the axon did not cut the slow client off")
}
