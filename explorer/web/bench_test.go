package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gotensor/gotensor/explorer/internal/synth"
	"github.com/gotensor/gotensor/explorer/store"
	"github.com/gotensor/gotensor/explorer/web"
)

// BenchmarkPages measures each page's latency (p50, p99 over 200 requests, HTML and JSON) on a
// synthetic history of 64 subnets × 256 uids, 12 s blocks, tempo 360: EXPLORER_BENCH_BLOCKS
// blocks (default 7200, a day; 216000 is 30 days). EXPLORER_BENCH_DB keeps the generated database
// in that file: the next run completes it where it stopped and reuses it.
//
//	EXPLORER_BENCH_BLOCKS=21600 EXPLORER_BENCH_DB=/tmp/explorer-bench.db go test ./explorer/web/ -run '^$' -bench Pages -benchtime 1x
func BenchmarkPages(b *testing.B) {
	ctx := context.Background()
	blocks := int64(7200)
	if v := os.Getenv("EXPLORER_BENCH_BLOCKS"); v != "" {
		var err error
		if blocks, err = strconv.ParseInt(v, 10, 64); err != nil || blocks < 400 {
			b.Fatalf("EXPLORER_BENCH_BLOCKS=%q: want a number of blocks, at least 400", v)
		}
	}
	path := os.Getenv("EXPLORER_BENCH_DB")
	if path == "" {
		path = b.TempDir() + "/explorer.db"
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	switch have, err := db.Height(ctx); {
	case err != nil:
		b.Fatal(err)
	case have > blocks:
		b.Fatalf("%s holds %d blocks, more than %d: remove it or set EXPLORER_BENCH_BLOCKS=%d", path, have, blocks, have)
	case have < blocks:
		start := time.Now()
		spec := synth.Spec{Subnets: 64, UIDs: 256, Validators: 64, Blocks: blocks, From: have + 1, Tempo: 360, BlockTime: 12 * time.Second, Seed: 1}
		if err := synth.Load(ctx, db, spec); err != nil {
			b.Fatal(err)
		}
		b.Logf("wrote blocks %d to %d in %s", have+1, blocks, time.Since(start).Round(time.Second))
	}
	srv, err := web.New(web.Config{Store: db})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	hot := synth.Address("hot", 32*1000+3)
	pages := []string{"/", "/subnets", "/subnets/32", "/subnets/32/metagraph", "/subnets/32/uids/100", "/subnets/32/fairness",
		"/validators", "/blocks", fmt.Sprintf("/blocks/%d", blocks/2), "/accounts/" + hot}
	b.ResetTimer()
	for range b.N {
		for _, p := range pages {
			api := "/api" + p
			if p == "/" {
				api = "/api/network"
			}
			for _, path := range []string{p, api} {
				var times []time.Duration
				for range 200 {
					start := time.Now()
					res, err := http.Get(ts.URL + path)
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusOK {
						b.Fatalf("%s: %s", path, res.Status)
					}
					times = append(times, time.Since(start))
				}
				slices.Sort(times)
				b.Logf("%-40s p50 %6.2f ms  p99 %6.2f ms", path, ms(times[len(times)/2]), ms(times[len(times)*99/100]))
			}
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
