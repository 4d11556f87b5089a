package synapse_test

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// pair makes both ends of one session, each derived on its own side.
func pair(t testing.TB) (dendrite, axon *synapse.Session) {
	t.Helper()
	now := time.Now()
	d, err := synapse.NewCredential(synapse.GenerateKeySigner(), synapse.RoleDendrite, scope, now, time.Hour)
	require.NoError(t, err)
	a, err := synapse.NewCredential(synapse.GenerateKeySigner(), synapse.RoleAxon, scope, now, 30*time.Minute)
	require.NoError(t, err)
	ds, err := d.Derive(a.Cert)
	require.NoError(t, err)
	as, err := a.Derive(d.Cert)
	require.NoError(t, err)
	return ds, as
}

func TestSessionBothEndsAgree(t *testing.T) {
	ds, as := pair(t)
	require.Equal(t, ds.ID, as.ID)
	require.Equal(t, ds.Caller, as.Caller)
	require.Equal(t, ds.Target, as.Target)
	require.Equal(t, ds.Expires, as.Expires)
	// The session ends with the shorter-lived certificate, the axon's.
	require.InDelta(t, 30*time.Minute, time.Until(ds.Expires), float64(2*time.Second))

	req := sampleRequest(ds)
	mac := ds.RequestMAC(&req)
	require.True(t, as.VerifyRequest(&req, mac))

	resp := synapse.ResponseAuth{Request: mac, Caller: ds.Caller, Target: ds.Target, UUID: req.UUID, Nonce: 9, Status: 200,
		BodyHash: sha256.Sum256([]byte(`{"ok":true}`))}
	rmac := as.ResponseMAC(&resp)
	require.True(t, ds.VerifyResponse(&resp, rmac))

	// Keys are per direction: a request's MAC is no response's, and vice versa.
	require.NotEqual(t, mac, ds.ResponseMAC(&synapse.ResponseAuth{}))
	require.False(t, ds.VerifyResponse(&resp, mac))
	require.False(t, as.VerifyRequest(&req, rmac))

	// Another session's key does not verify.
	other, _ := pair(t)
	require.False(t, other.VerifyRequest(&req, mac))
}

func TestDeriveRefusesSameRoles(t *testing.T) {
	now := time.Now()
	a1, err := synapse.NewCredential(synapse.GenerateKeySigner(), synapse.RoleAxon, scope, now, time.Hour)
	require.NoError(t, err)
	a2, err := synapse.NewCredential(synapse.GenerateKeySigner(), synapse.RoleAxon, scope, now, time.Hour)
	require.NoError(t, err)
	_, err = a1.Derive(a2.Cert)
	require.ErrorContains(t, err, `not "axon" and "axon"`)

	d, err := synapse.NewCredential(synapse.GenerateKeySigner(), synapse.RoleDendrite, scope, now, time.Hour)
	require.NoError(t, err)
	low := *d.Cert
	low.SessionKey = make([]byte, 32) // the zero point: every key agrees on the all-zero secret
	_, err = a1.Derive(&low)
	require.ErrorContains(t, err, "key agreement")
}

func sampleRequest(s *synapse.Session) synapse.RequestAuth {
	return synapse.RequestAuth{Version: synapse.Version, Route: "Echo", Caller: s.Caller, Target: s.Target,
		UUID: "7f3c", Nonce: 1_800_000_000_000_000_000, TimeoutMs: 12000, BodyHash: sha256.Sum256([]byte(`{"text":"hi"}`))}
}

// Every field a request's MAC covers changes the MAC.
func TestRequestMACCoversEveryField(t *testing.T) {
	ds, as := pair(t)
	base := sampleRequest(ds)
	mac := ds.RequestMAC(&base)
	for _, tc := range []struct {
		name   string
		change func(*synapse.RequestAuth)
	}{
		{"version", func(a *synapse.RequestAuth) { a.Version++ }},
		{"route", func(a *synapse.RequestAuth) { a.Route = "Sum" }},
		{"caller", func(a *synapse.RequestAuth) { a.Caller = a.Target }},
		{"target", func(a *synapse.RequestAuth) { a.Target = a.Caller }},
		{"uuid", func(a *synapse.RequestAuth) { a.UUID = "7f3d" }},
		{"nonce", func(a *synapse.RequestAuth) { a.Nonce++ }},
		{"timeout", func(a *synapse.RequestAuth) { a.TimeoutMs = 60000 }},
		{"body", func(a *synapse.RequestAuth) { a.BodyHash = sha256.Sum256([]byte(`{"text":"hj"}`)) }},
		// Length prefixes keep field boundaries: moving a character between fields is a change.
		{"boundary", func(a *synapse.RequestAuth) { a.Route, a.Caller = "Ech", "o"+a.Caller }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changed := base
			tc.change(&changed)
			require.False(t, as.VerifyRequest(&changed, mac))
		})
	}
	require.True(t, as.VerifyRequest(&base, mac))
}

func TestResponseMACCoversEveryField(t *testing.T) {
	ds, as := pair(t)
	req := sampleRequest(ds)
	base := synapse.ResponseAuth{Request: ds.RequestMAC(&req), Caller: ds.Caller, Target: ds.Target, UUID: req.UUID,
		Nonce: 5, Status: 200, BodyHash: sha256.Sum256([]byte(`{"text":"hi"}`))}
	mac := as.ResponseMAC(&base)
	for _, tc := range []struct {
		name   string
		change func(*synapse.ResponseAuth)
	}{
		{"request", func(a *synapse.ResponseAuth) { a.Request[0] ^= 1 }},
		{"caller", func(a *synapse.ResponseAuth) { a.Caller = "x" }},
		{"target", func(a *synapse.ResponseAuth) { a.Target = "x" }},
		{"uuid", func(a *synapse.ResponseAuth) { a.UUID = "x" }},
		{"nonce", func(a *synapse.ResponseAuth) { a.Nonce++ }},
		{"status", func(a *synapse.ResponseAuth) { a.Status = 500 }},
		{"body", func(a *synapse.ResponseAuth) { a.BodyHash[31] ^= 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changed := base
			tc.change(&changed)
			require.False(t, ds.VerifyResponse(&changed, mac))
		})
	}
	require.True(t, ds.VerifyResponse(&base, mac))
}

func TestParseIDAndMAC(t *testing.T) {
	ds, _ := pair(t)
	id, err := synapse.ParseSessionID(ds.ID.String())
	require.NoError(t, err)
	require.Equal(t, ds.ID, id)
	_, err = synapse.ParseSessionID("abc")
	require.ErrorContains(t, err, "3 characters, want 32")
	_, err = synapse.ParseSessionID("zz" + ds.ID.String()[2:])
	require.ErrorContains(t, err, "invalid byte")

	req := sampleRequest(ds)
	mac := ds.RequestMAC(&req)
	back, err := synapse.ParseMAC(mac.String())
	require.NoError(t, err)
	require.Equal(t, mac, back)
	_, err = synapse.ParseMAC("")
	require.ErrorContains(t, err, "0 characters, want 64")
}
