package yuma

import (
	"slices"

	"github.com/gotensor/gotensor/fixed"
)

// penalty is §4.10: the bond weights Wb = W + β·(Wc − W), computed a row
// at a time where the bonds need them. β = 0 gives W itself and β = 1
// gives Wc (zero cells included, stored order); otherwise rows are
// densified and only positive results kept, in column order. Wc's cells
// are a subset of W's, so W's columns are all that can be non-zero.
type penalty struct {
	w    *matrix
	c    []fixed.I32F32
	beta fixed.I32F32
}

// clipOnly reports whether Wb is Wc.
func (p penalty) clipOnly() bool { return p.beta == fixed.I32F32One() }

// row returns row i of Wb, valid until the worker's next call.
func (p penalty) row(i int, wk *worker) ([]uint16, []fixed.I32F32) {
	cols, vals := p.w.row(i)
	if p.beta.IsZero() {
		return cols, vals
	}
	out := &wk.rows[0]
	out.reset()
	if p.clipOnly() {
		for k, v := range vals {
			if v, ok := clipped(v, p.c[cols[k]]); ok {
				out.push(cols[k], v)
			}
		}
		return out.col, out.val
	}
	full, clip := &wk.dense[0], wk.clip
	for k, v := range vals {
		j := cols[k]
		full.touch(j)
		full.val[j] = v
		if v, ok := clipped(v, p.c[j]); ok {
			clip[j] = v
		}
	}
	for _, j := range full.ascending() {
		v1 := full.val[j]
		if v := v1.SatAdd(p.beta.SatMul(clip[j].SatSub(v1))); v.Gt(fixed.I32F32{}) {
			out.push(j, v)
		}
		clip[j] = fixed.I32F32{}
	}
	full.clear()
	return out.col, out.val
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
}

func newPreviousBonds(in *Input) previousBonds {
	return previousBonds{in: in, since: lastTempo(in)}
}

// row returns row i, valid until the worker's next call.
func (p previousBonds) row(i int, wk *worker) ([]uint16, []fixed.I32F32) {
	out := &wk.rows[1]
	out.reset()
	if i < len(p.in.Bonds) {
		for _, e := range p.in.Bonds[i] {
			if p.since <= p.in.BlockAtRegistration[e.UID] {
				continue
			}
			v := fixed.U16ToFixed(e.Value)
			if p.in.Yuma3 {
				v = fixed.FixedToFixedU16Proportion(v)
			}
			out.push(e.UID, v)
		}
	}
	return out.col, out.val
}

// fixedAlpha is the EMA alpha without liquid alpha: 1 − bma/10^6, the
// quotient taken in I64F64 and truncated to I32F32.
func fixedAlpha(bma uint64) fixed.I32F32 {
	x := fixed.I64F64FromUint(bma).SafeDiv(fixed.I64F64FromUint(1_000_000)).ToI32F32()
	return fixed.I32F32One().SatSub(x)
}

// emaRow appends one row of mat_ema_sparse to a: α·new + (1−α)·old over the
// union of columns, positive results in column order.
func emaRow(a *arena, newCols []uint16, newVals []fixed.I32F32, oldCols []uint16, oldVals []fixed.I32F32,
	alpha, keep fixed.I32F32, acc *denseRow) {
	if ascending(newCols) && ascending(oldCols) {
		emaMerge(a, newCols, newVals, oldCols, oldVals, alpha, keep)
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
			a.push(j, v)
		}
	}
	acc.clear()
}

// emaMerge is emaRow for rows already in column order (the usual case):
// the same sums, α·new first, by one merge instead of a dense row.
func emaMerge(out *arena, newCols []uint16, newVals []fixed.I32F32, oldCols []uint16, oldVals []fixed.I32F32,
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
			out.push(j, v)
		}
	}
}

// addColumns adds a computed row to the worker's partial column sums.
func addColumns(sums []fixed.I32F32, cols []uint16, vals []fixed.I32F32) {
	vals = vals[:len(cols)]
	for k, j := range cols {
		sums[j] = sums[j].SatAdd(vals[k])
	}
}

