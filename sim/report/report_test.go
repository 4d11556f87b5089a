package report

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sim/scenario"
)

func TestWrite(t *testing.T) {
	s, err := scenario.ByID("S10")
	require.NoError(t, err)
	r, err := s.Run(scenario.Quick())
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, Write(dir, []*scenario.Result{r}, Meta{Command: "gotensor sim all --report x --quick", Config: scenario.Quick(), Wall: "1s"}))

	md, err := os.ReadFile(filepath.Join(dir, "README.md"))
	require.NoError(t, err)
	text := string(md)
	require.Contains(t, text, "## S10")
	require.Contains(t, text, "| figure | mean | 95 % CI | threshold | verdict |")
	require.Contains(t, text, "*(defence: duplicate check)*")
	require.Contains(t, text, "**fail**") // the undefended sybil gain
	require.Contains(t, text, "![S10 sybils")
	require.Contains(t, text, "`gotensor sim all --report x --quick` (wall time 1s)")

	js, err := os.ReadFile(filepath.Join(dir, "S10.json"))
	require.NoError(t, err)
	require.True(t, strings.Contains(string(js), `"scenario": "S10"`))

	img, err := os.ReadFile(filepath.Join(dir, r.Plots[0].File))
	require.NoError(t, err)
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	require.NoError(t, err)
	require.Greater(t, cfg.Width, 400)
}

func TestRowsTableKeepsOrder(t *testing.T) {
	s, err := scenario.ByID("S08")
	require.NoError(t, err)
	r, err := s.Run(scenario.Quick())
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, Markdown(&b, []*scenario.Result{r}, Meta{Command: "x", Config: scenario.Quick()}))
	require.Contains(t, b.String(), "| case | version | mean_rel_div_pct | base_validator |")
	require.Contains(t, b.String(), "| Case 1 - kappa moves first | yuma3 | Big vali. (0.8) 2.339; Small lazy vali. (0.1) -0.780") // validators in the case's order
}

// Figures measured on the real subnet (SXX-forecast.json in the report folder) are listed
// after the simulated ones, linking to their own page.
func TestRealResultsAreListed(t *testing.T) {
	dir := t.TempDir()
	none, err := ReadReal(dir)
	require.NoError(t, err)
	require.Empty(t, none)

	pass := false
	real := &scenario.Result{Scenario: "S11", Title: "relay, on the forecasting subnet", Layer: "L2 real", Pass: false, PassWithDefences: true,
		Metrics: []scenario.Metric{{Name: "relay CAP", Mean: 0.2, N: 20, Threshold: "≤ 0.002", Pass: &pass, Undefended: true}}}
	b, err := json.Marshal(real)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "S11-forecast.json"), b, 0o644))
	got, err := ReadReal(dir)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "S11", got[0].Scenario)
	require.Equal(t, 0.2, got[0].Metrics[0].Mean)

	var md bytes.Buffer
	require.NoError(t, Markdown(&md, nil, Meta{Command: "x", Config: scenario.Quick(), Real: got}))
	require.Contains(t, md.String(), "| [S11 relay, on the forecasting subnet](forecast-subnet.md#s11) | L2 real | **fail** | pass |")
	require.NotContains(t, md.String(), "## S11", "the real figures' sections are on their own page")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "S12-forecast.json"), []byte("{"), 0o644))
	_, err = ReadReal(dir)
	require.ErrorContains(t, err, "S12-forecast.json")
}
