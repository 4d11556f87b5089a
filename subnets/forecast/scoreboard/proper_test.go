package scoreboard

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/forecast/protocol"
	"github.com/gotensor/gotensor/subnets/forecast/score"
)

// outcome is a predictive distribution every step of a test challenge is
// drawn from, with its quantile function and its mode.
type outcome struct {
	name     string
	horizon  int
	draw     func(r *rand.Rand) float64
	quantile func(level float64) float64
	mode     float64
}

// lognormal has its mode (0.57), median (1) and mean (1.32) apart.
func lognormal(sigma float64) outcome {
	return outcome{
		name: "lognormal", horizon: 8,
		draw:     func(r *rand.Rand) float64 { return math.Exp(sigma * r.NormFloat64()) },
		quantile: func(l float64) float64 { return math.Exp(sigma * probit(l)) },
		mode:     math.Exp(-sigma * sigma),
	}
}

// zeroInflated is demand that is zero with chance p0, else lognormal around
// 5: its mode is 0, an answer that is exactly right 40 % of the time.
func zeroInflated(p0 float64) outcome {
	return outcome{
		name: "zero-inflated", horizon: 1,
		draw: func(r *rand.Rand) float64 {
			if r.Float64() < p0 {
				return 0
			}
			return 5 * math.Exp(0.5*r.NormFloat64())
		},
		quantile: func(l float64) float64 {
			if l <= p0 {
				return 0
			}
			return 5 * math.Exp(0.5*probit((l-p0)/(1-p0)))
		},
	}
}

func probit(l float64) float64 { return math.Sqrt2 * math.Erfinv(2*l-1) }

// The weights a validator sets reward the honest forecast: five miners
// answer the same outcomes, one with its true median and quantiles, the
// others shading them (sharper, wider, biased, or all at the mode). Scored
// and averaged by the default board, the honest miner holds the largest
// average share of the weights, sampled every 20 challenges over seeded
// draws. On zero-inflated demand a relative payout (best loss over one's
// own) gave the modal miner the most: it is exactly right whenever demand
// is zero, and then every other answer scored nothing.
func TestHonestMinerEarnsTheMostWeight(t *testing.T) {
	for _, o := range []outcome{lognormal(0.75), zeroInflated(0.4)} {
		t.Run(o.name, func(t *testing.T) { honestEarnsMost(t, o) })
	}
}

func honestEarnsMost(t *testing.T, o outcome) {
	const challenges = 4000
	levels := []float64{0.1, 0.5, 0.9}
	median := o.quantile(0.5)
	answers := map[string]func(l float64) float64{ // level 0.5 doubles as the point
		"honest":  o.quantile,
		"sharper": func(l float64) float64 { return median + 0.5*(o.quantile(l)-median) },
		"wider":   func(l float64) float64 { return median + 2*(o.quantile(l)-median) },
		"biased":  func(l float64) float64 { return o.quantile(l) + 0.4*(o.quantile(0.9)-o.quantile(0.1)) },
		"modal":   func(float64) float64 { return o.mode },
	}
	names := []string{"honest", "sharper", "wider", "biased", "modal"}
	subs := make([]score.Submission, len(names))
	for i, name := range names {
		f := protocol.Forecast{Point: repeat(answers[name](0.5), o.horizon)}
		for _, l := range levels {
			f.Quantiles = append(f.Quantiles, protocol.Quantile{Level: l, Values: repeat(answers[name](l), o.horizon)})
		}
		subs[i] = score.Submission{UID: uint16(i), Hotkey: name, Answer: &protocol.Answer{Forecast: f}}
	}

	b, err := New(DefaultConfig())
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(3, 4))
	draw := func(vs []float64) {
		for i := range vs {
			vs[i] = o.draw(r)
		}
	}
	history, truth := make([]float64, 64), make([]float64, o.horizon)
	share := make([]float64, len(names))
	samples := 0
	for n := range challenges {
		draw(history)
		draw(truth)
		c := protocol.Challenge{ID: fmt.Sprint(n), SeriesID: o.name, Horizon: o.horizon, Levels: levels,
			History: protocol.History{Values: history}}
		for i := range subs {
			subs[i].Answer.ChallengeID = c.ID
		}
		results, err := score.Challenge(c, truth, subs)
		require.NoError(t, err)
		require.NoError(t, b.Record(results))
		if n%20 == 19 && n >= 100 {
			_, w := b.Weights()
			total := 0.0
			for _, v := range w {
				total += float64(v)
			}
			for i, v := range w {
				share[i] += float64(v) / total
			}
			samples++
		}
	}
	for i, name := range names {
		share[i] /= float64(samples)
		t.Logf("%-7s average weight share %.3f", name, share[i])
	}
	for i := 1; i < len(names); i++ {
		require.Greater(t, share[0], share[i], "honest must out-earn %s", names[i])
	}
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}
