package axon

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/synapse"
)

func requireReason(t *testing.T, err error, reason synapse.Reason) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, reason, synapse.ReasonOf(err), err.Error())
}

func TestReplayWindow(t *testing.T) {
	g := newReplayGuard(4*time.Second, 60*time.Second, 8, 100, 4)
	now := time.Unix(1_800_000_000, 0)
	ns := now.UnixNano()
	timeout := 10 * time.Second
	for _, tc := range []struct {
		name   string
		nonce  int64
		reason synapse.Reason
	}{
		{"now", ns, ""},
		{"ahead within window", ns + int64(4*time.Second), ""},
		{"ahead beyond window", ns + int64(4*time.Second) + 1, synapse.ReasonNonceFuture},
		{"old within window plus timeout", ns - int64(14*time.Second), ""},
		{"old beyond window plus timeout", ns - int64(14*time.Second) - 1, synapse.ReasonNonceStale},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := g.accept("caller", tc.name, tc.nonce, now, timeout)
			if tc.reason == "" {
				require.NoError(t, err)
			} else {
				requireReason(t, err, tc.reason)
			}
		})
	}
}

// Concurrent requests from one dendrite arrive out of order; all are fresh
// once, none twice.
func TestReplayOutOfOrder(t *testing.T) {
	g := newReplayGuard(4*time.Second, 60*time.Second, 8, 100, 4)
	now := time.Unix(1_800_000_000, 0)
	base := now.UnixNano()
	for _, d := range []int64{5, 1, 3, 2, 8, 4, 7, 6} {
		require.NoError(t, g.accept("c", "u", base+d, now, time.Second), "nonce +%d", d)
	}
	for _, d := range []int64{1, 5, 8} {
		requireReason(t, g.accept("c", "u", base+d, now, time.Second), synapse.ReasonNonceReplayed)
	}
	// Other uuids and callers have their own nonces.
	require.NoError(t, g.accept("c", "v", base+5, now, time.Second))
	require.NoError(t, g.accept("d", "u", base+5, now, time.Second))

	// Each key holds 8; a 9th pushes out the smallest (+1), which becomes the
	// floor: a late +0 is refused, though never seen.
	require.NoError(t, g.accept("c", "u", base+9, now, time.Second))
	err := g.accept("c", "u", base+0, now, time.Second)
	requireReason(t, err, synapse.ReasonNonceReplayed)
	require.ErrorContains(t, err, "more than 8 requests out of order")
	err = g.accept("c", "u", base+5, now, time.Second)
	requireReason(t, err, synapse.ReasonNonceReplayed)
	require.ErrorContains(t, err, "already used")
	require.NoError(t, g.accept("c", "u", base+10, now, time.Second))
}

// Nonces older than any window are forgotten without raising the floor.
func TestReplayForgetsByTime(t *testing.T) {
	const window, maxTimeout = 4 * time.Second, 10 * time.Second
	g := newReplayGuard(window, maxTimeout, 1000, 10, 4)
	now := time.Unix(1_800_000_000, 0)
	for i := range int64(500) {
		require.NoError(t, g.accept("c", "u", now.UnixNano()+i, now, maxTimeout))
	}
	later := now.Add(window + maxTimeout + time.Second)
	require.NoError(t, g.accept("c", "u", later.UnixNano()-int64(maxTimeout), later, maxTimeout))
	s := g.callers["c"]["u"].Value.(*nonceSet)
	require.Equal(t, 1, len(s.seen)-s.start, "the 500 old nonces are gone")
	require.Less(t, len(s.seen), 500, "and their memory reclaimed")
	require.Zero(t, s.floor)
}

// One caller's keys never push out another's: a caller over its own budget
// of live keys is refused, and so is a newcomer when every key is live.
func TestReplayKeyBudget(t *testing.T) {
	const window, maxTimeout = 4 * time.Second, 10 * time.Second
	g := newReplayGuard(window, maxTimeout, 4, 3, 2)
	now := time.Unix(1_800_000_000, 0)
	n := now.UnixNano()

	require.NoError(t, g.accept("a", "u1", n, now, time.Second))
	require.NoError(t, g.accept("a", "u2", n, now, time.Second))
	err := g.accept("a", "u3", n, now, time.Second)
	requireReason(t, err, synapse.ReasonCallerBusy)
	require.ErrorContains(t, err, "hotkey a already has 2 dendrite instances (uuids) with requests in the last 14s")
	require.NoError(t, g.accept("a", "u1", n+1, now, time.Second), "its own keys still work")

	require.NoError(t, g.accept("b", "u1", n, now, time.Second))
	err = g.accept("c", "u1", n, now, time.Second)
	requireReason(t, err, synapse.ReasonBusy)
	require.ErrorContains(t, err, "already remembers the nonces of 3 dendrite instances")
	requireReason(t, g.accept("a", "u1", n+1, now, time.Second), synapse.ReasonNonceReplayed)
	requireReason(t, g.accept("b", "u1", n, now, time.Second), synapse.ReasonNonceReplayed)
	require.Equal(t, 3, g.size())

	// Keys whose newest nonce has left every window are dropped freely:
	// their nonces would fail the window check anyway.
	later := now.Add(window + maxTimeout + time.Second)
	ln := later.UnixNano()
	require.NoError(t, g.accept("c", "u1", ln, later, time.Second))
	require.NoError(t, g.accept("a", "u3", ln, later, time.Second))
	require.NoError(t, g.accept("a", "u4", ln, later, time.Second))
	require.Equal(t, 3, g.size())
	requireReason(t, g.accept("a", "u1", n+2, later, time.Second), synapse.ReasonNonceStale)
}
