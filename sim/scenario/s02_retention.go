package scenario

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gotensor/gotensor/sim/epochs"
)

// S02 is subtensor's two-team game (docs/consensus.md, "Monte Carlo
// simulations"; pallets/subtensor/src/tests/consensus.rs split_graph and
// map_consensus_guarantees): 512 uids of which the first 64 are
// validators, honest stake S_H split over ⌊S_H·64⌋ validators and
// ⌊S_H·448⌋ servers, honest validators putting W_H on honest servers and
// the cabal W_C on its own, each quadrant's weights N(1, σ²) clipped at 0
// and normalized; one epoch from empty bonds. E_H = ξ·D_H + (1 − ξ)·I_H.
// The retention point is the least W_H for which E_H ≥ S_H against the
// cabal's worst W_C.

// twoTeam is one sampled network: stakes and the unit weight draws every
// (W_H, W_C) point reuses, as the subtensor test reseeds per point.
type twoTeam struct {
	validators, servers int
	majorV, majorS      int
	stake               []float64 // per validator, normalized per team
	draw                [][]float64
}

func nonExtreme(ratio float64, total int) int {
	k := int(ratio * float64(total))
	if k == 0 {
		return 1
	}
	if k == total {
		return total - 1
	}
	return k
}

func newTwoTeam(rng *rand.Rand, validators, n int, sh, sigma float64) *twoTeam {
	t := &twoTeam{validators: validators, servers: n - validators}
	t.majorV, t.majorS = nonExtreme(sh, validators), nonExtreme(sh, t.servers)
	t.stake = make([]float64, validators)
	for _, team := range [][2]int{{0, t.majorV}, {t.majorV, validators}} {
		ratio := sh
		if team[0] > 0 {
			ratio = 1 - sh
		}
		var sum float64
		for i := team[0]; i < team[1]; i++ {
			t.stake[i] = max(0, 1+0.3*rng.NormFloat64())
			sum += t.stake[i]
		}
		for i := team[0]; i < team[1]; i++ {
			t.stake[i] = ratio * t.stake[i] / sum
		}
	}
	t.draw = make([][]float64, validators)
	for i := range t.draw {
		t.draw[i] = make([]float64, t.servers)
		for j := range t.draw[i] {
			t.draw[i][j] = max(0, 1+sigma*rng.NormFloat64())
		}
	}
	return t
}

// honestShares runs the one epoch at (W_H, W_C) and returns the honest
// team's dividend and incentive shares.
func (t *twoTeam) honestShares(p epochs.Params, wh, wc float64) (dh, ih float64, err error) {
	n := t.validators + t.servers
	p.MaxValidators = t.validators
	net, err := epochs.New(n, p)
	if err != nil {
		return 0, 0, err
	}
	for i, s := range t.stake {
		net.SetStake(i, uint64(s*1e15))
	}
	for i := range t.validators {
		self, other := wh, 1-wh
		if i >= t.majorV {
			self, other = 1-wc, wc // weight on the honest servers, on the cabal's
		}
		row := make([]float64, n)
		for _, q := range []struct {
			lo, hi int
			w      float64
		}{{0, t.majorS, self}, {t.majorS, t.servers, other}} {
			var sum float64
			for j := q.lo; j < q.hi; j++ {
				sum += t.draw[i][j]
			}
			for j := q.lo; j < q.hi; j++ {
				if sum > 0 {
					row[t.validators+j] = q.w * t.draw[i][j] / sum
				}
			}
		}
		if err := net.SetWeights(i, row, net.Block()-1, math.MaxUint64); err != nil {
			return 0, 0, err
		}
	}
	sh, err := net.Epoch()
	if err != nil {
		return 0, 0, err
	}
	for i := range t.majorV {
		dh += sh.Dividends[i]
	}
	for j := range t.majorS {
		ih += sh.Incentive[t.validators+j]
	}
	return dh, ih, nil
}

