// Package scenario is the incentive suite's table of attacks, S01–S15
// (spec/incentive-suite.md): each scenario runs the real yuma engine over
// scripted (L1, sim/epochs) or simulated (L2, sim/market) subnets for a
// number of seeds and reports its figures against the robust outcome the
// spec states. Everything is seeded: the same Config gives the same
// Result, bit for bit.
package scenario

import (
	"fmt"
	"slices"

	"github.com/gotensor/gotensor/sim/epochs"
	"github.com/gotensor/gotensor/sim/stats"
	"github.com/gotensor/gotensor/yuma"
)

// Config sizes a run. Full is the spec's; the tests use Quick.
type Config struct {
	Seeds      int // independent runs averaged
	Warmup     int // epochs before measuring
	Epochs     int // measured epochs
	Validators int
	Miners     int
	// Progress, when set, is told what is running (for a progress line).
	Progress func(msg string)
	// Engine, when set, replaces yuma.Epoch in every subnet the scenario
	// runs (tests break the engine on purpose with it).
	Engine func(yuma.Input) (yuma.Output, error)
}

// params is p with the run's engine.
func (c Config) params(p epochs.Params) epochs.Params {
	p.Engine = c.Engine
	return p
}

// Full is the spec's default: 64 validators, 192 miners, 40 warm-up and
// 100 measured epochs, 10 seeds.
func Full() Config {
	return Config{Seeds: 10, Warmup: 40, Epochs: 100, Validators: 64, Miners: 192}
}

// Quick is a reduced run for tests: fewer uids, epochs and seeds.
func Quick() Config {
	return Config{Seeds: 2, Warmup: 15, Epochs: 20, Validators: 16, Miners: 48}
}

func (c Config) validate() error {
	if c.Seeds < 1 || c.Epochs < 1 || c.Warmup < 0 || c.Validators < 4 || c.Miners < 8 {
		return fmt.Errorf("scenario config: seeds %d, warm-up %d, epochs %d, validators %d, miners %d: want ≥ 1 seed and measured epoch, ≥ 4 validators, ≥ 8 miners",
			c.Seeds, c.Warmup, c.Epochs, c.Validators, c.Miners)
	}
	return nil
}

func (c Config) progress(format string, args ...any) {
	if c.Progress != nil {
		c.Progress(fmt.Sprintf(format, args...))
	}
}

// Metric is one figure: its mean over seeds with a 95 % confidence
// half-width, and, when judged, the threshold and whether it holds.
type Metric struct {
	Name      string  `json:"name"`
	Mean      float64 `json:"mean"`
	CI95      float64 `json:"ci95"`
	N         int     `json:"n"`
	Threshold string  `json:"threshold,omitempty"`
	// Pass is nil for a figure that is reported, not judged.
	Pass *bool `json:"pass,omitempty"`
	// Defence marks a figure measured with a defence switched on;
	// Undefended marks the same figure without it (Yuma's own failure).
	Defence    string `json:"defence,omitempty"`
	Undefended bool   `json:"undefended,omitempty"`
}

// Series is one line of a plot.
type Series struct {
	Name string    `json:"name"`
	X    []float64 `json:"x"`
	Y    []float64 `json:"y"`
}

// Plot is a figure the report draws as a PNG.
type Plot struct {
	File   string   `json:"file"`
	Title  string   `json:"title"`
	XLabel string   `json:"x_label"`
	YLabel string   `json:"y_label"`
	Series []Series `json:"series"`
	// HLine, when set, draws a threshold line at that y.
	HLine *float64 `json:"h_line,omitempty"`
}

