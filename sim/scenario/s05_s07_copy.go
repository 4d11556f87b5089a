package scenario

import (
	"fmt"

	"github.com/gotensor/gotensor/sim/epochs"
	"github.com/gotensor/gotensor/sim/market"
	"github.com/gotensor/gotensor/sim/stats"
)

// copierRun is the S05/S06 population: honest validators with noise 0.2μ
// and lognormal stake, validator 0 a copier holding 5 % of stake, churn p,
// reveal delay L. A best miner (quality 1) arrives on a pinned uid at the
// first measured epoch; lat90 is the number of epochs it takes to reach 90
// % of its steady incentive (the mean over the last quarter of the run).
type copierOutcome struct {
	g, lat90 float64
}

func runCopier(cfg Config, id string, seed, variant int, L int, p float64, liquid bool) (copierOutcome, error) {
	params := epochs.DefaultParams()
	params.LiquidAlpha = liquid
	newcomer := cfg.Validators + cfg.Miners - 1
	var track []float64
	run := marketRun{id: id, seed: seed, variant: variant, sigma: 0.2,
		mc: market.Config{Params: params, Churn: p, RevealDelay: L, StakeLogSigma: 1},
		setup: func(m *market.Market) error {
			withStakeShare(m, map[int]float64{0: 0.05})
			m.Vals[0].Behaviour = market.Copier
			m.Pin(newcomer)
			m.Miners[cfg.Miners-1].Quality = 0.3
			return nil
		},
		each: func(m *market.Market, t int, sh epochs.Shares) error {
			if t == 0 {
				m.Replace(newcomer, market.Miner{Quality: 1, Source: -1, Operator: -99})
				return nil
			}
			track = append(track, sh.Incentive[newcomer])
			return nil
		}}
	m, t, err := run.run(cfg)
	if err != nil {
		return copierOutcome{}, err
	}
	div := t.mean(t.div)
	g := gRatio(div, m.StakeShares(), []int{0}, span(1, cfg.Validators))
	steady := stats.Mean(track[len(track)*3/4:])
	lat := float64(len(track))
	for k, x := range track {
		if x >= 0.9*steady {
			lat = float64(k + 1)
			break
		}
	}
	return copierOutcome{g: g, lat90: lat}, nil
}

var s05 = Scenario{
	ID: "S05", Title: "consensus copier without commit-reveal", Layer: "L2",
	Threshold: "copier G ≤ 0.82 (copying no longer pays after an 18 % take)",
	run: func(cfg Config, r *Result) error {
		r.Setup = "validator 0 holds 5 % of stake and copies the latest consensus each epoch; the rest are honest (σ = 0.2μ, lognormal stake); defence: commit-reveal with a reveal delay of 2 tempos"
		for _, p := range []float64{0, 0.05} {
			var und, def []float64
			for s := range cfg.Seeds {
				cfg.progress("S05 churn %.2f seed %d/%d", p, s+1, cfg.Seeds)
				o, err := runCopier(cfg, "S05", s, 0, 0, p, false)
				if err != nil {
					return err
				}
				und = append(und, o.g)
				o, err = runCopier(cfg, "S05", s, 0, 2, p, false)
				if err != nil {
					return err
				}
				def = append(def, o.g)
			}
			r.addUndefended(fmt.Sprintf("copier G, churn %.2f, no commit-reveal", p), und, "≤ 0.82", atMost(0.82))
			r.addDefended("commit-reveal, L = 2", fmt.Sprintf("copier G, churn %.2f, commit-reveal L = 2", p), def, "≤ 0.82", atMost(0.82))
		}
		r.note("S06 maps G over reveal delay and churn; without churn the copier sees what the honest validators see, one delay later")
		return nil
	},
}

// RevealRow is one cell of S06's grid.
type RevealRow struct {
	RevealDelay int     `json:"reveal_delay"`
	Churn       float64 `json:"churn"`
	LiquidAlpha bool    `json:"liquid_alpha"`
	G           float64 `json:"g"`
	GCI         float64 `json:"g_ci95"`
	LAT90       float64 `json:"lat90"`
	LAT90CI     float64 `json:"lat90_ci95"`
}

