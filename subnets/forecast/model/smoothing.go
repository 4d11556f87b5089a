package model

import "math"

const smoothingEvals = 300 // Nelder-Mead budget per fit

// sesFit is simple exponential smoothing: a level that moves a fraction
// alpha towards each new value; the forecast is the last level.
type sesFit struct{ alpha float64 }

func fitSES(values []float64, _ []int) predictor {
	sse := func(u []float64) float64 {
		s, _ := sesFit{alpha: logistic(u[0])}.filter(values)
		return s
	}
	u := nelderMead(sse, []float64{logit(0.3)}, 1, smoothingEvals, 1e-10)
	return sesFit{alpha: logistic(u[0])}
}

// filter runs the smoother over values and returns the sum of squared
// one-step errors and the final level.
func (f sesFit) filter(values []float64) (sse, level float64) {
	level = values[0]
	for _, y := range values[1:] {
		e := y - level
		sse += e * e
		level += f.alpha * e
	}
	return sse, level
}

func (f sesFit) forecast(values []float64, h int) []float64 {
	_, level := f.filter(values)
	return repeat(level, h)
}

// holtWintersFit is additive Holt-Winters: level, trend and (when a period
// is known) a seasonal profile, each updated by its own smoothing weight.
type holtWintersFit struct {
	alpha, beta, gamma float64
	period             int // 0: Holt's linear trend, no season
}

func fitHoltWinters(values []float64, periods []int) predictor {
	period := 0
	if len(periods) > 0 {
		period = periods[0]
	}
	decode := func(u []float64) holtWintersFit {
		a := logistic(u[0])
		return holtWintersFit{alpha: a, beta: a * logistic(u[1]), gamma: (1 - a) * logistic(u[2]), period: period}
	}
	sse := func(u []float64) float64 {
		s, _ := decode(u).filter(values)
		return s
	}
	u := nelderMead(sse, []float64{logit(0.3), logit(0.1), logit(0.1)}, 1, smoothingEvals, 1e-10)
	return decode(u)
}

// hwState is the filter's state after the last observation.
type hwState struct {
	level, trend float64
	season       []float64 // indexed by absolute time modulo the period
	n            int       // observations filtered
}

// filter runs the recursions over values and returns the sum of squared
// one-step errors and the final state. The initial state comes from the
// first two cycles (or the first two values without a season).
func (f holtWintersFit) filter(values []float64) (float64, hwState) {
	n, m := len(values), f.period
	st := hwState{n: n}
	start := 0
	switch {
	case m > 0 && n >= 2*m:
		first, second := mean(values[:m]), mean(values[m:2*m])
		st.trend = (second - first) / float64(m)
		center := float64(m-1) / 2
		st.season = make([]float64, m)
		for i := range m {
			st.season[i] = values[i] - (first + (float64(i)-center)*st.trend)
		}
		st.level = first + center*st.trend
		start = m
	case n >= 2:
		st.level, st.trend, start = values[1], values[1]-values[0], 2
	default:
		st.level = values[0]
		return 0, st
	}
	sse := 0.0
	for t := start; t < n; t++ {
		s := 0.0
		if st.season != nil {
			s = st.season[t%m]
		}
		y := values[t]
		e := y - (st.level + st.trend + s)
		sse += e * e
		prev := st.level
		st.level = f.alpha*(y-s) + (1-f.alpha)*(st.level+st.trend)
		st.trend = f.beta*(st.level-prev) + (1-f.beta)*st.trend
		if st.season != nil {
			st.season[t%m] = f.gamma*(y-st.level) + (1-f.gamma)*s
		}
	}
	return sse, st
}

func (f holtWintersFit) forecast(values []float64, h int) []float64 {
	_, st := f.filter(values)
	out := make([]float64, h)
	for k := range out {
		out[k] = st.level + float64(k+1)*st.trend
		if st.season != nil {
			out[k] += st.season[(st.n+k)%f.period]
		}
	}
	return out
}

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

func mean(vs []float64) float64 {
	s := 0.0
	for _, v := range vs {
		s += v
	}
	return s / float64(len(vs))
}
