package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// The check for `export --for-zero-height`: a two-validator network with a running
// subnet stops; `gotensor export --for-zero-height` writes a genesis from node 0's state; every
// node resets its data (`gotensor comet unsafe-reset-all`) and starts from that genesis. The new
// chain runs from height 1 with the same balances, stakes and subnets, its heights rebased, and
// its subnet keeps running epochs.
func TestZeroHeightRestartKeepsTheState(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a two-node chain twice")
	}
	n := chaintest.Cluster(t, 2, chaintest.ClusterOptions{})
	c := n.Dial(t)
	ctx := context.Background()

	owner, ownerHotkey := n.Fund(t, 1_000*types.RaoPerTAO), synapse.GenerateKeySigner()
	netuid := n.Subnet(t, owner, ownerHotkey, "tempo", "5", "weights_set_rate_limit", "0")
	staker, minerCold, miner := n.Fund(t, 500*types.RaoPerTAO), n.Fund(t, 100*types.RaoPerTAO), synapse.GenerateKeySigner()
	_, _, err := c.Register(ctx, minerCold, netuid, miner.Address(), 0)
	require.NoError(t, err)
	_, _, err = c.AddStake(ctx, staker, ownerHotkey.Address(), netuid, 200*types.RaoPerTAO, chain.NoLimit)
	require.NoError(t, err)
	require.Eventually(t, func() bool { // an epoch has paid the stake
		s, err := c.Stakes(ctx, staker.Address())
		return err == nil && len(s.Stakes) == 1 && s.Stakes[0].Alpha > 0
	}, 30*time.Second, 100*time.Millisecond)
	_, err = c.WaitForHeight(ctx, 20)
	require.NoError(t, err)

	coldkeys := []string{owner.Address(), staker.Address(), minerCold.Address(), n.Authority.Address()}
	balances := map[string]uint64{}
	for _, a := range coldkeys {
		balances[a], err = c.Balance(ctx, a)
		require.NoError(t, err)
	}
	stakes, err := c.Stakes(ctx, staker.Address())
	require.NoError(t, err)
	subnet, _, err := c.Subnet(ctx, netuid)
	require.NoError(t, err)
	hyper, err := c.Hyperparameters(ctx, netuid)
	require.NoError(t, err)
	meta, err := c.Metagraph(ctx, netuid, false, false)
	require.NoError(t, err)

	require.NoError(t, n.StopNode(0))
	require.NoError(t, n.StopNode(1))
	genesis := filepath.Join(t.TempDir(), "genesis.json")
	runGotensor(t, "export", "--for-zero-height", "--home", n.Nodes[0].Home, "--output-document", genesis)
	raw, err := os.ReadFile(genesis)
	require.NoError(t, err)
	var doc struct {
		InitialHeight json.Number `json:"initial_height"`
		ChainID       string      `json:"chain_id"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.Equal(t, n.ChainID, doc.ChainID)
	require.Contains(t, []json.Number{"0", "1"}, doc.InitialHeight, "the new chain starts at height 1")
	for _, node := range n.Nodes {
		require.NoError(t, os.WriteFile(filepath.Join(node.Home, "config", "genesis.json"), raw, 0o644))
		runGotensor(t, "comet", "unsafe-reset-all", "--home", node.Home, "--keep-addr-book")
	}
	require.NoError(t, n.StartNode(0))
	require.NoError(t, n.StartNode(1))

	restarted, err := c.WaitForHeight(ctx, 3)
	require.NoError(t, err)
	require.Less(t, restarted, int64(20), "the new chain counts from 1")
	for _, a := range coldkeys {
		b, err := c.Balance(ctx, a)
		require.NoError(t, err)
		require.Equal(t, balances[a], b, "balance of %s", a)
	}
	after, err := c.Stakes(ctx, staker.Address())
	require.NoError(t, err)
	require.Len(t, after.Stakes, len(stakes.Stakes))
	for i, s := range after.Stakes {
		require.Equal(t, stakes.Stakes[i].Hotkey, s.Hotkey)
		require.Equal(t, stakes.Stakes[i].Netuid, s.Netuid)
		require.GreaterOrEqual(t, s.Alpha, stakes.Stakes[i].Alpha, "stake only grows with emission")
	}
	sub, _, err := c.Subnet(ctx, netuid)
	require.NoError(t, err)
	require.Equal(t, subnet.Name, sub.Name)
	require.Equal(t, subnet.Owner, sub.Owner)
	require.Equal(t, subnet.OwnerHotkey, sub.OwnerHotkey)
	require.Equal(t, subnet.N, sub.N)
	require.True(t, sub.Started)
	require.Equal(t, uint64(1), sub.RegisteredAt, "registered before the restart: block 1 of the new chain")
	require.GreaterOrEqual(t, sub.TaoReserve, subnet.TaoReserve)
	h2, err := c.Hyperparameters(ctx, netuid)
	require.NoError(t, err)
	require.Equal(t, hyper, h2)
	meta2, err := c.Metagraph(ctx, netuid, false, false)
	require.NoError(t, err)
	require.Len(t, meta2.Neurons, len(meta.Neurons))
	for i, nv := range meta2.Neurons {
		require.Equal(t, meta.Neurons[i].Uid, nv.Uid)
		require.Equal(t, meta.Neurons[i].Hotkey, nv.Hotkey)
		require.Equal(t, meta.Neurons[i].Coldkey, nv.Coldkey)
		require.Equal(t, uint64(1), nv.BlockAtRegistration, "registered before the restart")
	}

	// The subnet runs epochs on the new chain's heights, and new transactions land.
	require.Eventually(t, func() bool {
		s, _, err := c.Subnet(ctx, netuid)
		return err == nil && s.LastEpochBlock > 1 && s.LastEpochBlock < 20
	}, 30*time.Second, 100*time.Millisecond, "an epoch after the restart")
	_, err = c.Transfer(ctx, staker, minerCold.Address(), 1)
	require.NoError(t, err)
	inv, err := c.Query().Invariants(ctx, &types.QueryInvariantsRequest{})
	require.NoError(t, err)
	require.True(t, inv.Ok, "%+v", inv.Results)
}
