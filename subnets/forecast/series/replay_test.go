package series

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCO2Loads(t *testing.T) {
	d, err := CO2()
	require.NoError(t, err)
	require.Len(t, d.Values, 672)
	require.Equal(t, time.Date(1964, 5, 1, 0, 0, 0, 0, time.UTC), d.Start)
	require.Equal(t, 322.26, d.Values[0])
	require.Equal(t, 416.18, d.Values[len(d.Values)-1])
	require.Equal(t, []int{12}, d.Periods)
	require.EqualValues(t, MonthSeconds, d.StepSeconds)
}

func TestReadMonthlyCSVErrors(t *testing.T) {
	cases := []struct{ name, csv, errMsg string }{
		{"missing column", "Date,X\n2000-01-01,1\n", `lacks column "Date" or "CO2"`},
		{"bad date", "Date,CO2\n2000-13-01,1\n", "line 2: date"},
		{"mid-month", "Date,CO2\n2000-01-15,1\n", "not the first of a month"},
		{"bad value", "Date,CO2\n2000-01-01,NaN\n", `value "NaN" is not a finite number`},
		{"backwards", "Date,CO2\n2000-02-01,1\n2000-01-01,2\n", "line 3: 2000-01-01 does not follow"},
		{"empty", "Date,CO2\n", "no data rows"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadMonthlyCSV(strings.NewReader(tc.csv), "x", "Date", "CO2")
			require.ErrorContains(t, err, tc.errMsg)
		})
	}
	d, err := ReadMonthlyCSV(strings.NewReader("Date,CO2\n2000-01-01,1\n2000-03-01,2\n2000-04-01,3\n"), "x", "Date", "CO2")
	require.NoError(t, err)
	require.Equal(t, []float64{2, 3}, d.Values, "a gap ends a run; the longest run wins")
}

func TestReplayWithholdsTheData(t *testing.T) {
	d, err := CO2()
	require.NoError(t, err)
	r, err := NewReplay("r1", d, secretA, ReplayConfig{})
	require.NoError(t, err)
	cuts := map[int]bool{}
	for range 50 {
		w, err := r.Open(120, 12)
		require.NoError(t, err)
		require.Len(t, w.History.Values, 120)
		cut := indexOf(t, d.Values, w.History.Values) + 120
		require.GreaterOrEqual(t, cut, 120)
		require.LessOrEqual(t, cut, len(d.Values)-12)
		cuts[cut] = true
		future, err := w.Reveal()
		require.NoError(t, err)
		require.Equal(t, d.Values[cut:cut+12], future)
	}
	require.Greater(t, len(cuts), 30, "cuts are spread over the record")

	w, err := r.Open(len(d.Values)-1, 1)
	require.NoError(t, err, "the tightest window fits")
	future, err := w.Reveal()
	require.NoError(t, err)
	require.Equal(t, d.Values[len(d.Values)-1:], future)

	_, err = r.Open(len(d.Values), 1)
	require.ErrorContains(t, err, "672 values, 672 history + 1 horizon")
}

func TestReplayDisguiseIsAffine(t *testing.T) {
	d, err := CO2()
	require.NoError(t, err)
	plain, err := NewReplay("r1", d, secretA, ReplayConfig{})
	require.NoError(t, err)
	masked, err := NewReplay("r1", d, secretA, ReplayConfig{Disguise: true})
	require.NoError(t, err)
	wp, err := plain.Open(60, 6)
	require.NoError(t, err)
	wm, err := masked.Open(60, 6)
	require.NoError(t, err)
	require.NotEqual(t, wp.History.Values, wm.History.Values)
	fp, _ := wp.Reveal()
	fm, _ := wm.Reveal()
	// Same cut, same affine map on history and future.
	x := append(wp.History.Values, fp...)
	y := append(wm.History.Values, fm...)
	a := (y[1] - y[0]) / (x[1] - x[0])
	b := y[0] - a*x[0]
	for i := range x {
		require.InDelta(t, a*x[i]+b, y[i], 1e-6*math.Max(1, math.Abs(y[i])))
	}
}

func indexOf(t *testing.T, data, window []float64) int {
	t.Helper()
	for i := 0; i+len(window) <= len(data); i++ {
		match := true
		for j := range window {
			if data[i+j] != window[j] {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	t.Fatalf("window not found in data")
	return -1
}
