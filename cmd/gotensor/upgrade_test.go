package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	upgradetypes "github.com/cosmos/cosmos-sdk/x/upgrade/types"

	"github.com/gotensor/gotensor/app"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// testUpgrade is the upgrade the test's "new binary" carries: every subnet's serving rate limit
// becomes at least upgradedServingRateLimit, a hyperparameter default changed in a release.
const (
	testUpgrade              = "v2-test"
	upgradedServingRateLimit = 77
)

// The upgrade check, as an operator runs it (docs/operators-guide.md): a governance
// proposal plans a software upgrade; at its height every node halts; the nodes start again with
// a binary that carries the upgrade (here: the same process, the upgrade added in between); the
// chain resumes with its state intact and migrated.
func TestSoftwareUpgradeByGovernance(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a two-node chain through a governance vote and an upgrade")
	}
	n := chaintest.Cluster(t, 2, chaintest.ClusterOptions{VotingPeriod: 6 * time.Second})
	c := n.Dial(t)
	ctx := context.Background()
	owner, ownerHotkey := n.Fund(t, 1_000*types.RaoPerTAO), synapse.GenerateKeySigner()
	netuid := n.Subnet(t, owner, ownerHotkey, "tempo", "10")
	staker := n.Fund(t, 100*types.RaoPerTAO)
	_, _, err := c.AddStake(ctx, staker, ownerHotkey.Address(), netuid, 50*types.RaoPerTAO, chain.NoLimit)
	require.NoError(t, err)
	before, err := c.Hyperparameters(ctx, netuid)
	require.NoError(t, err)
	require.Less(t, before.ServingRateLimit, uint64(upgradedServingRateLimit))

	// The proposal, from node 0's operator, and both validators' votes.
	now, err := c.Height(ctx)
	require.NoError(t, err)
	planHeight := now + 75 // the 6 s vote takes about 30 blocks of 200 ms
	tx := func(home string, args ...string) {
		t.Helper()
		out := runGotensor(t, append(args, "--home", home, "--keyring-backend", "test", "--chain-id", n.ChainID,
			"--node", n.Nodes[0].RPC+","+n.Nodes[1].RPC, "--gas", "500000", "--yes", "-o", "json")...)
		var res struct {
			Code   uint32 `json:"code"`
			RawLog string `json:"raw_log"`
			TxHash string `json:"txhash"`
		}
		require.NoError(t, json.Unmarshal(out[strings.IndexByte(string(out), '{'):], &res), "%s", out)
		require.Zero(t, res.Code, res.RawLog)
		require.Eventually(t, func() bool { _, err := c.Tx(ctx, res.TxHash); return err == nil }, 20*time.Second, 100*time.Millisecond)
	}
	tx(n.Nodes[0].Home, "tx", "upgrade", "software-upgrade", testUpgrade, "--upgrade-height", fmt.Sprint(planHeight),
		"--title", "test upgrade", "--summary", "raises the serving rate limit", "--deposit", "10000000"+types.Denom,
		"--no-validate", "--from", "node0")
	tx(n.Nodes[0].Home, "tx", "gov", "vote", "1", "yes", "--from", "node0")
	tx(n.Nodes[1].Home, "tx", "gov", "vote", "1", "yes", "--from", "node1")

	// Every node halts at the plan's height and says why.
	for _, node := range n.Nodes {
		info := filepath.Join(node.Home, "data", "upgrade-info.json")
		require.Eventually(t, func() bool { _, err := os.Stat(info); return err == nil }, 60*time.Second, 200*time.Millisecond,
			"the node halted for the upgrade")
		raw, err := os.ReadFile(info)
		require.NoError(t, err)
		var plan upgradetypes.Plan
		require.NoError(t, json.Unmarshal(raw, &plan))
		require.Equal(t, testUpgrade, plan.Name)
		require.Equal(t, planHeight, plan.Height)
	}
	halted, err := c.Height(ctx)
	require.NoError(t, err)
	require.Equal(t, planHeight-1, halted, "no block at the plan's height without the upgrade")
	balance, err := c.Balance(ctx, staker.Address())
	require.NoError(t, err)
	stakes, err := c.Stakes(ctx, staker.Address())
	require.NoError(t, err)

	// The new binary.
	for i := range n.Nodes {
		_ = n.StopNode(i) // a node whose consensus halted reports it while stopping
	}
	app.AddUpgrade(app.Upgrade{Name: testUpgrade, Migrate: func(ctx context.Context, a *app.App, _ upgradetypes.Plan) error {
		var netuids []uint32
		if err := a.SubnetKeeper.Hyperparams.Walk(ctx, nil, func(netuid uint32, h types.Hyperparams) (bool, error) {
			netuids = append(netuids, netuid)
			return false, nil
		}); err != nil {
			return err
		}
		for _, netuid := range netuids {
			h, err := a.SubnetKeeper.Hyperparams.Get(ctx, netuid)
			if err != nil {
				return err
			}
			h.ServingRateLimit = max(h.ServingRateLimit, upgradedServingRateLimit)
			if err := a.SubnetKeeper.Hyperparams.Set(ctx, netuid, h); err != nil {
				return err
			}
		}
		return nil
	}})
	for i := range n.Nodes {
		require.NoError(t, n.StartNode(i))
	}
	_, err = c.WaitForHeight(ctx, planHeight+3)
	require.NoError(t, err, "the chain resumes")

	out := runGotensor(t, "q", "upgrade", "applied", testUpgrade, "--node", n.Nodes[1].RPC, "-o", "json")
	var applied struct {
		Height json.Number `json:"height"`
	}
	require.NoError(t, json.Unmarshal(out, &applied), "%s", out)
	require.Equal(t, json.Number(fmt.Sprint(planHeight)), applied.Height)
	after, err := c.Hyperparameters(ctx, netuid)
	require.NoError(t, err)
	require.Equal(t, uint64(upgradedServingRateLimit), after.ServingRateLimit, "migrated")
	after.ServingRateLimit = before.ServingRateLimit
	require.Equal(t, before, after, "nothing else changed")
	b, err := c.Balance(ctx, staker.Address())
	require.NoError(t, err)
	require.Equal(t, balance, b)
	s, err := c.Stakes(ctx, staker.Address())
	require.NoError(t, err)
	require.Len(t, s.Stakes, len(stakes.Stakes))
	require.GreaterOrEqual(t, s.Stakes[0].Alpha, stakes.Stakes[0].Alpha)
	_, err = c.Transfer(ctx, staker, owner.Address(), 1)
	require.NoError(t, err)
	inv, err := c.Query().Invariants(ctx, &types.QueryInvariantsRequest{})
	require.NoError(t, err)
	require.True(t, inv.Ok, "%+v", inv.Results)
}
