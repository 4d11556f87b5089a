package yuma

import "github.com/gotensor/gotensor/fixed"

// penalizedWeights is §4.10: Wb = W + β·(Wc − W). β = 0 gives W itself
// and β = 1 gives Wc (zero cells included, stored order); otherwise rows
// are densified and only positive results kept, in column order. Wc's
// cells are a subset of W's, so W's columns are all that can be non-zero.
func penalizedWeights(w *matrix, c []fixed.I32F32, beta fixed.I32F32, ws *workspace) *matrix {
	if beta.IsZero() {
		return w
	}
	wb := &ws.penalized
	wb.reset(len(w.col))
	full, clip := &ws.dense[0], ws.clip
	clipOnly := beta == fixed.I32F32One()
	for i := 0; i < w.rows(); i++ {
		cols, vals := w.row(i)
		if clipOnly {
			for k, v := range vals {
				if v, ok := clipped(v, c[cols[k]]); ok {
					wb.push(cols[k], v)
				}
			}
			wb.endRow()
			continue
		}
		for k, v := range vals {
			j := cols[k]
			full.touch(j)
			full.val[j] = v
			if v, ok := clipped(v, c[j]); ok {
				clip[j] = v
			}
		}
		for _, j := range full.ascending() {
			v1 := full.val[j]
			if v := v1.SatAdd(beta.SatMul(clip[j].SatSub(v1))); v.Gt(fixed.I32F32{}) {
				wb.push(j, v)
			}
			clip[j] = fixed.I32F32{}
		}
		full.clear()
		wb.endRow()
	}
	return wb
}

// lastTempo is the block after the previous epoch (or block − tempo before
// the first); bonds to uids registered at or after it are dropped.
func lastTempo(in *Input) uint64 {
	if in.LastMechanismStepBlock == 0 {
		if in.Block < uint64(in.Tempo) {
			return 0
		}
		return in.Block - uint64(in.Tempo)
	}
	return satAdd64(in.LastMechanismStepBlock, 1)
}

// previousBonds yields the stored bond rows, without cells to uids
// registered since the last epoch. Yuma 3 stores proportions of 65535;
// original Yuma stores column-max-upscaled u16s, read back as integers.
type previousBonds struct {
	in    *Input
	since uint64
	out   *rowBuf
}

func newPreviousBonds(in *Input, ws *workspace) *previousBonds {
	return &previousBonds{in: in, since: lastTempo(in), out: &ws.rows[0]}
}

// row returns row i; the slices are valid until the next call.
func (p *previousBonds) row(i int) ([]uint16, []fixed.I32F32) {
	p.out.reset()
	if i < len(p.in.Bonds) {
		for _, e := range p.in.Bonds[i] {
			if p.since <= p.in.BlockAtRegistration[e.UID] {
				continue
			}
			v := fixed.U16ToFixed(e.Value)
			if p.in.Yuma3 {
				v = fixed.FixedToFixedU16Proportion(v)
			}
			p.out.push(e.UID, v)
		}
	}
	return p.out.col, p.out.val
}

// fixedAlpha is the EMA alpha without liquid alpha: 1 − bma/10^6, the
// quotient taken in I64F64 and truncated to I32F32.
func fixedAlpha(bma uint64) fixed.I32F32 {
	x := fixed.I64F64FromUint(bma).SafeDiv(fixed.I64F64FromUint(1_000_000)).ToI32F32()
	return fixed.I32F32One().SatSub(x)
}

// emaRow appends one row of mat_ema_sparse to m: α·new + (1−α)·old over the
// union of columns, positive results in column order.
func emaRow(m *matrix, newCols []uint16, newVals []fixed.I32F32, oldCols []uint16, oldVals []fixed.I32F32,
	alpha, keep fixed.I32F32, acc *denseRow) {
	if ascending(newCols) && ascending(oldCols) {
		emaMerge(m, newCols, newVals, oldCols, oldVals, alpha, keep)
		return
	}
	for k, j := range newCols {
		acc.touch(j)
		acc.val[j] = acc.val[j].SatAdd(alpha.SatMul(newVals[k]))
	}
	for k, j := range oldCols {
		acc.touch(j)
		acc.val[j] = acc.val[j].SatAdd(keep.SatMul(oldVals[k]))
	}
	if len(acc.touched) == 0 {
		return
	}
	for _, j := range acc.ascending() {
		if v := acc.val[j]; v.Gt(fixed.I32F32{}) {
			m.push(j, v)
		}
	}
	acc.clear()
}

// emaMerge is emaRow for rows already in column order (the usual case):
// the same sums, α·new first, by one merge instead of a dense row.
func emaMerge(m *matrix, newCols []uint16, newVals []fixed.I32F32, oldCols []uint16, oldVals []fixed.I32F32,
	alpha, keep fixed.I32F32) {
	a, b := 0, 0
	for a < len(newCols) || b < len(oldCols) {
		var j uint16
		var v fixed.I32F32
		switch {
		case b == len(oldCols) || (a < len(newCols) && newCols[a] < oldCols[b]):
			j, v = newCols[a], alpha.SatMul(newVals[a])
			a++
		case a == len(newCols) || oldCols[b] < newCols[a]:
			j, v = oldCols[b], keep.SatMul(oldVals[b])
			b++
		default:
			j, v = newCols[a], alpha.SatMul(newVals[a]).SatAdd(keep.SatMul(oldVals[b]))
			a++
			b++
		}
		if v.Gt(fixed.I32F32{}) {
			m.push(j, v)
		}
	}
}

