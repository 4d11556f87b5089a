package fairness

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGini(t *testing.T) {
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

func TestTopShareAndNakamoto(t *testing.T) {
	x := []float64{50, 30, 10, 10}
	require.InDelta(t, 0.5, TopShare(x, 0.01), 1e-12, "the top 1 % of four holders is the largest one")
	require.InDelta(t, 0.8, TopShare(x, 0.5), 1e-12)
	require.Equal(t, 2, Nakamoto(x, 0.51), "50 alone is under 51 %, 50+30 reaches it")
	require.Equal(t, 1, Nakamoto([]float64{51, 49}, 0.51))
	require.Equal(t, 0, Nakamoto([]float64{0, 0}, 0.51))
	require.Zero(t, TopShare(nil, 0.01))
}

func TestPearson(t *testing.T) {
	r, ok := Pearson([]float64{1, 2, 3}, []float64{2, 4, 6})
	require.True(t, ok)
	require.InDelta(t, 1, r, 1e-12)
	r, ok = Pearson([]float64{1, 2, 3}, []float64{3, 2, 1})
	require.True(t, ok)
	require.InDelta(t, -1, r, 1e-12)
	_, ok = Pearson([]float64{1, 1, 1}, []float64{1, 2, 3})
	require.False(t, ok, "a constant side has no correlation")
	_, ok = Pearson([]float64{1}, []float64{1})
	require.False(t, ok)
	require.False(t, math.IsNaN(r))
}

func TestByOwnerIsOrderFree(t *testing.T) {
	a := ByOwner([]string{"b", "a", "b"}, []float64{1, 2, 3})
	b := ByOwner([]string{"a", "b", "b"}, []float64{2, 3, 1})
	require.Equal(t, []float64{2, 4}, a)
	require.Equal(t, a, b)
}
