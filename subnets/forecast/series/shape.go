package series

import (
	"math"
	"math/rand/v2"
)

// shape is what a live series is made of; the seed fixes it, so a model can
// learn it from the history.
type shape struct {
	scale   float64 // multiplies every component: scoring is scale-free
	period1 int
	period2 int       // 0 when the series has one cycle
	season1 []float64 // one cycle of each profile, zero mean
	season2 []float64

	// The nonlinear component: a threshold autoregression whose regime is
	// set by where the series is in its main cycle (an interaction of season
	// and dynamics). In the first half of each cycle a deviation persists,
	// in the second it flips sign and dies out. A linear model fits one
	// coefficient for both halves and forecasts little of it; a model that
	// looks at the phase carries the deviation many steps ahead.
	holdCoef   float64 // first half of the cycle
	flipCoef   float64 // second half
	regimeSize float64 // standard deviation of the component's innovations

	noise       float64 // base standard deviation of the observation noise
	noisePhase  float64 // where in the first cycle the noise peaks
	noiseSwing  float64 // relative swing of the noise over the first cycle
	heavyChance float64 // chance that an observation's noise is Student-t(3)

	breakChance float64 // chance per step of a regime change
	shiftSize   float64 // standard deviation of a level shift
	slopeSize   float64 // standard deviation of a trend
}

// state is where a live series is now.
type state struct {
	t      int
	level  float64
	slope  float64
	regime float64 // the nonlinear component's last value
	volume float64 // current noise multiplier (variance regime)
}

func drawShape(r *rand.Rand) (shape, state) {
	s := shape{
		scale:   math.Exp(uniform(r, 0, math.Log(100))),
		period1: []int{12, 24}[r.IntN(2)],

		holdCoef:   uniform(r, 0.93, 0.97),
		flipCoef:   uniform(r, -0.7, -0.4),
		regimeSize: uniform(r, 0.6, 0.8),

		noise:       uniform(r, 0.15, 0.3),
		noisePhase:  uniform(r, 0, 2*math.Pi),
		noiseSwing:  uniform(r, 0.2, 0.6),
		heavyChance: 0.03,

		breakChance: 1.0 / 200,
		shiftSize:   2.5,
		slopeSize:   0.03,
	}
	if r.IntN(2) == 1 {
		s.period2 = 7
	}
	s.season1 = drawProfile(r, s.period1, uniform(r, 2, 4))
	if s.period2 > 0 {
		s.season2 = drawProfile(r, s.period2, uniform(r, 0.7, 1.5))
	}
	st := state{
		level:  uniform(r, 0, 20),
		slope:  s.slopeSize * r.NormFloat64(),
		volume: 1,
	}
	return s, st
}

// drawProfile makes one cycle of a seasonal pattern from three harmonics with
// random weights and phases, scaled so that its largest swing is amplitude.
func drawProfile(r *rand.Rand, period int, amplitude float64) []float64 {
	p := make([]float64, period)
	for k := 1; k <= 3; k++ {
		w, phase := uniform(r, 0.2, 1)/float64(k), uniform(r, 0, 2*math.Pi)
		for i := range p {
			p[i] += w * math.Sin(2*math.Pi*float64(k*i)/float64(period)+phase)
		}
	}
	peak := 0.0
	for _, v := range p {
		peak = max(peak, math.Abs(v))
	}
	for i := range p {
		p[i] *= amplitude / peak
	}
	return p
}

func (s *shape) periods() []int {
	if s.period2 > 0 {
		return []int{s.period1, s.period2}
	}
	return []int{s.period1}
}

// step advances the state by one time step with randomness from r and
// returns the new observation. The order of draws is fixed, so a stream
// gives one path.
func (s *shape) step(st *state, r *rand.Rand) float64 {
	if r.Float64() < s.breakChance {
		switch r.IntN(3) {
		case 0:
			st.level += s.shiftSize * r.NormFloat64()
		case 1:
			st.slope = s.slopeSize * r.NormFloat64()
		default:
			st.volume = []float64{0.6, 1, 1.6}[r.IntN(3)]
		}
	}
	st.level += st.slope

	phase1 := st.t % s.period1
	coef := s.holdCoef
	if 2*phase1 >= s.period1 {
		coef = s.flipCoef
	}
	st.regime = coef*st.regime + s.regimeSize*r.NormFloat64()

	sd := s.noise * st.volume * (1 + s.noiseSwing*math.Sin(2*math.Pi*float64(phase1)/float64(s.period1)+s.noisePhase))
	var eps float64
	if r.Float64() < s.heavyChance {
		eps = studentT3(r)
	} else {
		eps = r.NormFloat64()
	}

	y := st.level + s.season1[phase1] + st.regime + sd*eps
	if s.period2 > 0 {
		y += s.season2[st.t%s.period2]
	}
	st.t++
	return s.scale * y
}
