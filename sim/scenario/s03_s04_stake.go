package scenario

import (
	"fmt"
	"strings"

	"github.com/gotensor/gotensor/sim/market"
	"github.com/gotensor/gotensor/sim/stats"
)

// teamStakes splits validator stake: the first k validators share s
// equally, the rest share 1 − s equally.
func teamStakes(m *market.Market, k int, s float64) {
	w := make([]float64, len(m.Vals))
	for i := range w {
		if i < k {
			w[i] = s / float64(k)
		} else {
			w[i] = (1 - s) / float64(len(w)-k)
		}
	}
	m.SetStakes(w)
}

// cabal makes the first k validators a cabal with stake s that puts all
// its weight on its own miners (the first nm miners), whose true quality
// is scaled so that they hold the share u of all true utility.
func cabal(m *market.Market, cfg Config, k, nm int, s, u float64) []int {
	teamStakes(m, k, s)
	own := span(cfg.Validators, cfg.Validators+nm)
	var rest float64
	for j := nm; j < cfg.Miners; j++ {
		rest += m.Miners[j].Quality
	}
	for j := range nm {
		m.Miners[j].Quality = u / (1 - u) * rest / float64(nm)
	}
	for i := range k {
		m.Vals[i].Behaviour = market.Favouring
		m.Vals[i].Favoured = own
	}
	return own
}

// CabalRow is one row of S03.
type CabalRow struct {
	CabalStake   float64 `json:"cabal_stake"`
	CabalUtility float64 `json:"cabal_utility"`
	CAP          float64 `json:"cap"`
	CAPCI        float64 `json:"cap_ci95"`
	// CAPHonest is what the same miners get when the cabal's validators
	// score honestly (noise gives useless miners a sliver).
	CAPHonest float64 `json:"cap_if_honest"`
	RET       float64 `json:"ret"`
	RETCI     float64 `json:"ret_ci95"`
	HonestVT  float64 `json:"honest_vt"`
	LowVT     bool    `json:"honest_vt_below_0_7"`
}