// columnDivisors prepares perColumn by each column's sum or maximum.
func columnDivisors(by []fixed.I32F32) []columnDivisor {
	d := make([]columnDivisor, len(by))
	for j, b := range by {
		d[j] = newColumnDivisor(b)
	}
	return d
}

// yuma3Bonds is §4.11a: the new absolute bonds (an EMA of Wb with fixed or
// liquid alpha), the dividends they earn and the rows to store (§4.14,
// proportions as u16).
func yuma3Bonds(in *Input, wb penalty, inc, active []fixed.I32F32, nextPermit []bool, n int, ws *Workspace) (
	div []fixed.I32F32, stored [][]Entry) {
	e := ema{in: in, wb: wb, prev: newPreviousBonds(in), bonds: &ws.bonds, n: n, sorted: ws.sorted}
	e.alpha = fixedAlpha(in.BondsMovingAverage)
	e.keep = fixed.I32F32One().SatSub(e.alpha)
	e.liquid = in.LiquidAlpha && anyNonZero(wb.c)
	ws.parallel(e.yuma3Rows)
	sums := columnDivisors(ws.foldSums(n, partialSums))

	div = make([]fixed.I32F32, n)
	stored = storedRows(e.bonds, nextPermit)
	ws.parallel(func(_ *worker, lo, hi int) {
		yuma3Dividends(e.bonds, sums, inc, active, div, stored, lo, hi)
	})
	normalize(div)
	return div, stored
}

// ema computes new bond rows from Wb and the previous bonds.
type ema struct {
	in          *Input
	wb          penalty
	prev        previousBonds
	bonds       *matrix
	n           int
	alpha, keep fixed.I32F32
	liquid      bool
	// original Yuma: the column sums that normalize Wb·A and the
	// previous bonds
	deltaSums, prevSums []fixed.I32F32
	deltaDiv            []columnDivisor
	prevDiv             []u16Divisor
	active              []fixed.I32F32
	// sorted marks the rows of W in column order (Workspace.sorted).
	sorted []bool
}

// yuma3Rows computes the bond rows [lo, hi) and their partial column sums.
func (e *ema) yuma3Rows(wk *worker, lo, hi int) {
	out := &wk.bonds
	out.reset(e.wb.w.cells(lo, hi))
	wk.sums = resize(wk.sums, e.n)
	var l *liquidAlpha
	if e.liquid {
		l = wk.liquid.start(e.in, e.wb.c)
	}
	for i := lo; i < hi; i++ {
		if l == nil && e.merges(i) {
			e.mergeRow(out, i, wk, wk.sums, nil)
			continue
		}
		newCols, newVals := e.wb.row(i, wk)
		oldCols, oldVals := e.prev.row(i, wk)
		first := len(out.col)
		if l != nil {
			l.row(out, newCols, newVals, oldCols, oldVals)
		} else {
			emaRow(out, newCols, newVals, oldCols, oldVals, e.alpha, e.keep, &wk.dense[1])
		}
		out.endRow(e.bonds, i, first)
		cols, vals := e.bonds.row(i)
		addColumns(wk.sums, cols, vals)
	}
}

// yuma3Dividends is Σ_j B_ij/ΣB_j · I_j (plain sum) times the stake for
// rows [lo, hi), and fills their stored rows.
func yuma3Dividends(bonds *matrix, sums []columnDivisor, inc, active, div []fixed.I32F32, stored [][]Entry, lo, hi int) {
	for i := lo; i < hi; i++ {
		cols, vals := bonds.row(i)
		vals = vals[:len(cols)]
		var total fixed.I32F32
		for k, j := range cols {
			total = total.Add(sums[j].quo(vals[k]).SatMul(inc[j]))
		}
		if d, ok := total.CheckedMul(active[i]); ok {
			div[i] = d
		}
		if row := stored[i]; len(row) > 0 {
			row = row[:len(cols)]
			for k, j := range cols {
				row[k] = Entry{UID: j, Value: fixed.FixedProportionToU16(vals[k])}
			}
		}
	}
}

