package yuma

import (
	"math/rand"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/fixed"
)

// weightedMedianNaive is subtensor's weighted_median transcribed line by
// line: a mid-pivot quickselect over partition, with the stake partition
// [lo, hi] carried along and an iteration limit.
func weightedMedianNaive(stake, score []fixed.I32F32, partition []int, minority, lo, hi fixed.I32F32) fixed.I32F32 {
	cur := append([]int(nil), partition...)
	limit := len(partition)
	for iterations := 0; ; {
		n := len(cur)
		if n == 0 {
			return fixed.I32F32{}
		}
		if n == 1 {
			return score[cur[0]]
		}
		pivot := score[cur[n/2]]
		var loStake, hiStake fixed.I32F32
		var lower, upper []int
		for _, k := range cur {
			switch {
			case score[k] == pivot:
			case score[k].Lt(pivot):
				loStake = loStake.SatAdd(stake[k])
				lower = append(lower, k)
			default:
				hiStake = hiStake.SatAdd(stake[k])
				upper = append(upper, k)
			}
		}
		switch {
		case minority.Lt(lo.SatAdd(loStake)) && len(lower) > 0:
			cur, hi = lower, lo.SatAdd(loStake)
		case hi.SatSub(hiStake).Le(minority) && len(upper) > 0:
			cur, lo = upper, hi.SatSub(hiStake)
		default:
			return pivot
		}
		iterations++
		if iterations > limit {
			return fixed.I32F32{}
		}
	}
}

// consensusNaive is weighted_median_col_sparse transcribed: a dense score
// table over the positive-stake validators, one weighted median per column.
func consensusNaive(w *matrix, active []fixed.I32F32, kappa fixed.I32F32, n int) []fixed.I32F32 {
	var use []fixed.I32F32
	for _, a := range active {
		if a.Gt(fixed.I32F32{}) {
			use = append(use, a)
		}
	}
	normalize(use)
	total := sum(use)
	minority := total.SatSub(kappa)
	idx := make([]int, len(use))
	for k := range idx {
		idx[k] = k
	}
	score := make([][]fixed.I32F32, n)
	for j := range score {
		score[j] = make([]fixed.I32F32, len(use))
	}
	k := 0
	for i, a := range active {
		if a.Gt(fixed.I32F32{}) {
			cols, vals := w.row(i)
			for m, v := range vals {
				score[cols[m]][k] = v
			}
			k++
		}
	}
	c := make([]fixed.I32F32, n)
	for j := range c {
		c[j] = weightedMedianNaive(use, score[j], idx, minority, fixed.I32F32{}, total)
	}
	return c
}

func lit(s string) fixed.I32F32 { return fixed.MustI32F32FromLiteral(s) }

func lits(xs ...string) []fixed.I32F32 {
	out := make([]fixed.I32F32, len(xs))
	for i, x := range xs {
		out[i] = lit(x)
	}
	return out
}

// medianClosedForm feeds a dense (stake, score) column to columnQuantile the
// way consensus does: positive scores as votes, the rest counted as zeros.
func medianClosedForm(stake, score []fixed.I32F32, minority fixed.I32F32) fixed.I32F32 {
	var col []vote
	zeros := 0
	for k, s := range score {
		if s.Gt(fixed.I32F32{}) {
			col = append(col, vote{s, stake[k]})
		} else {
			zeros++
		}
	}
	return columnQuantile(col, zeros, sum(stake), minority)
}

// Vectors of subtensor's tests/math.rs::test_math_weighted_median (§11.4).
func TestWeightedMedian_11_4(t *testing.T) {
	minority := fixed.I32F32One().Sub(lit("0.51"))
	for _, c := range []struct {
		stake, score []fixed.I32F32
		want         fixed.I32F32
	}{
		{nil, nil, fixed.I32F32{}},
		{lits("1"), lits("1"), lit("1")}, // [0.51] normalized
		{lits("0.49", "0.51"), lits("0.5", "1"), lit("1")},
		{lits("0.51", "0.49"), lits("0.5", "1"), lit("0.5")},
		{lits("0.49", "0", "0.51"), lits("0.5", "0.7", "1"), lit("1")},
		{lits("0.49", "0.01", "0.5"), lits("0.5", "0.7", "1"), lit("0.7")},
		{lits("0.49", "0.51", "0"), lits("0.5", "0.7", "1"), lit("0.7")},
		{lits("0", "0.49", "0.51"), lits("0.5", "0.7", "1"), lit("1")},
	} {
		idx := make([]int, len(c.stake))
		for k := range idx {
			idx[k] = k
		}
		require.Equal(t, c.want, weightedMedianNaive(c.stake, c.score, idx, minority, fixed.I32F32{}, sum(c.stake)), "naive %v %v", c.stake, c.score)
		require.Equal(t, c.want, medianClosedForm(c.stake, c.score, minority), "closed form %v %v", c.stake, c.score)
	}
}

