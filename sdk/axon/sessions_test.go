package axon

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/synapse"
)

func fakeSession(id byte, caller string, expires time.Time) *synapse.Session {
	return &synapse.Session{ID: synapse.SessionID{id}, Caller: caller, Expires: expires}
}

func TestSessionTableBounds(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	later := now.Add(time.Hour)
	tab := newSessionTable(3, 2)

	s1 := fakeSession(1, "a", later)
	require.Same(t, s1, tab.put(s1, now))
	require.Same(t, s1, tab.put(fakeSession(1, "a", later), now), "the same ID keeps the stored session")
	tab.put(fakeSession(2, "a", later), now)
	// A third session of caller a evicts a's oldest.
	tab.put(fakeSession(3, "a", later), now)
	_, err := tab.get(synapse.SessionID{1}, now)
	requireReason(t, err, synapse.ReasonSessionUnknown)
	require.Equal(t, 2, tab.size())

	// The table is full at 3: the oldest overall goes.
	tab.put(fakeSession(4, "b", later), now)
	tab.put(fakeSession(5, "c", later), now)
	require.Equal(t, 3, tab.size())
	_, err = tab.get(synapse.SessionID{2}, now)
	requireReason(t, err, synapse.ReasonSessionUnknown)
	for _, id := range []byte{3, 4, 5} {
		_, err := tab.get(synapse.SessionID{id}, now)
		require.NoError(t, err)
	}

	// Expired sessions answer "expired" and are the first to go.
	_, err = tab.get(synapse.SessionID{3}, later)
	requireReason(t, err, synapse.ReasonSessionExpired)
	tab.put(fakeSession(6, "d", later.Add(time.Hour)), later)
	require.Equal(t, 1, tab.size())
	require.Empty(t, tab.byCaller["a"])
}

func TestCertCacheBounded(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	c := newCertCache(2)
	c.add([32]byte{1}, now.Add(time.Hour))
	c.add([32]byte{2}, now.Add(time.Hour))
	c.add([32]byte{3}, now.Add(time.Hour))
	require.Len(t, c.seen, 2)
	require.True(t, c.has([32]byte{3}, now))
	require.False(t, c.has([32]byte{3}, now.Add(time.Hour)), "expired")
}