// Result is what a scenario reports. Rows and Cases carry the
// scenario-specific tables (S03's rows, S08's cases).
type Result struct {
	Scenario  string `json:"scenario"`
	Title     string `json:"title"`
	Layer     string `json:"layer"`
	Setup     string `json:"setup"`
	Threshold string `json:"threshold"`
	Pass      bool   `json:"pass"`
	// PassWithDefences judges the defended figures in place of the
	// undefended ones they answer (equal to Pass where there is none).
	PassWithDefences bool     `json:"pass_with_defences"`
	Seeds            int      `json:"seeds"`
	Warmup           int      `json:"warmup"`
	Epochs           int      `json:"epochs"`
	Metrics          []Metric `json:"metrics"`
	Rows             any      `json:"rows,omitempty"`
	Cases            any      `json:"cases,omitempty"`
	Plots            []Plot   `json:"plots,omitempty"`
	Notes            []string `json:"notes,omitempty"`
}

// Scenario is one entry of the table.
type Scenario struct {
	ID        string
	Title     string
	Layer     string
	Threshold string
	run       func(Config, *Result) error
}

// Run runs the scenario under cfg.
func (s Scenario) Run(cfg Config) (*Result, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	r := &Result{Scenario: s.ID, Title: s.Title, Layer: s.Layer, Threshold: s.Threshold,
		Seeds: cfg.Seeds, Warmup: cfg.Warmup, Epochs: cfg.Epochs}
	if err := s.run(cfg, r); err != nil {
		return nil, fmt.Errorf("%s: %w", s.ID, err)
	}
	r.Pass, r.PassWithDefences = true, true
	for _, m := range r.Metrics {
		if m.Pass != nil && !*m.Pass {
			r.Pass = false
			if !m.Undefended {
				r.PassWithDefences = false
			}
		}
	}
	return r, nil
}

// All is the table, in order.
func All() []Scenario {
	return slices.Clone(table)
}

// ByID finds a scenario by its id (S01 … S15).
func ByID(id string) (Scenario, error) {
	for _, s := range table {
		if s.ID == id {
			return s, nil
		}
	}
	ids := make([]string, len(table))
	for i, s := range table {
		ids[i] = s.ID
	}
	return Scenario{}, fmt.Errorf("no scenario %q; the scenarios are %v", id, ids)
}

// table is filled by each scenario's file.
var table = []Scenario{
	s01, s02, s03, s04, s05, s06, s07, s08, s09, s10, s11, s12, s13, s14, s15,
}

// add appends a metric from per-seed values, judged by ok when ok is set.
func (r *Result) add(name string, values []float64, threshold string, ok func(stats.Summary) bool) stats.Summary {
	s := stats.Summarize(values)
	m := Metric{Name: name, Mean: s.Mean, CI95: s.CI95, N: s.N, Threshold: threshold}
	if ok != nil {
		p := ok(s)
		m.Pass = &p
	}
	r.Metrics = append(r.Metrics, m)
	return s
}

// addDefended is add for a figure measured with a defence on.
func (r *Result) addDefended(defence, name string, values []float64, threshold string, ok func(stats.Summary) bool) stats.Summary {
	s := r.add(name, values, threshold, ok)
	r.Metrics[len(r.Metrics)-1].Defence = defence
	return s
}

// addUndefended is add for a figure that a defended one answers.
func (r *Result) addUndefended(name string, values []float64, threshold string, ok func(stats.Summary) bool) stats.Summary {
	s := r.add(name, values, threshold, ok)
	r.Metrics[len(r.Metrics)-1].Undefended = true
	return s
}

func (r *Result) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// seedFor gives each (scenario, seed index, variant) its own stream.
func seedFor(id string, seed, variant int) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range []byte(id) {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h ^ uint64(seed+1)*0x9E3779B97F4A7C15 ^ uint64(variant+1)*0xBF58476D1CE4E5B9
}

func atMost(limit float64) func(stats.Summary) bool {
	return func(s stats.Summary) bool { return s.Mean <= limit }
}

func atLeast(limit float64) func(stats.Summary) bool {
	return func(s stats.Summary) bool { return s.Mean >= limit }
}

func within(lo, hi float64) func(stats.Summary) bool {
	return func(s stats.Summary) bool { return s.Mean >= lo && s.Mean <= hi }
}
