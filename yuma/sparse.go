package yuma

import (
	"slices"

	"github.com/gotensor/gotensor/fixed"
)

// matrix is a sparse n×n I32F32 matrix in compressed rows: row i holds
// the cells col[start[i]:start[i+1]] and val[start[i]:start[i+1]], in
// stored order.
type matrix struct {
	start []int
	col   []uint16
	val   []fixed.I32F32
}

func (m *matrix) push(col uint16, v fixed.I32F32) {
	m.col = append(m.col, col)
	m.val = append(m.val, v)
}

// endRow closes the current row with the cells pushed since the last one.
func (m *matrix) endRow() { m.start = append(m.start, len(m.col)) }

func (m *matrix) rows() int { return len(m.start) - 1 }

func (m *matrix) row(i int) ([]uint16, []fixed.I32F32) {
	a, b := m.start[i], m.start[i+1]
	return m.col[a:b], m.val[a:b]
}

// perColumn divides by a column's sum or max unless that is 0.
func perColumn(v, by fixed.I32F32) fixed.I32F32 {
	if by.IsZero() {
		return v
	}
	return v.SafeDiv(by)
}

// sum is Rust's Iterator::sum over fixed values: plain, wrapping addition.
func sum(v []fixed.I32F32) fixed.I32F32 {
	var s fixed.I32F32
	for _, x := range v {
		s = s.Add(x)
	}
	return s
}

// normalize is inplace_normalize: x/Σx element-wise (safe_div), unchanged
// when the sum is 0.
func normalize(v []fixed.I32F32) {
	s := sum(v)
	if s.IsZero() {
		return
	}
	for i, x := range v {
		v[i] = x.SafeDiv(s)
	}
}

// rowBuf is scratch for one computed row (cells in order).
type rowBuf struct {
	col []uint16
	val []fixed.I32F32
}

func (r *rowBuf) reset() {
	r.col = r.col[:0]
	r.val = r.val[:0]
}

func (r *rowBuf) push(col uint16, v fixed.I32F32) {
	r.col = append(r.col, col)
	r.val = append(r.val, v)
}

// denseRow is scratch for densifying one row at a time: values by column,
// with the touched columns remembered so that clearing costs what was used.
type denseRow struct {
	val     []fixed.I32F32
	used    []bool
	touched []uint16
}

func (d *denseRow) touch(col uint16) {
	if !d.used[col] {
		d.used[col] = true
		d.touched = append(d.touched, col)
	}
}

// ascending returns the touched columns in increasing order: by sorting
// when few, by scanning the row when many.
func (d *denseRow) ascending() []uint16 {
	if len(d.touched)*8 >= len(d.val) {
		d.touched = d.touched[:0]
		for j, u := range d.used {
			if u {
				d.touched = append(d.touched, uint16(j))
			}
		}
		return d.touched
	}
	slices.Sort(d.touched)
	return d.touched
}

func (d *denseRow) clear() {
	for _, j := range d.touched {
		d.val[j] = fixed.I32F32{}
		d.used[j] = false
	}
	d.touched = d.touched[:0]
}
