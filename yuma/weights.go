package yuma

import (
	"slices"

	"github.com/gotensor/gotensor/fixed"
)

// maskedWeights is §4.6: the stored rows lifted to I32F32 integers, with
// rows of validators lacking a permit emptied, self-weights dropped (the
// owner's excepted), cells to uids registered at or after the row's last
// update dropped, cells to uids registered after the row's earliest live
// commit dropped (commit-reveal only), and each row with a positive sum
// normalized. All masks are filters, so one pass applies them in order.
// It also notes which rows are in column order.
func maskedWeights(in *Input, n, owner int, forbid []bool, ws *Workspace) {
	ws.parallel(func(wk *worker, lo, hi int) {
		maskRows(in, owner, forbid, ws, &wk.weights, lo, hi)
	})
}

func maskRows(in *Input, owner int, forbid []bool, ws *Workspace, a *arena, lo, hi int) {
	w := &ws.weights
	a.reset(countEntries(in.Weights[min(lo, len(in.Weights)):min(hi, len(in.Weights))]))
	for i := lo; i < hi; i++ {
		ws.sorted[i] = true
		if i >= len(in.Weights) || forbid[i] {
			continue
		}
		stored := in.Weights[i]
		first := len(a.col)
		a.col = slices.Grow(a.col, len(stored))
		a.val = slices.Grow(a.val, len(stored))
		kept := keptWeights(in, i, owner, stored, a.col[first:first+len(stored)], a.val[first:first+len(stored)])
		cols, vals := a.col[first:first+kept], a.val[first:first+kept]
		var s fixed.I32F32
		for _, v := range vals {
			s = s.Add(v)
		}
		if s.Gt(fixed.I32F32{}) {
			d := newU16Divisor(s) // s wraps as Rust's sum does, but stays whole
			for k, v := range vals {
				vals[k] = d.quo(uint16(v.Bits() >> 32))
			}
		}
		a.col, a.val = a.col[:first+kept], a.val[:first+kept]
		a.endRow(w, i, first)
		ws.sorted[i] = ascending(cols)
	}
}

// keptWeights writes the cells of row i that pass the masks to cols and
// vals (as lifted integers) and returns how many there are. A cell to a
// uid registered at or after the row's last update or after its live
// commit is dropped: its registration block reaches the lesser of the
// update and the block after the commit.
func keptWeights(in *Input, i, owner int, stored []Entry, cols []uint16, vals []fixed.I32F32) int {
	limit := lastUpdate(in, i)
	if in.CommitBlock != nil && in.CommitBlock[i] < limit {
		limit = in.CommitBlock[i] + 1
	}
	self := i // the owner keeps its self-weight
	if i == owner {
		self = -1
	}
	registered := in.BlockAtRegistration
	cols, vals = cols[:len(stored)], vals[:len(stored)]
	kept := 0
	for _, e := range stored {
		if registered[e.UID] >= limit || int(e.UID) == self {
			continue
		}
		cols[kept], vals[kept] = e.UID, fixed.U16ToFixed(e.Value)
		kept++
	}
	return kept
}

func countEntries(rows [][]Entry) int {
	total := 0
	for _, row := range rows {
		total += len(row)
	}
	return total
}
