//go:build !linux

package app_test

import "time"

// threadCPU and processCPU are not measured outside Linux: the benchmarks report 0 for them.
func threadCPU() time.Duration { return 0 }

func processCPU() time.Duration { return 0 }
