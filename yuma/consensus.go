package yuma

import "github.com/gotensor/gotensor/fixed"

// vote is one validator's positive score for a column and its stake share.
type vote struct {
	score, stake fixed.I32F32
}

// consensus is §4.7: per column, the κ-quantile of the weights of the
// validators with positive active stake, weighted by that stake
// renormalized over them.
//
// Subtensor finds it with a mid-pivot quickselect (weighted_median) over
// every such validator, absent weights counting as 0. Its additions are
// exact, so its answer is fully determined by the multiset of (score,
// stake): the least score v with Σ{stake : score ≤ v} > minority, where
// minority = Σstake − κ, or the largest score if there is none. This code
// computes that value directly from the positive cells of each column,
// adding up the stake of the zero scores in one step; weightedMedianNaive
// in the tests replays the Rust loop literally and must always agree.
func consensus(w matrix, active []fixed.I32F32, kappa fixed.I32F32, n int) []fixed.I32F32 {
	c := make([]fixed.I32F32, n)
	// The validators and their renormalized stake.
	var voters []int
	var share []fixed.I32F32
	for i, a := range active {
		if a.Gt(fixed.I32F32{}) {
			voters = append(voters, i)
			share = append(share, a)
		}
	}
	if len(voters) == 0 {
		return c
	}
	normalize(share)
	total := sum(share)
	minority := total.SatSub(kappa)

	// Gather each column's positive scores (a column-major copy).
	start := make([]int, n+1)
	for _, i := range voters {
		for _, cl := range w[i] {
			if cl.val.Gt(fixed.I32F32{}) {
				start[cl.col+1]++
			}
		}
	}
	for j := 0; j < n; j++ {
		start[j+1] += start[j]
	}
	votes := make([]vote, start[n])
	fill := make([]int, n)
	copy(fill, start[:n])
	for k, i := range voters {
		for _, cl := range w[i] {
			if cl.val.Gt(fixed.I32F32{}) {
				votes[fill[cl.col]] = vote{cl.val, share[k]}
				fill[cl.col]++
			}
		}
	}

	for j := 0; j < n; j++ {
		col := votes[start[j]:start[j+1]]
		zeros := len(voters) - len(col)
		// Stake behind score 0: everything not in col (exact arithmetic).
		zeroStake := total
		for _, v := range col {
			zeroStake = zeroStake.Sub(v.stake)
		}
		if zeros > 0 && zeroStake.Gt(minority) {
			continue // the quantile is 0
		}
		c[j] = quantile(col, minority.Sub(zeroStake))
	}
	return c
}

// quantile returns the least score v in votes with Σ{stake : score ≤ v} >
// target, or the largest score (0 for no votes) when no score qualifies.
// It reorders votes (a three-way quickselect).
func quantile(votes []vote, target fixed.I32F32) fixed.I32F32 {
	largest := fixed.I32F32{}
	for _, v := range votes {
		largest = largest.Max(v.score)
	}
	var below fixed.I32F32 // stake of the scores under the current window
	for len(votes) > 0 {
		pivot := medianOfThree(votes[0].score, votes[len(votes)/2].score, votes[len(votes)-1].score)
		lt, gt, ltStake, eqStake := partition3(votes, pivot)
		switch {
		case lt > 0 && target.Lt(below.Add(ltStake)):
			votes = votes[:lt]
		case target.Lt(below.Add(ltStake).Add(eqStake)):
			return pivot
		default:
			below = below.Add(ltStake).Add(eqStake)
			votes = votes[gt:]
		}
	}
	return largest
}

func medianOfThree(a, b, c fixed.I32F32) fixed.I32F32 {
	if a.Gt(b) {
		a, b = b, a
	}
	if b.Gt(c) {
		b = c
	}
	return a.Max(b)
}

// partition3 reorders v into [< pivot | == pivot | > pivot] and returns the
// bounds (lt = start of the equal run, gt = start of the greater run) with
// the stake below and at the pivot.
func partition3(v []vote, pivot fixed.I32F32) (lt, gt int, ltStake, eqStake fixed.I32F32) {
	i, k := 0, 0
	gt = len(v)
	for k < gt {
		switch s := v[k].score; {
		case s.Lt(pivot):
			ltStake = ltStake.Add(v[k].stake)
			v[i], v[k] = v[k], v[i]
			i++
			k++
		case s.Gt(pivot):
			gt--
			v[k], v[gt] = v[gt], v[k]
		default:
			eqStake = eqStake.Add(v[k].stake)
			k++
		}
	}
	return i, gt, ltStake, eqStake
}

// clip is §4.8: each weight capped at its column's consensus; a cell above
// a non-positive consensus is dropped. It also returns validator trust,
// the (plain) sum of each clipped row.
func clip(w matrix, c []fixed.I32F32) (matrix, []fixed.I32F32) {
	b := newRowBuilder(len(w), w.cells())
	trust := make([]fixed.I32F32, len(w))
	for i, row := range w {
		var t fixed.I32F32
		for _, cl := range row {
			th := c[cl.col]
			v := cl.val
			if th.Lt(v) {
				if !th.Gt(fixed.I32F32{}) {
					continue
				}
				v = th
			}
			b.push(cl.col, v)
			t = t.Add(v)
		}
		b.finish(i)
		trust[i] = t
	}
	return b.rows, trust
}

// incentive is §4.9: ranks R_j = Σ_i A_i·Wc_ij (saturating), normalized.
func incentive(wc matrix, active []fixed.I32F32, n int) []fixed.I32F32 {
	r := make([]fixed.I32F32, n)
	for i, row := range wc {
		a := active[i]
		for _, cl := range row {
			r[cl.col] = r[cl.col].SatAdd(a.SatMul(cl.val))
		}
	}
	normalize(r)
	return r
}
