package model

import (
	"fmt"
	"testing"

	"github.com/gotensor/gotensor/subnets/forecast/series"
)

func liveInput(b *testing.B, n, horizon int) Input {
	l, err := series.NewLive("bench", 1, []byte("benchmark-secret-0123456789"), series.DefaultLiveConfig())
	if err != nil {
		b.Fatal(err)
	}
	values := l.Values()
	return Input{Values: values[len(values)-n:], Periods: l.Periods(), Horizon: horizon, Levels: []float64{0.1, 0.5, 0.9}}
}

// BenchmarkForecast is one miner's answer to one challenge: 256 values of a
// live series, 12 steps, three quantiles.
func BenchmarkForecast(b *testing.B) {
	for _, n := range []int{256, 512} {
		in := liveInput(b, n, 12)
		for _, name := range Names() {
			m, err := New(name)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(name+"/"+fmt.Sprint(n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := m.Forecast(in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
