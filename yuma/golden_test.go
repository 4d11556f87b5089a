package yuma_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/yuma"
	"github.com/gotensor/gotensor/yuma/epochjson"
)

// scenario is one file of testdata/ (written by testdata/gen/gen_cases.py
// from the reference oracle): a first input and a chain of epochs.
type scenario struct {
	Comment string         `json:"comment"`
	Input   map[string]any `json:"input"`
	Epochs  []struct {
		Set          map[string]any `json:"set"`
		Weights      map[string]any `json:"weights"`
		Output       map[string]any `json:"output"`
		OutputSHA256 string         `json:"output_sha256"`
	} `json:"epochs"`
}

func decodeJSON(t *testing.T, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	require.NoError(t, dec.Decode(v))
}

// runEpoch feeds one input document through the JSON filter.
func runEpoch(t *testing.T, input map[string]any) map[string]any {
	t.Helper()
	doc, err := json.Marshal(input)
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	code := epochjson.Run(bytes.NewReader(doc), &stdout, &stderr)
	require.Equal(t, epochjson.ExitOK, code, "stderr: %s", stderr.String())
	var out map[string]any
	decodeJSON(t, stdout.Bytes(), &out)
	return out
}

// requireSplitAgrees checks that running the input's rows on several
// goroutines gives the same output as running them on one.
func requireSplitAgrees(t *testing.T, input map[string]any) {
	t.Helper()
	doc, err := json.Marshal(input)
	require.NoError(t, err)
	in, err := epochjson.Decode(bytes.NewReader(doc))
	require.NoError(t, err)
	want, err := yuma.EpochSplit(in, 1)
	require.NoError(t, err)
	for _, workers := range []int{2, 3} {
		got, err := yuma.EpochSplit(in, workers)
		require.NoError(t, err)
		require.Equal(t, want, got, "%d workers", workers)
	}
}

// TestGolden is the one loop over testdata/: every epoch of every scenario
// must reproduce the oracle's output exactly. Epochs chain as
// spec/epoch-json.md says: bonds and permits carry over, then the
// scenario's changes apply. Each input also runs split across goroutines,
// which must not change a bit.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	sort.Strings(files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			var sc scenario
			decodeJSON(t, data, &sc)
			state := sc.Input
			var prev map[string]any
			for k, ep := range sc.Epochs {
				if prev != nil {
					state["bonds"] = prev["bonds"]
					state["validator_permit"] = prev["new_validator_permit"]
				}
				for key, v := range ep.Set {
					state[key] = v
				}
				if len(ep.Weights) > 0 {
					rows := append([]any(nil), state["weights"].([]any)...)
					for uid, row := range ep.Weights {
						var i int
						require.NoError(t, json.Unmarshal([]byte(uid), &i))
						rows[i] = row
					}
					state["weights"] = rows
				}
				out := runEpoch(t, state)
				requireSplitAgrees(t, state)
				if ep.OutputSHA256 != "" {
					canonical, err := json.Marshal(out) // sorted keys, compact
					require.NoError(t, err)
					sum := sha256.Sum256(canonical)
					require.Equal(t, ep.OutputSHA256, hex.EncodeToString(sum[:]), "%s: epoch %d output digest", sc.Comment, k)
				} else {
					require.Equal(t, ep.Output, out, "%s: epoch %d", sc.Comment, k)
				}
				prev = out
			}
		})
	}
}
