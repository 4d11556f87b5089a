// Package report writes the incentive suite's published answer: one JSON
// file per scenario, a Markdown report with a table per scenario (mean,
// 95 % CI, threshold, pass/fail) and its plots as PNG files drawn with
// gonum/plot.
package report

import (
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/gotensor/gotensor/sim/scenario"
)

// Meta is how the report was made, printed at its head.
type Meta struct {
	Command string
	Config  scenario.Config
	Wall    string // wall time of the whole run, as measured by the caller
	// Real are scenarios measured on the real forecasting subnet (the attack
	// tests of subnets/forecast/attack write them into the report folder as
	// SXX-forecast.json beside RealReport): the report lists them after its
	// own table, linking to RealReport.
	Real []*scenario.Result
}

// RealReport is the page of the real-subnet figures in a report folder.
const RealReport = "forecast-subnet.md"

// RealCommand regenerates RealReport and its JSON files in the folder dir.
func RealCommand(dir string) string {
	return "FORECAST_ATTACK_REPORT=" + dir + " go test ./subnets/forecast/attack -run TestRealValidator -v -timeout 60m"
}

// ReadReal loads the real-subnet results a report folder holds (SXX-forecast.json), in
// scenario order; none is not an error.
func ReadReal(dir string) ([]*scenario.Result, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "S*-forecast.json"))
	if err != nil {
		return nil, err
	}
	slices.Sort(paths)
	var out []*scenario.Result
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var r scenario.Result
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if r.Scenario == "" {
			return nil, fmt.Errorf("%s: no \"scenario\"", p)
		}
		out = append(out, &r)
	}
	return out, nil
}

// Write puts the JSON files, the PNG plots and README.md into dir.
func Write(dir string, results []*scenario.Result, meta Meta) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report folder: %w", err)
	}
	for _, r := range results {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return fmt.Errorf("%s: %w", r.Scenario, err)
		}
		if err := os.WriteFile(filepath.Join(dir, r.Scenario+".json"), append(b, '\n'), 0o644); err != nil {
			return err
		}
		for _, p := range r.Plots {
			if err := PNG(filepath.Join(dir, p.File), p); err != nil {
				return fmt.Errorf("%s plot %s: %w", r.Scenario, p.File, err)
			}
		}
	}
	f, err := os.Create(filepath.Join(dir, "README.md"))
	if err != nil {
		return err
	}
	if err := Markdown(f, results, meta); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func verdict(p *bool) string {
	switch {
	case p == nil:
		return "—"
	case *p:
		return "pass"
	}
	return "**fail**"
}

// num prints a figure with enough digits for its size.
func num(x float64) string {
	switch ax := math.Abs(x); {
	case math.IsNaN(x):
		return "n/a"
	case ax == 0:
		return "0"
	case ax >= 100:
		return fmt.Sprintf("%.0f", x)
	case ax >= 0.1:
		return fmt.Sprintf("%.3f", x)
	}
	return fmt.Sprintf("%.2g", x)
}

