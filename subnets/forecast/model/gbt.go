package model

import (
	"math/rand/v2"
	"slices"
)

// Boosting settings: small trees, many gentle steps. Chosen on the live
// series (see the tournament test); they are part of the model's identity,
// so they are constants, not knobs.
const (
	gbtTrees     = 60
	gbtDepth     = 3
	gbtRate      = 0.1
	gbtMinLeaf   = 8
	gbtLambda    = 1.0 // L2 penalty on leaf values
	gbtBins      = 32  // candidate thresholds per feature
	gbtLocalSpan = 16  // values in the local level some features are measured from
	gbtWideSpan  = 64  // values in the wider level the others are measured from
	gbtFeatures  = 8
	gbtPaths     = 100 // simulated futures per forecast
)

// gbtFit is the ar model plus a boosted sum of regression trees that
// predicts what the ar model gets wrong from the recent shape of the
// seasonally adjusted series. The trees see the last values relative to a
// local and a wider level, the last change, the change ar proposes and the
// seasonal phase: enough to find a threshold or a phase-dependent reaction
// that a linear model averages away.
//
// Its forecasts are simulated (see simulator): each path feeds the model's
// own prediction plus an innovation drawn from its out-of-sample one-step
// errors back into the model.
type gbtFit struct {
	ar        *arFit
	trees     []tree
	residuals []float64 // one-step errors the paths draw innovations from
}

func fitGBT(values []float64, periods []int) predictor {
	n := len(values)
	holdout := min(n/4, maxHoldout)
	train := n - holdout
	if holdout < 16 || train < max(minTraining, 2*maxOf(periods)) {
		return fitGBTModel(values, periods, gbtTrees) // keeps its in-sample residuals
	}
	// Fit on the history less its tail, then let the tail decide how many
	// trees help: boosting is additive, so one pass scores every count. A
	// series with nothing nonlinear to learn ends with few or no trees,
	// which is the ar model.
	prefix := fitGBTModel(values[:train], usablePeriods(periods, train), gbtTrees)
	loss := make([]float64, len(prefix.trees)+1)
	errs := make([][]float64, len(loss))
	for i := range holdout {
		t := train + i
		d := prefix.tail(values[:t])
		base := prefix.ar.next(d)
		x := prefix.features(d, t, base)
		actual := values[t] - prefix.ar.season.at(t)
		pred := base
		for k := range loss {
			if k > 0 {
				pred += gbtRate * prefix.trees[k-1].predict(&x)
			}
			e := actual - pred
			loss[k] += e * e
			errs[k] = append(errs[k], e)
		}
	}
	best := 0
	for k := range loss {
		if loss[k] < loss[best] {
			best = k
		}
	}
	full := fitGBTModel(values, periods, best)
	full.residuals = centred(errs[best])
	return full
}

// centred removes the mean of held-out errors: a level shift inside the
// held-out stretch biases every error the prefix fit makes there, and paths
// built from biased innovations would drift away with it. The spread stays.
func centred(errs []float64) []float64 {
	m := mean(errs)
	out := make([]float64, len(errs))
	for i, e := range errs {
		out[i] = e - m
	}
	return out
}

// fitGBTModel fits ar and up to trees trees, and keeps the in-sample
// residuals.
func fitGBTModel(values []float64, periods []int, trees int) *gbtFit {
	f := &gbtFit{ar: fitARModel(values, periods)}
	d := f.ar.season.adjust(values, 0)
	const first = 3
	rows := len(d) - first
	if rows < 1 {
		f.residuals = []float64{0}
		return f
	}
	x := make([][gbtFeatures]float64, rows)
	target := make([]float64, rows)
	for r := range rows {
		t := first + r
		base := f.ar.next(d[:t])
		x[r] = f.features(d[:t], t, base)
		target[r] = d[t] - base
	}
	if rows < 4*gbtMinLeaf || trees == 0 {
		f.residuals = target // nothing more to learn than ar knows
		return f
	}
	f.trees, f.residuals = boost(x, target, trees)
	return f
}

