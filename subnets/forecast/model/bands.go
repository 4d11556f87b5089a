package model

import (
	"math"
	"slices"

	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

const (
	maxHoldout  = 96 // held-out points used to measure errors
	minTraining = 24 // points a refit on the shortened history needs at least
)

// backtestErrors returns errs[k] = the errors of forecasts k+1 steps ahead.
// The method is refitted without the held-out tail and forecasts from every
// origin in it (see the package comment); short histories fall back to the
// full fit's in-sample errors.
func backtestErrors(m method, full predictor, values []float64, periods []int, h int) [][]float64 {
	n := len(values)
	holdout := min(n/4, maxHoldout)
	p, first := full, n/2
	if train := n - holdout; holdout >= 8 && train >= max(minTraining, 2*maxOf(periods)) {
		p, first = m.fit(values[:train], usablePeriods(periods, train)), train
	}
	errs := make([][]float64, h)
	for o := max(first, 1); o < n; o++ {
		steps := min(h, n-o)
		f := p.forecast(values[:o], steps)
		for k := range steps {
			errs[k] = append(errs[k], values[o+k]-f[k])
		}
	}
	return errs
}

// quantileBands turns per-step errors into quantile forecasts around point.
func quantileBands(point []float64, errs [][]float64, levels []float64) []protocol.Quantile {
	h := len(point)
	scale := make([]float64, h)
	last := -1 // the last step that had errors
	for k := range h {
		if len(errs[k]) > 0 {
			scale[k] = meanAbs(errs[k])
			last = k
		} else if last >= 0 {
			// Beyond the measured steps, errors grow like a random walk's.
			scale[k] = scale[last] * math.Sqrt(float64(k+1)/float64(last+1))
		}
		if k > 0 {
			scale[k] = max(scale[k], scale[k-1]) // uncertainty never shrinks with lead time
		}
	}

	var shape []float64
	for k := range h {
		if scale[k] > 0 {
			for _, e := range errs[k] {
				shape = append(shape, e/scale[k])
			}
		}
	}
	slices.Sort(shape)

	out := make([]protocol.Quantile, len(levels))
	for i, level := range levels {
		q := empiricalQuantile(shape, level)
		vs := make([]float64, h)
		for k := range h {
			vs[k] = point[k] + scale[k]*q
			if math.IsNaN(vs[k]) || math.IsInf(vs[k], 0) {
				vs[k] = point[k]
			}
		}
		out[i] = protocol.Quantile{Level: level, Values: vs}
	}
	return out
}

// pathQuantiles summarises simulated paths: the point forecast is each
// step's median (the best answer under absolute error), the quantiles are
// each step's empirical quantiles. Non-finite values make the point
// non-finite, which the caller catches.
func pathQuantiles(paths [][]float64, levels []float64) protocol.Forecast {
	h := len(paths[0])
	out := protocol.Forecast{Point: make([]float64, h), Quantiles: make([]protocol.Quantile, len(levels))}
	for i, level := range levels {
		out.Quantiles[i] = protocol.Quantile{Level: level, Values: make([]float64, h)}
	}
	col := make([]float64, len(paths))
	for k := range h {
		for p := range paths {
			col[p] = paths[p][k]
		}
		slices.Sort(col)
		out.Point[k] = empiricalQuantile(col, 0.5)
		for i, level := range levels {
			out.Quantiles[i].Values[k] = empiricalQuantile(col, level)
		}
	}
	return out
}

// empiricalQuantile interpolates linearly between order statistics of a
// sorted sample (Hyndman and Fan's type 7); an empty sample gives 0.
func empiricalQuantile(sorted []float64, level float64) float64 {
	switch len(sorted) {
	case 0:
		return 0
	case 1:
		return sorted[0]
	}
	pos := level * float64(len(sorted)-1)
	i := int(pos)
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	frac := pos - float64(i)
	return sorted[i] + frac*(sorted[i+1]-sorted[i])
}

func meanAbs(vs []float64) float64 {
	s := 0.0
	for _, v := range vs {
		s += math.Abs(v)
	}
	return s / float64(len(vs))
}

func maxOf(vs []int) int {
	m := 0
	for _, v := range vs {
		m = max(m, v)
	}
	return m
}
