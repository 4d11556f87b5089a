// Package stats holds the incentive suite's summary statistics: means with
// 95 % confidence intervals over seeds, rank correlation, concentration
// (Gini, top share, Nakamoto coefficient; the explorer's fairness panel takes them from here
// too) and the stake elasticity of pay.
// Every function is pure and reads its slices in index order.
package stats

import (
	"math"
	"slices"
)

// Summary is a sample's mean and the half-width of its 95 % confidence
// interval (Student's t over the sample, 0 for fewer than two values).
type Summary struct {
	Mean float64 `json:"mean"`
	CI95 float64 `json:"ci95"`
	N    int     `json:"n"`
}

// Lo and Hi are the interval's ends.
func (s Summary) Lo() float64 { return s.Mean - s.CI95 }
func (s Summary) Hi() float64 { return s.Mean + s.CI95 }

// Summarize returns the mean and 95 % confidence half-width of xs.
func Summarize(xs []float64) Summary {
	n := len(xs)
	if n == 0 {
		return Summary{}
	}
	m := Mean(xs)
	if n < 2 {
		return Summary{Mean: m, N: n}
	}
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	sd := math.Sqrt(ss / float64(n-1))
	return Summary{Mean: m, CI95: tQuantile975(n-1) * sd / math.Sqrt(float64(n)), N: n}
}

// tQuantile975 is the 0.975 quantile of Student's t with df degrees of
// freedom (table to 30, then the normal limit approached as 1.96 + 2.4/df).
func tQuantile975(df int) float64 {
	table := [...]float64{0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
		2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
		2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}
	if df < len(table) {
		return table[df]
	}
	return 1.96 + 2.4/float64(df)
}

// Mean is the arithmetic mean (0 for an empty slice).
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// Sum adds xs.
func Sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}

// Median is the middle value (mean of the two middle ones for an even
// count; 0 for an empty slice).
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	h := len(s) / 2
	if len(s)%2 == 1 {
		return s[h]
	}
	return (s[h-1] + s[h]) / 2
}

// ranks gives each value its average rank (1-based), ties sharing the mean
// of the ranks they span.
func ranks(xs []float64) []float64 {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case xs[a] < xs[b]:
			return -1
		case xs[a] > xs[b]:
			return 1
		}
		return 0
	})
	r := make([]float64, len(xs))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && xs[idx[j+1]] == xs[idx[i]] {
			j++
		}
		avg := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = avg
		}
		i = j + 1
	}
	return r
}

// Pearson is the linear correlation of x and y (0 when either is constant
// or the lengths differ).
func Pearson(x, y []float64) float64 {
	r, _ := PearsonDefined(x, y)
	return r
}

// PearsonDefined is Pearson's correlation, with ok false where it is not
// defined: lengths that differ, fewer than two points, or a constant side.
func PearsonDefined(x, y []float64) (r float64, ok bool) {
	if len(x) != len(y) || len(x) < 2 {
		return 0, false
	}
	mx, my := Mean(x), Mean(y)
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0, false
	}
	return sxy / math.Sqrt(sxx*syy), true
}

// Spearman is the rank correlation of x and y (Pearson over average ranks).
func Spearman(x, y []float64) float64 {
	r, _ := SpearmanDefined(x, y)
	return r
}

// SpearmanDefined is Spearman's correlation, with ok false where it is not
// defined (as for PearsonDefined, over the ranks).
func SpearmanDefined(x, y []float64) (r float64, ok bool) {
	if len(x) != len(y) {
		return 0, false
	}
	return PearsonDefined(ranks(x), ranks(y))
}

// Gini is the Gini coefficient of non-negative xs (0: equal, → 1: one
// holds all).
func Gini(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	var cum, total float64
	for i, x := range s {
		cum += float64(i+1) * x
		total += x
	}
	if total == 0 {
		return 0
	}
	return 2*cum/(float64(n)*total) - float64(n+1)/float64(n)
}

// TopShare is the share of the total held by the largest ceil(frac·n)
// entries.
func TopShare(xs []float64, frac float64) float64 {
	total := Sum(xs)
	if total == 0 || len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	k := max(1, int(math.Ceil(frac*float64(len(s)))))
	var top float64
	for _, x := range s[len(s)-k:] {
		top += x
	}
	return top / total
}

// Nakamoto is the least number of entries whose sum reaches share of the
// total (NAK51 with share 0.51); 0 for an empty or all-zero slice.
func Nakamoto(xs []float64, share float64) int {
	total := Sum(xs)
	if total == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	var acc float64
	for k := len(s) - 1; k >= 0; k-- {
		acc += s[k]
		// Compared as a share, with a rounding margin: of 51, 34 and 15 times 0.07 the first is
		// exactly 51 %, but in floating point 0.51 times their sum is above it.
		if acc/total >= share-1e-12 {
			return len(s) - k
		}
	}
	return len(s)
}

// Elasticity is the least-squares slope of log y on log x over the pairs
// where both are positive (ELAST: 1 means pay proportional to stake).
func Elasticity(x, y []float64) float64 {
	var lx, ly []float64
	for i := range x {
		if i < len(y) && x[i] > 0 && y[i] > 0 {
			lx = append(lx, math.Log(x[i]))
			ly = append(ly, math.Log(y[i]))
		}
	}
	if len(lx) < 2 {
		return 0
	}
	mx, my := Mean(lx), Mean(ly)
	var sxy, sxx float64
	for i := range lx {
		sxy += (lx[i] - mx) * (ly[i] - my)
		sxx += (lx[i] - mx) * (lx[i] - mx)
	}
	if sxx == 0 {
		return 0
	}
	return sxy / sxx
}

// Normalize returns xs scaled to sum to 1 (a copy; all zeros stay zeros).
func Normalize(xs []float64) []float64 {
	out := slices.Clone(xs)
	t := Sum(out)
	if t == 0 {
		return out
	}
	for i := range out {
		out[i] /= t
	}
	return out
}
