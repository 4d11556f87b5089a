package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/gateway"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/synapse"
	fneuron "github.com/gotensor/gotensor/subnets/forecast/neuron"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Two real nodes of one chain, the gateway following the second: when
// that node stops, the gateway keeps serving forecasts from the last
// metagraph, reports the node's failure in /healthz and follows the first
// node, on which the chain goes on.
func TestGatewayFollowsTheNextNodeWhenItsNodeStops(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a two-node chain")
	}
	// Node 1 holds 1% of the stake: stopped, it leaves the chain running on node 0.
	n := chaintest.Cluster(t, 2, chaintest.ClusterOptions{Bonds: []uint64{1_000 * types.RaoPerTAO, 10 * types.RaoPerTAO}})
	ctx := context.Background()
	c := n.Dial(t)
	owner, ownerHotkey := n.Fund(t, 1_000*types.RaoPerTAO), synapse.GenerateKeySigner()
	netuid := n.Subnet(t, owner, ownerHotkey, "tempo", "4")
	_, _, err := c.AddStake(ctx, owner, ownerHotkey.Address(), netuid, 100*types.RaoPerTAO, chain.NoLimit)
	require.NoError(t, err)
	for _, name := range []string{"naive", "drift"} {
		hotkey := synapse.GenerateKeySigner()
		_, _, err := c.Register(ctx, n.Fund(t, 100*types.RaoPerTAO), netuid, hotkey.Address(), 0)
		require.NoError(t, err)
		m, err := fneuron.NewMiner(fneuron.MinerConfig{Chain: c, Hotkey: hotkey, Netuid: netuid, Model: name,
			ListenAddr: "127.0.0.1:0", SyncInterval: 100 * time.Millisecond, Logger: logger()})
		require.NoError(t, err)
		require.NoError(t, m.Start())
		t.Cleanup(func() { require.NoError(t, m.Stop()) })
	}

	// The gateway follows node 1, then node 0; it calls the miners as the
	// subnet owner, staked, with a validator permit.
	var clients []*chain.Client
	for _, node := range []*chaintest.ClusterNode{n.Nodes[1], n.Nodes[0]} {
		nc, err := chain.Dial(ctx, chain.Config{Node: node.GRPC, ChainID: n.ChainID})
		require.NoError(t, err)
		t.Cleanup(func() { nc.Close() })
		clients = append(clients, nc)
	}
	// Node 1 may lag behind node 0 by a block: the follower starts once it
	// knows the subnet, or its first read would move it on at once.
	require.Eventually(t, func() bool {
		_, err := clients[0].Query().Subnet(ctx, &types.QuerySubnetRequest{Netuid: uint32(netuid)})
		return err == nil
	}, 20*time.Second, 20*time.Millisecond, "node 1 knows subnet %d", netuid)
	fol, err := gateway.NewFollower(clients, netuid, 50*time.Millisecond, logger())
	require.NoError(t, err)
	require.NoError(t, fol.Start())
	t.Cleanup(func() { require.NoError(t, fol.Stop()) })
	keys, err := gateway.OpenKeys(filepath.Join(t.TempDir(), "gateway.db"))
	require.NoError(t, err)
	t.Cleanup(func() { keys.Close() })
	g, err := gateway.New(gateway.Config{ChainID: n.ChainID, Hotkey: ownerHotkey, Keys: keys, Logger: logger(),
		Forecasts: []gateway.ForecastSubnet{{Netuid: netuid, Model: "forecast", Metagraph: fol}}})
	require.NoError(t, err)
	srv := httptest.NewServer(g.Handler())
	t.Cleanup(func() { srv.Close(); require.NoError(t, g.Stop()) })
	f := &front{g: g, keys: keys, srv: srv, url: srv.URL + "/v1"}
	f.key, _, err = keys.Add(ctx, "test", gateway.Limits{})
	require.NoError(t, err)
	forecast := func() gateway.ForecastResponse {
		t.Helper()
		status, body := postJSON(t, f, "/forecast", map[string]any{"series": []float64{3, 5, 4, 6, 5, 7}, "horizon": 2})
		require.Equal(t, http.StatusOK, status, "%s", body)
		var got gateway.ForecastResponse
		require.NoError(t, json.Unmarshal(body, &got))
		return got
	}
	nodes := func() gateway.NodeStatus {
		var out struct {
			Nodes map[string]gateway.NodeStatus `json:"nodes"`
		}
		require.NoError(t, json.Unmarshal([]byte(get(t, srv.URL+"/healthz")), &out))
		return out.Nodes["forecast"]
	}
	require.Eventually(t, func() bool {
		m := fol.Current()
		if m == nil {
			return false
		}
		_, axons := m.Serving()
		uid, ok := m.UID(ownerHotkey.Address())
		return len(axons) == 2 && ok && m.ValidatorPermit[uid]
	}, 30*time.Second, 50*time.Millisecond, "both miners' axons and the gateway's permit, read from node 1")
	got := forecast()
	require.Len(t, got.Members, 2)
	require.Equal(t, "equal", got.Weighting, "no epoch has paid anyone yet")
	require.Zero(t, fol.Moves(), "still on node 1: %+v", fol.Nodes())

	require.NoError(t, n.StopNode(1))
	stopped := fol.Current()
	require.Len(t, forecast().Members, 2, "served from the last metagraph")
	require.Eventually(t, func() bool { return fol.Node() == 1 }, 20*time.Second, 20*time.Millisecond, "moved to node 0")
	s := nodes()
	require.Equal(t, 1, s.Following)
	require.Contains(t, s.LastError, "node 0 of 2")
	require.Eventually(t, func() bool { return fol.Current().Height > stopped.Height }, 20*time.Second, 20*time.Millisecond,
		"following node 0, where the chain goes on")
	require.Equal(t, 1, fol.Node(), "and staying there")
	require.Len(t, forecast().Members, 2)
}
