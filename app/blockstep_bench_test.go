package app_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/core/appmodule"

	"github.com/gotensor/gotensor/app/apptesting"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// timedSubnet stands in for x/subnet in the app's module manager and times its begin-block (the
// burn decay and the coinbase: injection, due epochs, moving prices) and end-block, as a node runs
// them inside FinalizeBlock: wall time; the CPU time of the thread running them (the goroutine
// driving the chain is locked to it), which the machine's other load does not inflate; and the
// CPU time of the whole process meanwhile, which adds the garbage collector's background work.
type timedSubnet struct {
	inner interface {
		appmodule.HasBeginBlocker
		appmodule.HasEndBlocker
	}
	wall, thread, process time.Duration
}

// timed runs f and adds its wall and CPU times.
func (m *timedSubnet) timed(f func() error) error {
	wall, thread, process := time.Now(), threadCPU(), processCPU()
	err := f()
	m.wall += time.Since(wall)
	m.thread += threadCPU() - thread
	m.process += processCPU() - process
	return err
}

// reset starts a block's count.
func (m *timedSubnet) reset() { m.wall, m.thread, m.process = 0, 0, 0 }

func (*timedSubnet) IsOnePerModuleType() {}
func (*timedSubnet) IsAppModule()        {}

func (m *timedSubnet) BeginBlock(ctx context.Context) error {
	return m.timed(func() error { return m.inner.BeginBlock(ctx) })
}

func (m *timedSubnet) EndBlock(ctx context.Context) error {
	return m.timed(func() error { return m.inner.EndBlock(ctx) })
}

// timeSubnetModule wraps the chain's x/subnet module in a timedSubnet.
func timeSubnetModule(b testing.TB, c *apptesting.Chain) *timedSubnet {
	modules := c.App.ModuleManager.Modules
	inner, ok := modules[subnettypes.ModuleName].(interface {
		appmodule.HasBeginBlocker
		appmodule.HasEndBlocker
	})
	require.True(b, ok, "x/subnet has begin- and end-blockers")
	timed := &timedSubnet{inner: inner}
	modules[subnettypes.ModuleName] = timed
	return timed
}

// blockStepOffsets places 64 subnets' epochs within a tempo of 100 blocks so that every case
// occurs: blocks 0–19 of the tempo are due for two epochs, 20–39 for one, and block 60 for four,
// of which MaxEpochsPerBlock = 2 run and two are deferred to block 61, whose period then counts
// from there (so the deferral happens in the warm-up tempo; the timed blocks see 60 and 61 run two
// each). The other blocks have none.
func blockStepOffsets(subnets int) []uint64 {
	offsets := make([]uint64, subnets)
	for i := range offsets {
		switch {
		case i < 40:
			offsets[i] = uint64(i)
		case i < 60:
			offsets[i] = uint64(i - 40)
		default:
			offsets[i] = 60
		}
	}
	return offsets
}

// blockTimes collects the module's time per block by the number of epochs the block ran.
type blockTimes map[int][]time.Duration

func (t blockTimes) add(epochs int, d time.Duration) { t[epochs] = append(t[epochs], d) }

