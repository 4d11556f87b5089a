package scenario

import (
	"slices"

	"github.com/gotensor/gotensor/sim/epochs"
	"github.com/gotensor/gotensor/sim/market"
	"github.com/gotensor/gotensor/sim/stats"
)

// s01Population is the honest population of S01 (and the FLock figures):
// lognormal stake, uniform quality, churn 0.05, each validator's noise
// drawn uniformly in [0, 0.4μ] (mean 0.2μ) so that accuracy varies.
func s01Population(m *market.Market) error {
	for i := range m.Vals {
		m.Vals[i].Sigma = 0.4 * m.Rand().Float64()
	}
	return nil
}

var s01 = Scenario{
	ID: "S01", Title: "honest baseline", Layer: "L2",
	Threshold: "honest G in [0.95, 1.05] for the largest and smallest stake quartiles; ELAST 0.95–1.05; ρ_q ≥ 0.9; incentive Gini ≤ quality Gini + 0.05; corr(stake, D/S) ≈ 0 (|ρ| ≤ 0.25); corr(q, I) and corr(accuracy, D/S) > 0",
	run: func(cfg Config, r *Result) error {
		r.Setup = "all validators honest, noise σ_i uniform in [0, 0.4μ] (mean 0.2μ), lognormal stake (σ_ln = 1), miner quality uniform on [0, 1], churn 0.05, no commit-reveal, Yuma 3 defaults"
		var gTop, gBottom, elast, rhoQ, giniI, giniQ, cSD, cSDS, cQI, cAD []float64
		var nakStake, nakDiv, nakInc, top1Inc []float64
		for s := range cfg.Seeds {
			cfg.progress("S01 seed %d/%d", s+1, cfg.Seeds)
			var rq, gi, gq []float64
			var lastInc []float64
			run := marketRun{id: "S01", seed: s, mc: market.Config{Churn: 0.05, StakeLogSigma: 1}, sigma: 0.2,
				setup: s01Population,
				each: func(m *market.Market, t int, sh epochs.Shares) error {
					q := m.Quality()
					mu := minerUIDs(m, cfg)
					inc := make([]float64, len(mu))
					qq := make([]float64, len(mu))
					for k, u := range mu {
						inc[k], qq[k] = sh.Incentive[u], q[u]
					}
					rq = append(rq, stats.Spearman(inc, qq))
					gi = append(gi, stats.Gini(inc))
					gq = append(gq, stats.Gini(qq))
					lastInc = inc
					return nil
				}}
			m, t, err := run.run(cfg)
			if err != nil {
				return err
			}
			stake := m.StakeShares()
			div := t.mean(t.div)[:cfg.Validators]
			vals := span(0, cfg.Validators)
			order := slices.Clone(vals)
			slices.SortStableFunc(order, func(a, b int) int {
				switch {
				case stake[a] < stake[b]:
					return -1
				case stake[a] > stake[b]:
					return 1
				}
				return 0
			})
			quart := len(order) / 4
			gBottom = append(gBottom, gRatio(div, stake, order[:quart], vals))
			gTop = append(gTop, gRatio(div, stake, order[len(order)-quart:], vals))
			elast = append(elast, stats.Elasticity(stake, div))
			rhoQ = append(rhoQ, stats.Mean(rq))
			giniI = append(giniI, stats.Mean(gi))
			giniQ = append(giniQ, stats.Mean(gq))
			rate := make([]float64, len(vals))
			acc := make([]float64, len(vals))
			for i := range vals {
				rate[i] = div[i] / stake[i]
				acc[i] = -m.Vals[i].Sigma // accuracy falls with noise
			}
			cSD = append(cSD, stats.Spearman(stake, div))
			cSDS = append(cSDS, stats.Spearman(stake, rate))
			cQI = append(cQI, stats.Mean(rq))
			cAD = append(cAD, stats.Spearman(acc, rate))
			nakStake = append(nakStake, float64(stats.Nakamoto(stake, 0.51)))
			nakDiv = append(nakDiv, float64(stats.Nakamoto(div, 0.51)))
			nakInc = append(nakInc, float64(stats.Nakamoto(lastInc, 0.51)))
			top1Inc = append(top1Inc, stats.TopShare(lastInc, 0.01))
		}
		r.add("G, largest-stake quartile", gTop, "in [0.95, 1.05]", within(0.95, 1.05))
		r.add("G, smallest-stake quartile", gBottom, "in [0.95, 1.05]", within(0.95, 1.05))
		r.add("ELAST (slope of log D on log S)", elast, "in [0.95, 1.05]", within(0.95, 1.05))
		r.add("ρ_q (Spearman of incentive with quality)", rhoQ, "≥ 0.9", atLeast(0.9))
		gq := r.add("quality Gini (miners)", giniQ, "", nil)
		r.add("incentive Gini (miners)", giniI, "≤ quality Gini + 0.05", atMost(gq.Mean+0.05))
		r.add("corr(stake, D) (Spearman)", cSD, "> 0", atLeast(0.5))
		r.add("corr(stake, D/S) (Spearman)", cSDS, "≈ 0 (|ρ| ≤ 0.25)", within(-0.25, 0.25))
		r.add("corr(q, I) (Spearman)", cQI, "> 0", atLeast(0.5))
		r.add("corr(accuracy, D/S) (Spearman)", cAD, "> 0", atLeast(0.2))
		r.add("NAK51 of stake (validators)", nakStake, "", nil)
		r.add("NAK51 of dividends (validators)", nakDiv, "", nil)
		r.add("NAK51 of incentive (miners, last epoch)", nakInc, "", nil)
		r.add("TOP1 share of incentive (miners, last epoch)", top1Inc, "", nil)
		r.note("every uid is its own entity here, so per-entity concentration equals per-uid; S04 reports per-entity NAK51")
		return nil
	},
}
