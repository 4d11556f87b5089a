package axon

import (
	"context"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// queued waits (without a clock) until n requests are waiting.
func (q *admission) waitQueued(n int) {
	for {
		q.mu.Lock()
		got := len(q.queue)
		q.mu.Unlock()
		if got == n {
			return
		}
		runtime.Gosched()
	}
}

type grant struct {
	caller  string
	release func()
	err     error
}

func TestAdmissionServesMostStakeFirst(t *testing.T) {
	q := newAdmission(1, 3, 0, nil)
	ctx := context.Background()
	hold, err := q.acquire(ctx, "first", 0)
	require.NoError(t, err)

	granted := make(chan grant, 8)
	enqueue := func(caller string, stake uint64) {
		go func() {
			r, err := q.acquire(ctx, caller, stake)
			granted <- grant{caller, r, err}
		}()
	}
	enqueue("low", 10)
	q.waitQueued(1)
	enqueue("high", 100)
	q.waitQueued(2)
	enqueue("mid", 50)
	q.waitQueued(3)

	// Full: a poorer caller is refused, a richer one displaces the poorest.
	_, err = q.acquire(ctx, "poorer", 5)
	requireReason(t, err, synapse.ReasonBusy)
	require.ErrorContains(t, err, "3 requests queued")
	enqueue("richest", 200)
	g := <-granted
	require.Equal(t, "low", g.caller)
	requireReason(t, g.err, synapse.ReasonBusy)
	require.ErrorContains(t, g.err, "displaced")
	q.waitQueued(3)

	// Each release hands the slot to the richest waiter.
	var order []string
	hold()
	for range 3 {
		g := <-granted
		require.NoError(t, g.err)
		order = append(order, g.caller)
		g.release()
	}
	require.Equal(t, []string{"richest", "high", "mid"}, order)
	require.Equal(t, 1, q.free)
	require.Empty(t, q.perCaller)
}

func TestAdmissionEqualStakeIsFIFO(t *testing.T) {
	q := newAdmission(1, 8, 0, nil)
	ctx := context.Background()
	hold, err := q.acquire(ctx, "first", 0)
	require.NoError(t, err)
	granted := make(chan grant, 8)
	for i, c := range []string{"a", "b", "c"} {
		go func() {
			r, err := q.acquire(ctx, c, 7)
			granted <- grant{c, r, err}
		}()
		q.waitQueued(i + 1)
	}
	hold()
	var order []string
	for range 3 {
		g := <-granted
		order = append(order, g.caller)
		g.release()
	}
	require.Equal(t, []string{"a", "b", "c"}, order)
}

func TestAdmissionPerCallerBound(t *testing.T) {
	q := newAdmission(4, 8, 2, nil)
	ctx := context.Background()
	r1, err := q.acquire(ctx, "greedy", 1)
	require.NoError(t, err)
	r2, err := q.acquire(ctx, "greedy", 1)
	require.NoError(t, err)
	_, err = q.acquire(ctx, "greedy", 1)
	requireReason(t, err, synapse.ReasonCallerBusy)
	r3, err := q.acquire(ctx, "other", 1)
	require.NoError(t, err)
	r1()
	r4, err := q.acquire(ctx, "greedy", 1)
	require.NoError(t, err)
	r2()
	r3()
	r4()
	require.Equal(t, 4, q.free)
}

func TestAdmissionDeadlineWhileQueued(t *testing.T) {
	var running, waiting int
	q := newAdmission(1, 8, 0, func(r, w int) { running, waiting = r, w })
	hold, err := q.acquire(context.Background(), "first", 0)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := q.acquire(ctx, "late", 9)
		done <- err
	}()
	q.waitQueued(1)
	cancel()
	requireReason(t, <-done, synapse.ReasonDeadline)
	require.Equal(t, 0, waiting)
	require.Equal(t, 1, running)
	hold()
	require.Equal(t, 1, q.free, "the slot came back, not to the departed waiter")
	require.Equal(t, 0, running)
}
