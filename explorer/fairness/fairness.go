// Package fairness measures how a subnet's rewards are spread: concentration (Gini, top-share,
// the Nakamoto coefficient) over uids or over the coldkeys that own them, and the correlations the
// explorer uses to flag validators whose weights follow the past consensus. Pure functions over
// plain numbers; the results do not depend on the order of the input.
package fairness

import (
	"math"
	"slices"
)

// Gini is the Gini coefficient of non-negative amounts: 0 when all hold the same, (n−1)/n when one
// holds everything. It is 0 for no amounts or a zero total.
func Gini(x []float64) float64 {
	s := sorted(x)
	n := float64(len(s))
	var total, weighted float64
	for i, v := range s {
		total += v
		weighted += float64(i+1) * v
	}
	if total <= 0 {
		return 0
	}
	return 2*weighted/(n*total) - (n+1)/n
}

// TopShare is the share of the total held by the largest ceil(frac·n) holders (at least one). It
// is 0 for a zero total.
func TopShare(x []float64, frac float64) float64 {
	s := sorted(x)
	total := sum(s)
	if total <= 0 {
		return 0
	}
	k := max(1, int(math.Ceil(frac*float64(len(s)))))
	return sum(s[len(s)-k:]) / total
}

// Nakamoto is the fewest holders whose combined share reaches threshold (NAK51: threshold 0.51).
// It is 0 for a zero total.
func Nakamoto(x []float64, threshold float64) int {
	s := sorted(x)
	total := sum(s)
	if total <= 0 {
		return 0
	}
	var held float64
	for k := 1; k <= len(s); k++ {
		held += s[len(s)-k]
		if held/total >= threshold-1e-12 {
			return k
		}
	}
	return len(s)
}

// Pearson is the correlation of x and y (of equal length); ok is false when it is undefined (fewer
// than two points, or either side constant).
func Pearson(x, y []float64) (r float64, ok bool) {
	if len(x) != len(y) || len(x) < 2 {
		return 0, false
	}
	mx, my := sum(x)/float64(len(x)), sum(y)/float64(len(y))
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

// ByOwner sums amounts by their owner's key and returns the sums in key order (so that the result
// does not depend on the input's order).
func ByOwner(owners []string, x []float64) []float64 {
	sums := map[string]float64{}
	for i, o := range owners {
		sums[o] += x[i]
	}
	keys := make([]string, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]float64, len(keys))
	for i, k := range keys {
		out[i] = sums[k]
	}
	return out
}

func sorted(x []float64) []float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	return s
}

func sum(x []float64) float64 {
	var t float64
	for _, v := range x {
		t += v
	}
	return t
}
