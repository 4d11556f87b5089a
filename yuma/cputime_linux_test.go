package yuma_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time this process has used, user plus system: on
// a shared machine it moves far less than wall time with other load.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
