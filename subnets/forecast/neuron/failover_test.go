package neuron_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast/neuron"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// The check: the node a validator talks to stops. The validator's client lists that node
// first and another after it; it moves to the other, the validator goes on setting weights, and
// the next epoch still pays the miners.
func TestValidatorFailsOverWhenItsNodeStops(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a two-node chain")
	}
	// Node 1 holds 1% of the stake: stopped, it leaves the chain running on node 0.
	n := chaintest.Cluster(t, 2, chaintest.ClusterOptions{Bonds: []uint64{1_000 * types.RaoPerTAO, 10 * types.RaoPerTAO}})
	ctx := context.Background()
	c := n.Dial(t) // the miners' and the test's: node 0 first
	cfg := n.ClientConfig()
	cfg.Node, cfg.AttemptTimeout = n.Nodes[1].GRPC+","+n.Nodes[0].GRPC, time.Second
	vc, err := chain.Dial(ctx, cfg)
	require.NoError(t, err)
	defer vc.Close()
	log := logger(t)

	owner, ownerHotkey := n.Fund(t, 1_000*types.RaoPerTAO), synapse.GenerateKeySigner()
	netuid := n.Subnet(t, owner, ownerHotkey, "tempo", "10", "commit_reveal", "false", "weights_set_rate_limit", "0")
	_, _, err = c.AddStake(ctx, owner, ownerHotkey.Address(), netuid, 100*types.RaoPerTAO, chain.NoLimit)
	require.NoError(t, err)
	var miners []*neuron.Miner
	for _, name := range []string{"naive", "seasonal-naive"} {
		hotkey := synapse.GenerateKeySigner()
		_, _, err := c.Register(ctx, n.Fund(t, 100*types.RaoPerTAO), netuid, hotkey.Address(), 0)
		require.NoError(t, err)
		m, err := neuron.NewMiner(neuron.MinerConfig{Chain: c, Hotkey: hotkey, Netuid: netuid, Model: name,
			ListenAddr: "127.0.0.1:0", SyncInterval: 100 * time.Millisecond, Logger: log})
		require.NoError(t, err)
		require.NoError(t, m.Start())
		defer func() { require.NoError(t, m.Stop()) }()
		miners = append(miners, m)
	}
	v, err := neuron.NewValidator(neuron.ValidatorConfig{Chain: vc, Hotkey: ownerHotkey, Netuid: netuid,
		RoundInterval: 100 * time.Millisecond, PollInterval: 100 * time.Millisecond, SyncInterval: 100 * time.Millisecond,
		WeightsInterval: 3, Logger: log})
	require.NoError(t, err)
	require.NoError(t, v.Start())
	defer func() { require.NoError(t, v.Stop()) }()

	require.Eventually(t, func() bool { return v.Activity().Sets >= 1 }, 60*time.Second, 50*time.Millisecond,
		"weights set through node 1; last: %+v", v.Activity())
	require.Equal(t, n.Nodes[1].GRPC, vc.Node())

	require.NoError(t, n.StopNode(1))
	stopped, err := c.Height(ctx)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return v.Activity().WeightsHeight > stopped }, 60*time.Second, 50*time.Millisecond,
		"weights set after node 1 stopped; last: %+v", v.Activity())
	require.Equal(t, n.Nodes[0].GRPC, vc.Node(), "the validator's client moved to node 0")
	set := v.Activity().WeightsHeight

	// The epoch after those weights pays the miners they name.
	var g *metagraph.Metagraph
	require.Eventually(t, func() bool {
		g, err = metagraph.Load(ctx, c, netuid, metagraph.Lite)
		return err == nil && g.LastEpochBlock > uint64(set)
	}, 30*time.Second, 100*time.Millisecond, "an epoch after the weights")
	var paid uint64
	for _, m := range miners {
		uid, ok := m.UID()
		require.True(t, ok)
		paid += g.Emission[uid]
		if g.Incentive[uid] > 0 {
			require.Positive(t, g.Emission[uid], "miner uid %d has incentive but no emission", uid)
		}
	}
	require.Positive(t, paid, "the epoch after the failover paid the miners")
	vuid, ok := g.UID(ownerHotkey.Address())
	require.True(t, ok)
	require.GreaterOrEqual(t, g.LastUpdate[vuid], uint64(set), "the chain took the weights set through node 0")
}
