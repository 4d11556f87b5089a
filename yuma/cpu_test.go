package yuma_test

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/gotensor/gotensor/yuma"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_THREAD, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestCPUTime(t *testing.T) {
	if os.Getenv("YUMA_CPU") == "" {
		t.Skip()
	}
	for _, c := range cpuCases() {
		in := benchInput(c.n, c.v, c.y3, c.liq)
		reps := 200
		if c.n > 1000 {
			reps = 10
		}
		if c.n > 2000 {
			reps = 3
		}
		best := time.Hour
		for trial := 0; trial < 5; trial++ {
			c0 := cpuNow()
			for i := 0; i < reps; i++ {
				yuma.Epoch(in)
			}
			best = min(best, (cpuNow()-c0)/time.Duration(reps))
		}
		t.Logf("n=%d v=%d y3=%v liq=%v: thread cpu %v/op (min of 5)", c.n, c.v, c.y3, c.liq, best)
	}
}

type cpuCase struct {
	n, v    int
	y3, liq bool
}

func cpuCases() []cpuCase {
	if os.Getenv("YUMA_CPU") == "big" {
		return []cpuCase{{4096, 512, true, true}, {4096, 512, false, false}}
	}
	return []cpuCase{{256, 64, true, true}, {256, 64, false, false}, {1024, 256, true, true}, {4096, 512, true, true}, {4096, 512, false, false}}
}
