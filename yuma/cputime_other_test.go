//go:build !linux

package yuma_test

import "time"

// processCPU is not measured off Linux; the benchmark then reports 0.
func processCPU() time.Duration { return 0 }
