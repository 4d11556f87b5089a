package scenario

import (
	"fmt"

	"github.com/gotensor/gotensor/sim/market"
	"github.com/gotensor/gotensor/sim/stats"
)

var s09 = Scenario{
	ID: "S09", Title: "downvoting / deregistration pressure", Layer: "L2",
	Threshold: "the target's relative loss ≤ s (its fair share scaled by the coalition's stake); P(deregistered) = 0 for a top-quartile miner",
	run: func(cfg Config, r *Result) error {
		coalitions := []float64{0.05, 0.1, 0.3}
		if cfg.quick() {
			coalitions = []float64{0.1, 0.3}
		}
		r.Setup = "a coalition holding stake s gives 0 to one honest miner at the 80th percentile of quality and scores the rest honestly; one registration each epoch replaces the non-immune miner of lowest emission (immunity 10 epochs); honest validators σ = 0.2μ, equal stake"
		for _, s := range coalitions {
			var loss, dereg []float64
			for seed := range cfg.Seeds {
				cfg.progress("S09 s = %.2f seed %d/%d", s, seed+1, cfg.Seeds)
				k := max(1, int(s*float64(cfg.Validators)+0.5))
				var target int
				income := func(attack bool) (float64, bool, error) {
					run := marketRun{id: "S09", seed: seed, sigma: 0.2, mc: market.Config{Registrations: 1, Immunity: 10},
						setup: func(m *market.Market) error {
							target = rankedMiner(m, cfg, 0.8)
							if attack {
								teamStakes(m, k, s)
								for i := range k {
									m.Vals[i].Zeroed = []int{target}
								}
							} else {
								teamStakes(m, k, s)
							}
							return nil
						}}
					m, t, err := run.run(cfg)
					if err != nil {
						return 0, false, err
					}
					return t.mean(t.inc)[target], m.Replaced[target-cfg.Validators] > 0, nil
				}
				fair, _, err := income(false)
				if err != nil {
					return err
				}
				got, gone, err := income(true)
				if err != nil {
					return err
				}
				l := 0.0
				if fair > 0 {
					l = 1 - got/fair
				}
				loss = append(loss, l)
				d := 0.0
				if gone {
					d = 1
				}
				dereg = append(dereg, d)
			}
			r.add(fmt.Sprintf("target's relative loss, s = %.2f", s), loss, fmt.Sprintf("≤ %.2f", s), atMost(s))
			r.add(fmt.Sprintf("P(target deregistered), s = %.2f", s), dereg, "= 0", atMost(0))
		}
		return nil
	},
}

// sybilRun runs one operator's model (quality 0.8) on k miner uids.
func sybilRun(cfg Config, seed, k int, originality float64) (float64, error) {
	run := marketRun{id: "S10", seed: seed, sigma: 0.2, mc: market.Config{Defences: market.Defences{Originality: originality}},
		setup: func(m *market.Market) error {
			first := cfg.Validators
			m.Miners[0] = market.Miner{Quality: 0.8, Source: -1, Operator: -7}
			for j := 1; j < k; j++ {
				m.Miners[j] = market.Miner{Quality: 0.8, Source: first, Operator: -7}
			}
			return nil
		}}
	_, t, err := run.run(cfg)
	if err != nil {
		return 0, err
	}
	return sumOver(t.mean(t.inc), span(cfg.Validators, cfg.Validators+k)), nil
}