var s06 = Scenario{
	ID: "S06", Title: "copier vs commit-reveal", Layer: "L2",
	Threshold: "copier G < 0.82 for reveal delay L ≤ 5 tempos at churn p ≥ 0.05 (liquid alpha off)",
	run: func(cfg Config, r *Result) error {
		delays := []int{1, 2, 4, 6, 12, 21}
		churns := []float64{0, 0.02, 0.05, 0.2}
		liquids := []bool{false, true}
		if cfg.quick() {
			delays, churns, liquids = []int{1, 4}, []float64{0, 0.2}, []bool{false}
		}
		r.Setup = "as S05 (copier with 5 % stake), weights through commit-reveal with reveal delay L tempos; the copier copies the consensus it can see and commits it like everyone; a quality-1 miner arrives at the first measured epoch (LAT90: epochs to 90 % of its steady incentive)"
		var rowsOut []RevealRow
		gPlots := map[bool]*Plot{
			false: {File: "S06-g-vs-delay.png", Title: "S06 copier G against reveal delay (liquid alpha off)", XLabel: "reveal delay L (tempos)", YLabel: "copier G"},
			true:  {File: "S06-g-vs-delay-liquid.png", Title: "S06 copier G against reveal delay (liquid alpha on)", XLabel: "reveal delay L (tempos)", YLabel: "copier G"},
		}
		latPlot := Plot{File: "S06-lat90-vs-delay.png", Title: "S06 LAT90 of a new best miner against reveal delay", XLabel: "reveal delay L (tempos)", YLabel: "epochs to 90 % of steady incentive"}
		line := 0.82
		for _, liquid := range liquids {
			for _, p := range churns {
				gs := Series{Name: fmt.Sprintf("churn %.2f", p)}
				ls := Series{Name: fmt.Sprintf("churn %.2f", p)}
				for _, L := range delays {
					var g, lat []float64
					for s := range cfg.Seeds {
						cfg.progress("S06 L = %d churn %.2f liquid %v seed %d/%d", L, p, liquid, s+1, cfg.Seeds)
						o, err := runCopier(cfg, "S06", s, L, L, p, liquid)
						if err != nil {
							return err
						}
						g = append(g, o.g)
						lat = append(lat, o.lat90)
					}
					gS, lS := stats.Summarize(g), stats.Summarize(lat)
					rowsOut = append(rowsOut, RevealRow{RevealDelay: L, Churn: p, LiquidAlpha: liquid, G: gS.Mean, GCI: gS.CI95, LAT90: lS.Mean, LAT90CI: lS.CI95})
					gs.X, gs.Y = append(gs.X, float64(L)), append(gs.Y, gS.Mean)
					ls.X, ls.Y = append(ls.X, float64(L)), append(ls.Y, lS.Mean)
					if !liquid && p >= 0.05 && L <= 5 {
						r.add(fmt.Sprintf("copier G, L = %d, churn %.2f", L, p), g, "< 0.82", func(s stats.Summary) bool { return s.Mean < 0.82 })
					}
				}
				gPlots[liquid].Series = append(gPlots[liquid].Series, gs)
				gPlots[liquid].HLine = &line
				if !liquid {
					latPlot.Series = append(latPlot.Series, ls)
				}
			}
		}
		r.Rows = rowsOut
		r.Plots = append(r.Plots, *gPlots[false], latPlot)
		if len(liquids) > 1 {
			r.Plots = append(r.Plots, *gPlots[true])
		}
		return nil
	},
}

var s07 = Scenario{
	ID: "S07", Title: "lazy validators", Layer: "L2",
	Threshold: "random G < 0.82; stale G < 1 when churn > 0; silent: masked past the activity cutoff, dividends → 0",
	run: func(cfg Config, r *Result) error {
		r.Setup = "validators 0, 1, 2 hold 5 % of stake each: 0 sets fresh random weights every epoch, 1 scores once and re-submits that row forever, 2 scores once and then sets nothing (silent); the rest are honest (σ = 0.2μ)"
		for _, p := range []float64{0, 0.05} {
			var gRand, gStale, gSilent, active []float64
			for s := range cfg.Seeds {
				cfg.progress("S07 churn %.2f seed %d/%d", p, s+1, cfg.Seeds)
				var lastActive bool
				run := marketRun{id: "S07", seed: s, sigma: 0.2, mc: market.Config{Churn: p, StakeLogSigma: 1},
					setup: func(m *market.Market) error {
						withStakeShare(m, map[int]float64{0: 0.05, 1: 0.05, 2: 0.05})
						m.Vals[0].Behaviour = market.Random
						m.Vals[1].Behaviour = market.Stale
						m.Vals[2].Behaviour = market.Silent
						return nil
					},
					each: func(m *market.Market, t int, sh epochs.Shares) error {
						lastActive = sh.Active[2]
						return nil
					}}
				m, t, err := run.run(cfg)
				if err != nil {
					return err
				}
				div, st, honest := t.mean(t.div), m.StakeShares(), span(3, cfg.Validators)
				gRand = append(gRand, gRatio(div, st, []int{0}, honest))
				gStale = append(gStale, gRatio(div, st, []int{1}, honest))
				gSilent = append(gSilent, gRatio(div, st, []int{2}, honest))
				a := 0.0
				if lastActive {
					a = 1
				}
				active = append(active, a)
			}
			if p == 0 {
				r.add("stale G, churn 0", gStale, "reported", nil)
				r.add("random G, churn 0", gRand, "< 0.82", func(s stats.Summary) bool { return s.Mean < 0.82 })
				continue
			}
			r.add(fmt.Sprintf("random G, churn %.2f", p), gRand, "< 0.82", func(s stats.Summary) bool { return s.Mean < 0.82 })
			r.add(fmt.Sprintf("stale G, churn %.2f", p), gStale, "< 1", func(s stats.Summary) bool { return s.Mean < 1 })
			r.add("silent G (dividend rate over the honest median)", gSilent, "≤ 0.01", atMost(0.01))
			r.add("silent validator still active at the end (fraction of seeds)", active, "= 0", atMost(0))
		}
		return nil
	},
}
