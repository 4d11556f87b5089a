// Package fairness groups a subnet's rewards by the coldkeys that own its uids, so that the
// concentration measures of sim/stats (Gini, top share, the Nakamoto coefficient) can be taken per
// entity as well as per uid. The result does not depend on the order of the input.
package fairness

import "slices"

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