// ascending reports whether the columns are strictly increasing.
func ascending(cols []uint16) bool {
	for k := 1; k < len(cols); k++ {
		if cols[k] <= cols[k-1] {
			return false
		}
	}
	return true
}

// yuma3Bonds is §4.11a: the new absolute bonds (an EMA of Wb with fixed or
// liquid alpha) and the dividends they earn.
func yuma3Bonds(in *Input, wb *matrix, c, inc, active []fixed.I32F32, n int, ws *workspace) (*matrix, []fixed.I32F32) {
	prev := newPreviousBonds(in, ws)
	bonds := &ws.bonds
	bonds.reset(len(wb.col))
	sums := make(columnSums, n)
	if in.LiquidAlpha && anyNonZero(c) {
		l := newLiquidAlpha(in, c, ws)
		for i := 0; i < n; i++ {
			newCols, newVals := wb.row(i)
			oldCols, oldVals := prev.row(i)
			l.row(bonds, newCols, newVals, oldCols, oldVals)
			bonds.endRow()
			sums.add(bonds.row(i))
		}
		ws.alpha, ws.pending, ws.oldAt = l.alpha, l.pending, l.oldAt
	} else {
		alpha := fixedAlpha(in.BondsMovingAverage)
		keep := fixed.I32F32One().SatSub(alpha)
		acc := &ws.dense[1]
		for i := 0; i < n; i++ {
			newCols, newVals := wb.row(i)
			oldCols, oldVals := prev.row(i)
			emaRow(bonds, newCols, newVals, oldCols, oldVals, alpha, keep, acc)
			bonds.endRow()
			sums.add(bonds.row(i))
		}
	}
	// Dividends: bonds normalized per column, times incentive, times stake.
	div := make([]fixed.I32F32, n)
	for i := 0; i < n; i++ {
		cols, vals := bonds.row(i)
		var total fixed.I32F32
		for k, v := range vals {
			j := cols[k]
			total = total.Add(perColumn(v, sums[j]).SatMul(inc[j]))
		}
		if d, ok := total.CheckedMul(active[i]); ok {
			div[i] = d
		}
	}
	normalize(div)
	return bonds, div
}

// originalBonds is §4.11b: bond deltas Wb·A normalized per column, a
// fixed-alpha EMA with the column-normalized previous bonds, normalized
// again; dividends from it; stored column-max-upscaled.
func originalBonds(in *Input, wb *matrix, inc, active []fixed.I32F32, n int, ws *workspace) (*matrix, []fixed.I32F32) {
	prev := newPreviousBonds(in, ws)
	prevSums := make(columnSums, n)
	deltaSums := make([]fixed.I32F32, n)
	for i := 0; i < n; i++ {
		prevSums.add(prev.row(i))
		cols, vals := wb.row(i)
		for k, v := range vals {
			deltaSums[cols[k]] = deltaSums[cols[k]].SatAdd(v.SatMul(active[i]))
		}
	}
	alpha := fixedAlpha(in.BondsMovingAverage)
	keep := fixed.I32F32One().SatSub(alpha)
	acc := &ws.dense[1]
	delta, old := &ws.rows[1], &ws.rows[2]
	bonds := &ws.bonds
	bonds.reset(len(wb.col))
	sums := make(columnSums, n)
	for i := 0; i < n; i++ {
		delta.reset()
		cols, vals := wb.row(i)
		for k, v := range vals {
			delta.push(cols[k], perColumn(v.SatMul(active[i]), deltaSums[cols[k]]))
		}
		old.reset()
		cols, vals = prev.row(i)
		for k, v := range vals {
			old.push(cols[k], perColumn(v, prevSums[cols[k]]))
		}
		emaRow(bonds, delta.col, delta.val, old.col, old.val, alpha, keep, acc)
		bonds.endRow()
		sums.add(bonds.row(i))
	}
	// One pass normalizes each column (as inplace_col_normalize_sparse),
	// collects the dividends and finds the column maxima for storage.
	div := make([]fixed.I32F32, n)
	maxes := make([]fixed.I32F32, n)
	for i := 0; i < n; i++ {
		cols, vals := bonds.row(i)
		var total fixed.I32F32
		for k, v := range vals {
			j := cols[k]
			v = perColumn(v, sums[j])
			vals[k] = v
			total = total.SatAdd(inc[j].SatMul(v))
			maxes[j] = maxes[j].Max(v)
		}
		div[i] = total
	}
	normalize(div)
	// Stored column-max-upscaled (inplace_col_max_upscale_sparse).
	for k, j := range bonds.col {
		bonds.val[k] = perColumn(bonds.val[k], maxes[j])
	}
	return bonds, div
}

// columnSums are per-column saturating sums; rows added in order give
// inplace_col_normalize_sparse's sums.
type columnSums []fixed.I32F32

func (s columnSums) add(cols []uint16, vals []fixed.I32F32) {
	for k, j := range cols {
		s[j] = s[j].SatAdd(vals[k])
	}
}

func anyNonZero(v []fixed.I32F32) bool {
	for _, x := range v {
		if !x.IsZero() {
			return true
		}
	}
	return false
}