// features describes the moment before adjusted value t is seen; d holds
// the values before it.
func (f *gbtFit) features(d []float64, t int, base float64) [gbtFeatures]float64 {
	n := len(d)
	at := func(back int) float64 { return d[max(n-back, 0)] }
	local := mean(d[max(n-gbtLocalSpan, 0):])
	wide := mean(d[max(n-gbtWideSpan, 0):])
	phase := 0.0
	if len(f.ar.season.periods) > 0 {
		phase = float64(t % f.ar.season.periods[0])
	}
	return [gbtFeatures]float64{
		at(1) - local,
		at(2) - local,
		at(3) - local,
		at(1) - wide,
		at(2) - wide,
		at(1) - at(2),
		base - at(1),
		phase,
	}
}

// next predicts the adjusted value that follows d, at absolute time t.
func (f *gbtFit) next(d []float64, t int) float64 {
	base := f.ar.next(d)
	v := base
	if len(f.trees) > 0 {
		x := f.features(d, t, base)
		for i := range f.trees {
			v += gbtRate * f.trees[i].predict(&x)
		}
	}
	return v
}

// tail returns the adjusted values a prediction after values reads.
func (f *gbtFit) tail(values []float64) []float64 {
	return f.ar.season.adjust(values, max(0, len(values)-max(f.ar.lags(), gbtWideSpan, 3)))
}

// skeleton is the noise-free recursion.
func (f *gbtFit) skeleton(values []float64, h int) []float64 {
	n := len(values)
	d := f.tail(values)
	out := make([]float64, h)
	for k := range out {
		v := f.next(d, n+k)
		d = append(d, v)
		out[k] = v + f.ar.season.at(n+k)
	}
	return out
}

// paths simulates gbtPaths futures. The generator is seeded with a constant:
// the model stays a pure function of its input.
func (f *gbtFit) paths(values []float64, h int) [][]float64 {
	n := len(values)
	start := f.tail(values)
	rng := rand.New(rand.NewPCG(0x67627466, 0x6f726563))
	d := make([]float64, len(start), len(start)+h)
	out := make([][]float64, gbtPaths)
	for p := range out {
		d = append(d[:0], start...)
		out[p] = make([]float64, h)
		for k := range h {
			v := f.next(d, n+k) + f.residuals[rng.IntN(len(f.residuals))]
			d = append(d, v)
			out[p][k] = v + f.ar.season.at(n+k)
		}
	}
	return out
}

func (f *gbtFit) forecast(values []float64, h int) []float64 {
	return pathQuantiles(f.paths(values, h), nil).Point
}

// tree is a regression tree stored as a flat array; node 0 is the root.
type tree []node

type node struct {
	feature   int     // -1 for a leaf
	threshold float64 // go left when x[feature] ≤ threshold
	left      int32
	right     int32
	value     float64 // leaf value
}

func (t tree) predict(x *[gbtFeatures]float64) float64 {
	i := 0
	for t[i].feature >= 0 {
		if x[t[i].feature] <= t[i].threshold {
			i = int(t[i].left)
		} else {
			i = int(t[i].right)
		}
	}
	return t[i].value
}

// boost fits count trees to target by least squares gradient boosting
// and returns them with the residuals they leave.
func boost(x [][gbtFeatures]float64, target []float64, count int) ([]tree, []float64) {
	rows := len(x)
	cuts, bins := binFeatures(x)
	residual := slices.Clone(target)
	order := make([]int, rows)
	trees := make([]tree, 0, count)
	b := builder{bins: bins, cuts: cuts, residual: residual}
	for range count {
		for i := range order {
			order[i] = i
		}
		b.tree = b.tree[:0]
		b.grow(order, 0)
		t := slices.Clone(b.tree)
		trees = append(trees, t)
		// The builder recorded which rows ended in which leaf; step the
		// residuals with that instead of walking the tree again.
		for _, leaf := range b.leaves {
			v := gbtRate * t[leaf.node].value
			for _, r := range leaf.rows {
				residual[r] -= v
			}
		}
		b.leaves = b.leaves[:0]
	}
	return trees, residual
}

