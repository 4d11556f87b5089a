package epochjson

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// minimal is a valid two-uid input with every required field.
const minimal = `{"block": 10, "tempo": 100, "alpha_stake": [1, 2], "validator_permit": [true, true],
 "max_allowed_validators": 2, "last_update": [10, 10], "block_at_registration": [1, 1],
 "weights": [[[1, 65535]], []], "bonds": [[], []], "emission": 1000000000}`

func run(t *testing.T, input string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(strings.NewReader(input), &out, &errOut)
	return code, out.String(), errOut.String()
}

// with returns minimal with one top-level field replaced (or added).
func with(t *testing.T, key, raw string) string {
	t.Helper()
	var doc map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(minimal), &doc))
	if raw == "" {
		delete(doc, key)
	} else {
		doc[key] = json.RawMessage(raw)
	}
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	return string(b)
}

func TestRunMinimal(t *testing.T) {
	code, stdout, stderr := run(t, minimal)
	require.Equal(t, ExitOK, code, stderr)
	require.Empty(t, stderr)
	var out map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &out))
	for _, key := range []string{"active", "stake_weight", "new_validator_permit", "consensus", "incentive",
		"dividends", "validator_trust", "server_emission", "validator_emission", "emission", "bonds"} {
		require.Len(t, out[key], 2, key)
	}
	require.True(t, strings.HasSuffix(stdout, "\n"))
	require.Equal(t, 1, strings.Count(stdout, "\n"))
}

func TestRunEmptySubnetPrintsEmptyLists(t *testing.T) {
	in := `{"block": 0, "tempo": 0, "alpha_stake": [], "validator_permit": [], "max_allowed_validators": 0,
	 "last_update": [], "block_at_registration": [], "weights": [], "bonds": [], "emission": 0}`
	code, stdout, stderr := run(t, in)
	require.Equal(t, ExitOK, code, stderr)
	require.Equal(t, `{"active":[],"stake_weight":[],"new_validator_permit":[],"consensus":[],"incentive":[],`+
		`"dividends":[],"validator_trust":[],"server_emission":[],"validator_emission":[],"emission":[],"bonds":[]}`+"\n", stdout)
}

// u64 values beyond 2^53 must survive exactly: they never pass through float64.
func TestRunU64Exact(t *testing.T) {
	in := with(t, "emission", "18446744073709551615")
	in = strings.Replace(in, `"weights":[[[1,65535]],[]]`, `"weights":[]`, 1)
	in = strings.Replace(in, `"alpha_stake":[1,2]`, `"alpha_stake":[9007199254740993,0]`, 1)
	code, stdout, stderr := run(t, in)
	require.Equal(t, ExitOK, code, stderr)
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.UseNumber()
	var out map[string][]any
	require.NoError(t, dec.Decode(&out))
	// All stake on uid 0 and no weights: uid 0's share is exactly 1.0.
	require.Equal(t, json.Number("18446744073709551615"), out["emission"][0])
}