// retention finds, for each ξ, the least W_H on the grid 0, 1/steps, …, 1
// (interpolated linearly between grid points) at which E_H ≥ S_H for
// every W_C on the grid. E_H grows with W_H, so a bisection over W_H
// suffices; each W_H is checked against the W_C grid, stopping at the
// first W_C that breaks retention.
func (t *twoTeam) retention(p epochs.Params, sh float64, xis []float64, steps int) ([]float64, error) {
	type cell struct{ dh, ih float64 }
	cache := map[[2]int]cell{}
	eval := func(a, b int) (cell, error) {
		if c, ok := cache[[2]int{a, b}]; ok {
			return c, nil
		}
		dh, ih, err := t.honestShares(p, float64(a)/float64(steps), float64(b)/float64(steps))
		if err != nil {
			return cell{}, err
		}
		cache[[2]int{a, b}] = cell{dh, ih}
		return cell{dh, ih}, nil
	}
	out := make([]float64, len(xis))
	for k, xi := range xis {
		// worst is min over W_C of E_H − S_H at W_H index a (stopping early
		// once it is negative, which is all the bisection needs).
		worst := func(a int, full bool) (float64, error) {
			m := math.Inf(1)
			for b := steps; b >= 0; b-- {
				c, err := eval(a, b)
				if err != nil {
					return 0, err
				}
				m = min(m, xi*c.dh+(1-xi)*c.ih-sh)
				if m < 0 && !full {
					return m, nil
				}
			}
			return m, nil
		}
		lo, hi := -1, steps // worst(lo) < 0 (virtual), worst(hi) ≥ 0 if retention is possible
		top, err := worst(steps, true)
		if err != nil {
			return nil, err
		}
		if top < 0 {
			out[k] = math.NaN() // not even W_H = 1 retains S_H
			continue
		}
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			w, err := worst(mid, false)
			if err != nil {
				return nil, err
			}
			if w >= 0 {
				hi = mid
			} else {
				lo = mid
			}
		}
		if lo < 0 {
			out[k] = 0
			continue
		}
		below, err := worst(lo, true)
		if err != nil {
			return nil, err
		}
		above, err := worst(hi, true)
		if err != nil {
			return nil, err
		}
		frac := 1.0
		if above > below {
			frac = -below / (above - below)
		}
		out[k] = (float64(lo) + frac) / float64(steps)
	}
	return out, nil
}

// s02Published are docs/consensus.md's least W_H at S_H = 0.6.
var s02Published = []struct {
	name           string
	sigma, beta    float64
	xi             float64
	published, tol float64
}{
	{"σ = 0", 0, 1, 0.5, 0.60, 0.03},
	{"σ = 0.2μ", 0.2, 1, 0.5, 0.67, 0.03},
	{"σ = 0.4μ (β = 1, ξ = 0.5)", 0.4, 1, 0.5, 0.73, 0.03},
	{"β = 0", 0.4, 0, 0.5, 0.78, 0.03},
	{"β = 0.5", 0.4, 0.5, 0.5, 0.76, 0.03},
	{"ξ = 0", 0.4, 1, 0, 0.82, 0.03},
	{"ξ = 0.25", 0.4, 1, 0.25, 0.78, 0.03},
}

// S02Network is the two-team network's size (uids, validators) under cfg:
// subtensor's 512/64 at full size, smaller in quick runs.
func S02Network(cfg Config) (n, validators, steps int) {
	if cfg.Validators >= 64 {
		return 512, 64, 50
	}
	return 8 * cfg.Validators, cfg.Validators, 25
}

