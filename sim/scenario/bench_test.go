package scenario

import "testing"

// BenchmarkQuick times each scenario's fast subset (the size the tests
// run); the full suite's wall time is in BENCHMARKS.md.
func BenchmarkQuick(b *testing.B) {
	for _, s := range All() {
		b.Run(s.ID, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Run(Quick()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
