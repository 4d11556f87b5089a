package scenario

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/yuma"
)

// metric finds a figure by the start of its name (and its defence label,
// "" for none).
func metric(r *Result, prefix, defence string) (Metric, error) {
	for _, m := range r.Metrics {
		if strings.HasPrefix(m.Name, prefix) && m.Defence == defence {
			return m, nil
		}
	}
	return Metric{}, fmt.Errorf("%s: no figure %q (defence %q)", r.Scenario, prefix, defence)
}

// expect checks one figure's mean against [lo, hi].
func expect(r *Result, prefix, defence string, lo, hi float64) error {
	m, err := metric(r, prefix, defence)
	if err != nil {
		return err
	}
	if math.IsNaN(m.Mean) || m.Mean < lo || m.Mean > hi {
		return fmt.Errorf("%s %q (defence %q) = %.4f, want in [%g, %g]", r.Scenario, m.Name, defence, m.Mean, lo, hi)
	}
	return nil
}

func all(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// quickChecks are the fast subset's tolerances, one per scenario: what the
// mechanism (or its failure, where Yuma fails) looks like at Quick size.
// They are wide enough for seed noise and narrow enough that a broken
// engine leaves them (TestBrokenEngineIsCaught).
var quickChecks = map[string]func(*Result) error{
	"S01": func(r *Result) error {
		return all(expect(r, "ρ_q", "", 0.95, 1),
			expect(r, "G, largest-stake quartile", "", 0.9, 1.1),
			expect(r, "ELAST", "", 0.95, 1.1),
			expect(r, "corr(accuracy, D/S)", "", 0.5, 1))
	},
	"S02": func(r *Result) error {
		var errs []error
		for _, c := range s02Published {
			errs = append(errs, expect(r, "least W_H at S_H = 0.6, "+c.name, "", c.published-c.tol, c.published+c.tol))
		}
		return all(errs...)
	},
	"S03": func(r *Result) error {
		rows := r.Rows.([]CabalRow)
		for _, row := range rows {
			if row.CabalStake < 0.5 && row.CabalUtility == 0 && (row.RET > 0.05 || row.CAP > 0.05) {
				return fmt.Errorf("S03 row %+v: a minority cabal of no utility keeps CAP %.3f, RET %.3f", row, row.CAP, row.RET)
			}
			if row.CabalStake > 0.5 && row.CAP < 0.9 {
				return fmt.Errorf("S03 row %+v: a majority cabal should take the miners' emission (CAP %.3f)", row, row.CAP)
			}
		}
		return expect(r, "RET, s = 0.30, u = 0", "", 0, 0.05)
	},
	"S04": func(r *Result) error {
		return all(expect(r, "CAP, s = 0.30, 1 hotkey, no cap", "", 0, 0.01),
			expect(r, "CAP, s = 0.70, 1 hotkey, no cap", "", 0.95, 1),
			expect(r, "CAP, s = 0.70", "per-entity stake cap", 0, 0.01))
	},
	"S05": func(r *Result) error {
		return expect(r, "copier G, churn 0.00, no commit-reveal", "", 0.95, 1.15) // Yuma's known failure
	},
	"S06": func(r *Result) error {
		return all(expect(r, "copier G, L = 1, churn 0.20", "", 0.7, 1), expect(r, "copier G, L = 4, churn 0.20", "", 0.2, 0.7))
	},
	"S07": func(r *Result) error {
		return all(expect(r, "random G, churn 0.05", "", 0.5, 0.82), expect(r, "stale G, churn 0.05", "", 0.6, 0.95),
			expect(r, "silent G", "", 0, 0.001))
	},
	"S08": func(r *Result) error {
		cases := r.Cases.([]CaseResult)
		if len(cases) != 66 {
			return fmt.Errorf("S08: %d case rows, want 22 cases × 3 versions", len(cases))
		}
		want := map[string][3]float64{ // our engine's figures, Yuma 3, in pp
			"Case 4 - all validators switch":                                           {0, 0, 0},
			"Case 8 - big vali moves late, then late":                                  {1.01, -0.51, -0.51},
			"Case 13 - Big vali supports server 2, small validator/s support server 1": {5.04, -4.69, -0.35},
		}
		for _, c := range cases {
			w, ok := want[c.Case]
			if !ok || c.Version != "yuma3" {
				continue
			}
			for i, x := range c.MeanRelDivPct.values {
				if math.Abs(x-w[i]) > 0.02 {
					return fmt.Errorf("S08 %s, %s: %.3f pp, want %.2f", c.Case, c.MeanRelDivPct.names[i], x, w[i])
				}
			}
		}
		return nil
	},
	"S09": func(r *Result) error {
		return all(expect(r, "target's relative loss, s = 0.10", "", 0.03, 0.15), expect(r, "P(target deregistered), s = 0.30", "", 0, 0))
	},
	"S10": func(r *Result) error {
		return all(expect(r, "CAP(4) − CAP(1), no duplicate check", "", 0.05, 1), expect(r, "CAP(4) − CAP(1)", "duplicate check", -0.01, 0.01))
	},
	"S11": func(r *Result) error {
		d := "fresh tasks + originality check"
		return all(expect(r, "relay CAP", "", 0.01, 1), expect(r, "relay CAP", d, 0, 0.002), expect(r, "victim's share kept", d, 0.95, 1.05))
	},
	"S12": func(r *Result) error {
		return all(expect(r, "gamers' CAP / true-quality share, proxy scoring", "", 5, 1e9),
			expect(r, "gamers' CAP / true-quality share, hidden audits", "hidden audits (10 %)", 0, 1.5))
	},
	"S13": func(r *Result) error {
		d := "reveal drops re-registered uids"
		return all(expect(r, "inherited weight, L = 1", "", 0.5, 2), expect(r, "inherited weight, L = 2", d, 0, 0.02),
			expect(r, "inherited bonds, L = 2", "", 0, 0.01))
	},
	"S14": func(r *Result) error {
		return all(expect(r, "bonds of the 60 %", "", 0, 0.3), expect(r, "relative change of the merged pair", "", -0.02, 0.02))
	},
	"S15": func(r *Result) error {
		return all(expect(r, "owner's share of subnet emission, s_o = 0.10", "", 0.18, 0.23),
			expect(r, "owner's share of subnet emission, s_o = 0.45", "", 0.18, 0.37))
	},
}

// TestScenariosQuick runs the fast subset of every scenario over the real
// engine and checks its figures.
func TestScenariosQuick(t *testing.T) {
	for _, s := range All() {
		t.Run(s.ID, func(t *testing.T) {
			r, err := s.Run(Quick())
			require.NoError(t, err)
			require.Equal(t, s.ID, r.Scenario)
			require.NotEmpty(t, r.Threshold)
			require.NoError(t, quickChecks[s.ID](r))
			b, err := json.Marshal(r)
			require.NoError(t, err)
			var shape map[string]any
			require.NoError(t, json.Unmarshal(b, &shape))
			for _, k := range []string{"scenario", "threshold", "pass"} {
				require.Contains(t, shape, k)
			}
		})
	}
}

// TestBrokenEngineIsCaught runs scenarios on engines broken on purpose and
// requires their quick checks to fail: a κ of 0.6 or 0.25 in place of the
// subnet's 0.5 (S02's retention points, S03's cabal), and Yuma 3 silently replaced by
// original Yuma (S08's golden figures).
func TestBrokenEngineIsCaught(t *testing.T) {
	kappa60 := func(in yuma.Input) (yuma.Output, error) {
		in.Kappa = 39_321
		return yuma.Epoch(in)
	}
	original := func(in yuma.Input) (yuma.Output, error) {
		in.Yuma3 = false
		return yuma.Epoch(in)
	}
	for _, c := range []struct {
		id     string
		engine func(yuma.Input) (yuma.Output, error)
		cfg    Config
	}{
		{"S02", kappa60, Config{Seeds: 1, Warmup: 1, Epochs: 1, Validators: 16, Miners: 48}},
		{"S03", func(in yuma.Input) (yuma.Output, error) { in.Kappa = 16_384; return yuma.Epoch(in) }, Quick()},
		{"S08", original, Quick()},
	} {
		t.Run(c.id, func(t *testing.T) {
			s, err := ByID(c.id)
			require.NoError(t, err)
			cfg := c.cfg
			cfg.Engine = c.engine
			r, err := s.Run(cfg)
			require.NoError(t, err)
			err = quickChecks[c.id](r)
			require.Error(t, err, "the quick checks pass on a broken engine")
			t.Logf("caught: %v", err)
		})
	}
}

// TestDeterministic: the same config gives the same JSON, bit for bit.
func TestDeterministic(t *testing.T) {
	s, err := ByID("S05")
	require.NoError(t, err)
	a, err := s.Run(Quick())
	require.NoError(t, err)
	b, err := s.Run(Quick())
	require.NoError(t, err)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	require.Equal(t, string(ja), string(jb))
}

func TestS08JSONShape(t *testing.T) {
	s, err := ByID("S08")
	require.NoError(t, err)
	r, err := s.Run(Quick())
	require.NoError(t, err)
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var out struct {
		Cases []struct {
			Case          string             `json:"case"`
			Version       string             `json:"version"`
			MeanRelDivPct map[string]float64 `json:"mean_rel_div_pct"`
		} `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(b, &out))
	require.Len(t, out.Cases, 66)
	require.Equal(t, "Case 1 - kappa moves first", out.Cases[0].Case)
	require.Equal(t, "yuma3", out.Cases[0].Version)
	require.Equal(t, "yuma3-liquid", out.Cases[1].Version)
	require.Equal(t, "original", out.Cases[2].Version)
	require.Contains(t, out.Cases[0].MeanRelDivPct, "Big vali. (0.8)")
	require.Contains(t, out.Cases[0].MeanRelDivPct, "Small lazier vali. (0.1)")
	require.Equal(t, "Case 22 - 3 servers Server-side WTA", out.Cases[65].Case)
}

func TestBadConfig(t *testing.T) {
	s, err := ByID("S01")
	require.NoError(t, err)
	_, err = s.Run(Config{Seeds: 0, Epochs: 10, Validators: 16, Miners: 48})
	require.ErrorContains(t, err, "seeds 0")
	_, err = ByID("S16")
	require.ErrorContains(t, err, `no scenario "S16"`)
}