var s02 = Scenario{
	ID: "S02", Title: "retention map (subtensor's two-team game)", Layer: "L1",
	Threshold: "least W_H with E_H ≥ S_H at S_H = 0.6 within ±0.03 of docs/consensus.md (0.60/0.67/0.73 for σ = 0/0.2μ/0.4μ; 0.78/0.76/0.73 for β = 0/0.5/1; 0.82/0.78/0.73 for ξ = 0/0.25/0.5)",
	run: func(cfg Config, r *Result) error {
		n, nv, steps := S02Network(cfg)
		r.Setup = fmt.Sprintf("%d uids, %d validators, one epoch from empty bonds, original Yuma (the epoch the published map was made with), κ = 0.5; W_H and W_C on a grid of step 1/%d, the crossing interpolated; stake N(1, 0.3²) clipped at 0", n, nv, steps)
		base := cfg.params(epochs.Params{Kappa: 0.5, BondsPenalty: 1, BondsMovingAverage: 900_000, Tempo: 360})
		for _, c := range s02Published {
			vals := make([]float64, cfg.Seeds)
			for s := range cfg.Seeds {
				cfg.progress("S02 %s seed %d/%d", c.name, s+1, cfg.Seeds)
				rng := rand.New(rand.NewPCG(seedFor("S02", s, 0), 0))
				t := newTwoTeam(rng, nv, n, 0.6, c.sigma)
				p := base
				p.BondsPenalty = c.beta
				w, err := t.retention(p, 0.6, []float64{c.xi}, steps)
				if err != nil {
					return err
				}
				vals[s] = w[0]
			}
			r.add(fmt.Sprintf("least W_H at S_H = 0.6, %s", c.name), vals,
				fmt.Sprintf("%.2f ± %.2f", c.published, c.tol), within(c.published-c.tol, c.published+c.tol))
		}
		// The map: least W_H against S_H, one line per setting (seed 0).
		majors := []float64{0.51, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99}
		if cfg.Validators < 64 {
			majors = []float64{0.55, 0.6, 0.7, 0.8, 0.9}
		}
		type line struct {
			name        string
			sigma, beta float64
			kappa, xi   float64
			plot        int
		}
		lines := []line{
			{"σ = 0", 0, 1, 0.5, 0.5, 0}, {"σ = 0.2μ", 0.2, 1, 0.5, 0.5, 0}, {"σ = 0.4μ", 0.4, 1, 0.5, 0.5, 0},
			{"β = 0", 0.4, 0, 0.5, 0.5, 1}, {"β = 0.5", 0.4, 0.5, 0.5, 0.5, 1}, {"β = 1", 0.4, 1, 0.5, 0.5, 1},
			{"κ = 0.4", 0.4, 1, 0.4, 0.5, 2}, {"κ = 0.5", 0.4, 1, 0.5, 0.5, 2}, {"κ = 0.6", 0.4, 1, 0.6, 0.5, 2},
		}
		plots := []Plot{
			{File: "S02-retention-sigma.png", Title: "S02 retention map: weight deviation σ", XLabel: "honest stake S_H", YLabel: "least honest utility W_H retaining S_H"},
			{File: "S02-retention-beta.png", Title: "S02 retention map: bonds penalty β (σ = 0.4μ)", XLabel: "honest stake S_H", YLabel: "least honest utility W_H retaining S_H"},
			{File: "S02-retention-kappa.png", Title: "S02 retention map: κ (σ = 0.4μ)", XLabel: "honest stake S_H", YLabel: "least honest utility W_H retaining S_H"},
		}
		if cfg.quick() {
			lines, plots = lines[:3], plots[:1]
		}
		for _, l := range lines {
			ser := Series{Name: l.name}
			for _, sh := range majors {
				cfg.progress("S02 map %s S_H = %.2f", l.name, sh)
				rng := rand.New(rand.NewPCG(seedFor("S02", 0, 0), 0))
				t := newTwoTeam(rng, nv, n, sh, l.sigma)
				p := base
				p.BondsPenalty, p.Kappa = l.beta, l.kappa
				w, err := t.retention(p, sh, []float64{l.xi}, steps)
				if err != nil {
					return err
				}
				if !math.IsNaN(w[0]) {
					ser.X = append(ser.X, sh)
					ser.Y = append(ser.Y, w[0])
				}
			}
			plots[l.plot].Series = append(plots[l.plot].Series, ser)
		}
		r.Plots = plots
		r.note("points missing from a line are stakes no W_H ≤ 1 retains (e.g. κ = 0.6 below S_H = 0.6, as the docs say)")
		return nil
	},
}
