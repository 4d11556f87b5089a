package yuma_test

import (
	"syscall"
	"time"
)

// processUsage is the CPU time this process has used, user plus system (on
// a shared machine it moves far less than wall time with other load), and
// its minor page faults (fresh memory: costly in a virtual machine).
func processUsage() (cpu time.Duration, faults int64) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), int64(ru.Minflt) // int32 on 32-bit Linux
}