var s10 = Scenario{
	ID: "S10", Title: "sybil miners", Layer: "L2",
	Threshold: "CAP(k) ≤ CAP(1) + 0.01",
	run: func(cfg Config, r *Result) error {
		ks := []int{1, 4, 16}
		if cfg.quick() {
			ks = []int{1, 4}
		}
		r.Setup = "one operator runs one model (quality 0.8) on k miner uids that return identical outputs; honest validators σ = 0.2μ; defence: the validator's duplicate check (an answer within ε = 0.01 of an earlier uid's answer scores 0)"
		plot := Plot{File: "S10-sybil-cap.png", Title: "S10 sybils: operator's share against uids", XLabel: "uids k", YLabel: "CAP"}
		for _, def := range []float64{0, 0.01} {
			ser := Series{Name: "no duplicate check"}
			if def > 0 {
				ser.Name = "duplicate check"
			}
			var one []float64
			for _, k := range ks {
				var caps []float64
				for s := range cfg.Seeds {
					cfg.progress("S10 k = %d defence %v seed %d/%d", k, def > 0, s+1, cfg.Seeds)
					c, err := sybilRun(cfg, s, k, def)
					if err != nil {
						return err
					}
					caps = append(caps, c)
				}
				if k == 1 {
					one = caps
				}
				name := fmt.Sprintf("CAP(%d)", k)
				gain := make([]float64, len(caps))
				for i := range caps {
					gain[i] = caps[i] - one[i]
				}
				var sum stats.Summary
				switch {
				case k == 1:
					sum = r.add(name+", "+ser.Name, caps, "reported", nil)
				case def == 0:
					sum = stats.Summarize(caps)
					r.add(name+", "+ser.Name, caps, "reported", nil)
					r.addUndefended(fmt.Sprintf("CAP(%d) − CAP(1), no duplicate check", k), gain, "≤ 0.01", atMost(0.01))
					be := make([]float64, len(gain))
					for i := range gain {
						be[i] = gain[i] / float64(k-1)
					}
					r.add(fmt.Sprintf("break-even registration cost per extra uid, k = %d (share of miner emission per epoch)", k), be, "reported", nil)
				default:
					sum = stats.Summarize(caps)
					r.add(name+", "+ser.Name, caps, "reported", nil)
					r.addDefended("duplicate check", fmt.Sprintf("CAP(%d) − CAP(1), duplicate check", k), gain, "≤ 0.01", atMost(0.01))
				}
				ser.X = append(ser.X, float64(k))
				ser.Y = append(ser.Y, sum.Mean)
			}
			plot.Series = append(plot.Series, ser)
		}
		r.Plots = []Plot{plot}
		r.note("registration cost: an extra uid pays only while its burn, per epoch of tenure, is below the break-even figure")
		r.note("a sybil that perturbs its outputs beyond ε passes the duplicate check; it then competes as a relay (S11)")
		return nil
	},
}

var s11 = Scenario{
	ID: "S11", Title: "plagiarist / relay miner", Layer: "L2",
	Threshold: "plagiarist CAP → 0 (≤ 0.002) with fresh tasks and an originality check; the victim keeps ≥ 95 % of its share",
	run: func(cfg Config, r *Result) error {
		r.Setup = "miner A (quality 0.9) is the victim; miner B relays A's answers perturbed by 2 %; miner C replays cached answers of the best miner; without the defence tasks repeat from a public pool and answers are not compared; with it tasks are fresh each epoch and an answer within ε = 0.05 of an earlier uid's scores 0; honest validators σ = 0.2μ"
		victim, relay, replay := cfg.Validators, cfg.Validators+1, cfg.Validators+2
		run := func(seed int, attack bool, d market.Defences) (*tally, error) {
			mr := marketRun{id: "S11", seed: seed, sigma: 0.2, mc: market.Config{Defences: d},
				setup: func(m *market.Market) error {
					m.Miners[0] = market.Miner{Quality: 0.9, Source: -1, Operator: -1}
					if attack {
						m.Miners[1] = market.Miner{Quality: 0, Source: victim, Perturb: 0.02, Operator: -2}
						m.Miners[2] = market.Miner{Quality: 0, Source: -1, Replay: true, Operator: -3}
					} else {
						m.Miners[1].Quality, m.Miners[2].Quality = 0, 0
					}
					return nil
				}}
			_, t, err := mr.run(cfg)
			return t, err
		}
		for _, def := range []market.Defences{{}, {FreshTasks: true, Originality: 0.05}} {
			var relayCap, replayCap, keep []float64
			for s := range cfg.Seeds {
				cfg.progress("S11 defence %v seed %d/%d", def.FreshTasks, s+1, cfg.Seeds)
				base, err := run(s, false, def)
				if err != nil {
					return err
				}
				att, err := run(s, true, def)
				if err != nil {
					return err
				}
				bi, ai := base.mean(base.inc), att.mean(att.inc)
				relayCap = append(relayCap, ai[relay])
				replayCap = append(replayCap, ai[replay])
				keep = append(keep, ai[victim]/bi[victim])
			}
			if def.FreshTasks {
				r.addDefended("fresh tasks + originality check", "relay CAP", relayCap, "≤ 0.002", atMost(0.002))
				r.addDefended("fresh tasks + originality check", "replay CAP", replayCap, "≤ 0.002", atMost(0.002))
				r.addDefended("fresh tasks + originality check", "victim's share kept", keep, "≥ 0.95", atLeast(0.95))
			} else {
				r.addUndefended("relay CAP", relayCap, "≤ 0.002", atMost(0.002))
				r.addUndefended("replay CAP", replayCap, "≤ 0.002", atMost(0.002))
				r.addUndefended("victim's share kept", keep, "≥ 0.95", atLeast(0.95))
			}
		}
		r.note("a relay that perturbs its answers by more than ε passes the originality check, but then scores below the victim by its perturbation")
		return nil
	},
}

