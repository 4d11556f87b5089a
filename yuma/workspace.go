package yuma

import (
	"runtime"
	"sync"

	"github.com/gotensor/gotensor/fixed"
)

// workspace holds the epoch's intermediate matrices and scratch rows. It
// is reused from epoch to epoch: an epoch over 2M weights would otherwise
// allocate, and page in, tens of megabytes each time. The outputs never
// alias it.
type workspace struct {
	weights, bonds matrix
	// sorted marks the rows of weights whose columns ascend.
	sorted  []bool
	workers []worker
	// chunks are the row ranges [chunks[k], chunks[k+1]) of worker k.
	chunks []int
	// The consensus gather: each voter's row (a sorted copy where the
	// stored row is not in column order) and where each column's votes go.
	voterCols [][]uint16
	voterVals [][]fixed.I32F32
	resorted  arena
	cellSort  []sortCell
}

// worker is the scratch of one goroutine of a parallel stage: the arenas
// of the rows it computes, partial column accumulators (folded into the
// totals after the stage, in worker order) and row scratch.
type worker struct {
	weights, bonds arena
	sums, extra    []fixed.I32F32
	dense          [2]denseRow
	clip           []fixed.I32F32
	rows           [3]rowBuf
	votes          []vote
	fill           []int
	cursor         []int
	liquid         liquidScratch
}

// idle keeps workspaces between epochs. Unlike a sync.Pool it survives
// garbage collections and is shared by all Ps, so large subnets do not
// re-page-fault their matrices; it holds at most GOMAXPROCS workspaces,
// enough for that many epochs of different subnets running at once.
var idle struct {
	sync.Mutex
	free []*workspace
}

func acquireWorkspace() *workspace {
	idle.Lock()
	defer idle.Unlock()
	if k := len(idle.free); k > 0 {
		ws := idle.free[k-1]
		idle.free[k-1] = nil
		idle.free = idle.free[:k-1]
		return ws
	}
	return new(workspace)
}

func releaseWorkspace(ws *workspace) {
	idle.Lock()
	defer idle.Unlock()
	if len(idle.free) < runtime.GOMAXPROCS(0) {
		idle.free = append(idle.free, ws)
	}
}

// reset prepares the workspace for n uids and the given row chunks.
func (ws *workspace) reset(n int, chunks []int) {
	ws.chunks = append(ws.chunks[:0], chunks...)
	workers := len(chunks) - 1
	if len(ws.workers) < workers {
		ws.workers = append(ws.workers, make([]worker, workers-len(ws.workers))...)
	}
	for k := range ws.active() {
		wk := &ws.workers[k]
		for d := range wk.dense {
			wk.dense[d].reset(n)
		}
		wk.clip = resize(wk.clip, n)
	}
	ws.weights.reset(n)
	ws.bonds.reset(n)
	ws.sorted = resize(ws.sorted, n)
}

// active returns the workers of the current epoch.
func (ws *workspace) active() []worker { return ws.workers[:len(ws.chunks)-1] }

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

// foldSums is the saturating column sums of the workers' partial sums of
// non-negative terms: the sequential sums, since saturation of
// non-negative terms does not depend on their order.
func (ws *workspace) foldSums(n int, part func(*worker) []fixed.I32F32) []fixed.I32F32 {
	out := make([]fixed.I32F32, n)
	for k := range ws.active() {
		for j, x := range part(&ws.workers[k])[:n] {
			out[j] = out[j].SatAdd(x)
		}
	}
	return out
}

// foldMaxes is the column maxima of the workers' partial maxima.
func (ws *workspace) foldMaxes(n int, part func(*worker) []fixed.I32F32) []fixed.I32F32 {
	out := make([]fixed.I32F32, n)
	for k := range ws.active() {
		for j, x := range part(&ws.workers[k])[:n] {
			out[j] = out[j].Max(x)
		}
	}
	return out
}

func partialSums(w *worker) []fixed.I32F32  { return w.sums }
func partialExtra(w *worker) []fixed.I32F32 { return w.extra }
