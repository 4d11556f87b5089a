package attack_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gotensor/gotensor/sim/report"
	"github.com/gotensor/gotensor/sim/scenario"
	"github.com/gotensor/gotensor/sim/stats"
)

const layer = "L2 real: the forecasting subnet's validator, real miners over loopback, an in-process chain"

// figures builds a scenario.Result's metrics.
type figures struct{ r *scenario.Result }

func (f figures) add(name string, s stats.Summary, threshold string, pass *bool, defence string, undefended bool) {
	f.r.Metrics = append(f.r.Metrics, scenario.Metric{Name: name, Mean: s.Mean, CI95: s.CI95, N: s.N,
		Threshold: threshold, Pass: pass, Defence: defence, Undefended: undefended})
}

func atMost(limit float64) func(stats.Summary) *bool {
	return func(s stats.Summary) *bool { p := s.Mean <= limit; return &p }
}

func atLeast(limit float64) func(stats.Summary) *bool {
	return func(s stats.Summary) *bool { p := s.Mean >= limit; return &p }
}

// judged adds a figure measured without the defence (undefended) and the same with it.
func (f figures) judged(name string, off, on stats.Summary, threshold string, ok func(stats.Summary) *bool, defence string) {
	f.add(name, off, threshold, ok(off), "", true)
	f.add(name, on, threshold, ok(on), defence, false)
}

// difference is a − b with the two runs' half-widths combined (they are independent).
func difference(a, b stats.Summary) stats.Summary {
	return stats.Summary{Mean: a.Mean - b.Mean, CI95: math.Hypot(a.CI95, b.CI95), N: min(a.N, b.N)}
}

// ratio is a / b with the half-width propagated to first order.
func ratio(a, b stats.Summary) stats.Summary {
	r := a.Mean / b.Mean
	return stats.Summary{Mean: r, CI95: math.Abs(r) * math.Hypot(a.CI95/a.Mean, b.CI95/b.Mean), N: min(a.N, b.N)}
}

const defenceName = "the validator's originality check"

// finish sets the verdicts as scenario.Run does.
func finish(r *scenario.Result) {
	r.Pass, r.PassWithDefences = true, true
	for _, m := range r.Metrics {
		if m.Pass != nil && !*m.Pass {
			r.Pass = false
			if !m.Undefended {
				r.PassWithDefences = false
			}
		}
	}
}

func (s setup) describe() string {
	return fmt.Sprintf("%d validators (stake 100 and 50 TAO) running neuron.Validator with the default forecast configuration (6 live series over the three families, horizon 8, quantiles 0.1/0.5/0.9, scoreboard α = 0.02, sharpness 7), a round every %s; tempo %d blocks, no commit-reveal; %d rounds of warm-up, then %d epochs measured; the originality check (an answer within %g scale units of an older uid's answer to the same challenge scores as no answer) off and on, on two subnets run side by side, each pair on a fresh chain",
		s.validators, s.round, s.tempo, s.warmup, s.epochs, 0.01)
}

