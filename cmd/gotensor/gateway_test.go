package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/gateway"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/sdk/wallet"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// runGateway runs `gotensor gateway ARGS…` and returns its stdout.
func runGateway(args ...string) (string, error) {
	var out, errOut lockedBuffer
	err := runGatewayUntil(context.Background(), &out, &errOut, args...)
	return out.String(), err
}

// runGatewayUntil runs `gotensor gateway ARGS…` until it returns or ctx
// ends; stdout and stderr are readable while it runs.
func runGatewayUntil(ctx context.Context, stdout, stderr *lockedBuffer, args ...string) error {
	cmd := gatewayCmd()
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.SetIn(strings.NewReader(""))
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.ExecuteContext(ctx)
}

// On a real node: a miner from the CLI, and the gateway from the CLI with a
// dead node listed first; a key made with the CLI gets an answer through
// the official client.
func TestGatewayOnANode(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a chain")
	}
	n, err := chaintest.Start(silentNetwork{}, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(n.Stop)
	c := n.Client()
	ctx := context.Background()
	home := t.TempDir()
	store, err := wallet.Open(wallet.BackendTest, home, nil)
	require.NoError(t, err)
	_, _, err = store.Create("alice")
	require.NoError(t, err)
	_, err = store.NewHotkey("alice", "gateway")
	require.NoError(t, err)
	cold, err := store.Coldkey("alice")
	require.NoError(t, err)
	hot, err := store.Hotkey("alice", wallet.DefaultHotkey)
	require.NoError(t, err)
	ghot, err := store.Hotkey("alice", "gateway")
	require.NoError(t, err)
	n.FundAddress(t, cold.Address(), 100*types.RaoPerTAO)
	netuid := n.Subnet(t, n.Fund(t, 1_000*types.RaoPerTAO), synapse.GenerateKeySigner(), "tempo", "5")
	_, _, err = c.Register(ctx, cold, netuid, hot.Address(), 0)
	require.NoError(t, err)
	_, _, err = c.Register(ctx, cold, netuid, ghot.Address(), 0)
	require.NoError(t, err)
	_, _, err = c.AddStake(ctx, cold, ghot.Address(), netuid, 10*types.RaoPerTAO, chain.NoLimit)
	require.NoError(t, err)
	// A forecasting subnet beside it, with one miner, served at /v1/forecast.
	fnetuid := n.Subnet(t, n.Fund(t, 1_000*types.RaoPerTAO), synapse.GenerateKeySigner(), "tempo", "5")
	for _, hk := range []string{hot.Address(), ghot.Address()} {
		_, _, err = c.Register(ctx, cold, fnetuid, hk, 0)
		require.NoError(t, err)
	}
	_, _, err = c.AddStake(ctx, cold, ghot.Address(), fnetuid, 10*types.RaoPerTAO, chain.NoLimit)
	require.NoError(t, err)

	common := []string{"--wallet", "alice", "--netuid", fmt.Sprint(netuid), "--keyring-backend", "test", "--home", home, "--model", textgenModel}
	minerRun, stopMiner := context.WithCancel(ctx)
	minerDone := make(chan error, 1)
	var mout, merr lockedBuffer
	go func() {
		minerDone <- runSubnets(minerRun, &mout, &merr, append([]string{"textgen", "miner", "--node", n.GRPC, "--listen", "127.0.0.1:0"}, common...)...)
	}()
	fminerDone := make(chan error, 1)
	var fout, ferr lockedBuffer
	go func() {
		fminerDone <- runSubnets(minerRun, &fout, &ferr, "forecast", "miner", "--model", "ar", "--node", n.GRPC, "--listen", "127.0.0.1:0",
			"--wallet", "alice", "--netuid", fmt.Sprint(fnetuid), "--keyring-backend", "test", "--home", home)
	}()
	for _, id := range []uint16{netuid, fnetuid} {
		require.Eventually(t, func() bool {
			m, err := metagraph.Load(ctx, c, id, metagraph.Lite)
			if err != nil {
				return false
			}
			uid, ok := m.UID(hot.Address())
			gid, gok := m.UID(ghot.Address())
			return ok && gok && m.Axons[uid].Serving() && m.ValidatorPermit[gid]
		}, 30*time.Second, 50*time.Millisecond, "subnet %d: the miner publishes its axon and the gateway's hotkey gets a permit; stderr: %s %s", id, merr.String(), ferr.String())
	}

	db := filepath.Join(t.TempDir(), "gateway.db")
	out, err := runGateway("keys", "add", "carol", "--db", db)
	require.NoError(t, err)
	secret := strings.TrimSpace(out[strings.Index(out, "OPENAI_API_KEY=")+len("OPENAI_API_KEY="):])

	run, interrupt := context.WithCancel(ctx)
	done := make(chan error, 1)
	var gout, gerr lockedBuffer
	go func() {
		done <- runGatewayUntil(run, &gout, &gerr, append([]string{"--hotkey", "gateway", "--db", db, "--listen", "127.0.0.1:0", "--name", "kjv",
			"--node", "127.0.0.1:1," + n.GRPC, "--timeout", "3s", "--verify-share", "1", "--forecast-netuid", fmt.Sprint(fnetuid)}, common...)...)
	}()
	var base string
	require.Eventually(t, func() bool {
		select {
		case err := <-done:
			t.Fatalf("the gateway stopped: %v; stderr: %s", err, gerr.String())
		default:
		}
		_, after, ok := strings.Cut(gout.String(), "OPENAI_BASE_URL=")
		base = strings.TrimSpace(after)
		return ok
	}, 30*time.Second, 50*time.Millisecond, "stderr: %s", gerr.String())
	require.Contains(t, gout.String(), fmt.Sprintf("gateway: model kjv (subnet %d of", netuid))
	oc := openai.NewClient(option.WithBaseURL(base), option.WithAPIKey(secret), option.WithMaxRetries(0))
	chat, err := oc.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "kjv", MaxTokens: openai.Int(4),
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("In the beginning")}})
	require.NoError(t, err, "stderr: %s", gerr.String())
	require.NotEmpty(t, chat.Choices[0].Message.Content)
	require.Contains(t, gout.String(), fmt.Sprintf("gateway: forecasts as model forecast (subnet %d)", fnetuid))
	var forecast struct {
		Model   string    `json:"model"`
		Point   []float64 `json:"point"`
		Members []struct {
			Hotkey string `json:"hotkey"`
		} `json:"members"`
	}
	require.NoError(t, oc.Post(ctx, "forecast", map[string]any{"model": "forecast", "series": []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
		"horizon": 3, "quantile_levels": []float64{0.1, 0.5, 0.9}}, &forecast), "stderr: %s", gerr.String())
	require.Equal(t, "forecast", forecast.Model)
	require.Len(t, forecast.Point, 3)
	require.Len(t, forecast.Members, 1)
	require.Equal(t, hot.Address(), forecast.Members[0].Hotkey, "the forecasting subnet's miner answered")
	interrupt()
	require.NoError(t, <-done, "stderr: %s", gerr.String())
	out, err = runGateway("keys", "list", "--db", db)
	require.NoError(t, err)
	require.Regexp(t, `carol .* active .* 2 +\d+ +\d+`, out, "both requests are charged")
	stopMiner()
	require.NoError(t, <-minerDone)
	require.NoError(t, <-fminerDone)
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
		{"forecast netuid", []string{"--wallet", "w", "--netuid", "1", "--model", textgenModel, "--forecast-netuid", "1", "--forecast-miners", "0"},
			[]string{"--forecast-netuid is 1: want a forecasting subnet 1..65535 other than --netuid", "--forecast-miners is 0: want at least 1"}},
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
