package synapse_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/synapse"
)

func TestRequestHeaderRoundTrip(t *testing.T) {
	ds, _ := pair(t)
	h := synapse.RequestHeader{Auth: sampleRequest(ds), Session: ds.ID}
	h.MAC = ds.RequestMAC(&h.Auth)
	hdr := http.Header{}
	h.Write(hdr)

	// On the wire, names are lower-case and hyphenated.
	var wire bytes.Buffer
	require.NoError(t, hdr.Write(&wire))
	for _, name := range []string{"gt-version:", "gt-caller:", "gt-target:", "gt-nonce:", "gt-uuid:", "gt-timeout-ms:", "gt-session:", "gt-mac:"} {
		require.Contains(t, wire.String(), name)
	}
	require.NotContains(t, wire.String(), "_")

	// A server reads canonicalised names; the values come back whole.
	parsed := http.Header{}
	for k, v := range hdr {
		parsed[http.CanonicalHeaderKey(k)] = v
	}
	got, err := synapse.ReadRequestHeader("Echo", parsed)
	require.NoError(t, err)
	got.Auth.BodyHash = h.Auth.BodyHash // not a header: computed from the body
	require.Equal(t, h, got)
}

func TestReadRequestHeaderRefuses(t *testing.T) {
	ds, _ := pair(t)
	h := synapse.RequestHeader{Auth: sampleRequest(ds), Session: ds.ID}
	h.MAC = ds.RequestMAC(&h.Auth)
	for _, tc := range []struct {
		name   string
		edit   func(http.Header)
		status int
		reason synapse.Reason
		msg    string
	}{
		{"no version", func(h http.Header) { h.Del(synapse.HeaderVersion) }, 400, synapse.ReasonMalformed, "gt-version"},
		{"other major version", func(h http.Header) { h.Set(synapse.HeaderVersion, "2000000") }, 400, synapse.ReasonVersion, "not compatible"},
		{"no caller", func(h http.Header) { h.Del(synapse.HeaderCaller) }, 400, synapse.ReasonMalformed, "gt-caller: missing"},
		{"no target", func(h http.Header) { h.Del(synapse.HeaderTarget) }, 400, synapse.ReasonMalformed, "gt-target: missing"},
		{"nonce not a number", func(h http.Header) { h.Set(synapse.HeaderNonce, "soon") }, 400, synapse.ReasonMalformed, "gt-nonce"},
		{"negative nonce", func(h http.Header) { h.Set(synapse.HeaderNonce, "-5") }, 400, synapse.ReasonMalformed, "positive"},
		{"no uuid", func(h http.Header) { h.Del(synapse.HeaderUUID) }, 400, synapse.ReasonMalformed, "gt-uuid"},
		{"long uuid", func(h http.Header) { h.Set(synapse.HeaderUUID, strings.Repeat("u", 65)) }, 400, synapse.ReasonMalformed, "got 65"},
		{"zero timeout", func(h http.Header) { h.Set(synapse.HeaderTimeout, "0") }, 400, synapse.ReasonMalformed, "gt-timeout-ms"},
		{"timeout past a duration", func(h http.Header) { h.Set(synapse.HeaderTimeout, "9223372036855") }, 400, synapse.ReasonMalformed,
			"gt-timeout-ms: 9223372036855 ms is more than 9223372036854"},
		{"timeout max int64", func(h http.Header) { h.Set(synapse.HeaderTimeout, "9223372036854775807") }, 400, synapse.ReasonMalformed,
			"gt-timeout-ms: 9223372036854775807 ms is more than"},
		{"no session", func(h http.Header) { h.Del(synapse.HeaderSession) }, 401, synapse.ReasonSessionUnknown, "handshake at /gt/session"},
		{"no MAC", func(h http.Header) { h.Del(synapse.HeaderMAC) }, 401, synapse.ReasonMissingMAC, "every request must be authenticated"},
		{"empty MAC", func(h http.Header) { h.Set(synapse.HeaderMAC, "") }, 401, synapse.ReasonMissingMAC, "missing or empty"},
		{"short MAC", func(h http.Header) { h.Set(synapse.HeaderMAC, "00") }, 401, synapse.ReasonBadMAC, "want 64 hex digits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := http.Header{}
			h.Write(hdr)
			canonical := http.Header{}
			for k, v := range hdr {
				canonical[http.CanonicalHeaderKey(k)] = v
			}
			tc.edit(canonical)
			_, err := synapse.ReadRequestHeader("Echo", canonical)
			var e *synapse.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, tc.status, e.Status)
			require.Equal(t, tc.reason, e.Reason)
			require.Contains(t, e.Message, tc.msg)
		})
	}
}

func TestCheckRouteName(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  string
	}{
		{"Echo", ""},
		{"text_prompting.v2-b", ""},
		{"", "want 1-64"},
		{"9lives", "starting with a letter"},
		{"a/b", "want 1-64"},
		{strings.Repeat("a", 65), "want 1-64"},
		{"gt", "reserved"},
		{"metrics", "reserved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := synapse.CheckRouteName(tc.name)
			if tc.err == "" {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, tc.err)
			}
		})
	}
	require.Panics(t, func() { synapse.MustRoute[struct{}, struct{}]("bad route") })
	r := synapse.MustStreamRoute[struct{}, struct{}]("Count")
	require.Equal(t, "Count", r.Name())
}

func TestVersionCompatible(t *testing.T) {
	require.True(t, synapse.VersionCompatible(synapse.Version))
	require.True(t, synapse.VersionCompatible(synapse.Version+2_003))
	require.False(t, synapse.VersionCompatible(synapse.Version+1_000_000))
	require.False(t, synapse.VersionCompatible(0))
}
