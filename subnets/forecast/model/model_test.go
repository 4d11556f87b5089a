package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

var levels = []float64{0.1, 0.5, 0.9}

func forecast(t *testing.T, name string, in Input) protocol.Forecast {
	t.Helper()
	m, err := New(name)
	require.NoError(t, err)
	require.Equal(t, name, m.Name())
	f, err := m.Forecast(in)
	require.NoError(t, err)
	_, err = f.Check(in.Horizon, in.Levels)
	require.NoError(t, err, "%s: output must be a valid forecast", name)
	return f
}

func TestRegistry(t *testing.T) {
	require.Equal(t, []string{"mean", "naive", "drift", "ses", "seasonal-naive", "holt-winters", "ar", "gbt"}, Names())
	_, err := New("oracle")
	require.ErrorIs(t, err, ErrUnknownModel)
	require.ErrorContains(t, err, `"oracle"`)
}

func TestConstantSeries(t *testing.T) {
	values := make([]float64, 100)
	for i := range values {
		values[i] = 42.5
	}
	for _, name := range Names() {
		f := forecast(t, name, Input{Values: values, Periods: []int{12}, Horizon: 6, Levels: levels})
		for k := range 6 {
			require.InDelta(t, 42.5, f.Point[k], 1e-6, "%s step %d", name, k)
			for _, q := range f.Quantiles {
				require.InDelta(t, 42.5, q.Values[k], 1e-6, "%s: a series that never moved gets no band", name)
			}
		}
	}
}

func TestLinearTrendContinues(t *testing.T) {
	values := make([]float64, 120)
	for i := range values {
		values[i] = 3 + 0.5*float64(i)
	}
	for _, name := range []string{"drift", "holt-winters", "ar", "gbt"} {
		f := forecast(t, name, Input{Values: values, Horizon: 10, Levels: levels})
		for k := range 10 {
			require.InDelta(t, 3+0.5*float64(120+k), f.Point[k], 1e-3, "%s step %d", name, k)
		}
	}
}

func TestPureSeasonIsRepeated(t *testing.T) {
	cycle := []float64{5, 9, 2, 7, 1, 8, 3}
	values := make([]float64, 70)
	for i := range values {
		values[i] = cycle[i%7]
	}
	f := forecast(t, "seasonal-naive", Input{Values: values, Periods: []int{7}, Horizon: 10, Levels: levels})
	for k := range 10 {
		require.Equal(t, cycle[(70+k)%7], f.Point[k], "step %d", k)
	}
	// The models that estimate a season find it too.
	for _, name := range []string{"holt-winters", "ar", "gbt"} {
		f := forecast(t, name, Input{Values: values, Periods: []int{7}, Horizon: 10})
		for k := range 10 {
			require.InDelta(t, cycle[(70+k)%7], f.Point[k], 1e-3, "%s step %d", name, k)
		}
	}
}

func TestARRecoversAR2(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	values := make([]float64, 4000)
	for i := 2; i < len(values); i++ {
		values[i] = 1 + 0.6*values[i-1] - 0.3*values[i-2] + r.NormFloat64()
	}
	f := fitARModel(values, nil)
	require.False(t, f.diff, "a stationary process is modelled on levels")
	require.Len(t, f.coef, 3, "AIC picks two lags")
	require.InDelta(t, 1, f.coef[0], 0.1)
	require.InDelta(t, 0.6, f.coef[1], 0.03)
	require.InDelta(t, -0.3, f.coef[2], 0.03)
}

func TestARPicksDifferencesForARandomWalk(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	values := make([]float64, 2000)
	for i := 1; i < len(values); i++ {
		values[i] = values[i-1] + 0.2 + r.NormFloat64()
	}
	f := fitARModel(values, nil)
	require.True(t, f.diff)
	require.InDelta(t, 0.2, f.coef[0], 0.1, "the drift")
}

// setar is a self-exciting threshold autoregression: below the threshold
// the series climbs, above it it collapses.
func setar(seed uint64, n int) []float64 {
	r := rand.New(rand.NewPCG(seed, 3))
	values := make([]float64, n)
	x := 0.0
	for i := -100; i < n; i++ {
		if x <= 2 {
			x = 0.4 + 0.95*x
		} else {
			x = -0.6 * x
		}
		x += 0.3 * r.NormFloat64()
		if i >= 0 {
			values[i] = x + 0.2*r.NormFloat64()
		}
	}
	return values
}

func TestGBTBeatsARonThresholdProcess(t *testing.T) {
	var errAR, errGBT float64
	for seed := uint64(1); seed <= 40; seed++ {
		values := setar(seed, 257)
		in := Input{Values: values[:256], Horizon: 1}
		errAR += math.Abs(forecast(t, "ar", in).Point[0] - values[256])
		errGBT += math.Abs(forecast(t, "gbt", in).Point[0] - values[256])
	}
	t.Logf("mean absolute one-step error over 40 series: ar %.3f, gbt %.3f", errAR/40, errGBT/40)
	require.Less(t, errGBT, 0.9*errAR)
}