func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// Markdown writes the report.
func Markdown(w io.Writer, results []*scenario.Result, meta Meta) error {
	var b strings.Builder
	b.WriteString("# Does gotensor pay for usefulness? The incentive suite\n\n")
	b.WriteString("Each scenario of spec/incentive-suite.md runs the real `yuma` engine (bit-exact with subtensor's epoch) over scripted (L1) or simulated (L2) subnets. ")
	fmt.Fprintf(&b, "Figures are means over %d seeds with 95 %% confidence half-widths (Student's t); %d warm-up and %d measured epochs; %d validators and %d miners unless a scenario says otherwise.\n\n",
		meta.Config.Seeds, meta.Config.Warmup, meta.Config.Epochs, meta.Config.Validators, meta.Config.Miners)
	fmt.Fprintf(&b, "Regenerate with `%s`", meta.Command)
	if meta.Wall != "" {
		fmt.Fprintf(&b, " (wall time %s)", meta.Wall)
	}
	b.WriteString(". Every run is a pure function of its seed.\n\n")
	summary(&b, results, "")
	if len(meta.Real) > 0 {
		fmt.Fprintf(&b, "On the real forecasting subnet (its own validator scoring real miners over loopback, weights and incentive on an in-process chain), in [%s](%s) with the command that regenerates it:\n\n",
			RealReport, RealReport)
		summary(&b, meta.Real, RealReport)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	return Sections(w, results)
}

// summary is the table of verdicts, each row linking to its scenario's section on page (""
// for this one).
func summary(b *strings.Builder, results []*scenario.Result, page string) {
	b.WriteString("| scenario | layer | pass | pass with defences |\n|---|---|---|---|\n")
	for _, r := range results {
		pw := "—"
		if r.PassWithDefences != r.Pass {
			pw = verdict(&r.PassWithDefences)
		}
		fmt.Fprintf(b, "| [%s %s](%s#%s) | %s | %s | %s |\n", r.Scenario, cell(r.Title), page, strings.ToLower(r.Scenario), r.Layer, verdict(&r.Pass), pw)
	}
	b.WriteString("\n")
}

// Sections writes each scenario's section: its setup, the table of figures, its own rows,
// plots and notes.
func Sections(w io.Writer, results []*scenario.Result) error {
	var b strings.Builder
	for _, r := range results {
		fmt.Fprintf(&b, "## %s\n\n**%s** (%s). %s\n\nRobust outcome: %s\n\n", r.Scenario, r.Title, r.Layer, r.Setup, r.Threshold)
		b.WriteString("| figure | mean | 95 % CI | threshold | verdict |\n|---|---:|---|---|---|\n")
		for _, m := range r.Metrics {
			name := m.Name
			if m.Defence != "" {
				name += " *(defence: " + m.Defence + ")*"
			}
			if m.Undefended {
				name += " *(no defence)*"
			}
			ci := "—"
			if m.N > 1 {
				ci = fmt.Sprintf("[%s, %s]", num(m.Mean-m.CI95), num(m.Mean+m.CI95))
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cell(name), num(m.Mean), ci, cell(m.Threshold), verdict(m.Pass))
		}
		b.WriteString("\n")
		if err := rowsTable(&b, r); err != nil {
			return err
		}
		for _, p := range r.Plots {
			fmt.Fprintf(&b, "![%s](%s)\n\n", p.Title, p.File)
		}
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
		if len(r.Notes) > 0 {
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// rowsTable prints a scenario's own table (S03's rows, S06's grid, S08's
// cases) from its JSON, columns in the JSON's order.
func rowsTable(b *strings.Builder, r *scenario.Result) error {
	var data any = r.Rows
	if r.Cases != nil {
		data = r.Cases
	}
	if data == nil {
		return nil
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil || len(rows) == 0 {
		return err
	}
	keys, err := orderedKeys(rows[0])
	if err != nil {
		return err
	}
	b.WriteString("| " + strings.Join(keys, " | ") + " |\n|" + strings.Repeat("---|", len(keys)) + "\n")
	for _, row := range rows {
		vals, err := orderedValues(row, keys)
		if err != nil {
			return err
		}
		b.WriteString("| " + strings.Join(vals, " | ") + " |\n")
	}
	b.WriteString("\n")
	return nil
}

// orderedKeys lists an object's keys in the order they appear.
func orderedKeys(obj json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(strings.NewReader(string(obj)))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// orderedValues formats an object's values for keys; a nested object is
// printed as "key value; …" in its own order.
func orderedValues(obj json.RawMessage, keys []string) ([]string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		return nil, err
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		v := m[k]
		switch {
		case len(v) > 0 && v[0] == '{':
			sub, err := orderedKeys(v)
			if err != nil {
				return nil, err
			}
			var inner map[string]json.RawMessage
			if err := json.Unmarshal(v, &inner); err != nil {
				return nil, err
			}
			parts := make([]string, len(sub))
			for j, sk := range sub {
				parts[j] = sk + " " + fmtValue(inner[sk])
			}
			out[i] = cell(strings.Join(parts, "; "))
		default:
			out[i] = cell(fmtValue(v))
		}
	}
	return out, nil
}

func fmtValue(v json.RawMessage) string {
	var f float64
	if err := json.Unmarshal(v, &f); err == nil {
		return num(f)
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return s
	}
	return string(v)
}

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
}

// PNG draws one plot: a line with points per series, an optional dashed
// threshold line.
func PNG(path string, p scenario.Plot) error {
	pl := plot.New()
	pl.Title.Text = p.Title
	pl.X.Label.Text = p.XLabel
	pl.Y.Label.Text = p.YLabel
	pl.Legend.Top = true
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for k, s := range p.Series {
		if len(s.X) == 0 {
			continue
		}
		pts := make(plotter.XYs, len(s.X))
		for i := range s.X {
			pts[i].X, pts[i].Y = s.X[i], s.Y[i]
			xmin, xmax = math.Min(xmin, s.X[i]), math.Max(xmax, s.X[i])
		}
		l, sc, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		c := palette[k%len(palette)]
		l.Color, sc.Color = c, c
		sc.Shape = draw.CircleGlyph{}
		pl.Add(l, sc)
		pl.Legend.Add(s.Name, l, sc)
	}
	if p.HLine != nil && xmax >= xmin {
		h, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: *p.HLine}, {X: xmax, Y: *p.HLine}})
		if err != nil {
			return err
		}
		h.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		h.Color = color.Gray{Y: 0x60}
		pl.Add(h)
		pl.Legend.Add(fmt.Sprintf("threshold %.2f", *p.HLine), h)
	}
	pl.Add(plotter.NewGrid())
	return pl.Save(6*vg.Inch, 4*vg.Inch, path)
}
