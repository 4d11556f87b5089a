package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/textgen/protocol"
)

// BenchmarkOverhead is the gateway's added latency, side by side in one
// run: each iteration asks one miner the same one-token greedy request
// directly (the SDK's dendrite) and through the gateway (HTTP, OpenAI JSON),
// whole and streamed, and reports p50 and p99 of each and of the
// differences: the whole answer (non-stream) and the time to first token
// (stream).
func BenchmarkOverhead(b *testing.B) {
	nw := startNetwork(b)
	one := nw.honest[1]
	f := newFront(b, nw, view{src: nw.graph, allow: map[string]bool{one.Hotkey(): true}}, nil)
	d, err := dendrite.New(dendrite.Config{Signer: nw.gwKey, Scope: synapse.Scope{ChainID: nw.chain.ChainID(), NetUID: nw.netuid}})
	require.NoError(b, err)
	defer d.Close()
	ax := dendrite.Axon{Hotkey: one.Hotkey(), Addr: one.Addr().String()}
	req := protocol.Request{ID: "bench", Model: nw.lm.ModelID(), Prompt: "In the beginning",
		Sampling: protocol.Sampling{MaxTokens: 1, TopK: 40, Seed: 1}, TopLogprobs: 5}
	body := func(stream bool) []byte {
		return []byte(fmt.Sprintf(`{"model":%q,"prompt":"In the beginning","max_tokens":1,"temperature":0,"seed":1,"stream":%v}`, model, stream))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	post := func(stream bool) (ttft, total time.Duration) {
		start := time.Now()
		r, err := http.NewRequest(http.MethodPost, f.url+"/completions", bytes.NewReader(body(stream)))
		require.NoError(b, err)
		r.Header.Set("Authorization", "Bearer "+f.key)
		resp, err := client.Do(r)
		require.NoError(b, err)
		defer resp.Body.Close()
		require.Equal(b, http.StatusOK, resp.StatusCode)
		if !stream {
			_, err = io.Copy(io.Discard, resp.Body)
			require.NoError(b, err)
			return 0, time.Since(start)
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if ttft == 0 && strings.HasPrefix(sc.Text(), `data: {`) {
				ttft = time.Since(start)
			}
		}
		return ttft, time.Since(start)
	}
	direct := func() (ttft, total time.Duration) {
		start := time.Now()
		req.ID = fmt.Sprintf("bench-%d", start.UnixNano())
		res := dendrite.Stream(context.Background(), d, protocol.Complete, ax, req, func(c protocol.Chunk) error {
			if ttft == 0 && len(c.Tokens) > 0 {
				ttft = time.Since(start)
			}
			return nil
		})
		require.NoError(b, res.Err)
		return ttft, time.Since(start)
	}
	var directTotal, gwTotal, addedTotal, directTTFT, gwTTFT, addedTTFT []time.Duration
	for range 20 { // warm both paths: connections, sessions
		direct()
		post(false)
		post(true)
	}
	b.ResetTimer()
	for range b.N {
		_, dt := direct()
		_, gt := post(false)
		dTTFT, _ := direct()
		gTTFT, _ := post(true)
		directTotal, gwTotal, addedTotal = append(directTotal, dt), append(gwTotal, gt), append(addedTotal, gt-dt)
		directTTFT, gwTTFT, addedTTFT = append(directTTFT, dTTFT), append(gwTTFT, gTTFT), append(addedTTFT, gTTFT-dTTFT)
	}
	b.StopTimer()
	ms := func(v []time.Duration, q float64) float64 {
		s := slices.Clone(v)
		slices.Sort(s)
		return float64(s[min(len(s)-1, int(q*float64(len(s))))].Microseconds()) / 1000
	}
	b.ReportMetric(ms(directTotal, 0.5), "direct-p50-ms")
	b.ReportMetric(ms(gwTotal, 0.5), "gateway-p50-ms")
	b.ReportMetric(ms(gwTotal, 0.99)-ms(directTotal, 0.99), "added-p99-ms")
	b.ReportMetric(ms(gwTotal, 0.5)-ms(directTotal, 0.5), "added-p50-ms")
	b.ReportMetric(ms(gwTTFT, 0.5)-ms(directTTFT, 0.5), "added-ttft-p50-ms")
	b.ReportMetric(ms(gwTTFT, 0.99)-ms(directTTFT, 0.99), "added-ttft-p99-ms")
	b.ReportMetric(ms(addedTotal, 0.5), "paired-added-p50-ms")
	b.ReportMetric(ms(addedTTFT, 0.5), "paired-added-ttft-p50-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkThroughput is requests per second through one gateway over the
// subnet's three honest miners: one-token completions from 8 clients at
// once (miners declare capacity 8 each).
func BenchmarkThroughput(b *testing.B) {
	nw := startNetwork(b)
	f := newFront(b, nw, nw.honestV, nil)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	body := []byte(fmt.Sprintf(`{"model":%q,"prompt":"In the beginning","max_tokens":1}`, model))
	b.SetParallelism(4) // × GOMAXPROCS (2) = 8 clients
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r, err := http.NewRequest(http.MethodPost, f.url+"/completions", bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			r.Header.Set("Authorization", "Bearer "+f.key)
			resp, err := client.Do(r)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "requests/s")
}
