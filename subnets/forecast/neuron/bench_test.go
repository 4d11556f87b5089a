//go:build unix

package neuron

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast/model"
)

// BenchmarkRound is one validator round against every model as a miner, all over loopback in
// this process: the challenge (256 points, horizon 8, three quantiles) sent to each axon, every
// model's forecast, the answers checked and scored. cpu-ms/op is the process's CPU time per
// round (validator and miners together), what a local network budgets for.
func BenchmarkRound(b *testing.B) {
	vkey := synapse.GenerateKeySigner()
	permitted := axon.StaticPeers{vkey.Address(): {UID: 0, Stake: 1_000, ValidatorPermit: true}}
	neurons := []neuronAt{{hotkey: vkey.Address(), permit: true}}
	for _, name := range model.Names() {
		a, key := serveModel(b, name, permitted)
		neurons = append(neurons, neuronAt{hotkey: key.Address(), axon: a})
	}
	v, snap := testValidator(b, vkey, 5*time.Second)
	snap.Store(snapshotOf(b, 10, neurons))
	ctx := context.Background()
	v.round(ctx) // sessions made once, as a running validator has them
	cpu := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		v.round(ctx)
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
	if a := v.Activity(); a.Answered != len(model.Names()) {
		b.Fatalf("%d of %d miners answered", a.Answered, len(model.Names()))
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
