package scenario

import (
	"fmt"
	"math"

	"github.com/gotensor/gotensor/sim/epochs"
	"github.com/gotensor/gotensor/sim/market"
	"github.com/gotensor/gotensor/sim/stats"
)

// bondsOn sums every validator's stored bond on uid (fractions of 65535).
func bondsOn(sh epochs.Shares, uid int, validators []int) float64 {
	var s float64
	for _, i := range validators {
		for _, e := range sh.Bonds[i] {
			if int(e.UID) == uid {
				s += float64(e.Value) / 65535
			}
		}
	}
	return s
}

var s13 = Scenario{
	ID: "S13", Title: "uid recycling", Layer: "L2",
	Threshold: "zero inherited weight and zero inherited bonds (≤ 0.01 of the previous occupant's)",
	run: func(cfg Config, r *Result) error {
		r.Setup = "validators commit every tempo and reveal L tempos later; an attacker forces out a top-decile miner u half a tempo before an epoch and re-registers into u with a useless model; inherited weight = the attacker's incentive over the L + 1 epochs after, less what it earns on its own later (from noise in honest scores), over the previous occupant's per-epoch incentive; inherited bonds = validators' bonds on u after the re-registration epoch over those before. Defence: at reveal, a row's cells to uids re-registered since its commit are dropped"
		for _, def := range []bool{false, true} {
			for _, L := range []int{1, 2} {
				var weight, bonds []float64
				for s := range cfg.Seeds {
					cfg.progress("S13 L = %d defence %v seed %d/%d", L, def, s+1, cfg.Seeds)
					var u int
					var before, bondBefore, inherited, bondAfter, own float64
					ownFrom, ownTo := L+3, L+8
					run := marketRun{id: "S13", seed: s, variant: L, sigma: 0.2,
						mc: market.Config{RevealDelay: L, Defences: market.Defences{RevealDropsReregistered: def}},
						setup: func(m *market.Market) error {
							u = rankedMiner(m, cfg, 0.95)
							m.Pin(u)
							return nil
						},
						each: func(m *market.Market, t int, sh epochs.Shares) error {
							vals := span(0, cfg.Validators)
							switch {
							case t == 0:
								before = sh.Incentive[u]
								bondBefore = bondsOn(sh, u, vals)
								m.Replace(u, market.Miner{Quality: 0, Source: -1, Operator: -666})
							case t == 1:
								bondAfter = bondsOn(sh, u, vals)
								inherited += sh.Incentive[u]
							case t <= 1+L:
								inherited += sh.Incentive[u]
							case t >= ownFrom && t < ownTo:
								own += sh.Incentive[u] / float64(ownTo-ownFrom)
							}
							return nil
						}}
					if _, _, err := run.run(cfg); err != nil {
						return err
					}
					// what the attacker earns on its own (noise in honest
					// scores) is not inherited
					weight = append(weight, max(0, inherited-float64(L+1)*own)/before)
					bonds = append(bonds, bondAfter/bondBefore)
				}
				wn := fmt.Sprintf("inherited weight, L = %d", L)
				bn := fmt.Sprintf("inherited bonds, L = %d", L)
				if def {
					r.addDefended("reveal drops re-registered uids", wn, weight, "≤ 0.01", atMost(0.01))
					r.addDefended("reveal drops re-registered uids", bn, bonds, "≤ 0.01", atMost(0.01))
				} else {
					r.addUndefended(wn, weight, "≤ 0.01", atMost(0.01))
					r.addUndefended(bn, bonds, "≤ 0.01", atMost(0.01))
				}
			}
		}
		r.note("the chain's masks (spec §4.6 steps 3–4) drop a row's cells to a uid registered after the validator's last update or after its earliest live commit; a row revealed after the re-registration, committed before it, passes both when a later commit is live")
		return nil
	},
}