// binFeatures maps each feature to at most gbtBins quantile bins and returns
// the upper edges (thresholds) and every row's bin per feature.
func binFeatures(x [][gbtFeatures]float64) ([gbtFeatures][]float64, [][gbtFeatures]uint8) {
	rows := len(x)
	var cuts [gbtFeatures][]float64
	col := make([]float64, rows)
	for j := range gbtFeatures {
		for r := range rows {
			col[r] = x[r][j]
		}
		slices.Sort(col)
		var c []float64
		for b := 1; b < gbtBins; b++ {
			v := col[b*(rows-1)/gbtBins]
			if len(c) == 0 || v > c[len(c)-1] {
				c = append(c, v)
			}
		}
		if len(c) > 0 && c[len(c)-1] >= col[rows-1] {
			c = c[:len(c)-1] // a threshold at the maximum splits nothing off
		}
		cuts[j] = c
	}
	bins := make([][gbtFeatures]uint8, rows)
	for r := range rows {
		for j := range gbtFeatures {
			bins[r][j] = uint8(binOf(cuts[j], x[r][j]))
		}
	}
	return cuts, bins
}

// binOf is the number of cuts below v: the bin of v.
func binOf(cuts []float64, v float64) int {
	i, _ := slices.BinarySearch(cuts, v)
	return i
}

// builder grows one tree at a time over shared scratch space.
type builder struct {
	bins     [][gbtFeatures]uint8
	cuts     [gbtFeatures][]float64
	residual []float64
	tree     tree
	leaves   []leafRows
}

type leafRows struct {
	node int
	rows []int
}

// grow adds the subtree for rows at the given depth and returns its index.
func (b *builder) grow(rows []int, depth int) int {
	idx := len(b.tree)
	sum := 0.0
	for _, r := range rows {
		sum += b.residual[r]
	}
	b.tree = append(b.tree, node{feature: -1, value: sum / (float64(len(rows)) + gbtLambda)})
	if depth == gbtDepth || len(rows) < 2*gbtMinLeaf {
		b.leaves = append(b.leaves, leafRows{node: idx, rows: rows})
		return idx
	}
	feature, bin, ok := b.bestSplit(rows, sum)
	if !ok {
		b.leaves = append(b.leaves, leafRows{node: idx, rows: rows})
		return idx
	}
	// Partition in place: rows in bins ≤ bin go left.
	i := 0
	for j, r := range rows {
		if int(b.bins[r][feature]) <= bin {
			rows[i], rows[j] = rows[j], rows[i]
			i++
		}
	}
	left := b.grow(rows[:i], depth+1)
	right := b.grow(rows[i:], depth+1)
	b.tree[idx] = node{feature: feature, threshold: b.cuts[feature][bin], left: int32(left), right: int32(right)}
	return idx
}

// bestSplit finds the split of rows with the largest drop in penalised
// squared error, each side keeping at least gbtMinLeaf rows. Ties go to the
// lower feature and bin, so the result is deterministic.
func (b *builder) bestSplit(rows []int, sum float64) (feature, bin int, ok bool) {
	n := float64(len(rows))
	parent := sum * sum / (n + gbtLambda)
	bestGain := 1e-12
	var sums [gbtFeatures][gbtBins]float64
	var counts [gbtFeatures][gbtBins]float64
	for _, r := range rows {
		g := b.residual[r]
		for j := range gbtFeatures {
			k := b.bins[r][j]
			sums[j][k] += g
			counts[j][k]++
		}
	}
	for j := range gbtFeatures {
		leftSum, leftN := 0.0, 0.0
		for k := range len(b.cuts[j]) {
			leftSum += sums[j][k]
			leftN += counts[j][k]
			rightN := n - leftN
			if leftN < gbtMinLeaf {
				continue
			}
			if rightN < gbtMinLeaf {
				break
			}
			rightSum := sum - leftSum
			gain := leftSum*leftSum/(leftN+gbtLambda) + rightSum*rightSum/(rightN+gbtLambda) - parent
			if gain > bestGain {
				bestGain, feature, bin, ok = gain, j, k, true
			}
		}
	}
	return feature, bin, ok
}
