//go:build linux

package model

import "syscall"

// cpuSeconds is the CPU time this process has used, user plus system: on a
// shared machine it moves far less with other load than wall time does.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