func (t blockTimes) all() []time.Duration {
	var all []time.Duration
	for _, ds := range t {
		all = append(all, ds...)
	}
	return all
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// summary is count, mean, median, 95th percentile and maximum, in ms.
func summary(ds []time.Duration) (n int, mean, p50, p95, maxv float64) {
	if len(ds) == 0 {
		return 0, 0, 0, 0, 0
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	var sum time.Duration
	for _, d := range sorted {
		sum += d
	}
	return len(sorted), ms(sum) / float64(len(sorted)), ms(sorted[len(sorted)/2]), ms(sorted[len(sorted)*95/100]), ms(sorted[len(sorted)-1])
}

func (t blockTimes) table(what string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s\n| epochs in block | blocks | mean ms | median ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|---:|\n", what)
	keys := make([]int, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		n, mean, p50, p95, maxv := summary(t[k])
		fmt.Fprintf(&sb, "| %d | %d | %.2f | %.2f | %.2f | %.2f |\n", k, n, mean, p50, p95, maxv)
	}
	n, mean, p50, p95, maxv := summary(t.all())
	fmt.Fprintf(&sb, "| all | %d | %.2f | %.2f | %.2f | %.2f |\n", n, mean, p50, p95, maxv)
	return sb.String()
}

// BenchmarkSubnetBlockStep times x/subnet's share of every block (begin-block and end-block, inside
// the app's FinalizeBlock) on a chain of 64 subnets × 256 uids, commit-reveal off: in each subnet
// 64 validators with permits (uids 1–63 staked, and the owner's hotkey, uid 0) set full weight
// rows over all 256 uids (each
// validator sends a fresh row once a tempo, spread over the blocks), tempo 100, epochs staggered by
// blockStepOffsets, MaxEpochsPerBlock = 2. One iteration is one block; run a whole number of tempos
// (-benchtime 200x). ns/op is the whole block (FinalizeBlock + Commit); the module's time per block
// is reported by the number of epochs the block ran.
func BenchmarkSubnetBlockStep(b *testing.B) {
	spec := benchSpec{subnets: 64, uids: 256, validators: 64, tempo: 100, rateLimit: 10}
	start := time.Now()
	n := newBenchNet(b, spec)
	for _, s := range n.subnets {
		for v := range spec.validators {
			n.setWeights(s, v)
		}
	}
	n.next()
	weightsSetAt := n.c.Ctx().BlockHeight()
	n.staggerEpochs(blockStepOffsets(spec.subnets))
	for _, s := range n.subnets {
		require.Equal(b, spec.validators, n.weightRows(s.netuid))
	}
	n.checkInvariants()

	// Each validator sends a fresh row once a tempo, in its own slot after the rate limit.
	resend := func() {
		at := uint64(n.c.Ctx().BlockHeight()-weightsSetAt) % uint64(spec.tempo)
		window := uint64(spec.tempo) - spec.rateLimit
		for i, s := range n.subnets {
			for v := range spec.validators {
				if spec.rateLimit+uint64(i*spec.validators+v)%window == at {
					n.setWeights(s, v)
				}
			}
		}
	}
	timed := timeSubnetModule(b, n.c)
	// A tempo with weights leaves every subnet with bonds, as on a running chain.
	for range spec.tempo {
		resend()
		n.next()
	}
	n.checkInvariants()
	b.Logf("state built in %s at height %d", time.Since(start).Round(time.Second), n.c.Height())

	wall, thread, process := blockTimes{}, blockTimes{}, blockTimes{}
	deferred := 0
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for b.Loop() {
		b.StopTimer()
		resend()
		timed.reset()
		b.StartTimer()
		res := n.c.NextBlock()
		epochs := len(apptesting.TypedEvents[*subnettypes.EventEpoch](b, res)) + len(apptesting.TypedEvents[*subnettypes.EventEpochSkipped](b, res))
		deferred += len(apptesting.TypedEvents[*subnettypes.EventEpochDeferred](b, res))
		wall.add(epochs, timed.wall)
		thread.add(epochs, timed.thread)
		process.add(epochs, timed.process)
	}
	b.StopTimer()
	n.checkInvariants()

	for epochs, ds := range wall {
		_, mean, p50, _, maxv := summary(ds)
		b.ReportMetric(mean, fmt.Sprintf("ms-mean/%d-epoch-block", epochs))
		b.ReportMetric(p50, fmt.Sprintf("ms-p50/%d-epoch-block", epochs))
		b.ReportMetric(maxv, fmt.Sprintf("ms-max/%d-epoch-block", epochs))
		_, _, p50, _, maxv = summary(thread[epochs])
		b.ReportMetric(p50, fmt.Sprintf("cpu-ms-p50/%d-epoch-block", epochs))
		b.ReportMetric(maxv, fmt.Sprintf("cpu-ms-max/%d-epoch-block", epochs))
	}
	_, _, _, _, maxv := summary(wall.all())
	b.ReportMetric(maxv, "ms-max/block")
	_, _, _, _, maxv = summary(thread.all())
	b.ReportMetric(maxv, "cpu-ms-max/block")
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	b.Logf("x/subnet begin-block + end-block, %d epochs deferred; heap in use %d MiB, %d GC cycles\n%s\n%s\n%s",
		deferred, mem.HeapInuse>>20, mem.NumGC,
		wall.table("wall time"), thread.table("CPU time of the block's thread"), process.table("CPU time of the process (with GC workers)"))
}