var s14 = Scenario{
	ID: "S14", Title: "bond freeze / churn", Layer: "L2",
	Threshold: "old bonds decay (≤ 2·(1 − α)^t of their level t epochs after weighting stops); a newcomer reaches G ≥ 0.95 within 2/α epochs; a merge changes relative dividends by ≤ 2 %",
	run: func(cfg Config, r *Result) error {
		r.Setup = "Yuma 3 defaults (α = 0.1), honest validators σ = 0.2μ; (a) validators holding 60 % of stake stop weighting a top-decile miner; (b) a validator with 5 % of stake arrives; (c) two validators with 2.5 % each merge into one hotkey"
		alpha := 0.1
		window := min(cfg.Epochs-1, int(3/alpha))
		var decay, limit, latG, merge []float64
		for s := range cfg.Seeds {
			cfg.progress("S14 seed %d/%d", s+1, cfg.Seeds)
			k := cfg.Validators * 6 / 10
			var g int
			var b0, bt float64
			frozen := marketRun{id: "S14", seed: s, sigma: 0.2,
				setup: func(m *market.Market) error {
					teamStakes(m, k, 0.6)
					g = rankedMiner(m, cfg, 0.9)
					return nil
				},
				each: func(m *market.Market, t int, sh epochs.Shares) error {
					switch t {
					case 0:
						b0 = bondsOn(sh, g, span(0, k))
						for i := range k {
							m.Vals[i].Zeroed = []int{g}
						}
					case window:
						bt = bondsOn(sh, g, span(0, k))
					}
					return nil
				}}
			if _, _, err := frozen.run(cfg); err != nil {
				return err
			}
			decay = append(decay, bt/b0)
			limit = append(limit, 2*math.Pow(1-alpha, float64(window)))

			newcomer := cfg.Validators - 1
			notReached := float64(cfg.Epochs) // recorded when G stays below 0.95 throughout
			reached := notReached
			arrive := marketRun{id: "S14", seed: s, variant: 1, sigma: 0.2,
				setup: func(m *market.Market) error {
					withStakeShare(m, map[int]float64{newcomer: 0})
					return nil
				},
				each: func(m *market.Market, t int, sh epochs.Shares) error {
					if t == 0 {
						withStakeShare(m, map[int]float64{newcomer: 0.05})
						return nil
					}
					st := m.StakeShares()
					if gRatio(sh.Dividends, st, []int{newcomer}, span(0, newcomer)) >= 0.95 && reached == notReached {
						reached = float64(t)
					}
					return nil
				}}
			if _, _, err := arrive.run(cfg); err != nil {
				return err
			}
			latG = append(latG, reached)

			pairG := func(merged bool) (float64, error) {
				mr := marketRun{id: "S14", seed: s, variant: 2, sigma: 0.2,
					setup: func(m *market.Market) error {
						withStakeShare(m, map[int]float64{0: 0.025, 1: 0.025})
						return nil
					},
					each: func(m *market.Market, t int, sh epochs.Shares) error {
						if t == 0 && merged {
							withStakeShare(m, map[int]float64{0: 0.05, 1: 0})
						}
						return nil
					}}
				m, t, err := mr.run(cfg)
				if err != nil {
					return 0, err
				}
				st := m.StakeShares()
				if merged {
					// the pair's stake before the merge, for the rate
					st[0], st[1] = 0.025, 0.025
				}
				return gRatio(t.mean(t.div), st, []int{0, 1}, span(2, cfg.Validators)), nil
			}
			apart, err := pairG(false)
			if err != nil {
				return err
			}
			together, err := pairG(true)
			if err != nil {
				return err
			}
			merge = append(merge, together/apart-1)
		}
		lim := stats.Mean(limit)
		r.add(fmt.Sprintf("bonds of the 60 %% on the dropped miner after %d epochs (of their level when it was dropped)", window), decay,
			fmt.Sprintf("≤ %.3f", lim), atMost(lim))
		r.add("epochs until a newcomer's G ≥ 0.95 (the run's length when never)", latG, fmt.Sprintf("≤ %.0f (2/α)", 2/alpha),
			func(s stats.Summary) bool { return s.Mean <= 2/alpha && s.Mean < float64(cfg.Epochs) })
		r.add("relative change of the merged pair's dividend rate", merge, "|Δ| ≤ 0.02", within(-0.02, 0.02))
		r.note("a newcomer's Yuma 3 bonds grow as 1 − (1 − α)^t of their share, so its G passes 0.95 near t = ln 0.05 / ln 0.9 ≈ 28 epochs: about 3/α, not the 1/α the spec hoped for")
		return nil
	},
}

var s15 = Scenario{
	ID: "S15", Title: "owner self-dealing", Layer: "L2",
	Threshold: "the owner gets at most 18 % + its fair validator share (0.41·s_o) + its fair miner share (0 for useless miners), +0.01",
	run: func(cfg Config, r *Result) error {
		r.Setup = "the owner's hotkey is validator 0 (the owner's self-weight is kept, spec §4.6) with stake s_o, weighting itself and two useless miners it runs (quality 0); the rest are honest (σ = 0.2μ); owner take = 18 % + 82 % × (its uids' share of the epoch's emission)"
		for _, so := range []float64{0.1, 0.3, 0.45} {
			var take []float64
			for s := range cfg.Seeds {
				cfg.progress("S15 s_o = %.2f seed %d/%d", so, s+1, cfg.Seeds)
				own := []int{0, cfg.Validators, cfg.Validators + 1}
				run := marketRun{id: "S15", seed: s, sigma: 0.2,
					setup: func(m *market.Market) error {
						teamStakes(m, 1, so)
						m.Net.SetOwner(0)
						m.Miners[0].Quality, m.Miners[1].Quality = 0, 0
						m.Vals[0].Behaviour = market.Favouring
						m.Vals[0].Favoured = own
						return nil
					}}
				_, t, err := run.run(cfg)
				if err != nil {
					return err
				}
				take = append(take, 0.18+0.82*sumOver(t.mean(t.em), own))
			}
			fair := 0.18 + 0.41*so
			r.add(fmt.Sprintf("owner's share of subnet emission, s_o = %.2f", so), take, fmt.Sprintf("≤ %.3f", fair+0.01), atMost(fair+0.01))
		}
		r.note("the chain-level half of S15 (the subnet's emission share falling with the owner-burned fraction, spec §5.3) is measured on the real app, not simulated: forecast-subnet.md#s15")
		return nil
	},
}