var s03 = Scenario{
	ID: "S03", Title: "colluding cabal", Layer: "L2",
	Threshold: "cabal stake s < κ with utility 0: CAP = 0 (≤ 0.01 beyond what noisy honest scoring gives useless miners) and RET = 0 (≤ 0.05); honest VT < 0.7 flagged",
	run: func(cfg Config, r *Result) error {
		stakes := []float64{0.1, 0.2, 0.3, 0.4, 0.45, 0.49, 0.51, 0.55}
		if cfg.quick() {
			stakes = []float64{0.3, 0.55}
		}
		utilities := []float64{0, 0.3}
		k := max(1, cfg.Validators/4)
		nm := max(1, cfg.Miners/8)
		r.Setup = fmt.Sprintf("cabal of %d validators (equal stake s) putting all weight on its %d own miners, whose true utility share is u; %d honest validators (σ = 0.2μ) score every miner; no churn; CAP = cabal miners' incentive share, RET = E_C / s with E = ½D + ½I", k, nm, cfg.Validators-k)
		var rowsOut []CabalRow
		var retains []string
		for _, u := range utilities {
			for _, s := range stakes {
				var caps, rets, vts, honestCaps, excess []float64
				for seed := range cfg.Seeds {
					cfg.progress("S03 s = %.2f u = %.1f seed %d/%d", s, u, seed+1, cfg.Seeds)
					var own []int
					capture := func(colluding bool) (*tally, error) {
						run := marketRun{id: "S03", seed: seed, sigma: 0.2,
							setup: func(m *market.Market) error {
								own = cabal(m, cfg, k, nm, s, u)
								if !colluding {
									for i := range k {
										m.Vals[i].Behaviour = market.Honest
									}
								}
								return nil
							}}
						_, t, err := run.run(cfg)
						return t, err
					}
					fair, err := capture(false)
					if err != nil {
						return err
					}
					t, err := capture(true)
					if err != nil {
						return err
					}
					inc, div, vt := t.mean(t.inc), t.mean(t.div), t.mean(t.vt)
					c := sumOver(inc, own)
					honestCaps = append(honestCaps, sumOver(fair.mean(fair.inc), own))
					excess = append(excess, c-honestCaps[len(honestCaps)-1])
					e := 0.5*sumOver(div, span(0, k)) + 0.5*c
					caps = append(caps, c)
					rets = append(rets, e/s)
					vts = append(vts, stats.Mean(vt[k:cfg.Validators]))
				}
				cs, rs, vs := stats.Summarize(caps), stats.Summarize(rets), stats.Mean(vts)
				rowsOut = append(rowsOut, CabalRow{CabalStake: s, CabalUtility: u, CAP: cs.Mean, CAPCI: cs.CI95, CAPHonest: stats.Mean(honestCaps),
					RET: rs.Mean, RETCI: rs.CI95, HonestVT: vs, LowVT: vs < 0.7})
				if u == 0 && s < 0.5 {
					r.add(fmt.Sprintf("CAP beyond what honest scoring gives the same miners, s = %.2f, u = 0", s), excess, "≤ 0.01", atMost(0.01))
					r.add(fmt.Sprintf("RET, s = %.2f, u = 0", s), rets, "≤ 0.05", atMost(0.05))
				}
				if u == 0.3 && rs.Mean >= 1 {
					retains = append(retains, fmt.Sprintf("%.2f", s))
				}
				if u == 0.3 && s == 0.4 {
					r.add("RET at s = 0.4, u = 0.3 (the docs' \"40 % stake + 30 % utility\")", rets, "reported", nil)
				}
			}
		}
		r.Rows = rowsOut
		r.note("with u = 0.3 the cabal retains its stake (RET ≥ 1) at s ∈ {%s}: at small s its miners' real 30 %% of utility outweighs its stake (that is pay for usefulness, not an attack); near κ it is the attack the docs call \"40 %% stake + 30 %% utility\"", strings.Join(retains, ", "))
		for _, row := range rowsOut {
			if row.LowVT {
				r.note("honest VT %.2f < 0.7 at s = %.2f, u = %.1f", row.HonestVT, row.CabalStake, row.CabalUtility)
			}
		}
		return nil
	},
}

// stakeCap returns the StakeView of a cap at fraction c of all stake, per
// hotkey (entity nil) or per entity (entity[i] is uid i's operator).
func stakeCap(c float64, validators int, entity []int) func([]uint64) []uint64 {
	return func(stake []uint64) []uint64 {
		var total float64
		for _, s := range stake {
			total += float64(s)
		}
		limit := c * total
		out := append([]uint64(nil), stake...)
		if entity == nil {
			for i := range validators {
				out[i] = uint64(min(float64(stake[i]), limit))
			}
			return out
		}
		held := make([]float64, validators)
		for i := range validators {
			held[entity[i]] += float64(stake[i])
		}
		for i := range validators {
			if h := held[entity[i]]; h > limit {
				out[i] = uint64(float64(stake[i]) * limit / h)
			}
		}
		return out
	}
}

