package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/sdk/wallet"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// lockedBuffer is an output a running command writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runSubnets runs `gotensor subnets ARGS…` until it returns or ctx ends; stdout and stderr are
// readable while it runs.
func runSubnets(ctx context.Context, stdout, stderr *lockedBuffer, args ...string) error {
	cmd := subnetsCmd()
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.SetIn(strings.NewReader(""))
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.ExecuteContext(ctx)
}

func TestForecastArgumentErrors(t *testing.T) {
	home := t.TempDir()
	keys := []string{"--keyring-backend", "test", "--home", home}
	miner := func(extra ...string) []string {
		return append([]string{"forecast", "miner", "--wallet", "w", "--netuid", "1", "--model", "ar", "--node", "127.0.0.1:1"}, extra...)
	}
	validator := func(extra ...string) []string {
		return append([]string{"forecast", "validator", "--wallet", "w", "--netuid", "1", "--node", "127.0.0.1:1"}, extra...)
	}
	for _, tc := range []struct {
		name string
		args []string
		errs []string
	}{
		{"nothing given", []string{"forecast", "miner"}, []string{
			"--wallet is required", "--netuid must be 1..65535, not 0", "--model is required: one of mean, naive, drift, ses, seasonal-naive, holt-winters, ar, gbt",
		}},
		{"netuid beyond u16", miner("--netuid", "70000"), []string{"--netuid must be 1..65535, not 70000"}},
		{"netuid not a number", miner("--netuid", "one"), []string{`invalid argument "one" for "--netuid"`}},
		{"unknown model", miner("--model", "oracle"), []string{`--model "oracle" is not a model: use one of mean`}},
		{"external ip", miner("--external-ip", "my.host"), []string{`--external-ip "my.host" is not an IP address`}},
		{"external port", miner("--external-port", "70000"), []string{"--external-port must be 1..65535, not 70000"}},
		{"node without a port", miner("--node", "localhost"), []string{`--node "localhost": want the node's gRPC address as host:port`}},
		{"timeout", miner("--timeout", "0s"), []string{"--timeout must be positive"}},
		{"log level", miner("--log-level", "loud"), []string{`--log-level must be debug, info, warn or error, not "loud"`}},
		{"log format", miner("--log-format", "xml"), []string{`--log-format must be text or json, not "xml"`}},
		{"arguments", append(miner(), "extra"), []string{`unknown command "extra"`}},
		{"round interval", validator("--round-interval", "0s"), []string{"--round-interval must be positive, not 0s"}},
		{"query timeout", validator("--query-timeout", "-1s"), []string{"--query-timeout must be positive, not -1s"}},
		{"keyring backend", miner("--keyring-backend", "vault"), []string{`keyring backend "vault": use one of os, file, test`}},
		{"no such wallet", miner(keys...), []string{"wallet: key w/default: not found: make it with `gotensor wallet create w`"}},
		{"no such hotkey", validator(append(keys, "--hotkey", "v1")...), []string{"`gotensor wallet new-hotkey w v1`"}},
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

// silentNetwork discards the test chain's logs.
type silentNetwork struct{}

func (silentNetwork) Log(...any)          {}
func (silentNetwork) Logf(string, ...any) {}

// On a real node: an unregistered hotkey is told the command that registers it; a registered
// one serves (or validates) until interrupted, and stops cleanly.
func TestForecastOnANode(t *testing.T) {
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
	netuid := n.Subnet(t, n.Fund(t, 1_000*types.RaoPerTAO), synapse.GenerateKeySigner())

	args := func(role string, extra ...string) []string {
		return append([]string{"forecast", role, "--wallet", "alice", "--netuid", fmt.Sprint(netuid), "--node", n.GRPC,
			"--keyring-backend", "test", "--home", home}, extra...)
	}
	var out, errOut lockedBuffer
	err = runSubnets(ctx, &out, &errOut, args("miner", "--model", "gbt")...)
	require.ErrorContains(t, err, fmt.Sprintf("hotkey %s on subnet %d of chain %s: not registered", hot.Address(), netuid, n.ChainID))
	require.ErrorContains(t, err, fmt.Sprintf(
		"gotensor tx subnet register %d %s --from alice --keyring-backend test --home %s --chain-id %s --node tcp://127.0.0.1:26657 --yes",
		netuid, hot.Address(), home, n.ChainID))
	err = runSubnets(ctx, &out, &errOut, append(args("miner", "--model", "gbt"), "--netuid", "99")...)
	require.ErrorContains(t, err, "subnet 99 does not exist on chain "+n.ChainID)

	_, _, err = c.Register(ctx, cold, netuid, hot.Address(), 0)
	require.NoError(t, err)
	_, _, err = c.Register(ctx, cold, netuid, vhot.Address(), 0)
	require.NoError(t, err)

	// The miner serves until interrupted, and publishes its axon meanwhile.
	run, interrupt := context.WithCancel(ctx)
	done := make(chan error, 1)
	out, errOut = lockedBuffer{}, lockedBuffer{}
	go func() {
		done <- runSubnets(run, &out, &errOut, args("miner", "--model", "gbt", "--listen", "127.0.0.1:0")...)
	}()
	require.Eventually(t, func() bool {
		m, err := metagraph.Load(ctx, c, netuid, metagraph.Lite)
		if err != nil {
			return false
		}
		uid, ok := m.UID(hot.Address())
		return ok && m.Axons[uid].Serving()
	}, 30*time.Second, 50*time.Millisecond, "the miner publishes its axon; stderr: %s", errOut.String())
	require.Contains(t, out.String(), fmt.Sprintf("forecast miner: model gbt, uid 1 on subnet %d of %s, listening on 127.0.0.1:", netuid, n.ChainID))
	interrupt()
	require.NoError(t, <-done)
	require.Contains(t, out.String(), "forecast miner stopped")
	require.Contains(t, errOut.String(), "unencrypted", "the test backend is flagged")

	// The validator runs until interrupted, keeps its state where it says, and prints the
	// standings when it stops.
	run, interrupt = context.WithCancel(ctx)
	out, errOut = lockedBuffer{}, lockedBuffer{}
	go func() {
		done <- runSubnets(run, &out, &errOut, args("validator", "--hotkey", "validator", "--round-interval", "100ms")...)
	}()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "forecast validator: uid 2") },
		30*time.Second, 50*time.Millisecond, "stderr: %s", errOut.String())
	require.Contains(t, out.String(), fmt.Sprintf("state in %s/forecast/validator-alice-validator-netuid%d.json", home, netuid))
	interrupt()
	require.NoError(t, <-done)
	require.Contains(t, out.String(), "forecast validator stopped after")
	// The table's columns widen with its rows: none if no round finished yet, one per miner if one did.
	require.Regexp(t, `uid +hotkey +score +skill +challenges`, out.String())
}
