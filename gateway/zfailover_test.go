package gateway_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/stretchr/testify/require"
)

// The fault check, scaled: one of three miners stops during a run
// of requests, and at least 99.9 % of them succeed (here: all 200). The
// full 1000-request run is BENCHMARKS.md's (GATEWAY_FAILOVER_REQUESTS).
// It runs last: it stops a miner of the shared network.
func TestZFailoverWhenAMinerDies(t *testing.T) {
	nw := startNetwork(t)
	t.Cleanup(func() {
		require.NoError(t, nw.cheat.Stop())
		require.NoError(t, nw.broken.Stop())
		if err := nw.subnet.Stop(); err != nil { // the first honest miner was stopped by the test
			require.Equal(t, "neuron: textgen miner: already stopped", err.Error())
		}
		require.NoError(t, nw.graph.Stop())
	})
	f := newFront(t, nw, nw.honestV, nil)
	total := 200
	if s := os.Getenv("GATEWAY_FAILOVER_REQUESTS"); s != "" {
		_, err := fmt.Sscan(s, &total)
		require.NoError(t, err)
	}
	c := f.client(f.key, 0) // no client retries: the gateway's failover alone
	var ok, failed atomic.Int64
	var firstErr atomic.Value
	next := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				p := chatParams(4)
				p.Seed = openai.Int(int64(i))
				if _, err := c.Chat.Completions.New(context.Background(), p); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				} else {
					ok.Add(1)
				}
			}
		}()
	}
	start := time.Now()
	for i := range total {
		if i == total/4 {
			require.NoError(t, nw.honest[0].Stop())
		}
		next <- i
	}
	close(next)
	wg.Wait()
	t.Logf("%d requests in %s: %d ok, %d failed (first: %v)", total, time.Since(start).Round(time.Millisecond), ok.Load(), failed.Load(), firstErr.Load())
	require.GreaterOrEqual(t, float64(ok.Load()), 0.999*float64(total))
	var failovers float64
	for _, line := range strings.Split(get(t, f.srv.URL+"/metrics"), "\n") {
		if v, ok := strings.CutPrefix(line, "gateway_failovers_total "); ok {
			_, err := fmt.Sscan(v, &failovers)
			require.NoError(t, err)
		}
	}
	require.GreaterOrEqual(t, failovers, 1.0, "requests drawn to the stopped miner moved on")
}
