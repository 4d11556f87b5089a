package yuma

import (
	"slices"

	"github.com/gotensor/gotensor/fixed"
)

// matrix is a sparse n×n I32F32 matrix by rows: row i holds the cells
// cols[i], vals[i], in the order they were computed. The rows are windows
// into the arenas of the workers that computed them, so that workers fill
// their rows at the same time without sharing an array.
type matrix struct {
	cols [][]uint16
	vals [][]fixed.I32F32
}

// reset gives the matrix n empty rows.
func (m *matrix) reset(n int) {
	m.cols = resize(m.cols, n)
	m.vals = resize(m.vals, n)
}

func (m *matrix) row(i int) ([]uint16, []fixed.I32F32) { return m.cols[i], m.vals[i] }

// cells counts the cells of rows [lo, hi).
func (m *matrix) cells(lo, hi int) int {
	total := 0
	for _, c := range m.cols[lo:hi] {
		total += len(c)
	}
	return total
}

// arena is where one worker appends the rows it computes. A row's window
// is taken when the row is complete, so growing the arena never moves a
// row that is still being written.
type arena struct {
	col []uint16
	val []fixed.I32F32
}

// reset empties the arena, keeping its arrays, with room for capacity cells.
func (a *arena) reset(capacity int) {
	a.col = slices.Grow(a.col[:0], capacity)
	a.val = slices.Grow(a.val[:0], capacity)
}

func (a *arena) push(col uint16, v fixed.I32F32) {
	a.col = append(a.col, col)
	a.val = append(a.val, v)
}

// endRow stores the cells pushed since first as row i of m.
func (a *arena) endRow(m *matrix, i, first int) {
	m.cols[i] = a.col[first:len(a.col):len(a.col)]
	m.vals[i] = a.val[first:len(a.val):len(a.val)]
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

// ascending reports whether the columns are strictly increasing.
func ascending(cols []uint16) bool {
	for k := 1; k < len(cols); k++ {
		if cols[k] <= cols[k-1] {
			return false
		}
	}
	return true
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

// reset sizes the row for n columns, all zero.
func (d *denseRow) reset(n int) {
	d.val = resize(d.val, n)
	d.used = resize(d.used, n)
	d.touched = d.touched[:0]
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
