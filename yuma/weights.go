package yuma

import "github.com/gotensor/gotensor/fixed"

// maskedWeights is §4.6: the stored rows lifted to I32F32 integers, with
// rows of validators lacking a permit emptied, self-weights dropped (the
// owner's excepted), cells to uids registered at or after the row's last
// update dropped, cells to uids registered after the row's earliest live
// commit dropped (commit-reveal only), and each row with a positive sum
// normalized. All masks are filters, so one pass applies them in order.
func maskedWeights(in *Input, n, owner int, forbid []bool, w *matrix) {
	w.reset(countEntries(in.Weights))
	for i := 0; i < n; i++ {
		if i < len(in.Weights) && !forbid[i] {
			first := len(w.col)
			updated := lastUpdate(in, i)
			commit := uint64(NoCommit)
			if in.CommitBlock != nil {
				commit = in.CommitBlock[i]
			}
			var s fixed.I32F32
			for _, e := range in.Weights[i] {
				j := int(e.UID)
				registered := in.BlockAtRegistration[j]
				switch {
				case j == i && i != owner:
				case updated <= registered:
				case commit < registered:
				default:
					v := fixed.U16ToFixed(e.Value)
					w.push(e.UID, v)
					s = s.Add(v)
				}
			}
			if s.Gt(fixed.I32F32{}) {
				for k := first; k < len(w.val); k++ {
					w.val[k] = w.val[k].SafeDiv(s)
				}
			}
		}
		w.endRow()
	}
}

func countEntries(rows [][]Entry) int {
	total := 0
	for _, row := range rows {
		total += len(row)
	}
	return total
}
