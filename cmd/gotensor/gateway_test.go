package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/gateway"
)

// runGateway runs `gotensor gateway ARGS…` and returns its stdout.
func runGateway(args ...string) (string, error) {
	cmd := gatewayCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetIn(strings.NewReader(""))
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// keys add prints the secret once; list shows the key (never the secret)
// with its limits; revoke revokes it, once; the gateway's database agrees.
func TestGatewayKeys(t *testing.T) {
	db := filepath.Join(t.TempDir(), "gateway.db")
	out, err := runGateway("keys", "add", "alice", "--rpm", "30", "--tpm", "0", "--quota", "5000", "--db", db)
	require.NoError(t, err)
	require.Contains(t, out, `key "alice" (id 1, rpm 30, tpm ∞, quota 5000)`)
	secret := out[strings.Index(out, "OPENAI_API_KEY=")+len("OPENAI_API_KEY="):]
	secret = strings.TrimSpace(secret)
	require.True(t, strings.HasPrefix(secret, gateway.KeyPrefix))

	_, err = runGateway("keys", "add", "alice", "--db", db)
	require.ErrorContains(t, err, `a key named "alice"`)
	_, err = runGateway("keys", "add", "bob", "--rpm", "-1", "--db", db)
	require.ErrorContains(t, err, "must not be negative")

	out, err = runGateway("keys", "list", "--db", db)
	require.NoError(t, err)
	require.Contains(t, out, "alice")
	require.Contains(t, out, secret[:9]+"…")
	require.NotContains(t, out, secret)
	require.Contains(t, out, "active")

	keys, err := gateway.OpenKeys(db)
	require.NoError(t, err)
	defer keys.Close()
	k, ok, err := keys.Authenticate(context.Background(), secret)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, gateway.Limits{RequestsPerMinute: 30, QuotaTokens: 5000}, k.Limits)

	out, err = runGateway("keys", "revoke", "alice", "--db", db)
	require.NoError(t, err)
	require.Equal(t, "key \"alice\" revoked\n", out)
	_, err = runGateway("keys", "revoke", "alice", "--db", db)
	require.ErrorContains(t, err, `no active key named "alice"`)
	_, ok, err = keys.Authenticate(context.Background(), secret)
	require.NoError(t, err)
	require.False(t, ok)
	out, err = runGateway("keys", "list", "--db", db)
	require.NoError(t, err)
	require.Contains(t, out, "revoked")
}

func TestGatewayArgumentErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		errs []string
	}{
		{"nothing given", nil, []string{"--wallet is required", "--netuid must be 1..65535, not 0", "--model is required"}},
		{"verify share", []string{"--wallet", "w", "--netuid", "1", "--model", textgenModel, "--verify-share", "2"}, []string{"--verify-share is 2, want 0..1"}},
		{"no such model", []string{"--wallet", "w", "--netuid", "1", "--model", "missing.gguf"}, []string{"--model: open missing.gguf"}},
		{"second node", []string{"--wallet", "w", "--netuid", "1", "--model", textgenModel, "--node", "127.0.0.1:9090,nohost"}, []string{`--node "nohost": want each node's gRPC address as host:port`}},
		{"keys add without a name", []string{"keys", "add"}, []string{"accepts 1 arg(s), received 0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runGateway(tc.args...)
			require.Error(t, err)
			for _, want := range tc.errs {
				require.Contains(t, err.Error(), want)
			}
			require.Empty(t, out)
		})
	}
}