func TestRobustInputs(t *testing.T) {
	cases := map[string]Input{
		"one value":           {Values: []float64{3}, Horizon: 4, Levels: levels},
		"two values":          {Values: []float64{3, 4}, Periods: []int{12}, Horizon: 4, Levels: levels},
		"shorter than period": {Values: []float64{1, 5, 2, 8, 3}, Periods: []int{24, 7}, Horizon: 30, Levels: levels},
		"huge values":         {Values: []float64{1e300, -1e300, 1e300, -1e300, 1e300, 1e300, -1e300, 1e300, 1e300, -1e300, 1e300, 1e300, 1e300, -1e300, -1e300, 1e300, -1e300, 1e300, 1e300, -1e300}, Horizon: 5, Levels: levels},
		"tiny values":         {Values: []float64{1e-300, 2e-300, 1e-300, 3e-300, 2e-300, 1e-300, 2e-300, 1e-300}, Horizon: 3, Levels: levels},
		"long horizon":        {Values: setar(1, 40), Horizon: protocol.MaxHorizon, Levels: []float64{0.01, 0.99}},
		"step":                {Values: append(make([]float64, 50), 100, 100, 100, 100, 100), Periods: []int{5}, Horizon: 8, Levels: levels},
	}
	for name, in := range cases {
		for _, model := range Names() {
			f := forecast(t, model, in)
			require.Len(t, f.Point, in.Horizon, "%s/%s", name, model)
		}
	}
}

func TestForecastRejectsInvalidInput(t *testing.T) {
	m, err := New("ar")
	require.NoError(t, err)
	for name, in := range map[string]Input{
		"empty":      {Horizon: 1},
		"nan":        {Values: []float64{1, math.NaN()}, Horizon: 1},
		"horizon":    {Values: []float64{1, 2}, Horizon: 0},
		"level":      {Values: []float64{1, 2}, Horizon: 1, Levels: []float64{1}},
		"period one": {Values: []float64{1, 2}, Periods: []int{1}, Horizon: 1},
	} {
		_, err := m.Forecast(in)
		require.ErrorIs(t, err, protocol.ErrInvalidChallenge, name)
	}
}

func TestDeterministic(t *testing.T) {
	in := Input{Values: setar(5, 300), Periods: []int{12}, Horizon: 12, Levels: levels}
	for _, name := range Names() {
		require.Equal(t, forecast(t, name, in), forecast(t, name, in), name)
	}
}

// Bands come from each model's own errors: wider for a model that errs
// more, and wider further ahead for a random walk.
func TestBandsReflectErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 11))
	walk := make([]float64, 300)
	for i := 1; i < len(walk); i++ {
		walk[i] = walk[i-1] + r.NormFloat64()
	}
	f := forecast(t, "naive", Input{Values: walk, Horizon: 12, Levels: levels})
	width := func(k int) float64 { return f.Quantiles[2].Values[k] - f.Quantiles[0].Values[k] }
	require.Greater(t, width(0), 1.5, "a unit random walk's 80 %% band is about 2.56 wide one step ahead")
	require.Less(t, width(0), 4.0)
	require.Greater(t, width(11), 2*width(0), "and grows like the square root of the lead time")
	for k := range 12 {
		require.LessOrEqual(t, f.Quantiles[0].Values[k], f.Quantiles[1].Values[k])
		require.LessOrEqual(t, f.Quantiles[1].Values[k], f.Quantiles[2].Values[k])
	}

	// On a seasonal series, a model that ignores the season errs more and
	// says so.
	seasonal := make([]float64, 240)
	for i := range seasonal {
		seasonal[i] = 10*math.Sin(2*math.Pi*float64(i)/12) + r.NormFloat64()
	}
	in := Input{Values: seasonal, Periods: []int{12}, Horizon: 6, Levels: levels}
	naive := forecast(t, "naive", in)
	hw := forecast(t, "holt-winters", in)
	require.Greater(t, naive.Quantiles[2].Values[0]-naive.Quantiles[0].Values[0], 2*(hw.Quantiles[2].Values[0]-hw.Quantiles[0].Values[0]))
}

func TestEmpiricalQuantile(t *testing.T) {
	sorted := []float64{1, 2, 3, 4, 5}
	require.Equal(t, 3.0, empiricalQuantile(sorted, 0.5))
	require.InDelta(t, 1.4, empiricalQuantile(sorted, 0.1), 1e-12)
	require.Equal(t, 5.0, empiricalQuantile(sorted, 1))
	require.Equal(t, 0.0, empiricalQuantile(nil, 0.5))
	require.Equal(t, 7.0, empiricalQuantile([]float64{7}, 0.9))
}
