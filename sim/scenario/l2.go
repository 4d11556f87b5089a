package scenario

import (
	"math"

	"github.com/gotensor/gotensor/sim/epochs"
	"github.com/gotensor/gotensor/sim/market"
	"github.com/gotensor/gotensor/sim/stats"
)

// quick reports whether cfg is a reduced run (smaller grids of variants).
func (c Config) quick() bool { return c.Validators < 64 }

// tally sums each uid's shares over the measured epochs.
type tally struct {
	inc, div, em []float64
	vt           []float64
	epochs       int
}

func newTally(n int) *tally {
	return &tally{inc: make([]float64, n), div: make([]float64, n), em: make([]float64, n), vt: make([]float64, n)}
}

func (t *tally) add(sh epochs.Shares) {
	for i := range t.inc {
		t.inc[i] += sh.Incentive[i]
		t.div[i] += sh.Dividends[i]
		t.em[i] += sh.Emission[i]
		t.vt[i] += sh.ValidatorTrust[i]
	}
	t.epochs++
}

// mean turns sums into per-epoch means.
func (t *tally) mean(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x / float64(max(1, t.epochs))
	}
	return out
}

// sumOver adds v over uids.
func sumOver(v []float64, uids []int) float64 {
	var s float64
	for _, u := range uids {
		s += v[u]
	}
	return s
}

// gRatio is G: the class's dividend rate (D/S) over the median rate of the
// honest validators.
func gRatio(div, stake []float64, class, honest []int) float64 {
	rates := make([]float64, 0, len(honest))
	for _, i := range honest {
		if stake[i] > 0 {
			rates = append(rates, div[i]/stake[i])
		}
	}
	med := stats.Median(rates)
	s := sumOver(stake, class)
	if med == 0 || s == 0 {
		return 0
	}
	return sumOver(div, class) / s / med
}

func span(lo, hi int) []int {
	out := make([]int, 0, max(0, hi-lo))
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// without is uids minus drop.
func without(uids []int, drop ...int) []int {
	out := make([]int, 0, len(uids))
next:
	for _, u := range uids {
		for _, d := range drop {
			if u == d {
				continue next
			}
		}
		out = append(out, u)
	}
	return out
}

// marketRun is one seeded L2 run: setup assigns roles, each sees every
// measured epoch (t from 0).
type marketRun struct {
	id      string
	seed    int
	variant int
	mc      market.Config
	sigma   float64
	setup   func(m *market.Market) error
	each    func(m *market.Market, t int, sh epochs.Shares) error
}

func (r marketRun) run(cfg Config) (*market.Market, *tally, error) {
	mc := r.mc
	mc.Seed = seedFor(r.id, r.seed, r.variant)
	mc.Validators, mc.Miners = cfg.Validators, cfg.Miners
	if mc.Params.Tempo == 0 {
		mc.Params = epochs.DefaultParams()
	}
	mc.Params = cfg.params(mc.Params)
	m, err := market.New(mc, r.sigma)
	if err != nil {
		return nil, nil, err
	}
	if r.setup != nil {
		if err := r.setup(m); err != nil {
			return nil, nil, err
		}
	}
	t := newTally(m.N())
	for e := range cfg.Warmup + cfg.Epochs {
		sh, err := m.Step()
		if err != nil {
			return nil, nil, err
		}
		if e < cfg.Warmup {
			continue
		}
		t.add(sh)
		if r.each != nil {
			if err := r.each(m, e-cfg.Warmup, sh); err != nil {
				return nil, nil, err
			}
		}
	}
	return m, t, nil
}

// withStakeShare gives validator uid the stake share s and scales every
// other validator so that the rest keeps its proportions.
func withStakeShare(m *market.Market, shares map[int]float64) {
	cur := m.StakeShares()
	var fixed, rest float64
	for i := range cur {
		if s, ok := shares[i]; ok {
			fixed += s
		} else {
			rest += cur[i]
		}
	}
	w := make([]float64, len(cur))
	for i := range cur {
		if s, ok := shares[i]; ok {
			w[i] = s
		} else if rest > 0 {
			w[i] = cur[i] / rest * (1 - fixed)
		}
	}
	m.SetStakes(w)
}

// minerUIDs lists the miner uids of m.
func minerUIDs(m *market.Market, cfg Config) []int {
	return span(cfg.Validators, cfg.Validators+cfg.Miners)
}

// rankedMiner is the miner uid at quantile q of quality (0: worst, 1: best).
func rankedMiner(m *market.Market, cfg Config, q float64) int {
	quality := m.Quality()
	uids := minerUIDs(m, cfg)
	best := uids[0]
	target := q
	bestGap := math.Inf(1)
	// the quantile of a miner is the fraction of miners of lower quality
	for _, u := range uids {
		below := 0
		for _, v := range uids {
			if quality[v] < quality[u] {
				below++
			}
		}
		gap := math.Abs(float64(below)/float64(len(uids)-1) - target)
		if gap < bestGap {
			best, bestGap = u, gap
		}
	}
	return best
}
