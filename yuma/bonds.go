package yuma

import "github.com/gotensor/gotensor/fixed"

// penalized is §4.10: Wb = W + β·(Wc − W). β = 0 and β = 1 return W and
// Wc themselves (zero cells included); otherwise the rows are densified
// and only positive results kept, in column order. Wc's cells are a
// subset of W's, so W's columns are all that can be non-zero.
func penalized(w, wc matrix, beta fixed.I32F32, n int) matrix {
	switch {
	case beta.IsZero():
		return w
	case beta == fixed.I32F32One():
		return wc
	}
	b := newRowBuilder(n, w.cells())
	full, clipped := newDenseRow(n), make([]fixed.I32F32, n)
	for i, row := range w {
		for _, c := range row {
			full.touch(c.col)
			full.val[c.col] = c.val
		}
		for _, c := range wc[i] {
			clipped[c.col] = c.val
		}
		for _, j := range full.ascending() {
			v1 := full.val[j]
			v := v1.SatAdd(beta.SatMul(clipped[j].SatSub(v1)))
			if v.Gt(fixed.I32F32{}) {
				b.push(j, v)
			}
			clipped[j] = fixed.I32F32{}
		}
		full.clear()
		b.finish(i)
	}
	return b.rows
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

// previousBonds reads the stored bond rows, dropping cells to uids
// registered since the last epoch. Yuma 3 stores proportions of 65535;
// original Yuma stores column-max-upscaled u16s, read back as integers.
func previousBonds(in *Input, n int) matrix {
	since := lastTempo(in)
	b := newRowBuilder(n, countEntries(in.Bonds))
	for i := 0; i < n; i++ {
		if i < len(in.Bonds) {
			for _, e := range in.Bonds[i] {
				if since <= in.BlockAtRegistration[e.UID] {
					continue
				}
				v := fixed.U16ToFixed(e.Value)
				if in.Yuma3 {
					v = fixed.FixedToFixedU16Proportion(v)
				}
				b.push(e.UID, v)
			}
		}
		b.finish(i)
	}
	return b.rows
}

// fixedAlpha is the EMA alpha without liquid alpha: 1 − bma/10^6, the
// quotient taken in I64F64 and truncated to I32F32.
func fixedAlpha(bma uint64) fixed.I32F32 {
	x := fixed.I64F64FromUint(bma).SafeDiv(fixed.I64F64FromUint(1_000_000)).ToI32F32()
	return fixed.I32F32One().SatSub(x)
}

// ema is mat_ema_sparse: row by row, α·new + (1−α)·old over the union of
// columns, keeping positive results in column order.
func ema(next, prev matrix, alpha fixed.I32F32, n int) matrix {
	keep := fixed.I32F32One().SatSub(alpha)
	b := newRowBuilder(n, next.cells()+prev.cells())
	acc := newDenseRow(n)
	for i := 0; i < n; i++ {
		for _, c := range next[i] {
			acc.touch(c.col)
			acc.val[c.col] = acc.val[c.col].SatAdd(alpha.SatMul(c.val))
		}
		for _, c := range prev[i] {
			acc.touch(c.col)
			acc.val[c.col] = acc.val[c.col].SatAdd(keep.SatMul(c.val))
		}
		if len(acc.touched) > 0 {
			for _, j := range acc.ascending() {
				if v := acc.val[j]; v.Gt(fixed.I32F32{}) {
					b.push(j, v)
				}
			}
			acc.clear()
		}
		b.finish(i)
	}
	return b.rows
}

// yuma3Bonds is §4.11a: the new absolute bonds and the dividends.
func yuma3Bonds(in *Input, wb matrix, c, inc, active []fixed.I32F32, n int) (bonds matrix, div []fixed.I32F32) {
	prev := previousBonds(in, n)
	if in.LiquidAlpha && anyNonZero(c) {
		bonds = liquidEMA(wb, prev, c, newSigmoidAlpha(in), n)
	} else {
		bonds = ema(wb, prev, fixedAlpha(in.BondsMovingAverage), n)
	}
	share := bonds.clone()
	colNormalize(share, n)
	div = make([]fixed.I32F32, n)
	for i, row := range share {
		var total fixed.I32F32
		for _, cl := range row {
			total = total.Add(cl.val.SatMul(inc[cl.col]))
		}
		if d, ok := total.CheckedMul(active[i]); ok {
			div[i] = d
		}
	}
	normalize(div)
	return bonds, div
}

// originalBonds is §4.11b: stake-weighted bond deltas, a fixed-alpha EMA of
// column-normalized bonds, dividends from them, and storage column-max-upscaled.
func originalBonds(in *Input, wb matrix, inc, active []fixed.I32F32, n int) (bonds matrix, div []fixed.I32F32) {
	prev := previousBonds(in, n)
	colNormalize(prev, n)
	delta := wb.clone()
	for i, row := range delta {
		for k := range row {
			row[k].val = row[k].val.SatMul(active[i])
		}
	}
	colNormalize(delta, n)
	bonds = ema(delta, prev, fixedAlpha(in.BondsMovingAverage), n)
	colNormalize(bonds, n)
	div = make([]fixed.I32F32, n)
	for i, row := range bonds {
		var total fixed.I32F32
		for _, cl := range row {
			total = total.SatAdd(inc[cl.col].SatMul(cl.val))
		}
		div[i] = total
	}
	normalize(div)
	colMaxUpscale(bonds, n)
	return bonds, div
}

func anyNonZero(v []fixed.I32F32) bool {
	for _, x := range v {
		if !x.IsZero() {
			return true
		}
	}
	return false
}

// sigmoidAlpha computes liquid alpha (alpha_sigmoid):
//
//	x = (w ≥ b) ? clamp(w − c, 0, 1) : clamp(b − w, 0, 1)
//	α = clamp(lo + (hi − lo) / (1 + exp((s / −100)·(x − 0.5))), lo, hi)
//
// α depends on x alone, and most pairs share a handful of x values (0 when
// a validator is at or under consensus), so results are memoized.
type sigmoidAlpha struct {
	lo, hi, slope, half, one fixed.I32F32
	memo                     [256]struct {
		x, alpha fixed.I32F32
		ok       bool
	}
}

func newSigmoidAlpha(in *Input) *sigmoidAlpha {
	return &sigmoidAlpha{
		lo:    fixed.U16ProportionToFixed(in.AlphaLow),
		hi:    fixed.U16ProportionToFixed(in.AlphaHigh),
		slope: fixed.I32F32FromInt(int64(in.AlphaSigmoidSteepness)).SatDiv(fixed.I32F32FromInt(-100)),
		half:  fixed.MustI32F32FromLiteral("0.5"),
		one:   fixed.I32F32One(),
	}
}

func (s *sigmoidAlpha) alpha(c, w, b fixed.I32F32) fixed.I32F32 {
	zero := fixed.I32F32{}
	var x fixed.I32F32
	if w.Ge(b) {
		x = w.SatSub(c).Min(s.one).Max(zero)
	} else {
		x = b.SatSub(w).Min(s.one).Max(zero)
	}
	slot := &s.memo[uint64(x.Bits())*0x9E3779B97F4A7C15>>56]
	if slot.ok && slot.x == x {
		return slot.alpha
	}
	sig := s.one.SatDiv(s.one.SatAdd(fixed.ExpSafe(s.slope.SatMul(x.SatSub(s.half)))))
	a := s.lo.SatAdd(sig.SatMul(s.hi.SatSub(s.lo))).Min(s.hi).Max(s.lo)
	slot.x, slot.alpha, slot.ok = x, a, true
	return a
}

// liquidEMA is compute_liquid_alpha_values_sparse + mat_ema_alpha_sparse.
// For each cell of the new row, in the row's order:
//
//	v = min(1, (1 − α)·old + max(0, α·new)),  kept if > 0
//
// Old cells absent from the new row are dropped, not decayed. Subtensor
// reads the weight and bond fed to α by walking each row once in column
// order, which assumes sorted rows: a cell whose column is not above every
// earlier column in its row is invisible there (read as 0). Stored weights
// keep submission order, so that walk is reproduced here (visible).
func liquidEMA(wb, prev matrix, c []fixed.I32F32, s *sigmoidAlpha, n int) matrix {
	b := newRowBuilder(n, wb.cells())
	old := newDenseRow(n)
	seen := make([]bool, n) // old cell visible to the walk
	for i := 0; i < n; i++ {
		row := wb[i]
		if len(row) == 0 {
			b.finish(i)
			continue
		}
		last := -1
		for _, cl := range prev[i] {
			old.touch(cl.col)
			old.val[cl.col] = cl.val
			if int(cl.col) > last {
				seen[cl.col] = true
				last = int(cl.col)
			}
		}
		last = -1
		for _, cl := range row {
			j := cl.col
			w := fixed.I32F32{}
			if int(j) > last {
				w = cl.val
				last = int(j)
			}
			bond := fixed.I32F32{}
			if seen[j] {
				bond = old.val[j]
			}
			a := s.alpha(c[j], w, bond)
			decayed := s.one.SatSub(a).SatMul(old.val[j])
			v := decayed.SatAdd(a.SatMul(cl.val).Max(fixed.I32F32{})).Min(s.one)
			if v.Gt(fixed.I32F32{}) {
				b.push(j, v)
			}
		}
		for _, j := range old.touched {
			seen[j] = false
		}
		old.clear()
		b.finish(i)
	}
	return b.rows
}
