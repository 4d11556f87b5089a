//go:build !linux

package model

// cpuSeconds is unknown off Linux; the CPU metrics then read zero.
func cpuSeconds() float64 { return 0 }