// Bad input exits 2 with one line on stderr naming the field, nothing on stdout.
func TestRunBadInput(t *testing.T) {
	for _, c := range []struct {
		name, input, field string
	}{
		{"not json", `{"block": `, "input"},
		{"not an object", `[1, 2]`, "input"},
		{"trailing data", minimal + ` {}`, "input"},
		{"missing field", with(t, "emission", ""), "emission"},
		{"null required", with(t, "block", "null"), "block"},
		{"unknown field", with(t, "kapa", "3"), "kapa"},
		{"negative", with(t, "block", "-1"), "block"},
		{"fraction", with(t, "emission", "1.5"), "emission"},
		{"exponent", with(t, "emission", "1e9"), "emission"},
		{"u64 overflow", with(t, "emission", "18446744073709551616"), "emission"},
		{"u16 overflow", with(t, "tempo", "65536"), "tempo"},
		{"i16 overflow", with(t, "alpha_sigmoid_steepness", "32768"), "alpha_sigmoid_steepness"},
		{"string number", with(t, "kappa", `"3"`), "kappa"},
		{"bool type", with(t, "yuma3", "1"), "yuma3"},
		{"list type", with(t, "alpha_stake", "7"), "alpha_stake"},
		{"list element", with(t, "last_update", "[10, -3]"), "last_update[1]"},
		{"permit element", with(t, "validator_permit", "[true, 1]"), "validator_permit[1]"},
		{"short list", with(t, "validator_permit", "[true]"), "validator_permit"},
		{"short last_update", with(t, "last_update", "[10]"), "last_update"},
		{"long registration", with(t, "block_at_registration", "[1, 1, 1]"), "block_at_registration"},
		{"weights rows", with(t, "weights", "[[]]"), "weights"},
		{"uid out of range", with(t, "weights", "[[[2, 1]], []]"), "weights[0][0]"},
		{"value out of range", with(t, "weights", "[[[1, 65536]], []]"), "weights[0][0][1]"},
		{"cell shape", with(t, "bonds", "[[[1]], []]"), "bonds[0][0]"},
		{"duplicate uid", with(t, "bonds", "[[[1, 5], [1, 6]], []]"), "bonds[0][1]"},
		{"owner out of range", with(t, "owner_uid", "2"), "owner_uid"},
		{"commit_block length", with(t, "commit_block", "[1]"), "commit_block"},
	} {
		code, stdout, stderr := run(t, c.input)
		require.Equal(t, ExitBadInput, code, c.name)
		require.Empty(t, stdout, c.name)
		require.Equal(t, 1, strings.Count(stderr, "\n"), "%s: %q", c.name, stderr)
		require.True(t, strings.HasSuffix(stderr, "\n"), c.name)
		require.Contains(t, stderr, c.field, c.name)
	}
}

func TestRunDefaultsAndNulls(t *testing.T) {
	_, want, _ := run(t, minimal)
	explicit := minimal[:len(minimal)-1] + `, "activity_cutoff_factor_milli": 13889, "root_stake": null, "tao_weight": 0,
	 "stake_threshold": 0, "owner_uid": null, "kappa": 32767, "bonds_penalty": 65535, "bonds_moving_average": 900000,
	 "yuma3": true, "liquid_alpha": false, "alpha_low": 45875, "alpha_high": 58982, "alpha_sigmoid_steepness": 1000,
	 "last_mechanism_step_block": 0}`
	code, got, stderr := run(t, explicit)
	require.Equal(t, ExitOK, code, stderr)
	require.Equal(t, want, got)
	// The whole weights list may be [] for "no rows".
	code, _, stderr = run(t, with(t, "weights", "[]"))
	require.Equal(t, ExitOK, code, stderr)
}

// The commit_block extension masks weights from validators that committed
// before the target's registration (uid 2 registered at block 5).
func TestRunCommitBlock(t *testing.T) {
	in := `{"block": 10, "tempo": 100, "alpha_stake": [1, 1, 0], "validator_permit": [true, true, false],
	 "max_allowed_validators": 2, "last_update": [10, 10, 0], "block_at_registration": [1, 1, 5],
	 "weights": [[[2, 65535]], [[2, 65535]], []], "bonds": [], "emission": 1000000000`
	_, plain, _ := run(t, in+"}")
	code, masked, stderr := run(t, in+`, "commit_block": [4, 18446744073709551615, 18446744073709551615]}`)
	require.Equal(t, ExitOK, code, stderr)
	require.NotEqual(t, plain, masked)
	_, late, _ := run(t, in+`, "commit_block": [5, 18446744073709551615, 18446744073709551615]}`)
	require.Equal(t, plain, late)
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, bytes.ErrTooLarge }

func TestRunWriteFailure(t *testing.T) {
	var errOut bytes.Buffer
	require.Equal(t, ExitFailure, Run(strings.NewReader(minimal), failingWriter{}, &errOut))
	require.Equal(t, 1, strings.Count(errOut.String(), "\n"))
}
