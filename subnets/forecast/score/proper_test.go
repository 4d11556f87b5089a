package score

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

// skewed is the outcome every step of the properness test is drawn from: a
// lognormal, so that its mode (0.57), median (1) and mean (1.32) differ.
type skewed struct{ sigma float64 }

func (d skewed) draw(r *rand.Rand) float64 { return math.Exp(d.sigma * r.NormFloat64()) }
func (d skewed) quantile(l float64) float64 {
	return math.Exp(d.sigma * math.Sqrt2 * math.Erfinv(2*l-1))
}
func (d skewed) mode() float64 { return math.Exp(-d.sigma * d.sigma) }

// strategy turns the true median and quantiles into what a miner answers.
type strategy struct {
	name  string
	point func(d skewed) float64
	band  func(d skewed, level float64) float64
}

func properStrategies() []strategy {
	median := func(d skewed) float64 { return d.quantile(0.5) }
	return []strategy{
		{"honest", median, func(d skewed, l float64) float64 { return d.quantile(l) }},
		{"sharper", median, func(d skewed, l float64) float64 { return 1 + 0.5*(d.quantile(l)-1) }},
		{"wider", median, func(d skewed, l float64) float64 { return 1 + 2*(d.quantile(l)-1) }},
		{"biased", func(d skewed) float64 { return median(d) + 0.4 }, func(d skewed, l float64) float64 { return d.quantile(l) + 0.4 }},
		{"modal", func(d skewed) float64 { return d.mode() }, func(d skewed, _ float64) float64 { return d.mode() }},
		{"mean", func(d skewed) float64 { return math.Exp(d.sigma * d.sigma / 2) }, func(d skewed, l float64) float64 { return d.quantile(l) }},
	}
}

// For each challenge, the expected skill is highest for the miner that
// answers its true predictive distribution: over thousands of seeded
// challenges, answering the true median and quantiles beats answering them
// sharper, wider, biased, at the mode or at the mean, each by a margin many
// standard errors wide. All the strategies answer the same challenges, as
// miners do, and none of them moves another's skill.
func TestSkillIsProper(t *testing.T) {
	const challenges, horizon = 3000, 8
	d := skewed{sigma: 0.75}
	levels := []float64{0.1, 0.5, 0.9}
	strategies := properStrategies()
	subs := make([]Submission, len(strategies))
	for i, s := range strategies {
		f := protocol.Forecast{Point: make([]float64, horizon)}
		for k := range f.Point {
			f.Point[k] = s.point(d)
		}
		for _, l := range levels {
			q := protocol.Quantile{Level: l, Values: make([]float64, horizon)}
			for k := range q.Values {
				q.Values[k] = s.band(d, l)
			}
			f.Quantiles = append(f.Quantiles, q)
		}
		subs[i] = Submission{UID: uint16(i), Hotkey: s.name, Answer: &protocol.Answer{Forecast: f}}
	}

	r := rand.New(rand.NewPCG(1, 2))
	// diffs[i] accumulate honest's skill minus strategy i's, challenge by
	// challenge, for a paired standard error.
	sum, sumSq := make([]float64, len(strategies)), make([]float64, len(strategies))
	history := make([]float64, 64)
	truth := make([]float64, horizon)
	for n := range challenges {
		for i := range history {
			history[i] = d.draw(r)
		}
		for i := range truth {
			truth[i] = d.draw(r)
		}
		c := protocol.Challenge{ID: fmt.Sprint(n), SeriesID: "lognormal", Horizon: horizon, Levels: levels,
			History: protocol.History{Values: history}}
		for i := range subs {
			subs[i].Answer.ChallengeID = c.ID
		}
		results, err := Challenge(c, truth, subs)
		require.NoError(t, err)
		for i, res := range results {
			require.Equal(t, Scored, res.Status)
			diff := results[0].Skill - res.Skill
			sum[i] += diff
			sumSq[i] += diff * diff
		}
	}
	for i, s := range strategies[1:] {
		i++
		mean := sum[i] / challenges
		se := math.Sqrt((sumSq[i]/challenges - mean*mean) / challenges)
		t.Logf("honest − %-7s: %.4f ± %.4f skill a challenge", s.name, mean, se)
		require.Greater(t, mean, 5*se, "answering %s must lose to the honest answer in expectation", s.name)
	}
}
