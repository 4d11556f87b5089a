package axon

import (
	"context"
	"net/http"
	"sort"
	"sync"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// admission bounds running handlers and queues the rest by stake.
//
// Bittensor's priority function is computed but never reaches its thread
// pool, so its queue is effectively unordered. Here a free slot always goes
// to the waiting request with the most stake (first come first served among
// equals); the queue is bounded, and when it is full a request with more
// stake than the poorest waiter takes that waiter's place (the waiter gets
// 503). One caller's running plus waiting requests can be bounded too, so no
// single validator can take every slot.
type admission struct {
	maxQueue     int
	maxPerCaller int
	onChange     func(running, waiting int)

	mu        sync.Mutex
	free      int
	running   int
	queue     []*waiter // most stake first; FIFO among equal stake
	perCaller map[string]int
	seq       uint64
}

type waiter struct {
	caller string
	stake  uint64
	seq    uint64
	queued bool
	done   chan error // nil: granted a slot; else why not
}

func newAdmission(slots, maxQueue, maxPerCaller int, onChange func(running, waiting int)) *admission {
	return &admission{free: slots, maxQueue: maxQueue, maxPerCaller: maxPerCaller, onChange: onChange,
		perCaller: make(map[string]int)}
}

// acquire waits for a slot. The returned release must be called once when
// the handler has finished.
func (q *admission) acquire(ctx context.Context, caller string, stake uint64) (release func(), err error) {
	release = func() { q.release(caller) }
	q.mu.Lock()
	if q.maxPerCaller > 0 && q.perCaller[caller] >= q.maxPerCaller {
		q.mu.Unlock()
		return nil, synapse.Errorf(http.StatusTooManyRequests, synapse.ReasonCallerBusy,
			"hotkey %s already has %d requests running or queued here, the most one caller may", caller, q.maxPerCaller)
	}
	if q.free > 0 && len(q.queue) == 0 {
		q.free--
		q.running++
		q.perCaller[caller]++
		q.changed()
		q.mu.Unlock()
		return release, nil
	}
	if len(q.queue) >= q.maxQueue {
		if len(q.queue) == 0 || stake <= q.queue[len(q.queue)-1].stake {
			n := len(q.queue)
			q.mu.Unlock()
			return nil, synapse.Errorf(http.StatusServiceUnavailable, synapse.ReasonBusy,
				"all handlers busy and %d requests queued with at least your stake (%d rao)", n, stake)
		}
		poorest := q.queue[len(q.queue)-1]
		q.queue = q.queue[:len(q.queue)-1]
		q.dropCaller(poorest.caller)
		poorest.queued = false
		poorest.done <- synapse.Errorf(http.StatusServiceUnavailable, synapse.ReasonBusy,
			"displaced from the queue by a caller with more stake than your %d rao", poorest.stake)
	}
	q.seq++
	w := &waiter{caller: caller, stake: stake, seq: q.seq, queued: true, done: make(chan error, 1)}
	i := sort.Search(len(q.queue), func(i int) bool { return q.queue[i].stake < stake })
	q.queue = append(q.queue, nil)
	copy(q.queue[i+1:], q.queue[i:])
	q.queue[i] = w
	q.perCaller[caller]++
	q.changed()
	q.mu.Unlock()

	select {
	case err := <-w.done:
		if err != nil {
			return nil, err
		}
		return release, nil
	case <-ctx.Done():
	}
	q.mu.Lock()
	if w.queued {
		for i, o := range q.queue {
			if o == w {
				q.queue = append(q.queue[:i], q.queue[i+1:]...)
				break
			}
		}
		q.dropCaller(caller)
		q.changed()
		q.mu.Unlock()
		return nil, synapse.Errorf(http.StatusRequestTimeout, synapse.ReasonDeadline,
			"the request's timeout passed while it waited for a handler")
	}
	q.mu.Unlock()
	// Granted or displaced while the deadline fired: a granted slot is
	// passed on at once.
	if err := <-w.done; err != nil {
		return nil, err
	}
	release()
	return nil, synapse.Errorf(http.StatusRequestTimeout, synapse.ReasonDeadline,
		"the request's timeout passed while it waited for a handler")
}

// release frees a slot: it goes straight to the richest waiter, if any.
func (q *admission) release(caller string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.dropCaller(caller)
	if len(q.queue) > 0 {
		w := q.queue[0]
		q.queue = q.queue[1:]
		w.queued = false
		w.done <- nil
	} else {
		q.free++
		q.running--
	}
	q.changed()
}

func (q *admission) dropCaller(caller string) {
	if q.perCaller[caller] <= 1 {
		delete(q.perCaller, caller)
	} else {
		q.perCaller[caller]--
	}
}

func (q *admission) changed() {
	if q.onChange != nil {
		q.onChange(q.running, len(q.queue))
	}
}