// originalBonds is §4.11b: bond deltas Wb·A normalized per column, a
// fixed-alpha EMA with the column-normalized previous bonds, normalized
// again; dividends from it; stored column-max-upscaled. ranks, the column
// sums of Wc·A, are Wb·A's column sums when Wb is Wc.
func originalBonds(in *Input, wb penalty, ranks, inc, active []fixed.I32F32, nextPermit []bool, n int, ws *Workspace) (
	div []fixed.I32F32, stored [][]Entry) {
	e := ema{in: in, wb: wb, prev: newPreviousBonds(in), bonds: &ws.bonds, n: n, active: active, sorted: ws.sorted}
	ws.parallel(e.originalSums)
	e.prevSums = ws.foldSums(n, partialSums)
	e.deltaSums = ranks
	if !wb.clipOnly() {
		e.deltaSums = ws.foldSums(n, partialExtra)
	}
	e.deltaDiv = columnDivisors(e.deltaSums)
	e.prevDiv = make([]u16Divisor, n)
	for j, s := range e.prevSums {
		e.prevDiv[j] = newU16Divisor(s)
	}
	e.alpha = fixedAlpha(in.BondsMovingAverage)
	e.keep = fixed.I32F32One().SatSub(e.alpha)
	ws.parallel(e.originalRows)
	sums := ws.foldSums(n, partialSums)
	// The column maxima after normalization: dividing by a column's sum,
	// which is at least each of its values, is monotone, so it maps the
	// largest bond to the largest normalized bond.
	maxes := ws.foldMaxes(n, partialExtra)
	for j, m := range maxes {
		maxes[j] = perColumn(m, sums[j])
	}

	div = make([]fixed.I32F32, n)
	stored = storedRows(e.bonds, nextPermit)
	norm, upscale := columnDivisors(sums), columnDivisors(maxes)
	ws.parallel(func(_ *worker, lo, hi int) {
		originalDividends(e.bonds, norm, upscale, inc, div, stored, lo, hi)
	})
	normalize(div)
	return div, stored
}

// originalSums is the partial column sums of the previous bonds and, unless
// Wb is Wc, of Wb·A, over rows [lo, hi).
func (e *ema) originalSums(wk *worker, lo, hi int) {
	wk.sums = resize(wk.sums, e.n)
	wk.extra = resize(wk.extra, e.n)
	registered, since := e.in.BlockAtRegistration, e.prev.since
	for i := lo; i < min(hi, len(e.in.Bonds)); i++ {
		for _, b := range e.in.Bonds[i] {
			if since > registered[b.UID] {
				wk.sums[b.UID] = wk.sums[b.UID].SatAdd(fixed.U16ToFixed(b.Value))
			}
		}
	}
	if e.wb.clipOnly() {
		return
	}
	for i := lo; i < hi; i++ {
		cols, vals := e.wb.row(i, wk)
		a := e.active[i]
		for k, j := range cols {
			wk.extra[j] = wk.extra[j].SatAdd(vals[k].SatMul(a))
		}
	}
}

// originalRows computes the bond rows [lo, hi) (before the column
// normalization) and their partial column sums and maxima.
func (e *ema) originalRows(wk *worker, lo, hi int) {
	out := &wk.bonds
	out.reset(e.wb.w.cells(lo, hi))
	sums := resize(wk.sums, e.n)
	maxes := resize(wk.extra, e.n)
	wk.sums, wk.extra = sums, maxes
	delta := &wk.rows[2]
	for i := lo; i < hi; i++ {
		if e.merges(i) {
			e.mergeRow(out, i, wk, sums, maxes)
			continue
		}
		cols, vals := e.wb.row(i, wk)
		e.deltaRow(delta, cols, vals, e.active[i])
		oldCols, oldVals := e.normalizedPrevRow(i, wk)
		first := len(out.col)
		emaRow(out, delta.col, delta.val, oldCols, oldVals, e.alpha, e.keep, &wk.dense[1])
		out.endRow(e.bonds, i, first)
		cols, vals = e.bonds.row(i)
		vals = vals[:len(cols)]
		for k, j := range cols {
			sums[j] = sums[j].SatAdd(vals[k])
			maxes[j] = maxes[j].Max(vals[k])
		}
	}
}

