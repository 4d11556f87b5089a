package score

import "math"

// lossFloor keeps a perfect answer from dividing by zero.
const lossFloor = 1e-9

// Relative converts the losses of the answers to one challenge into skills:
// best/loss, so the best scores 1 (see the package comment). A NaN, an
// infinite or a negative loss marks an answer that was not scored; it gets 0.
func Relative(losses []float64) []float64 {
	best := math.Inf(1)
	for _, l := range losses {
		if scoreable(l) {
			best = min(best, l)
		}
	}
	out := make([]float64, len(losses))
	for i, l := range losses {
		if scoreable(l) {
			out[i] = (best + lossFloor) / (l + lossFloor)
		}
	}
	return out
}

func scoreable(l float64) bool { return l >= 0 && !math.IsInf(l, 1) }
