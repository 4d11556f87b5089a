package yuma

import "github.com/gotensor/gotensor/fixed"

// maskedWeights is §4.6: the stored rows lifted to I32F32 integers, with
// rows of validators lacking a permit emptied, self-weights dropped (the
// owner's excepted), cells to uids registered at or after the row's last
// update dropped, cells to uids registered after the row's earliest live
// commit dropped (commit-reveal only), and each row with a positive sum
// normalized. All masks are filters, so one pass applies them in order.
func maskedWeights(in *Input, n, owner int, forbid []bool) matrix {
	w := newRowBuilder(n, countEntries(in.Weights))
	for i := 0; i < len(in.Weights) && i < n; i++ {
		if forbid[i] {
			w.finish(i)
			continue
		}
		updated := lastUpdate(in, i)
		commit := uint64(NoCommit)
		if in.CommitBlock != nil {
			commit = in.CommitBlock[i]
		}
		for _, e := range in.Weights[i] {
			j := int(e.UID)
			registered := in.BlockAtRegistration[j]
			switch {
			case j == i && i != owner:
			case updated <= registered:
			case in.CommitBlock != nil && commit < registered:
			default:
				w.push(e.UID, fixed.U16ToFixed(e.Value))
			}
		}
		w.finish(i)
	}
	for _, row := range w.rows {
		var s fixed.I32F32
		for _, c := range row {
			s = s.Add(c.val)
		}
		if s.Gt(fixed.I32F32{}) {
			for k := range row {
				row[k].val = row[k].val.SafeDiv(s)
			}
		}
	}
	return w.rows
}

func countEntries(rows [][]Entry) int {
	total := 0
	for _, row := range rows {
		total += len(row)
	}
	return total
}
