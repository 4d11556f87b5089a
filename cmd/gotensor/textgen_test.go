package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/sdk/wallet"
	"github.com/gotensor/gotensor/x/subnet/types"
)

var textgenModel = filepath.Join("..", "..", "subnets", "textgen", "model", "testdata", "kjv-tiny.gguf")

func TestTextgenArgumentErrors(t *testing.T) {
	minerArgs := func(extra ...string) []string {
		return append([]string{"textgen", "miner", "--wallet", "w", "--netuid", "1", "--model", textgenModel, "--node", "127.0.0.1:1"}, extra...)
	}
	for _, tc := range []struct {
		name string
		args []string
		errs []string
	}{
		{"nothing given", []string{"textgen", "miner"}, []string{"--wallet is required", "--netuid must be 1..65535, not 0", "--model is required"}},
		{"validator without model", []string{"textgen", "validator", "--wallet", "w", "--netuid", "1"}, []string{"--model is required"}},
		{"behaviour", minerArgs("--behaviour", "lazy"), []string{`--behaviour "lazy": want one of honest-fast, honest-slow, wrong-model, random, truncate, replay, inflate, relay`}},
		{"behaviour over http", minerArgs("--behaviour", "random", "--openai-url", "http://127.0.0.1:8080/v1"), []string{"--behaviour applies to the built-in runtime only"}},
		{"capacity", minerArgs("--capacity", "0"), []string{"--capacity (0) and --max-tokens (256) must be positive"}},
		{"no such model", minerArgs("--model", "missing.gguf"), []string{"--model: open missing.gguf"}},
		{"round interval", []string{"textgen", "validator", "--wallet", "w", "--netuid", "1", "--model", textgenModel, "--round-interval", "0s"}, []string{"--round-interval (0s) and --query-timeout (10s) must be positive"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut lockedBuffer
			err := runSubnets(context.Background(), &out, &errOut, tc.args...)
			require.Error(t, err)
			for _, want := range tc.errs {
				require.Contains(t, err.Error(), want)
			}
			require.Empty(t, out.String())
		})
	}
}

// On a real node: a miner serves the shipped model and a validator verifies
// its answers, each from the CLI, until interrupted.
func TestTextgenOnANode(t *testing.T) {
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
	_, err = store.NewHotkey("alice", "validator")
	require.NoError(t, err)
	cold, err := store.Coldkey("alice")
	require.NoError(t, err)
	hot, err := store.Hotkey("alice", wallet.DefaultHotkey)
	require.NoError(t, err)
	vhot, err := store.Hotkey("alice", "validator")
	require.NoError(t, err)
	n.FundAddress(t, cold.Address(), 100*types.RaoPerTAO)
	netuid := n.Subnet(t, n.Fund(t, 1_000*types.RaoPerTAO), synapse.GenerateKeySigner(), "tempo", "5")
	_, _, err = c.Register(ctx, cold, netuid, hot.Address(), 0)
	require.NoError(t, err)
	_, _, err = c.Register(ctx, cold, netuid, vhot.Address(), 0)
	require.NoError(t, err)
	_, _, err = c.AddStake(ctx, cold, vhot.Address(), netuid, 10*types.RaoPerTAO, chain.NoLimit)
	require.NoError(t, err)

	args := func(role string, extra ...string) []string {
		return append([]string{"textgen", role, "--wallet", "alice", "--netuid", fmt.Sprint(netuid), "--node", n.GRPC,
			"--keyring-backend", "test", "--home", home, "--model", textgenModel}, extra...)
	}
	minerRun, stopMiner := context.WithCancel(ctx)
	minerDone := make(chan error, 1)
	var mout, merr lockedBuffer
	go func() { minerDone <- runSubnets(minerRun, &mout, &merr, args("miner", "--listen", "127.0.0.1:0")...) }()
	require.Eventually(t, func() bool {
		m, err := metagraph.Load(ctx, c, netuid, metagraph.Lite)
		if err != nil {
			return false
		}
		uid, ok := m.UID(hot.Address())
		return ok && m.Axons[uid].Serving()
	}, 30*time.Second, 50*time.Millisecond, "the miner publishes its axon; stderr: %s", merr.String())
	require.Regexp(t, fmt.Sprintf(`textgen miner: model .*kjv-tiny.gguf \([0-9a-f]{12}\), capacity 4, uid 1 on subnet %d`, netuid), mout.String())

	// The validator has a permit once an epoch has run; then its rounds are answered and verified.
	run, interrupt := context.WithCancel(ctx)
	done := make(chan error, 1)
	var out, errOut lockedBuffer
	go func() {
		done <- runSubnets(run, &out, &errOut, args("validator", "--hotkey", "validator", "--round-interval", "100ms", "--query-timeout", "5s")...)
	}()
	require.Eventually(t, func() bool {
		m, err := metagraph.Load(ctx, c, netuid, metagraph.Full)
		return err == nil && m.ValidatorPermit[2]
	}, 30*time.Second, 100*time.Millisecond)
	time.Sleep(2 * time.Second) // rounds now reach the miner
	interrupt()
	require.NoError(t, <-done, "stderr: %s", errOut.String())
	got := regexp.MustCompile(`stopped after \d+ rounds: (\d+) answers verified, 0 refused`).FindStringSubmatch(out.String())
	require.NotNil(t, got, "output: %s", out.String())
	verified, _ := strconv.Atoi(got[1])
	require.Positive(t, verified)
	require.Regexp(t, `uid +hotkey +score +volume +verified +refused +declined +failed +tokens/s +ttft`, out.String())
	stopMiner()
	require.NoError(t, <-minerDone)
	require.Contains(t, mout.String(), "textgen miner stopped")
}
