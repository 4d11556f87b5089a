package yuma

import "github.com/gotensor/gotensor/fixed"

// liquidAlpha is Yuma 3's per-pair EMA (compute_liquid_alpha_values_sparse
// + mat_ema_alpha_sparse). For each cell of the new row, in the row's order:
//
//	x = (w ≥ b) ? clamp(w − c, 0, 1) : clamp(b − w, 0, 1)
//	α = clamp(lo + (hi − lo) / (1 + exp((s / −100)·(x − 0.5))), lo, hi)
//	v = min(1, (1 − α)·old + max(0, α·new)),  kept if > 0
//
// Old cells absent from the new row are dropped, not decayed. Subtensor
// reads the w and b fed to α by walking each row once in column order,
// which assumes sorted rows: a cell whose column is not above every
// earlier column of its row is invisible to the walk (read as 0). Stored
// rows keep submission order, so the walk is reproduced here.
type liquidAlpha struct {
	c                        []fixed.I32F32
	lo, hi, slope, half, one fixed.I32F32
	old                      denseRow
	seen                     []bool // old cell visible to the walk
	memo                     [256]memoEntry
	alpha                    []fixed.I32F32 // per cell of the current row
	pending                  []int          // cells whose α misses the memo
	oldAt                    []fixed.I32F32 // sorted rows: the old bond at each new cell
}

// liquidScratch is a worker's liquidAlpha, kept with its buffers between
// epochs.
type liquidScratch struct{ l liquidAlpha }

// start readies the worker's liquidAlpha for an epoch over consensus c.
func (s *liquidScratch) start(in *Input, c []fixed.I32F32) *liquidAlpha {
	l := &s.l
	l.c = c
	l.lo = fixed.U16ProportionToFixed(in.AlphaLow)
	l.hi = fixed.U16ProportionToFixed(in.AlphaHigh)
	l.slope = fixed.I32F32FromInt(int64(in.AlphaSigmoidSteepness)).SatDiv(fixed.I32F32FromInt(-100))
	l.half = fixed.MustI32F32FromLiteral("0.5")
	l.one = fixed.I32F32One()
	l.old.reset(len(c))
	l.seen = resize(l.seen, len(c))
	l.memo = [256]memoEntry{}
	return l
}

// x is the argument of the sigmoid: how far w sits above consensus (or,
// when w < b, how far the bond sits above w), clamped to [0, 1].
func (l *liquidAlpha) x(c, w, b fixed.I32F32) fixed.I32F32 {
	if w.Ge(b) {
		return w.SatSub(c).Min(l.one).Max(fixed.I32F32{})
	}
	return b.SatSub(w).Min(l.one).Max(fixed.I32F32{})
}

// fromExp finishes alpha_sigmoid from e = exp((s / −100)·(x − 0.5)).
func (l *liquidAlpha) fromExp(e fixed.I32F32) fixed.I32F32 {
	sig := l.one.SatDiv(l.one.SatAdd(e))
	return l.lo.SatAdd(sig.SatMul(l.hi.SatSub(l.lo))).Min(l.hi).Max(l.lo)
}

// memoSlot is where alpha(x) is cached: α depends on x alone, and most
// pairs share a few values of x (0 for a validator at or under consensus).
func (l *liquidAlpha) memoSlot(x fixed.I32F32) *memoEntry {
	return &l.memo[uint64(x.Bits())*0x9E3779B97F4A7C15>>56]
}

type memoEntry struct {
	x, alpha fixed.I32F32
	ok       bool
}

// alphas fills l.alpha[k] for each cell of a new row (w and b as the walk
// reads them: for sorted rows the cells themselves, otherwise through
// l.old and l.seen), evaluating the exponentials that miss the memo four
// at a time.
func (l *liquidAlpha) alphas(newCols []uint16, newVals []fixed.I32F32, sorted bool) {
	l.alpha = grow(l.alpha, len(newCols))
	l.pending = l.pending[:0]
	zero := fixed.I32F32{}
	last := -1
	for k, j := range newCols {
		w, b := newVals[k], zero
		if sorted {
			b = l.oldAt[k]
		} else {
			if int(j) > last {
				last = int(j)
			} else {
				w = zero
			}
			if l.seen[j] {
				b = l.old.val[j]
			}
		}
		x := l.x(l.c[j], w, b)
		l.alpha[k] = x // replaced by α below
		if slot := l.memoSlot(x); slot.ok && slot.x == x {
			l.alpha[k] = slot.alpha
			continue
		}
		l.pending = append(l.pending, k)
	}
	for p := 0; p < len(l.pending); p += 4 {
		var args [4]fixed.I32F32
		for q := 0; q < 4 && p+q < len(l.pending); q++ {
			args[q] = l.slope.SatMul(l.alpha[l.pending[p+q]].SatSub(l.half))
		}
		e := fixed.ExpSafe4(args)
		for q := 0; q < 4 && p+q < len(l.pending); q++ {
			k := l.pending[p+q]
			x := l.alpha[k]
			a := l.fromExp(e[q])
			slot := l.memoSlot(x)
			slot.x, slot.alpha, slot.ok = x, a, true
			l.alpha[k] = a
		}
	}
}

// row appends the new bond row computed from Wb's row and the previous bonds.
func (l *liquidAlpha) row(m *arena, newCols []uint16, newVals []fixed.I32F32, oldCols []uint16, oldVals []fixed.I32F32) {
	if len(newCols) == 0 {
		return
	}
	sorted := ascending(newCols) && ascending(oldCols)
	if sorted {
		// Every cell is visible to the walk; align old with new by merging.
		l.oldAt = grow(l.oldAt, len(newCols))
		b := 0
		for k, j := range newCols {
			for b < len(oldCols) && oldCols[b] < j {
				b++
			}
			l.oldAt[k] = fixed.I32F32{}
			if b < len(oldCols) && oldCols[b] == j {
				l.oldAt[k] = oldVals[b]
			}
		}
	} else {
		last := -1
		for k, j := range oldCols {
			l.old.touch(j)
			l.old.val[j] = oldVals[k]
			if int(j) > last {
				l.seen[j] = true
				last = int(j)
			}
		}
	}
	l.alphas(newCols, newVals, sorted)
	zero := fixed.I32F32{}
	for k, j := range newCols {
		a := l.alpha[k]
		var old fixed.I32F32
		if sorted {
			old = l.oldAt[k]
		} else {
			old = l.old.val[j]
		}
		decayed := l.one.SatSub(a).SatMul(old)
		if v := decayed.SatAdd(a.SatMul(newVals[k]).Max(zero)).Min(l.one); v.Gt(zero) {
			m.push(j, v)
		}
	}
	if !sorted {
		for _, j := range l.old.touched {
			l.seen[j] = false
		}
		l.old.clear()
	}
}
