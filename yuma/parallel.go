package yuma

import (
	"runtime"
	"sync"
)

// The row stages (masking, trust and ranks, bonds, dividends) and the
// column stage (consensus) of a large epoch run on several goroutines.
// Each goroutine writes only its own rows or columns and its own
// worker's scratch; the only cross-row results, column sums and maxima
// of non-negative values, are folded afterwards in worker order. So the
// output is the same bits whatever the split, and an epoch touches no
// shared state: epochs of different subnets may run at the same time.

// parallelMinCells is the number of stored weight and bond cells from
// which an epoch is split across goroutines; below it, handing work to
// another core costs more than it saves.
const parallelMinCells = 1 << 16

// schedule says how many goroutines an epoch may use and from what size.
type schedule struct {
	workers  int
	minCells int
}

func defaultSchedule() schedule {
	return schedule{workers: runtime.GOMAXPROCS(0), minCells: parallelMinCells}
}

// chunks splits the rows [0, n) into at most s.workers ranges of about
// equal numbers of stored cells (a row's cost is its weights and bonds),
// returned as their bounds; one range when the epoch is small.
func (s schedule) chunks(in *Input, n int) []int {
	cost := func(i int) int {
		c := 1
		if i < len(in.Weights) {
			c += len(in.Weights[i])
		}
		if i < len(in.Bonds) {
			c += len(in.Bonds[i])
		}
		return c
	}
	total := 0
	for i := 0; i < n; i++ {
		total += cost(i)
	}
	workers := min(s.workers, n)
	if workers <= 1 || total-n < s.minCells {
		return []int{0, n}
	}
	bounds := []int{0}
	done := 0
	for i := 0; i < n && len(bounds) < workers; i++ {
		done += cost(i)
		if done*workers >= total*len(bounds) {
			bounds = append(bounds, i+1)
		}
	}
	if bounds[len(bounds)-1] < n {
		bounds = append(bounds, n)
	}
	return bounds
}

// parallel runs f for every row chunk, chunk 0 on the calling goroutine,
// and returns when all are done.
func (ws *Workspace) parallel(f func(w *worker, lo, hi int)) {
	ws.fork(ws.chunks, f)
}

// parallelEven runs f over [0, count) split evenly among the workers.
func (ws *Workspace) parallelEven(count int, f func(w *worker, lo, hi int)) {
	k := min(len(ws.chunks)-1, count)
	if k <= 1 {
		f(&ws.workers[0], 0, count)
		return
	}
	bounds := make([]int, k+1)
	for c := range bounds {
		bounds[c] = count * c / k
	}
	ws.fork(bounds, f)
}

func (ws *Workspace) fork(bounds []int, f func(w *worker, lo, hi int)) {
	k := len(bounds) - 1
	if k == 1 {
		f(&ws.workers[0], bounds[0], bounds[1])
		return
	}
	var wg sync.WaitGroup
	wg.Add(k - 1)
	for c := 1; c < k; c++ {
		go func() {
			defer wg.Done()
			f(&ws.workers[c], bounds[c], bounds[c+1])
		}()
	}
	f(&ws.workers[0], bounds[0], bounds[1])
	wg.Wait()
}
