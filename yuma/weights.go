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
func maskedWeights(in *Input, n, owner int, forbid []bool, ws *workspace) {
	ws.parallel(func(wk *worker, lo, hi int) {
		maskRows(in, owner, forbid, ws, &wk.weights, lo, hi)
	})
}

func maskRows(in *Input, owner int, forbid []bool, ws *workspace, a *arena, lo, hi int) {
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
		cols := a.col[first : first+len(stored)]
		vals := a.val[first : first+len(stored)]
		updated := lastUpdate(in, i)
		commit := uint64(NoCommit)
		if in.CommitBlock != nil {
			commit = in.CommitBlock[i]
		}
		kept, last, sorted := 0, -1, true
		var s fixed.I32F32
		for _, e := range stored {
			j := int(e.UID)
			registered := in.BlockAtRegistration[j]
			if (j == i && i != owner) || updated <= registered || commit < registered {
				continue
			}
			v := fixed.U16ToFixed(e.Value)
			cols[kept], vals[kept] = e.UID, v
			kept++
			s = s.Add(v)
			sorted = sorted && j > last
			last = j
		}
		if d, ok := newIntegerDivisor(s); ok { // a positive sum
			for k, v := range vals[:kept] {
				vals[k] = d.quo(uint16(v.Bits() >> 32))
			}
		}
		a.col = a.col[:first+kept]
		a.val = a.val[:first+kept]
		a.endRow(w, i, first)
		ws.sorted[i] = sorted
	}
}

func countEntries(rows [][]Entry) int {
	total := 0
	for _, row := range rows {
		total += len(row)
	}
	return total
}