// merges reports whether row i can take mergeRow: Wb is W or Wc, so its
// row is W's cells in W's order, and both that row and the stored bond
// row are in column order.
func (e *ema) merges(i int) bool {
	if !e.wb.beta.IsZero() && !e.wb.clipOnly() || !e.sorted[i] {
		return false
	}
	if i < len(e.in.Bonds) {
		row := e.in.Bonds[i]
		for k := 1; k < len(row); k++ {
			if row[k].UID <= row[k-1].UID {
				return false
			}
		}
	}
	return true
}

// mergeRow appends bond row i to out: Wb's cells (normalized for
// original Yuma) and the previous bonds' (normalized for original Yuma,
// as proportions for Yuma 3), computed in one pass over each row, then
// merged by column: the same values, in the same order, as emaMerge over
// the rows that wb.row, deltaRow, prev.row and normalizedPrevRow build.
// It adds the new cells to the partial column sums, and to the partial
// maxima when given.
func (e *ema) mergeRow(out *arena, i int, wk *worker, sums, maxes []fixed.I32F32) {
	wc, wv := e.wb.w.row(i)
	var old []Entry
	if i < len(e.in.Bonds) {
		old = e.in.Bonds[i]
	}
	original := maxes != nil
	nv := grow(wk.rows[0].val, len(wc))
	ov := grow(wk.rows[1].val, len(old))
	wk.rows[0].val, wk.rows[1].val = nv, ov
	if original {
		e.originalNew(nv, wc, wv, e.active[i])
		e.originalOld(ov, old)
	} else {
		e.yuma3New(nv, wc, wv)
		e.yuma3Old(ov, old)
	}

	first := len(out.col)
	out.col = slices.Grow(out.col, len(wc)+len(old))
	out.val = slices.Grow(out.val, len(wc)+len(old))
	cols := out.col[first : first+len(wc)+len(old)]
	vals := out.val[first : first+len(wc)+len(old)]
	alpha, keep := e.alpha, e.keep
	m, x, y := 0, 0, 0
	for x < len(wc) || y < len(old) {
		var j uint16
		var v fixed.I32F32
		switch {
		case y == len(old) || x < len(wc) && wc[x] < old[y].UID:
			j, v = wc[x], alpha.SatMul(nv[x])
			if nv[x].Bits() < 0 {
				v = fixed.I32F32{}
			}
			x++
		case x == len(wc) || old[y].UID < wc[x]:
			j, v = old[y].UID, keep.SatMul(ov[y])
			if ov[y].Bits() < 0 {
				v = fixed.I32F32{}
			}
			y++
		default:
			j = wc[x]
			switch a, b := nv[x], ov[y]; {
			case a.Bits() >= 0 && b.Bits() >= 0:
				v = alpha.SatMul(a).SatAdd(keep.SatMul(b))
			case a.Bits() >= 0:
				v = alpha.SatMul(a)
			case b.Bits() >= 0:
				v = keep.SatMul(b)
			}
			x++
			y++
		}
		if v.Gt(fixed.I32F32{}) {
			cols[m], vals[m] = j, v
			m++
		}
	}
	out.col = out.col[:first+m]
	out.val = out.val[:first+m]
	out.endRow(e.bonds, i, first)
	cols, vals = cols[:m], vals[:m]
	if original {
		for k, j := range cols {
			sums[j] = sums[j].SatAdd(vals[k])
			maxes[j] = maxes[j].Max(vals[k])
		}
	} else {
		addColumns(sums, cols, vals)
	}
}

// dropped marks a cell that Wb or the registration filter leaves out;
// every value kept is non-negative.
var dropped = fixed.I32F32FromBits(-1)

// originalNew is Wb·A normalized per column for the cells of W's row i,
// dropped where Wb has no cell.
func (e *ema) originalNew(nv []fixed.I32F32, wc []uint16, wv []fixed.I32F32, a fixed.I32F32) {
	nv, wv = nv[:len(wc)], wv[:len(wc)]
	c, div, clip := e.wb.c, e.deltaDiv, e.wb.clipOnly()
	for k, j := range wc {
		v, ok := wv[k], true
		if clip {
			v, ok = clipped(v, c[j])
		}
		nv[k] = dropped
		if ok {
			nv[k] = div[j].quo(v.SatMul(a))
		}
	}
}

