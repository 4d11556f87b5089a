package yuma

import (
	"slices"
	"sync"

	"github.com/gotensor/gotensor/fixed"
)

// workspace holds the epoch's intermediate matrices and scratch rows. They
// are reused from epoch to epoch through a pool: an epoch over 2M weights
// would otherwise allocate (and page in) tens of megabytes each time. The
// outputs never alias it.
type workspace struct {
	weights, penalized, bonds matrix
	votes                     []vote
	cells                     []blockCell
	blockStart                []int
	blockFill                 []int
	dense                     [2]denseRow
	clip                      []fixed.I32F32
	seen                      []bool
	alpha                     []fixed.I32F32
	pending                   []int
	oldAt                     []fixed.I32F32
	rows                      [4]rowBuf
}

var workspaces = sync.Pool{New: func() any { return new(workspace) }}

// reset sizes the per-column scratch for n uids, all zero.
func (ws *workspace) reset(n int) {
	for i := range ws.dense {
		ws.dense[i].reset(n)
	}
	ws.clip = resize(ws.clip, n)
	ws.seen = resize(ws.seen, n)
}

// resize returns a zeroed slice of length n, reusing s's array when it fits.
func resize[T any](s []T, n int) []T {
	s = grow(s, n)
	clear(s)
	return s
}

// grow returns a slice of length n with unspecified contents, reusing s's
// array when it fits; for buffers that are written before they are read.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// reset empties the matrix, keeping its arrays, with room for capacity cells.
func (m *matrix) reset(capacity int) {
	m.start = append(m.start[:0], 0)
	m.col = slices.Grow(m.col[:0], capacity)
	m.val = slices.Grow(m.val[:0], capacity)
}

func (d *denseRow) reset(n int) {
	d.val = resize(d.val, n)
	d.used = resize(d.used, n)
	d.touched = d.touched[:0]
}
