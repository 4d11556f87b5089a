package yuma

import (
	"math/bits"

	"github.com/gotensor/gotensor/fixed"
)

// consensus is §4.7: per column, the κ-quantile of the weights of the
// validators with positive active stake, weighted by that stake
// renormalized over them.
//
// Subtensor finds it with a mid-pivot quickselect (weighted_median) over
// every such validator, absent weights counting as 0. Its additions are
// exact, so its answer is fully determined by the multiset of (score,
// stake): the least score v with Σ{stake : score ≤ v} > minority, where
// minority = Σstake − κ, or the largest score if there is none. This code
// computes that value from the positive cells of each column, taking the
// stake of all zero scores in one step; weightedMedianNaive in the tests
// replays the Rust loop literally and must always agree.
func consensus(w *matrix, active []fixed.I32F32, kappa fixed.I32F32, n int, ws *workspace) []fixed.I32F32 {
	c := make([]fixed.I32F32, n)
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

	// Gather each column's positive scores with the voter's share. A direct
	// scatter to n column lists misses cache and TLB on every cell, so the
	// cells are first streamed into blocks of columnBlock columns, then
	// each block (small enough to stay in cache) is split by column.
	blocks := (n + columnBlock - 1) / columnBlock
	blockStart := resize(ws.blockStart, blocks+1)
	ws.blockStart = blockStart
	for _, i := range voters {
		cols, vals := w.row(i)
		for k, v := range vals {
			if v.Gt(fixed.I32F32{}) {
				blockStart[cols[k]/columnBlock+1]++
			}
		}
	}
	for b := 0; b < blocks; b++ {
		blockStart[b+1] += blockStart[b]
	}
	cells := grow(ws.cells, blockStart[blocks])
	ws.cells = cells
	fill := append(ws.blockFill[:0], blockStart[:blocks]...)
	ws.blockFill = fill
	for k, i := range voters {
		cols, vals := w.row(i)
		for m, v := range vals {
			if v.Gt(fixed.I32F32{}) {
				b := cols[m] / columnBlock
				cells[fill[b]] = blockCell{score: v, voter: uint16(k), col: cols[m]}
				fill[b]++
			}
		}
	}
	for b := 0; b < blocks; b++ {
		first := b * columnBlock
		last := min(first+columnBlock, n)
		block := cells[blockStart[b]:blockStart[b+1]]
		var start [columnBlock + 1]int
		for _, cl := range block {
			start[int(cl.col)-first+1]++
		}
		for j := 0; j < last-first; j++ {
			start[j+1] += start[j]
		}
		votes := grow(ws.votes, len(block))
		ws.votes = votes
		pos := start
		for _, cl := range block {
			j := int(cl.col) - first
			votes[pos[j]] = vote{cl.score, share[cl.voter]}
			pos[j]++
		}
		for j := first; j < last; j++ {
			col := votes[start[j-first]:start[j-first+1]]
			c[j] = columnQuantile(col, len(voters)-len(col), total, minority)
		}
	}
	return c
}

// columnBlock is how many columns consensus gathers at a time.
const columnBlock = 64

// blockCell is a positive weight on its way to its column's list.
type blockCell struct {
	score fixed.I32F32
	voter uint16 // index among the validators with positive stake
	col   uint16
}

// vote is one validator's positive score for a column with its stake share.
type vote struct {
	score, stake fixed.I32F32
}

// columnQuantile is the weighted median of one column: the positive votes
// in col, zeros further validators scoring 0, all stake summing to total.
func columnQuantile(col []vote, zeros int, total, minority fixed.I32F32) fixed.I32F32 {
	zeroStake := total // exact: the additions never overflow
	for _, v := range col {
		zeroStake = zeroStake.Sub(v.stake)
	}
	if zeros > 0 && zeroStake.Gt(minority) {
		return fixed.I32F32{}
	}
	return quantile(col, minority.Sub(zeroStake))
}