// realS10 is S10 against the real validator: one operator's model on k uids.
func realS10(t *testing.T, s setup) *scenario.Result {
	r := &scenario.Result{Scenario: "S10", Title: "sybil miners, on the forecasting subnet", Layer: layer,
		Threshold: "CAP(k) ≤ CAP(1) + 0.01",
		Setup: "honest miners naive, holt-winters and gbt, one each; the attacker runs ar on k ∈ {1, 4, 16} uids (identical answers); CAP = the attacker's share of the miners' incentive on chain, per epoch; " +
			s.describe(), Seeds: 1, Warmup: s.warmup, Epochs: s.epochs}
	f := figures{r}
	cap := map[bool]map[int]stats.Summary{false: {}, true: {}}
	scored := map[int]float64{}
	idle := 0
	var noisy []string
	for _, k := range []int{1, 4, 16} {
		pop := honestMiners("gbt").with(sybil, "ar", k)
		s := s
		s.secret = fmt.Sprintf("%s-s10-k%d", s.secret, k)
		n := fresh(t)
		outs := sideBySide(t, fmt.Sprintf("S10-k%d", k), map[string]func(*testing.T) outcome{
			"off": func(t *testing.T) outcome { return run(t, n, pop, s) },
			"on": func(t *testing.T) outcome {
				on := s
				on.originality = true
				return run(t, n, pop, on)
			},
		})
		n.Stop()
		cap[false][k] = stats.Summarize(outs["off"].share[sybil])
		cap[true][k] = stats.Summarize(outs["on"].share[sybil])
		var answered, asked int
		for v := range s.validators {
			a, c := outs["on"].scoredAnswers(v, sybil)
			answered += a
			asked += c * k
		}
		scored[k] = float64(answered) / float64(asked)
		idle += outs["off"].idleEpochs + outs["on"].idleEpochs
	}
	for _, on := range []bool{false, true} {
		label := "no originality check"
		defence := ""
		if on {
			label, defence = "originality check", defenceName
		}
		f.add("CAP(1), "+label, cap[on][1], "", nil, "", false)
		for _, k := range []int{4, 16} {
			f.add(fmt.Sprintf("CAP(%d), %s", k, label), cap[on][k], "", nil, "", false)
			d := difference(cap[on][k], cap[on][1])
			f.add(fmt.Sprintf("CAP(%d) − CAP(1), %s", k, label), d, "≤ 0.01", atMost(0.01)(d), defence, !on)
			if d.Mean > 0.01 && d.Mean-d.CI95 <= 0.01 {
				noisy = append(noisy, fmt.Sprintf("CAP(%d) − CAP(1), %s, is above 0.01 by less than its 95 %% half-width (%.3f ± %.3f): the two CAPs come from different subnets and validator secrets, and the difference is within their noise", k, label, d.Mean, d.CI95))
			}
			be := stats.Summary{Mean: d.Mean / float64(k-1), CI95: d.CI95 / float64(k-1), N: d.N}
			f.add(fmt.Sprintf("break-even registration cost per extra uid, k = %d, %s (share of miner emission per epoch)", k, label), be, "", nil, "", false)
		}
	}
	for _, k := range []int{4, 16} {
		f.add(fmt.Sprintf("share of the sybils' answers scored (not copies), k = %d, originality check", k), stats.Summary{Mean: scored[k], N: 1}, fmt.Sprintf("≤ 1/k = %.3f", 1/float64(k)), nil, "", false)
	}
	r.Notes = append(r.Notes,
		"CIs are over the measured epochs of one run each (consecutive epochs are correlated, so they are narrower than independent seeds would give)",
		"registration cost: an extra uid pays while its burn, per epoch of tenure, is below the break-even figure; with the check the figure is ≤ 0, so no burn is needed to deter sybils",
		"with the check only the oldest of the k uids is ever scored; the others' answers are copies and earn nothing, so the operator's k uids earn what one does")
	r.Notes = append(r.Notes, noisy...)
	if idle > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d epochs that paid no miner at all (seen on the loaded machine) were skipped, not measured", idle))
	}
	finish(r)
	return r
}

