package series

import (
	"math"
	"math/rand/v2"
)

// Family is a kind of live series. Validators rotate through the families
// so that a model tuned on one of them cannot win on that alone.
type Family string

// The live families.
const (
	// SeasonalThreshold is the subnet's first benchmark, the one its models
	// were developed on: trend, one or two seasonal cycles, a threshold
	// autoregression whose regime is the phase of the main cycle, and
	// occasional breaks (see the package comment).
	SeasonalThreshold Family = "seasonal-threshold"
	// DriftRegimes is a random walk whose drift and volatility switch
	// between three regimes (rising, falling, flat) as a hidden Markov
	// chain, observed with noise; it has no seasonal period.
	DriftRegimes Family = "drift-regimes"
	// Intermittent is intermittent demand: whole-number demand that is zero
	// on most steps, with a weekly (period 7) pattern in how often demand
	// occurs, lognormal sizes, and occasional shifts in the demand rate.
	Intermittent Family = "intermittent"
)

// Families lists the live families, the one the models were tuned on first.
func Families() []Family { return []Family{SeasonalThreshold, DriftRegimes, Intermittent} }

// generator is one live series' dynamics: its shape is drawn from the seed
// and its state advances one step per call, drawing from r in a fixed order
// so that a stream gives one path.
type generator interface {
	step(r *rand.Rand) float64
	periods() []int
}

func drawGenerator(f Family, r *rand.Rand) generator {
	switch f {
	case DriftRegimes:
		return drawDriftRegimes(r)
	case Intermittent:
		return drawIntermittent(r)
	}
	s, st := drawShape(r)
	return &seasonalThreshold{shape: s, state: st}
}

type seasonalThreshold struct {
	shape shape
	state state
}

func (g *seasonalThreshold) step(r *rand.Rand) float64 { return g.shape.step(&g.state, r) }
func (g *seasonalThreshold) periods() []int            { return g.shape.periods() }

// driftRegimes: level += drift[k] + vol[k]·ε, with ε heavy-tailed now and
// then, and the regime k switching with a small chance each step.
type driftRegimes struct {
	scale   float64
	drift   [3]float64
	vol     [3]float64
	switchP float64 // chance per step of leaving the regime
	noise   float64 // observation noise, in units of the scale

	regime int
	level  float64
}

func drawDriftRegimes(r *rand.Rand) *driftRegimes {
	g := &driftRegimes{
		scale:   math.Exp(uniform(r, 0, math.Log(100))),
		drift:   [3]float64{uniform(r, 0.1, 0.4), -uniform(r, 0.1, 0.4), 0},
		vol:     [3]float64{uniform(r, 0.5, 1.5), uniform(r, 0.5, 1.5), uniform(r, 0.3, 2)},
		switchP: 1 / uniform(r, 30, 80),
		noise:   uniform(r, 0.2, 0.6),
	}
	g.regime = r.IntN(3)
	g.level = uniform(r, -20, 20)
	return g
}

func (g *driftRegimes) step(r *rand.Rand) float64 {
	if r.Float64() < g.switchP {
		g.regime = (g.regime + 1 + r.IntN(2)) % 3
	}
	eps := r.NormFloat64()
	if r.Float64() < 0.05 {
		eps = studentT3(r)
	}
	g.level += g.drift[g.regime] + g.vol[g.regime]*eps
	return g.scale * (g.level + g.noise*r.NormFloat64())
}

func (g *driftRegimes) periods() []int { return nil }

// intermittent: on each step demand occurs with a chance that depends on
// the weekday; its size is a lognormal rounded up to a whole number.
type intermittent struct {
	rate       [7]float64 // chance of demand on each weekday
	logSize    float64    // mean of the log of a demand's size
	sizeSpread float64    // standard deviation of that log
	shiftP     float64    // chance per step that the demand rate shifts
	level      float64    // current multiplier of the rate
	t          int
}

func drawIntermittent(r *rand.Rand) *intermittent {
	g := &intermittent{
		logSize:    uniform(r, math.Log(2), math.Log(20)),
		sizeSpread: uniform(r, 0.3, 0.8),
		shiftP:     1.0 / 300,
		level:      1,
	}
	base := uniform(r, 0.1, 0.5)
	profile := drawProfile(r, 7, uniform(r, 0.3, 0.8))
	for i := range g.rate {
		g.rate[i] = base * (1 + profile[i])
	}
	return g
}

func (g *intermittent) step(r *rand.Rand) float64 {
	if r.Float64() < g.shiftP {
		g.level = math.Exp(uniform(r, math.Log(0.5), math.Log(2)))
	}
	p := min(g.rate[g.t%7]*g.level, 0.95)
	g.t++
	occurs := r.Float64() < p
	size := math.Ceil(math.Exp(g.logSize + g.sizeSpread*r.NormFloat64()))
	if !occurs {
		return 0
	}
	return size
}

func (g *intermittent) periods() []int { return []int{7} }