// TestQuantileAgainstNaive_4_7 drives single columns of every size (the
// radix pass starts above radixMin votes) with ties, zero stakes, zero
// scores and minorities below 0 and above the total.
func TestQuantileAgainstNaive_4_7(t *testing.T) {
	r := rand.New(rand.NewSource(31))
	for iter := 0; iter < 20000; iter++ {
		m := r.Intn(8)
		if r.Intn(4) == 0 {
			m = r.Intn(400)
		}
		stake := make([]fixed.I32F32, m)
		score := make([]fixed.I32F32, m)
		distinct := 1 + r.Intn(6)
		for k := range stake {
			switch r.Intn(4) {
			case 0:
				stake[k] = fixed.I32F32{}
			default:
				stake[k] = fixed.I32F32FromBits(r.Int63n(1 << 30))
			}
			switch r.Intn(3) {
			case 0: // few distinct values: ties
				score[k] = fixed.I32F32FromBits(int64(r.Intn(distinct)) << 28)
			case 1:
				score[k] = fixed.I32F32FromBits(r.Int63n(1<<32 + 1))
			default:
				score[k] = fixed.I32F32FromBits(r.Int63n(1 << 12))
			}
		}
		normalize(stake)
		var minority fixed.I32F32
		switch r.Intn(4) {
		case 0:
			minority = fixed.I32F32FromBits(-r.Int63n(1 << 32))
		case 1:
			minority = sum(stake).Add(fixed.I32F32FromBits(r.Int63n(3)))
		default:
			minority = fixed.I32F32FromBits(r.Int63n(1<<32 + 1))
		}
		idx := make([]int, m)
		for k := range idx {
			idx[k] = k
		}
		want := weightedMedianNaive(stake, score, idx, minority, fixed.I32F32{}, sum(stake))
		require.Equal(t, want, medianClosedForm(stake, score, minority), "iter %d: m=%d", iter, m)
	}
}

// TestConsensusAgainstNaive_4_7 compares whole consensus vectors, with the
// column gather on one to three workers and rows in any order, against
// the transcription of weighted_median_col_sparse.
func TestConsensusAgainstNaive_4_7(t *testing.T) {
	r := rand.New(rand.NewSource(32))
	ws := new(Workspace)
	for iter := 0; iter < 1500; iter++ {
		n := 1 + r.Intn(150)
		workers := 1 + r.Intn(min(n, 3))
		chunks := make([]int, workers+1)
		for k := range chunks {
			chunks[k] = n * k / workers
		}
		ws.reset(n, chunks)
		active := make([]fixed.I32F32, n)
		w := &ws.weights
		var cells arena
		for i := 0; i < n; i++ {
			first := len(cells.col)
			if r.Intn(3) > 0 {
				active[i] = fixed.I32F32FromBits(r.Int63n(1 << 31))
			}
			for _, j := range r.Perm(n)[:r.Intn(n+1)] {
				var v fixed.I32F32
				switch r.Intn(4) {
				case 0:
				case 1:
					v = fixed.I32F32FromBits(int64(r.Intn(3)) << 30)
				default:
					v = fixed.I32F32FromBits(r.Int63n(1<<32 + 1))
				}
				cells.push(uint16(j), v)
			}
			if r.Intn(2) == 0 {
				slices.Sort(cells.col[first:]) // values stay random
			}
			cells.endRow(w, i, first)
			ws.sorted[i] = ascending(cells.col[first:])
		}
		normalize(active)
		kappa := fixed.U16ProportionToFixed([]uint16{0, 1, 32767, 65535, uint16(r.Intn(65536))}[r.Intn(5)])
		want := consensusNaive(w, active, kappa, n)
		require.Equal(t, want, consensus(w, active, kappa, n, ws), "iter %d n=%d", iter, n)
	}
}
