package series

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func newFamily(t *testing.T, f Family, seed uint64, secret []byte) *Live {
	t.Helper()
	l, err := NewLive("s1", seed, secret, LiveConfig{Family: f, Warmup: 512, Keep: 512})
	require.NoError(t, err)
	require.Equal(t, f, l.Family())
	return l
}

func TestFamiliesDeterministicAndSecret(t *testing.T) {
	for _, f := range Families() {
		a, b := newFamily(t, f, 7, secretA), newFamily(t, f, 7, secretB)
		require.Equal(t, a.Values(), b.Values(), "%s: the seed alone fixes the history", f)
		fa, fb := a.Advance(64), b.Advance(64)
		require.NotEqual(t, fa, fb, "%s: the future needs the secret", f)
		require.Equal(t, fa, newFamily(t, f, 7, secretA).Advance(64), "%s: one stream, one path", f)
	}
	_, err := NewLive("s", 1, secretA, LiveConfig{Family: "sunspots", Warmup: 10, Keep: 10})
	require.ErrorIs(t, err, ErrUnavailable)
	require.ErrorContains(t, err, `live family "sunspots"`)
	l, err := NewLive("s", 1, secretA, DefaultLiveConfig())
	require.NoError(t, err)
	require.Equal(t, SeasonalThreshold, l.Family(), "the default family")
}

// The drift-regimes family is a random walk with switching drift: no
// period, and over a long path both rising and falling stretches of 50
// steps, whichever the seed.
func TestDriftRegimesHasItsIngredients(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		l := newFamily(t, DriftRegimes, seed, secretA)
		require.Empty(t, l.Periods())
		vs := append(l.Values(), l.Advance(4000)...)
		rises, falls := 0, 0
		for i := 50; i < len(vs); i += 50 {
			require.False(t, math.IsNaN(vs[i]) || math.IsInf(vs[i], 0))
			if vs[i] > vs[i-50] {
				rises++
			} else {
				falls++
			}
		}
		require.Positive(t, rises, "seed %d", seed)
		require.Positive(t, falls, "seed %d", seed)
		// A random walk: the last value forecasts the next far better than
		// the mean does.
		naive, mean := 0.0, 0.0
		m := 0.0
		for _, v := range vs {
			m += v / float64(len(vs))
		}
		for i := 1; i < len(vs); i++ {
			naive += math.Abs(vs[i] - vs[i-1])
			mean += math.Abs(vs[i] - m)
		}
		require.Less(t, 3*naive, mean, "seed %d", seed)
	}
}

// Intermittent demand: whole numbers, zero on most steps but not all, and a
// weekly pattern in how often demand occurs.
func TestIntermittentHasItsIngredients(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		l := newFamily(t, Intermittent, seed, secretA)
		require.Equal(t, []int{7}, l.Periods())
		vs := append(l.Values(), l.Advance(6000)...)
		zeros := 0
		var byDay [7]float64
		for i, v := range vs {
			require.GreaterOrEqual(t, v, 0.0)
			require.Equal(t, math.Round(v), v, "whole numbers")
			if v == 0 {
				zeros++
			} else {
				byDay[i%7]++
			}
		}
		share := float64(zeros) / float64(len(vs))
		require.Greater(t, share, 0.3, "seed %d", seed)
		require.Less(t, share, 0.97, "seed %d", seed)
		lo, hi := math.Inf(1), 0.0
		for _, n := range byDay {
			lo, hi = min(lo, n), max(hi, n)
		}
		require.Greater(t, hi, 1.3*lo, "seed %d: demand is likelier on some weekdays", seed)
	}
}
