package yuma

import (
	"math/bits"
	"slices"

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
func consensus(w *matrix, active []fixed.I32F32, kappa fixed.I32F32, n int, ws *Workspace) []fixed.I32F32 {
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

	// The voters' rows in column order, so that a cursor per row can hand
	// out the cells of consecutive column blocks. Stored rows are nearly
	// always sorted; the others are copied and sorted.
	nv := len(voters)
	ws.voterCols = grow(ws.voterCols, nv)
	ws.voterVals = grow(ws.voterVals, nv)
	ws.resorted.reset(0)
	for k, i := range voters {
		cols, vals := w.row(i)
		if !ws.sorted[i] {
			cols, vals = ws.sortedCopy(cols, vals)
		}
		ws.voterCols[k], ws.voterVals[k] = cols, vals
	}

	// Columns are gathered a block at a time: each column of the block has
	// room for one vote per voter, and the block's votes stay in cache
	// while its quantiles are taken. Blocks are independent.
	width := max(1, min(n, blockVotes/nv))
	blocks := (n + width - 1) / width
	ws.parallelEven(blocks, func(wk *worker, first, end int) {
		g := gather{cols: ws.voterCols, vals: ws.voterVals, share: share, width: width, n: n}
		g.columns(wk, c, first, end, total, minority)
	})
	return c
}

// gather hands each column block its votes from the voters' sorted rows.
type gather struct {
	cols     [][]uint16
	vals     [][]fixed.I32F32
	share    []fixed.I32F32
	width, n int
}

// columns sets c[j] for the columns of blocks [first, end).
func (g *gather) columns(wk *worker, c []fixed.I32F32, first, end int, total, minority fixed.I32F32) {
	nv := len(g.cols)
	votes := grow(wk.votes, g.width*nv)
	fill := grow(wk.fill, g.width)
	cursor := grow(wk.cursor, nv)
	wk.votes, wk.fill, wk.cursor = votes, fill, cursor
	start := uint16(first * g.width)
	for k, cols := range g.cols {
		cursor[k], _ = slices.BinarySearch(cols, start)
	}
	for b := first; b < end; b++ {
		lo, hi := b*g.width, min(b*g.width+g.width, g.n)
		clear(fill)
		for k, cols := range g.cols {
			p := g.block(votes, fill, cols, g.vals[k], cursor[k], lo, hi, g.share[k], nv)
			cursor[k] = p
		}
		for j := lo; j < hi; j++ {
			col := votes[(j-lo)*nv:][:fill[j-lo]]
			c[j] = columnQuantile(col, nv-len(col), total, minority)
		}
	}
}

// block appends one voter's positive scores for the columns [lo, hi),
// read from cell p on, to the votes of those columns (nv slots each),
// and returns the first cell past them.
func (g *gather) block(votes []vote, fill []int, cols []uint16, vals []fixed.I32F32, p, lo, hi int, share fixed.I32F32, nv int) int {
	vals = vals[:len(cols)]
	for ; p < len(cols) && int(cols[p]) < hi; p++ {
		if v := vals[p]; v.Gt(fixed.I32F32{}) {
			j := int(cols[p]) - lo
			votes[j*nv+fill[j]] = vote{v, share}
			fill[j]++
		}
	}
	return p
}

// blockVotes bounds the votes gathered at once per worker (16 bytes
// each): a block of columns fits in the L2 cache.
const blockVotes = 1 << 15

// sortCell is a cell of a row being put in column order.
type sortCell struct {
	col uint16
	val fixed.I32F32
}

// sortedCopy returns a copy of a row in column order (columns within a
// row are distinct), valid until the next epoch.
func (ws *Workspace) sortedCopy(cols []uint16, vals []fixed.I32F32) ([]uint16, []fixed.I32F32) {
	cells := ws.cellSort[:0]
	for k, j := range cols {
		cells = append(cells, sortCell{j, vals[k]})
	}
	slices.SortFunc(cells, func(a, b sortCell) int { return int(a.col) - int(b.col) })
	ws.cellSort = cells
	first := len(ws.resorted.col)
	for _, cl := range cells {
		ws.resorted.push(cl.col, cl.val)
	}
	return ws.resorted.col[first:], ws.resorted.val[first:]
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

// trustAndRanks is §4.8–4.9 up to the incentive: validator trust, the
// (plain) sum of each clipped row, and the ranks R_j = Σ_i A_i·Wc_ij, the
// incentive before normalization. Every term is non-negative, so the
// saturating column sums of the row chunks fold to the sequential sums.
func trustAndRanks(w *matrix, c, active []fixed.I32F32, n int, ws *Workspace) (trust, ranks []fixed.I32F32) {
	trust = make([]fixed.I32F32, n)
	ws.parallel(func(wk *worker, lo, hi int) {
		wk.sums = resize(wk.sums, n)
		rankRows(w, c, active, trust, wk.sums, lo, hi)
	})
	return trust, ws.foldSums(n, partialSums)
}

func rankRows(w *matrix, c, active, trust, ranks []fixed.I32F32, lo, hi int) {
	for i := lo; i < hi; i++ {
		cols, vals := w.row(i)
		vals = vals[:len(cols)]
		a := active[i]
		var t fixed.I32F32
		for k, j := range cols {
			if v, ok := clipped(vals[k], c[j]); ok {
				t = t.Add(v)
				ranks[j] = ranks[j].SatAdd(a.SatMul(v))
			}
		}
		trust[i] = t
	}
}
