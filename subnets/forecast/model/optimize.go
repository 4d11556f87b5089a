package model

import "math"

// nelderMead minimises f from x0 with the standard reflection, expansion,
// contraction and shrink steps. It is deterministic and needs no
// derivatives, which suits the smoothing methods' one-step error sums.
func nelderMead(f func([]float64) float64, x0 []float64, step float64, maxEvals int, tol float64) []float64 {
	d := len(x0)
	simplex := make([][]float64, d+1)
	values := make([]float64, d+1)
	evals := 0
	eval := func(x []float64) float64 {
		evals++
		v := f(x)
		if math.IsNaN(v) {
			return math.Inf(1)
		}
		return v
	}
	for i := range simplex {
		simplex[i] = append([]float64(nil), x0...)
		if i > 0 {
			simplex[i][i-1] += step
		}
		values[i] = eval(simplex[i])
	}
	centroid := make([]float64, d)
	trial := func(from []float64, coef float64) []float64 {
		x := make([]float64, d)
		for j := range x {
			x[j] = centroid[j] + coef*(from[j]-centroid[j])
		}
		return x
	}
	for evals < maxEvals {
		// Order: best first. Insertion sort, d is tiny.
		for i := 1; i <= d; i++ {
			for j := i; j > 0 && values[j] < values[j-1]; j-- {
				values[j], values[j-1] = values[j-1], values[j]
				simplex[j], simplex[j-1] = simplex[j-1], simplex[j]
			}
		}
		if math.Abs(values[d]-values[0]) <= tol*(math.Abs(values[0])+tol) {
			break
		}
		for j := range centroid {
			centroid[j] = 0
			for i := range d {
				centroid[j] += simplex[i][j] / float64(d)
			}
		}
		worst := simplex[d]
		reflected := trial(worst, -1)
		fr := eval(reflected)
		switch {
		case fr < values[0]:
			expanded := trial(worst, -2)
			if fe := eval(expanded); fe < fr {
				simplex[d], values[d] = expanded, fe
			} else {
				simplex[d], values[d] = reflected, fr
			}
		case fr < values[d-1]:
			simplex[d], values[d] = reflected, fr
		default:
			contracted := trial(worst, 0.5)
			if fr < values[d] {
				contracted = trial(worst, -0.5)
			}
			if fc := eval(contracted); fc < min(fr, values[d]) {
				simplex[d], values[d] = contracted, fc
				continue
			}
			for i := 1; i <= d; i++ {
				for j := range simplex[i] {
					simplex[i][j] = simplex[0][j] + 0.5*(simplex[i][j]-simplex[0][j])
				}
				values[i] = eval(simplex[i])
			}
		}
	}
	best := 0
	for i := range values {
		if values[i] < values[best] {
			best = i
		}
	}
	return simplex[best]
}

// logistic maps the real line onto (0, 1); optimisers search the line.
func logistic(u float64) float64 { return 1 / (1 + math.Exp(-u)) }