var s12 = Scenario{
	ID: "S12", Title: "Goodhart miner", Layer: "L2",
	Threshold: "gamer CAP ≤ its true-quality share (the CAP it gets when validators score true quality), +10 %",
	run: func(cfg Config, r *Result) error {
		ng := max(1, cfg.Miners/20)
		r.Setup = fmt.Sprintf("%d gamer miners of hidden quality 0.1 score 1.0 on the public proxy the validators use; defence: hidden audit tasks (10 %% of traffic) judged on true quality, a miner whose proxy exceeds its audit estimate by more than %.1f scored on the audits; fair share from the same seed with validators scoring true quality", ng, market.AuditGap)
		gamers := span(cfg.Validators, cfg.Validators+ng)
		run := func(seed int, gamer bool, audit float64) (float64, error) {
			mr := marketRun{id: "S12", seed: seed, sigma: 0.2, mc: market.Config{Defences: market.Defences{Audit: audit}},
				setup: func(m *market.Market) error {
					for j := range ng {
						m.Miners[j] = market.Miner{Quality: 0.1, Proxy: 1, Gamer: gamer, Source: -1, Operator: -1 - j}
					}
					return nil
				}}
			_, t, err := mr.run(cfg)
			if err != nil {
				return 0, err
			}
			return sumOver(t.mean(t.inc), gamers), nil
		}
		var fair, und, def, undRatio, defRatio []float64
		for s := range cfg.Seeds {
			cfg.progress("S12 seed %d/%d", s+1, cfg.Seeds)
			f, err := run(s, false, 0)
			if err != nil {
				return err
			}
			u, err := run(s, true, 0)
			if err != nil {
				return err
			}
			d, err := run(s, true, 0.1)
			if err != nil {
				return err
			}
			fair, und, def = append(fair, f), append(und, u), append(def, d)
			undRatio, defRatio = append(undRatio, u/f), append(defRatio, d/f)
		}
		r.add("gamers' true-quality share", fair, "reported", nil)
		r.add("gamers' CAP, proxy scoring", und, "reported", nil)
		r.addUndefended("gamers' CAP / true-quality share, proxy scoring", undRatio, "≤ 1.1", atMost(1.1))
		r.add("gamers' CAP, hidden audits", def, "reported", nil)
		r.addDefended("hidden audits (10 %)", "gamers' CAP / true-quality share, hidden audits", defRatio, "≤ 1.1", atMost(1.1))
		return nil
	},
}
