package model

// The benchmarks every forecaster is measured against. Their fits hold no
// parameters: each forecast reads what it needs from the history it is
// continuing.

type meanFit struct{}

func fitMean([]float64, []int) predictor { return meanFit{} }

func (meanFit) forecast(values []float64, h int) []float64 {
	m := 0.0
	for _, v := range values {
		m += v
	}
	return repeat(m/float64(len(values)), h)
}

type naiveFit struct{}

func fitNaive([]float64, []int) predictor { return naiveFit{} }

func (naiveFit) forecast(values []float64, h int) []float64 {
	return repeat(values[len(values)-1], h)
}

type driftFit struct{}

func fitDrift([]float64, []int) predictor { return driftFit{} }

func (driftFit) forecast(values []float64, h int) []float64 {
	n := len(values)
	last := values[n-1]
	if n < 2 {
		return repeat(last, h)
	}
	step := (last - values[0]) / float64(n-1)
	out := make([]float64, h)
	for k := range out {
		out[k] = last + float64(k+1)*step
	}
	return out
}

// seasonalNaiveFit repeats the last full cycle; without a usable period it
// is the naive forecast.
type seasonalNaiveFit struct{ period int }

func fitSeasonalNaive(_ []float64, periods []int) predictor {
	if len(periods) == 0 {
		return naiveFit{}
	}
	return seasonalNaiveFit{period: periods[0]}
}

func (s seasonalNaiveFit) forecast(values []float64, h int) []float64 {
	n := len(values)
	if n < s.period {
		return naiveFit{}.forecast(values, h)
	}
	out := make([]float64, h)
	for k := range out {
		out[k] = values[n-s.period+k%s.period]
	}
	return out
}

func repeat(v float64, h int) []float64 {
	out := make([]float64, h)
	for i := range out {
		out[i] = v
	}
	return out
}
