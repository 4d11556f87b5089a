package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/wallet"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// runWallet runs `gotensor wallet ARGS…` on a test keyring in home and returns its stdout.
func runWallet(t *testing.T, home string, args ...string) (string, error) {
	t.Helper()
	cmd := walletCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetIn(strings.NewReader(""))
	cmd.SetArgs(append(args, "--home", home, "--keyring-backend", "test"))
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	if err == nil {
		require.Contains(t, errOut.String(), "unencrypted", "the test backend is flagged")
	}
	return out.String(), err
}

func TestWalletCreateListNewHotkey(t *testing.T) {
	home := t.TempDir()
	out, err := runWallet(t, home, "create", "alice")
	require.NoError(t, err)
	require.Contains(t, out, "created wallet alice")
	require.Contains(t, out, "WARNING: these mnemonics are the keys")
	require.Contains(t, out, "coldkey mnemonic (alice)")
	require.Contains(t, out, "hotkey mnemonic (alice/default)")

	out, err = runWallet(t, home, "new-hotkey", "alice", "miner", "-o", "json")
	require.NoError(t, err)
	var created struct {
		Wallet  string          `json:"wallet"`
		Coldkey json.RawMessage `json:"coldkey"`
		Hotkey  struct {
			Name, Address, Mnemonic string
		} `json:"hotkey"`
		Warning string `json:"warning"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &created))
	require.Equal(t, "alice", created.Wallet)
	require.Nil(t, created.Coldkey, "only a hotkey was made")
	require.Equal(t, "alice/miner", created.Hotkey.Name)
	require.Len(t, strings.Fields(created.Hotkey.Mnemonic), 24)
	require.NotEmpty(t, created.Warning)

	_, err = runWallet(t, home, "create", "alice")
	require.ErrorIs(t, err, wallet.ErrExists)
	_, err = runWallet(t, home, "new-hotkey", "nobody", "x")
	require.ErrorIs(t, err, wallet.ErrNotFound)

	out, err = runWallet(t, home, "list")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	require.True(t, strings.HasPrefix(lines[0], "alice  tao1"), lines[0])
	require.True(t, strings.HasPrefix(lines[1], "├── default  tao1"), lines[1])
	require.Equal(t, "└── miner  "+created.Hotkey.Address, lines[2])

	out, err = runWallet(t, home, "list", "-o", "json")
	require.NoError(t, err)
	var listed []wallet.Wallet
	require.NoError(t, json.Unmarshal([]byte(out), &listed))
	require.Len(t, listed, 1)
	require.Len(t, listed[0].Hotkeys, 2)
	require.Equal(t, created.Hotkey.Address, listed[0].Hotkeys[1].Address)

	_, err = runWallet(t, home, "list", "-o", "yaml")
	require.ErrorContains(t, err, "--output must be text or json")
}

// The overview reads the wallet from a real node: the coldkey's balance and stake, and its
// hotkey's registration.
func TestWalletOverview(t *testing.T) {
	n, err := chaintest.Start(quietLog{}, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(n.Stop)
	home := t.TempDir()
	_, err = runWallet(t, home, "create", "alice")
	require.NoError(t, err)
	store, err := wallet.Open(wallet.BackendTest, home, nil)
	require.NoError(t, err)
	cold, err := store.Coldkey("alice")
	require.NoError(t, err)
	hot, err := store.Hotkey("alice", wallet.DefaultHotkey)
	require.NoError(t, err)

	ctx := context.Background()
	c := n.Client()
	n.FundAddress(t, cold.Address(), 50*types.RaoPerTAO)
	owner := n.Fund(t, 1_000*types.RaoPerTAO)
	netuid := n.Subnet(t, owner, n.Fund(t, 1))
	reg, _, err := c.Register(ctx, cold, netuid, hot.Address(), 0)
	require.NoError(t, err)
	staked, _, err := c.AddStake(ctx, cold, hot.Address(), netuid, 5*types.RaoPerTAO, chain.NoLimit)
	require.NoError(t, err)

	out, err := runWallet(t, home, "overview", "alice", "--node", n.GRPC, "-o", "json")
	require.NoError(t, err)
	var o map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &o))
	require.Equal(t, "alice", o["wallet"])
	require.Equal(t, cold.Address(), o["coldkey"])
	balance := o["balance_rao"].(float64)
	stakedValue := o["staked_value_rao"].(float64)
	require.Positive(t, balance)
	require.Positive(t, stakedValue)
	require.Equal(t, balance+stakedValue, o["total_rao"].(float64))
	stakes := o["stakes"].([]any)
	require.Len(t, stakes, 1)
	stake := stakes[0].(map[string]any)
	require.Equal(t, hot.Address(), stake["hotkey"])
	require.Equal(t, "default", stake["hotkey_name"])
	require.Equal(t, float64(netuid), stake["netuid"])
	require.Equal(t, float64(staked.AlphaReceived), stake["alpha_rao"])
	hotkeys := o["hotkeys"].([]any)
	require.Len(t, hotkeys, 1)
	h := hotkeys[0].(map[string]any)
	require.Equal(t, "default", h["name"])
	regs := h["registrations"].([]any)
	require.Len(t, regs, 1)
	r := regs[0].(map[string]any)
	require.Equal(t, float64(netuid), r["netuid"])
	require.Equal(t, float64(reg.Uid), r["uid"])
	for _, field := range []string{"active", "validator_permit", "immune", "alpha_stake_rao", "emission_rao",
		"incentive", "dividends", "consensus", "validator_trust", "last_update", "axon"} {
		require.Contains(t, r, field)
	}

	out, err = runWallet(t, home, "overview", "alice", "--node", n.GRPC)
	require.NoError(t, err)
	require.Contains(t, out, "HOTKEY")
	require.Contains(t, out, hot.Address())
	require.Contains(t, out, "total")
}

type quietLog struct{}

func (quietLog) Log(...any)          {}
func (quietLog) Logf(string, ...any) {}
