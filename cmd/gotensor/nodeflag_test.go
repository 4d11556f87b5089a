package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// A script's `gotensor q …` and `gotensor tx …` with --node a,b go through b when a has stopped.
func TestCLINodeListFailsOver(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a two-node chain")
	}
	n := chaintest.Cluster(t, 2, chaintest.ClusterOptions{Bonds: []uint64{1_000 * types.RaoPerTAO, 10 * types.RaoPerTAO}})
	require.NoError(t, n.StopNode(1))
	nodes := n.Nodes[1].RPC + "," + n.Nodes[0].RPC
	home := filepath.Join(t.TempDir(), "cli")

	var balances struct {
		Balances []struct{ Denom, Amount string } `json:"balances"`
	}
	out := runGotensor(t, "q", "bank", "balances", n.Authority.Address(), "--node", nodes, "-o", "json", "--home", home)
	require.NoError(t, json.Unmarshal(out, &balances), "%s", out)
	require.Len(t, balances.Balances, 1)
	require.Equal(t, fmt.Sprint(chaintest.AuthorityBalance), balances.Balances[0].Amount)

	var key struct{ Address string }
	out = runGotensor(t, "keys", "add", "sender", "--keyring-backend", "test", "--home", home, "--output", "json")
	require.NoError(t, json.Unmarshal(out, &key), "%s", out)
	n.FundAddress(t, key.Address, types.RaoPerTAO)
	to := synapse.GenerateKeySigner().Address()
	var res struct {
		Code   uint32 `json:"code"`
		TxHash string `json:"txhash"`
	}
	out = runGotensor(t, "tx", "bank", "send", "sender", to, "5"+types.Denom, "--node", nodes, "--chain-id", n.ChainID,
		"--keyring-backend", "test", "--home", home, "--yes", "-o", "json")
	require.NoError(t, json.Unmarshal(out[strings.IndexByte(string(out), '{'):], &res), "%s", out)
	require.Zero(t, res.Code, "%s", out)
	require.Eventually(t, func() bool {
		b, err := n.Client().Balance(context.Background(), to)
		return err == nil && b == 5
	}, 20*time.Second, 100*time.Millisecond, "the send landed")
}
