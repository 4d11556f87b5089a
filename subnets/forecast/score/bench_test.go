package score

import (
	"fmt"
	"math"
	"testing"

	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

// BenchmarkChallenge scores one challenge (256 values of history, 12 steps,
// three quantiles) answered by 8 miners.
func BenchmarkChallenge(b *testing.B) {
	history := make([]float64, 256)
	for i := range history {
		history[i] = 10*math.Sin(float64(i)/2) + float64(i)/10
	}
	levels := []float64{0.1, 0.5, 0.9}
	c := protocol.Challenge{ID: "c", SeriesID: "s", Horizon: 12, Levels: levels,
		History: protocol.History{Values: history, Periods: []int{12}}}
	truth := make([]float64, 12)
	subs := make([]Submission, 8)
	for i := range subs {
		a := &protocol.Answer{ChallengeID: "c", Forecast: protocol.Forecast{Point: make([]float64, 12)}}
		for _, l := range levels {
			q := protocol.Quantile{Level: l, Values: make([]float64, 12)}
			for k := range q.Values {
				q.Values[k] = float64(i) + l
			}
			a.Quantiles = append(a.Quantiles, q)
		}
		subs[i] = Submission{UID: uint16(i), Hotkey: fmt.Sprint("hk", i), Answer: a}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Challenge(c, truth, subs); err != nil {
			b.Fatal(err)
		}
	}
}