// yuma3New is Wb's cells of W's row i, dropped where Wb has none.
func (e *ema) yuma3New(nv []fixed.I32F32, wc []uint16, wv []fixed.I32F32) {
	nv, wv = nv[:len(wc)], wv[:len(wc)]
	c, clip := e.wb.c, e.wb.clipOnly()
	for k, j := range wc {
		v, ok := wv[k], true
		if clip {
			v, ok = clipped(v, c[j])
		}
		nv[k] = dropped
		if ok {
			nv[k] = v
		}
	}
}

// originalOld is the stored bonds of a row normalized per column, dropped
// where their uid registered since the last epoch.
func (e *ema) originalOld(ov []fixed.I32F32, old []Entry) {
	ov = ov[:len(old)]
	registered, since, div := e.in.BlockAtRegistration, e.prev.since, e.prevDiv
	for k, b := range old {
		ov[k] = dropped
		if since > registered[b.UID] {
			ov[k] = div[b.UID].quo(b.Value)
		}
	}
}

// yuma3Old is the stored bonds of a row as proportions, dropped where
// their uid registered since the last epoch.
func (e *ema) yuma3Old(ov []fixed.I32F32, old []Entry) {
	ov = ov[:len(old)]
	registered, since := e.in.BlockAtRegistration, e.prev.since
	for k, b := range old {
		ov[k] = dropped
		if since > registered[b.UID] {
			ov[k] = fixed.FixedToFixedU16Proportion(fixed.U16ToFixed(b.Value))
		}
	}
}

// maxColumn is past every column: uids are u16.
const maxColumn = 1 << 16

// deltaRow is row i of Wb·A normalized per column.
func (e *ema) deltaRow(delta *rowBuf, cols []uint16, vals []fixed.I32F32, a fixed.I32F32) {
	delta.reset()
	delta.col = append(delta.col, cols...)
	delta.val = grow(delta.val, len(cols))
	vals = vals[:len(cols)]
	for k, j := range cols {
		delta.val[k] = e.deltaDiv[j].quo(vals[k].SatMul(a))
	}
}

// normalizedPrevRow is row i of the previous bonds normalized per column.
func (e *ema) normalizedPrevRow(i int, wk *worker) ([]uint16, []fixed.I32F32) {
	out := &wk.rows[1]
	out.reset()
	if i >= len(e.in.Bonds) {
		return out.col, out.val
	}
	for _, b := range e.in.Bonds[i] {
		if e.prev.since <= e.in.BlockAtRegistration[b.UID] {
			continue
		}
		out.push(b.UID, e.prevDiv[b.UID].quo(b.Value))
	}
	return out.col, out.val
}

// originalDividends normalizes the bond rows [lo, hi) per column, sums
// their dividends Σ_j I_j·B_ij (saturating) and fills their stored rows,
// column-max-upscaled.
func originalDividends(bonds *matrix, norm, upscale []columnDivisor, inc, div []fixed.I32F32, stored [][]Entry, lo, hi int) {
	for i := lo; i < hi; i++ {
		cols, vals := bonds.row(i)
		vals = vals[:len(cols)]
		row := stored[i]
		keep := len(row) > 0 // a uid with a new permit: len(row) = len(cols)
		var total fixed.I32F32
		for k, j := range cols {
			v := norm[j].quo(vals[k])
			total = total.SatAdd(inc[j].SatMul(v))
			if keep {
				row[k] = Entry{UID: j, Value: fixed.FixedProportionToU16(upscale[j].quo(v))}
			}
		}
		div[i] = total
	}
}

// storedRows lays out §4.14's rows: a uid with a new permit keeps its new
// bond row, every other uid's row is wiped. The rows are sized here and
// filled by the bond stage that computes their values.
func storedRows(bonds *matrix, nextPermit []bool) [][]Entry {
	total := 0
	for i, p := range nextPermit {
		if p {
			total += len(bonds.cols[i])
		}
	}
	buf := make([]Entry, total)
	out := make([][]Entry, len(nextPermit))
	next := 0
	for i, p := range nextPermit {
		first := next
		if p {
			next += len(bonds.cols[i])
		}
		out[i] = buf[first:next:next]
	}
	return out
}

func anyNonZero(v []fixed.I32F32) bool {
	for _, x := range v {
		if !x.IsZero() {
			return true
		}
	}
	return false
}
