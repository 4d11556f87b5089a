package yuma

import (
	"slices"

	"github.com/gotensor/gotensor/fixed"
)

// cell is one entry of a sparse I32F32 row.
type cell struct {
	col uint16
	val fixed.I32F32
}

// matrix is a sparse n×n matrix as rows of cells in stored order. Rows
// are windows on one backing array, so a matrix costs two allocations.
type matrix [][]cell

// rowBuilder appends rows to one backing array sized by an upper bound
// on the cells; if the bound is exceeded, earlier rows stay valid.
type rowBuilder struct {
	rows  matrix
	buf   []cell
	start int
}

func newRowBuilder(n, capacity int) *rowBuilder {
	return &rowBuilder{rows: make(matrix, n), buf: make([]cell, 0, capacity)}
}

func (b *rowBuilder) push(col uint16, v fixed.I32F32) { b.buf = append(b.buf, cell{col, v}) }

// finish closes row i with the cells pushed since the previous finish.
func (b *rowBuilder) finish(i int) {
	end := len(b.buf)
	b.rows[i] = b.buf[b.start:end:end]
	b.start = end
}

func (m matrix) cells() int {
	total := 0
	for _, row := range m {
		total += len(row)
	}
	return total
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

// colNormalize is inplace_col_normalize_sparse: each column divided by its
// saturating sum, columns summing to 0 left as they are.
func colNormalize(m matrix, n int) {
	sums := make([]fixed.I32F32, n)
	for _, row := range m {
		for _, c := range row {
			sums[c.col] = sums[c.col].SatAdd(c.val)
		}
	}
	for _, row := range m {
		for k, c := range row {
			if s := sums[c.col]; !s.IsZero() {
				row[k].val = c.val.SafeDiv(s)
			}
		}
	}
}

// colMaxUpscale is inplace_col_max_upscale_sparse: each column divided by
// its largest entry (at least 0).
func colMaxUpscale(m matrix, n int) {
	maxes := make([]fixed.I32F32, n)
	for _, row := range m {
		for _, c := range row {
			if maxes[c.col].Lt(c.val) {
				maxes[c.col] = c.val
			}
		}
	}
	for _, row := range m {
		for k, c := range row {
			if mx := maxes[c.col]; !mx.IsZero() {
				row[k].val = c.val.SafeDiv(mx)
			}
		}
	}
}

func (m matrix) clone() matrix {
	b := newRowBuilder(len(m), m.cells())
	for i, row := range m {
		b.buf = append(b.buf, row...)
		b.finish(i)
	}
	return b.rows
}

// denseRow is scratch for densifying one row at a time: values by column,
// with the touched columns remembered so that clearing costs what was used.
type denseRow struct {
	val     []fixed.I32F32
	used    []bool
	touched []uint16
}

func newDenseRow(n int) *denseRow {
	return &denseRow{val: make([]fixed.I32F32, n), used: make([]bool, n)}
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
	k := len(d.touched)
	if k*8 >= len(d.val) {
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