var s04 = Scenario{
	ID: "S04", Title: "stake whale", Layer: "L2",
	Threshold: "whale CAP = 0 (≤ 0.01) below κ; an entity stake cap holds when the whale splits into k hotkeys (CAP ≤ 0.01 at s = 0.7)",
	run: func(cfg Config, r *Result) error {
		stakes := []float64{0.3, 0.49, 0.51, 0.7}
		if cfg.quick() {
			stakes = []float64{0.3, 0.7}
		}
		k := max(2, cfg.Validators/8)
		const capFrac = 0.2
		r.Setup = fmt.Sprintf("one entity holds stake s in 1 or %d hotkeys and weights only its useless miner (quality 0); the rest is %d honest validators of equal stake (σ = 0.2μ); stake caps at %.0f %% of all stake, per hotkey or per entity", k, cfg.Validators, capFrac*100)
		variants := []struct {
			name    string
			hotkeys int
			cap     string
		}{{"1 hotkey, no cap", 1, ""}, {fmt.Sprintf("%d hotkeys, no cap", k), k, ""},
			{fmt.Sprintf("%d hotkeys, per-hotkey cap", k), k, "hotkey"}, {fmt.Sprintf("%d hotkeys, per-entity cap", k), k, "entity"}}
		plot := Plot{File: "S04-whale-cap.png", Title: "S04 whale: miner-emission share captured", XLabel: "whale stake s", YLabel: "CAP"}
		for vi, v := range variants {
			ser := Series{Name: v.name}
			for _, s := range stakes {
				var caps, nakS, nakD, nakI []float64
				for seed := range cfg.Seeds {
					cfg.progress("S04 %s s = %.2f seed %d/%d", v.name, s, seed+1, cfg.Seeds)
					entity := make([]int, cfg.Validators)
					for i := range entity {
						entity[i] = i
						if i < v.hotkeys {
							entity[i] = 0
						}
					}
					mc := market.Config{}
					switch v.cap {
					case "hotkey":
						mc.StakeView = stakeCap(capFrac, cfg.Validators, nil)
					case "entity":
						mc.StakeView = stakeCap(capFrac, cfg.Validators, entity)
					}
					useless := cfg.Validators
					run := marketRun{id: "S04", seed: seed, variant: vi, mc: mc, sigma: 0.2,
						setup: func(m *market.Market) error {
							teamStakes(m, v.hotkeys, s)
							m.Miners[0].Quality = 0
							for i := range v.hotkeys {
								m.Vals[i].Behaviour = market.Favouring
								m.Vals[i].Favoured = []int{useless}
							}
							return nil
						}}
					m, t, err := run.run(cfg)
					if err != nil {
						return err
					}
					inc, div := t.mean(t.inc), t.mean(t.div)
					caps = append(caps, inc[useless])
					st := m.StakeShares()
					perEntity := func(v []float64) []float64 {
						out := make([]float64, cfg.Validators)
						for i := range cfg.Validators {
							out[entity[i]] += v[i]
						}
						return out
					}
					nakS = append(nakS, float64(stats.Nakamoto(perEntity(st), 0.51)))
					nakD = append(nakD, float64(stats.Nakamoto(perEntity(div[:cfg.Validators]), 0.51)))
					nakI = append(nakI, float64(stats.Nakamoto(inc[cfg.Validators:], 0.51)))
				}
				name := fmt.Sprintf("CAP, s = %.2f, %s", s, v.name)
				var sum stats.Summary
				switch {
				case s < 0.5 && v.cap == "":
					sum = r.add(name, caps, "≤ 0.01 (s < κ)", atMost(0.01))
				case v.cap == "entity" && s > 0.5:
					sum = r.addDefended("per-entity stake cap", name, caps, "≤ 0.01", atMost(0.01))
				default:
					sum = r.add(name, caps, "reported", nil)
				}
				ser.X = append(ser.X, s)
				ser.Y = append(ser.Y, sum.Mean)
				if vi == 1 {
					r.add(fmt.Sprintf("NAK51 per entity of stake, s = %.2f (%d hotkeys)", s, k), nakS, "reported", nil)
					r.add(fmt.Sprintf("NAK51 per entity of dividends, s = %.2f (%d hotkeys)", s, k), nakD, "reported", nil)
					r.add(fmt.Sprintf("NAK51 of incentive (miners), s = %.2f", s), nakI, "reported", nil)
				}
			}
			plot.Series = append(plot.Series, ser)
		}
		r.Plots = []Plot{plot}
		r.note("a per-hotkey cap is beaten by splitting into hotkeys; a per-entity cap needs the entity (coldkey) to be known, and an entity can split coldkeys too: the cap bounds what one coldkey controls, not one person")
		return nil
	},
}
