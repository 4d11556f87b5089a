package yuma

import (
	"sync/atomic"

	"github.com/gotensor/gotensor/fixed"
)

// Workspace is the scratch memory of an epoch: its intermediate matrices
// and rows. A caller that runs epoch after epoch keeps one Workspace and
// passes it to each (Workspace.Epoch), so that an epoch over millions of
// weights does not allocate, and page in, tens of megabytes every time.
// The outputs never alias it, so the next epoch may reuse it at once, and
// what an epoch computes does not depend on what the Workspace held
// before. The zero value is ready to use.
//
// A Workspace serves one epoch at a time: epochs that run at the same
// time (of different subnets) each need their own; an epoch started on a
// Workspace already in use fails with ErrWorkspaceBusy.
type Workspace struct {
	// busy is set while an epoch runs in this Workspace.
	busy atomic.Bool

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

// reset prepares the workspace for n uids and the given row chunks.
func (ws *Workspace) reset(n int, chunks []int) {
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
func (ws *Workspace) active() []worker { return ws.workers[:len(ws.chunks)-1] }

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
func (ws *Workspace) foldSums(n int, part func(*worker) []fixed.I32F32) []fixed.I32F32 {
	out := make([]fixed.I32F32, n)
	for k := range ws.active() {
		for j, x := range part(&ws.workers[k])[:n] {
			out[j] = out[j].SatAdd(x)
		}
	}
	return out
}

// foldMaxes is the column maxima of the workers' partial maxima.
func (ws *Workspace) foldMaxes(n int, part func(*worker) []fixed.I32F32) []fixed.I32F32 {
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
