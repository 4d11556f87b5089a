package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gotensor/gotensor/explorer/internal/synth"
	"github.com/gotensor/gotensor/explorer/store"
)

// BenchmarkSave is the indexer's write side at full size: blocks of 64 subnets, each subnet's
// epoch (256 uids with weights, fairness computed) every 360 blocks as on subtensor, so 64/360 of
// the blocks carry a full metagraph. blocks/s above 1 keeps up with 1 s blocks on the write side.
//
//	go test ./explorer/store/ -run '^$' -bench Save -benchtime 2000x
func BenchmarkSave(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "explorer.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.ResetTimer()
	start := time.Now()
	if err := synth.Write(ctx, db, synth.Spec{Subnets: 64, UIDs: 256, Validators: 64, Blocks: int64(b.N), Tempo: 360, BlockTime: 12 * time.Second, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "blocks/s")
}

// BenchmarkLoad is the bulk writer that builds benchmark histories (synth.Load, store.Load) at
// full size: 64 subnets × 256 uids, tempo 360.
//
//	go test ./explorer/store/ -run '^$' -bench Load -benchtime 3600x
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "explorer.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.ResetTimer()
	start := time.Now()
	if err := synth.Load(ctx, db, synth.Spec{Subnets: 64, UIDs: 256, Validators: 64, Blocks: int64(b.N), Tempo: 360, BlockTime: 12 * time.Second, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "blocks/s")
}
