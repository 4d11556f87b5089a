package model

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

const maxARLag = 8

// arFit is an autoregression on the seasonally adjusted series, either on
// its levels (mean-reverting) or on its first differences (a random walk
// with drift plus short-term dynamics): AIC decides both the form and the
// number of lags.
type arFit struct {
	season seasonal
	diff   bool      // the regression is on first differences
	coef   []float64 // intercept, then one coefficient per lag
}

func fitAR(values []float64, periods []int) predictor { return fitARModel(values, periods) }

func fitARModel(values []float64, periods []int) *arFit {
	f := &arFit{season: fitSeasonal(values, periods)}
	d := f.season.adjust(values, 0)
	n := len(d)
	maxLag := min(maxARLag, (n-4)/4)
	if maxLag < 1 {
		// Too short to estimate anything: a random walk, i.e. the last value.
		f.diff, f.coef = true, []float64{0}
		return f
	}

	// Compare every candidate on the same rows (those every candidate can
	// predict), so that their likelihoods are comparable: a model on
	// differences predicts the same d_t as one on levels.
	bestAIC := math.Inf(1)
	bestLag := 0
	for _, diff := range []bool{false, true} {
		z := arTarget(d, diff)
		first := len(z) - (n - maxLag - 1) // row of d_{maxLag+1}
		for p := 1; p <= maxLag; p++ {
			x, y := arDesign(z, p, first)
			_, sse := leastSquares(x, y)
			rows := float64(y.Len())
			aic := rows*math.Log(math.Max(sse/rows, 1e-300)) + 2*float64(p+1)
			if aic < bestAIC {
				bestAIC, bestLag, f.diff = aic, p, diff
			}
		}
	}
	z := arTarget(d, f.diff)
	x, y := arDesign(z, bestLag, bestLag)
	f.coef, _ = leastSquares(x, y)
	return f
}

// arTarget is the series the regression runs on: d, or its differences.
func arTarget(d []float64, diff bool) []float64 {
	if !diff {
		return d
	}
	z := make([]float64, len(d)-1)
	for i := range z {
		z[i] = d[i+1] - d[i]
	}
	return z
}

// arDesign regresses z[t] on an intercept and z[t-1..t-p] for t ≥ first.
func arDesign(z []float64, p, first int) (*mat.Dense, *mat.VecDense) {
	rows := len(z) - first
	x := mat.NewDense(rows, p+1, nil)
	y := mat.NewVecDense(rows, nil)
	for r := range rows {
		t := first + r
		x.Set(r, 0, 1)
		for l := 1; l <= p; l++ {
			x.Set(r, l, z[t-l])
		}
		y.SetVec(r, z[t])
	}
	return x, y
}

// leastSquares solves min |x·b - y| by QR and returns b and the residual sum
// of squares. A rank-deficient design (a constant series makes every lag
// column equal the intercept) gets a whisper of ridge penalty instead, which
// picks the smallest solution that still fits.
func leastSquares(x *mat.Dense, y *mat.VecDense) ([]float64, float64) {
	rows, cols := x.Dims()
	var b mat.VecDense
	if rows < cols || b.SolveVec(x, y) != nil || !allFinite(b.RawVector().Data) {
		scale := 1e-8 * (1 + mat.Norm(x, 2))
		aug := mat.NewDense(rows+cols, cols, nil)
		aug.Slice(0, rows, 0, cols).(*mat.Dense).Copy(x)
		for i := range cols {
			aug.Set(rows+i, i, scale)
		}
		augY := mat.NewVecDense(rows+cols, nil)
		augY.SliceVec(0, rows).(*mat.VecDense).CopyVec(y)
		b.Reset()
		if err := b.SolveVec(aug, augY); err != nil {
			// The augmented design has full column rank by construction.
			panic("model: ridge least squares failed: " + err.Error())
		}
	}
	var r mat.VecDense
	r.MulVec(x, &b)
	r.SubVec(y, &r)
	return append([]float64(nil), b.RawVector().Data...), mat.Dot(&r, &r)
}

// lags is the number of past adjusted values one prediction reads.
func (f *arFit) lags() int {
	n := len(f.coef) - 1
	if f.diff {
		n++
	}
	return max(n, 1)
}

// next predicts the adjusted value that follows d; histories shorter than
// the model's lags are padded with their first value.
func (f *arFit) next(d []float64) float64 {
	at := func(back int) float64 { // d[len(d)-back], padded
		i := len(d) - back
		if i < 0 {
			i = 0
		}
		return d[i]
	}
	pred := f.coef[0]
	if f.diff {
		for l := 1; l < len(f.coef); l++ {
			pred += f.coef[l] * (at(l) - at(l+1))
		}
		return at(1) + pred
	}
	for l := 1; l < len(f.coef); l++ {
		pred += f.coef[l] * at(l)
	}
	return pred
}

func (f *arFit) forecast(values []float64, h int) []float64 {
	n := len(values)
	from := max(0, n-f.lags())
	d := f.season.adjust(values, from)
	out := make([]float64, h)
	for k := range out {
		v := f.next(d)
		d = append(d, v)
		out[k] = v + f.season.at(n+k)
	}
	return out
}