// realS11 is S11 against the real validator: relays and a replay of the best miner's answers.
func realS11(t *testing.T, s setup) *scenario.Result {
	const far = 0.05
	r := &scenario.Result{Scenario: "S11", Title: "plagiarist / relay miner, on the forecasting subnet", Layer: layer,
		Threshold: "plagiarist CAP ≤ 0.002 with fresh tasks and the originality check; the victim keeps ≥ 95 % of its share",
		Setup: fmt.Sprintf("honest miners naive, holt-winters and ar, and the victim gbt; attackers (each a uid with 1 TAO of stake, hence a validator permit, so the victim answers it): a relay forwarding each challenge to the victim and answering with its answer verbatim, a relay moving every value by ±%g scale units (beyond the check's tolerance), and a replay answering with the victim's answer to the previous challenge on the same series; the live series make every challenge fresh; the victim's share kept is its share with the attackers over its share on a subnet without them; ", far) +
			s.describe(), Seeds: 1, Warmup: s.warmup, Epochs: s.epochs}
	f := figures{r}
	base := population{}.with(honest, "naive", 1).with(honest, "holt-winters", 1).with(honest, "ar", 1).with(victim, "gbt", 1)
	attacked := base
	attacked.relays = []relaySpec{{group: relay}, {group: farRelay, perturbation: far}, {group: replay, stale: true}}
	outs := map[string]outcome{}
	for _, on := range []bool{false, true} {
		// one chain per setting of the check, its two subnets side by side
		n := fresh(t)
		runs := map[string]func(*testing.T) outcome{}
		for _, withAttack := range []bool{false, true} {
			pop := base
			if withAttack {
				pop = attacked
			}
			s := s
			s.secret += "-s11"
			s.originality = on
			runs[fmt.Sprintf("check-%v-attack-%v", on, withAttack)] = func(t *testing.T) outcome { return run(t, n, pop, s) }
		}
		maps.Copy(outs, sideBySide(t, fmt.Sprintf("S11-check-%v", on), runs))
		n.Stop()
	}
	idle := 0
	for _, o := range outs {
		idle += o.idleEpochs
	}
	if idle > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d epochs that paid no miner at all (seen on the loaded machine) were skipped, not measured", idle))
	}
	get := func(on, withAttack bool, g string) stats.Summary {
		return stats.Summarize(outs[fmt.Sprintf("check-%v-attack-%v", on, withAttack)].share[g])
	}
	f.judged("relay CAP", get(false, true, relay), get(true, true, relay), "≤ 0.002", atMost(0.002), defenceName)
	f.judged("replay CAP", get(false, true, replay), get(true, true, replay), "≤ 0.002", atMost(0.002), defenceName)
	f.judged(fmt.Sprintf("CAP of a relay perturbing by ±%g scale units", far), get(false, true, farRelay), get(true, true, farRelay), "≤ 0.002", atMost(0.002), defenceName)
	f.judged("victim's share kept", ratio(get(false, true, victim), get(false, false, victim)), ratio(get(true, true, victim), get(true, false, victim)), "≥ 0.95", atLeast(0.95), defenceName)
	f.add("victim's share without attackers, no originality check", get(false, false, victim), "", nil, "", false)
	f.add("victim's share without attackers, originality check", get(true, false, victim), "", nil, "", false)
	for _, on := range []bool{false, true} {
		for _, rc := range outs[fmt.Sprintf("check-%v-attack-true", on)].relays {
			r.Notes = append(r.Notes, fmt.Sprintf("check %v: %s answered %d challenges from the victim (%d unanswered)", on, rc.group, rc.relayed, rc.failed))
		}
	}
	r.Notes = append(r.Notes,
		"CIs are over the measured epochs of one run each (consecutive epochs are correlated, so they are narrower than independent seeds would give)",
		"the relays register after the victim (a relay copies an established miner), so the check keeps the victim, the oldest uid of each group of copies, and drops the relay",
		fmt.Sprintf("a relay that moves its answers beyond the tolerance is not a copy to the check: it competes as a forecaster %g scale units worse than its source, which costs it little skill; the check does not stop it (timing correlation or per-miner challenges would be the next defence)", far))
	finish(r)
	return r
}

// writeReport writes report.RealReport and one JSON per scenario (SXX-forecast.json) into dir,
// where gotensor sim all --report finds them.
func writeReport(dir string, wall time.Duration, results ...*scenario.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, r := range results {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, r.Scenario+"-forecast.json"), append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	var b strings.Builder
	b.WriteString("# The incentive suite on the real forecasting subnet\n\n")
	b.WriteString("S10 and S11 of spec/incentive-suite.md against the forecasting subnet's own validator (subnets/forecast/neuron): real miners answer its challenges over loopback, it sets weights on a real in-process chain (sdk/chain/chaintest), and the chain's epoch pays them; CAP is read from the incentive the chain computed. Each figure comes from one run per setting, averaged over its measured epochs. S15's chain-level half runs x/subnet on the real app (app/apptesting). The simulated (L2) versions are in [README.md](README.md).\n\n")
	fmt.Fprintf(&b, "Regenerate with `%s` (wall time %s on this 2-core machine, shared).\n\n", report.RealCommand("docs/incentive-report"), wall.Round(time.Second))
	if err := os.WriteFile(filepath.Join(dir, report.RealReport), []byte(b.String()), 0o644); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, report.RealReport), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if err := report.Sections(f, results); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
