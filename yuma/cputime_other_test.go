//go:build !linux

package yuma_test

import "time"

// processUsage is not measured off Linux; the benchmark then reports 0.
func processUsage() (time.Duration, int64) { return 0, 0 }