// quantile returns the least score v in b with Σ{stake : score ≤ v} >
// target, or the largest score (0 for none) when no score qualifies. It
// reorders b. Large columns are first narrowed by a radix pass on the top
// 8 significant bits of the scores; the rest is a three-way quickselect.
func quantile(b []vote, target fixed.I32F32) fixed.I32F32 {
	largest := fixed.I32F32{}
	for _, v := range b {
		largest = largest.Max(v.score)
	}
	if len(b) > radixMin {
		shift := max(bits.Len64(uint64(largest.Bits()))-8, 0)
		var hist [256]fixed.I32F32
		for _, v := range b {
			hist[v.score.Bits()>>shift] = hist[v.score.Bits()>>shift].Add(v.stake)
		}
		var below fixed.I32F32
		bucket := -1
		for k, s := range hist {
			if target.Lt(below.Add(s)) {
				bucket = k
				break
			}
			below = below.Add(s)
		}
		if bucket < 0 {
			return largest
		}
		// Keep the bucket's votes only; the answer is among them.
		kept := 0
		for _, v := range b {
			if int(v.score.Bits()>>shift) == bucket {
				b[kept] = v
				kept++
			}
		}
		b, target = b[:kept], target.Sub(below)
	}
	var below fixed.I32F32 // stake of the scores under the current window
	for len(b) > 0 {
		last := len(b) - 1
		pivot := medianOfThree(b[0].score, b[last/2].score, b[last].score)
		lt, gt, ltStake, eqStake := partition3(b, pivot)
		switch {
		case lt > 0 && target.Lt(below.Add(ltStake)):
			b = b[:lt]
		case target.Lt(below.Add(ltStake).Add(eqStake)):
			return pivot
		default:
			below = below.Add(ltStake).Add(eqStake)
			b = b[gt:]
		}
	}
	return largest
}

// radixMin is the column length from which quantile starts with a radix pass.
const radixMin = 48

func medianOfThree(a, b, c fixed.I32F32) fixed.I32F32 {
	if a.Gt(b) {
		a, b = b, a
	}
	if b.Gt(c) {
		b = c
	}
	return a.Max(b)
}

// partition3 reorders b into [< pivot | == pivot | > pivot], returning
// where the equal and greater runs start and the stake below and at the pivot.
func partition3(b []vote, pivot fixed.I32F32) (lt, gt int, ltStake, eqStake fixed.I32F32) {
	i, k := 0, 0
	gt = len(b)
	for k < gt {
		switch v := b[k]; {
		case v.score.Lt(pivot):
			ltStake = ltStake.Add(v.stake)
			b[i], b[k] = v, b[i]
			i++
			k++
		case v.score.Gt(pivot):
			gt--
			b[k], b[gt] = b[gt], v
		default:
			eqStake = eqStake.Add(v.stake)
			k++
		}
	}
	return i, gt, ltStake, eqStake
}

// clipped is §4.8 for one cell: the weight capped at its column's
// consensus; false when the cell is dropped (above a non-positive consensus).
func clipped(v, consensus fixed.I32F32) (fixed.I32F32, bool) {
	if consensus.Lt(v) {
		return consensus, consensus.Gt(fixed.I32F32{})
	}
	return v, true
}

// trustAndIncentive is §4.8–4.9: validator trust, the (plain) sum of each
// clipped row, and the incentive, the ranks R_j = Σ_i A_i·Wc_ij
// (saturating) normalized.
func trustAndIncentive(w *matrix, c, active []fixed.I32F32, n int) (trust, incentive []fixed.I32F32) {
	trust = make([]fixed.I32F32, n)
	incentive = make([]fixed.I32F32, n)
	for i := 0; i < n; i++ {
		cols, vals := w.row(i)
		a := active[i]
		var t fixed.I32F32
		for k, v := range vals {
			j := cols[k]
			if v, ok := clipped(v, c[j]); ok {
				t = t.Add(v)
				incentive[j] = incentive[j].SatAdd(a.SatMul(v))
			}
		}
		trust[i] = t
	}
	normalize(incentive)
	return trust, incentive
}
