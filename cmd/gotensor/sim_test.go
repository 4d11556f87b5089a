package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func runSim(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := simCmd()
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

// The interfaces outside checks read: the ids, S03's rows and every
// scenario's "scenario", "threshold" and "pass".
func TestSimJSON(t *testing.T) {
	out, _, err := runSim(t, "list", "-o", "json")
	require.NoError(t, err)
	var ids []string
	require.NoError(t, json.Unmarshal([]byte(out), &ids))
	require.Len(t, ids, 15)
	require.Equal(t, "S01", ids[0])
	require.Equal(t, "S15", ids[14])

	out, _, err = runSim(t, "run", "s03", "--quick", "-o", "json")
	require.NoError(t, err)
	var s03 struct {
		Scenario  string `json:"scenario"`
		Threshold string `json:"threshold"`
		Pass      *bool  `json:"pass"`
		Rows      []struct {
			CabalStake   *float64 `json:"cabal_stake"`
			CabalUtility *float64 `json:"cabal_utility"`
			CAP          *float64 `json:"cap"`
			RET          *float64 `json:"ret"`
		} `json:"rows"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &s03))
	require.Equal(t, "S03", s03.Scenario)
	require.NotEmpty(t, s03.Threshold)
	require.NotNil(t, s03.Pass)
	require.Len(t, s03.Rows, 4) // quick: two stakes × two utilities
	for _, r := range s03.Rows {
		require.NotNil(t, r.CabalStake)
		require.NotNil(t, r.CabalUtility)
		require.NotNil(t, r.CAP)
		require.NotNil(t, r.RET)
	}
}

func TestSimAllWritesReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "report")
	out, _, err := runSim(t, "all", "--quick", "--seeds", "1", "--report", dir)
	require.NoError(t, err)
	require.Contains(t, out, "report written to")
	for _, f := range []string{"README.md", "S01.json", "S08.json", "S15.json", "S02-retention-sigma.png", "S06-g-vs-delay.png", "S06-lat90-vs-delay.png"} {
		_, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, f)
	}
}

func TestSimBadInput(t *testing.T) {
	_, _, err := runSim(t, "run", "S99")
	require.ErrorContains(t, err, `no scenario "S99"`)
	_, _, err = runSim(t, "run", "S01", "-o", "yaml")
	require.ErrorContains(t, err, `--output "yaml"`)
	_, _, err = runSim(t, "run", "S01", "--seeds", "-1")
	require.ErrorContains(t, err, "--seeds -1")
	_, _, err = runSim(t, "all")
	require.ErrorContains(t, err, "--report")
}
