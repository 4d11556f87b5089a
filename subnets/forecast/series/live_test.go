package series

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	secretA = []byte("validator-secret-A-0123456789abc")
	secretB = []byte("validator-secret-B-0123456789abc")
)

func newLive(t *testing.T, seed uint64, secret []byte) *Live {
	t.Helper()
	l, err := NewLive("s1", seed, secret, DefaultLiveConfig())
	require.NoError(t, err)
	return l
}

func TestLiveDeterministicPerSeed(t *testing.T) {
	a, b := newLive(t, 7, secretA), newLive(t, 7, secretA)
	require.Equal(t, a.Values(), b.Values())
	require.Equal(t, a.Advance(50), b.Advance(50))
	require.NotEqual(t, a.Values(), newLive(t, 8, secretA).Values(), "another seed is another series")
}

func TestLiveFutureNeedsTheSecret(t *testing.T) {
	a, b := newLive(t, 7, secretA), newLive(t, 7, secretB)
	require.Equal(t, a.Values(), b.Values(), "the seed alone fixes the history")
	require.Equal(t, a.Periods(), b.Periods())

	wa, err := a.Open(256, 12)
	require.NoError(t, err)
	wb, err := b.Open(256, 12)
	require.NoError(t, err)
	require.Equal(t, wa.History, wb.History)

	fa, err := wa.Reveal()
	require.NoError(t, err)
	fb, err := wb.Reveal()
	require.NoError(t, err)
	require.Len(t, fa, 12)
	for i := range fa {
		require.NotEqual(t, fa[i], fb[i], "step %d: futures drawn with different secrets coincide", i)
	}
}

func TestLiveWindowLifecycle(t *testing.T) {
	l := newLive(t, 3, secretA)
	before := l.Values()
	w, err := l.Open(100, 5)
	require.NoError(t, err)
	require.Equal(t, "s1", w.SeriesID)
	require.Equal(t, before[len(before)-100:], w.History.Values)
	require.Equal(t, l.Periods(), w.History.Periods)
	require.EqualValues(t, LiveStepSeconds, w.History.StepSeconds)
	require.Equal(t, before, l.Values(), "opening a window draws nothing")

	_, err = l.Open(100, 5)
	require.ErrorIs(t, err, ErrUnavailable, "one hidden future at a time")

	future, err := w.Reveal()
	require.NoError(t, err)
	after := l.Values()
	require.Equal(t, future, after[len(after)-5:], "the revealed future becomes history")
	require.Equal(t, before[5:], after[:len(after)-5])

	_, err = w.Reveal()
	require.ErrorContains(t, err, "already revealed")

	w2, err := l.Open(10, 1)
	require.NoError(t, err)
	require.Equal(t, after[len(after)-10:], w2.History.Values)
}

func TestLiveRejectsBadInput(t *testing.T) {
	_, err := NewLive("", 1, secretA, DefaultLiveConfig())
	require.ErrorContains(t, err, "series id")
	_, err = NewLive("s", 1, []byte("short"), DefaultLiveConfig())
	require.ErrorContains(t, err, "secret has 5 bytes")
	_, err = NewLive("s", 1, secretA, LiveConfig{Warmup: 10, Keep: 0})
	require.ErrorContains(t, err, "keep 0")

	l, err := NewLive("s", 1, secretA, LiveConfig{Warmup: 10, Keep: 20})
	require.NoError(t, err)
	_, err = l.Open(11, 1)
	require.ErrorContains(t, err, "keeps 10 values, 11 asked for")
	_, err = l.Open(5, 0)
	require.ErrorContains(t, err, "horizon 0")
	l.Advance(30)
	require.Len(t, l.Values(), 20, "keeps only the most recent values")
}

// The generator promises every ingredient in its doc; check each is really
// there on a long path.
func TestLiveHasItsIngredients(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		l := newLive(t, seed, secretA)
		p := l.Periods()
		require.Contains(t, []int{12, 24}, p[0])
		vs := l.Values()
		for _, v := range vs {
			require.False(t, math.IsNaN(v) || math.IsInf(v, 0))
		}
		// Seasonality: values one period apart agree far better than values
		// half a period apart.
		sameDiff, halfDiff := 0.0, 0.0
		for i := p[0]; i < len(vs); i++ {
			sameDiff += math.Abs(vs[i] - vs[i-p[0]])
			halfDiff += math.Abs(vs[i] - vs[i-p[0]/2])
		}
		require.Less(t, sameDiff, halfDiff, "seed %d", seed)
	}
}

func TestStudentT3HasUnitVariance(t *testing.T) {
	r := newLive(t, 1, secretA).future
	sum2, n := 0.0, 200000
	for range n {
		v := studentT3(r)
		sum2 += v * v
	}
	// t(3) has infinite fourth moment, so the sample variance converges
	// slowly; a loose band still catches a wrong scale.
	require.InDelta(t, 1.0, sum2/float64(n), 0.15)
}
