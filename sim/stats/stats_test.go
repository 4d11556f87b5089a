package stats

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSummarize(t *testing.T) {
	for _, c := range []struct {
		name     string
		xs       []float64
		mean, ci float64
	}{
		{"empty", nil, 0, 0},
		{"one value has no interval", []float64{3}, 3, 0},
		// sd = 1, t(0.975, 2) = 4.303, half-width 4.303/√3
		{"three values", []float64{1, 2, 3}, 2, 4.303 / math.Sqrt(3)},
		{"constant", []float64{5, 5, 5, 5}, 5, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := Summarize(c.xs)
			require.InDelta(t, c.mean, s.Mean, 1e-12)
			require.InDelta(t, c.ci, s.CI95, 1e-9)
			require.Equal(t, len(c.xs), s.N)
		})
	}
}

func TestSpearman(t *testing.T) {
	for _, c := range []struct {
		name string
		x, y []float64
		want float64
	}{
		{"monotone, not linear", []float64{1, 2, 3, 4}, []float64{1, 4, 9, 100}, 1},
		{"reversed", []float64{1, 2, 3}, []float64{3, 2, 1}, -1},
		// ranks x 1 2 3 4 5, y 2 1 4 3 5: 1 − 6·4/(5·24) = 0.8
		{"two swaps", []float64{1, 2, 3, 4, 5}, []float64{2, 1, 4, 3, 5}, 0.8},
		{"ties share ranks", []float64{1, 1, 2}, []float64{1, 1, 2}, 1},
		{"constant is 0", []float64{1, 1, 1}, []float64{1, 2, 3}, 0},
		{"length mismatch is 0", []float64{1, 2}, []float64{1}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.InDelta(t, c.want, Spearman(c.x, c.y), 1e-12)
		})
	}
}

func TestConcentration(t *testing.T) {
	require.InDelta(t, 0, Gini([]float64{2, 2, 2, 2}), 1e-12)
	require.InDelta(t, 0.75, Gini([]float64{0, 0, 0, 4}), 1e-12) // (n−1)/n
	require.InDelta(t, 0.25, Gini([]float64{1, 3}), 1e-12)
	require.Equal(t, 1, Nakamoto([]float64{0.6, 0.2, 0.2}, 0.51))
	require.Equal(t, 3, Nakamoto([]float64{0.25, 0.25, 0.25, 0.25}, 0.51))
	require.Equal(t, 0, Nakamoto([]float64{0, 0}, 0.51))
	require.InDelta(t, 0.5, TopShare([]float64{1, 1, 2}, 0.01), 1e-12) // the top one of three
	require.InDelta(t, 2.5, Median([]float64{4, 1, 3, 2}), 1e-12)
}

func TestElasticity(t *testing.T) {
	s := []float64{1, 2, 4, 8}
	prop := []float64{3, 6, 12, 24}
	sq := []float64{1, 4, 16, 64}
	require.InDelta(t, 1, Elasticity(s, prop), 1e-12)
	require.InDelta(t, 2, Elasticity(s, sq), 1e-12)
	require.Equal(t, 0.0, Elasticity([]float64{1}, []float64{1}))
	require.InDelta(t, 1, Elasticity([]float64{0, 1, 2}, []float64{5, 1, 2}), 1e-12) // zeros skipped
}

func TestSpearmanDefinedHandComputed(t *testing.T) {
	rho, ok := SpearmanDefined([]float64{1, 2, 3, 4}, []float64{10, 20, 30, 40})
	require.True(t, ok)
	require.InDelta(t, 1.0, rho, 1e-12)

	rho, ok = SpearmanDefined([]float64{1, 2, 3, 4}, []float64{40, 30, 20, 10})
	require.True(t, ok)
	require.InDelta(t, -1.0, rho, 1e-12)

	// Ranks [1 2 3 4] against [2 1 4 3]: Σd² = 4, ρ = 1 − 6·4/(4·15) = 0.6.
	rho, ok = SpearmanDefined([]float64{0.1, 0.2, 0.3, 0.4}, []float64{5, 1, 9, 7})
	require.True(t, ok)
	require.InDelta(t, 0.6, rho, 1e-12)

	// Ties share their average rank: x ranks [1.5 1.5 3], y ranks [1 2 3].
	rho, ok = SpearmanDefined([]float64{1, 1, 2}, []float64{1, 2, 3})
	require.True(t, ok)
	require.InDelta(t, 0.8660254037844387, rho, 1e-12)

	_, ok = SpearmanDefined([]float64{1, 2}, []float64{3, 3})
	require.False(t, ok, "no spread in incentive: undefined")
	_, ok = SpearmanDefined([]float64{1}, []float64{1})
	require.False(t, ok, "one miner: undefined")
}

// The explorer's fairness panel takes its measures from here; these are the cases it was built
// against.

func TestGiniCases(t *testing.T) {
	for _, c := range []struct {
		name string
		x    []float64
		want float64
	}{
		{"equal shares", []float64{5, 5, 5, 5}, 0},
		{"one holds all of four", []float64{0, 0, 0, 8}, 0.75},
		{"1,2,3,4 (mean absolute difference 1.25 / (2·2.5))", []float64{4, 1, 3, 2}, 0.25},
		{"empty", nil, 0},
		{"zero total", []float64{0, 0}, 0},
	} {
		require.InDelta(t, c.want, Gini(c.x), 1e-12, c.name)
	}
}

func TestTopShareAndNakamotoCases(t *testing.T) {
	x := []float64{50, 30, 10, 10}
	require.InDelta(t, 0.5, TopShare(x, 0.01), 1e-12, "the top 1 % of four holders is the largest one")
	require.InDelta(t, 0.8, TopShare(x, 0.5), 1e-12)
	require.Equal(t, 2, Nakamoto(x, 0.51), "50 alone is under 51 %, 50+30 reaches it")
	require.Equal(t, 1, Nakamoto([]float64{51, 49}, 0.51))
	unit := 0.07 // a variable, so the products round at run time as amounts do
	require.Equal(t, 1, Nakamoto([]float64{51 * unit, 34 * unit, 15 * unit}, 0.51), "exactly 51 %, whatever the rounding of 0.51 × the total")
	require.Equal(t, 0, Nakamoto([]float64{0, 0}, 0.51))
	require.Zero(t, TopShare(nil, 0.01))
}

func TestPearsonDefinedCases(t *testing.T) {
	r, ok := PearsonDefined([]float64{1, 2, 3}, []float64{2, 4, 6})
	require.True(t, ok)
	require.InDelta(t, 1, r, 1e-12)
	r, ok = PearsonDefined([]float64{1, 2, 3}, []float64{3, 2, 1})
	require.True(t, ok)
	require.InDelta(t, -1, r, 1e-12)
	_, ok = PearsonDefined([]float64{1, 1, 1}, []float64{1, 2, 3})
	require.False(t, ok, "a constant side has no correlation")
	_, ok = PearsonDefined([]float64{1}, []float64{1})
	require.False(t, ok)
	require.False(t, math.IsNaN(r))
}
