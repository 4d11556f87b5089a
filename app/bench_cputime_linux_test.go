package app_test

import (
	"syscall"
	"time"
)

// threadCPU is the CPU time (user + system) the calling OS thread has used; the caller locks its
// goroutine to the thread. It leaves out the garbage collector's background workers, which run on
// other threads, and counts the allocation assists the goroutine itself pays.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// processCPU is the CPU time (user + system) the process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
