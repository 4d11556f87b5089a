package chain_test

import (
	"context"
	"encoding/hex"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// hangingNode accepts connections and never answers.
func hangingNode(t *testing.T) string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = lis.Close() })
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = conn.Close() })
		}
	}()
	return lis.Addr().String()
}

// deadAddress is a loopback address nothing listens on.
func deadAddress(t *testing.T) string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := lis.Addr().String()
	require.NoError(t, lis.Close())
	return addr
}

// dialNodes is fakeNode.dial for a list of nodes.
func dialNodes(t *testing.T, nodes []string, cfg chain.Config) *chain.Client {
	cfg.Nodes, cfg.ChainID, cfg.PollInterval = nodes, "fake-1", time.Millisecond
	cfg.Retry = chain.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := chain.Dial(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// With several nodes, a silent or unreachable one costs a call one attempt's timeout and the
// client stays with the node that answered.
func TestFailoverToTheNextNode(t *testing.T) {
	f := startFakeNode(t)
	for _, tc := range []struct {
		name  string
		first string
	}{{"silent", hangingNode(t)}, {"unreachable", deadAddress(t)}} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialNodes(t, []string{tc.first, f.addr}, chain.Config{CallTimeout: 2 * time.Second, AttemptTimeout: 200 * time.Millisecond})
			require.Equal(t, []string{tc.first, f.addr}, c.Nodes())
			require.Equal(t, tc.first, c.Node())
			start := time.Now()
			p, err := c.Params(context.Background())
			require.NoError(t, err)
			require.Equal(t, types.DefaultParams(), p)
			require.Less(t, time.Since(start), 2*time.Second, "the silent node cost one attempt, not the call's timeout")
			require.Equal(t, f.addr, c.Node(), "the client stays with the node that answered")
		})
	}
	t.Run("every node silent is the call's deadline", func(t *testing.T) {
		c, err := chain.Dial(context.Background(), chain.Config{Node: hangingNode(t) + "," + hangingNode(t), ChainID: "x",
			CallTimeout: 300 * time.Millisecond, Retry: chain.Backoff{Attempts: 2, Base: time.Millisecond, Max: time.Millisecond}})
		require.NoError(t, err)
		defer c.Close()
		_, err = c.Params(context.Background())
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("a broadcast moves on and resends the same bytes", func(t *testing.T) {
		g := startFakeNode(t)
		c := dialNodes(t, []string{deadAddress(t), g.addr}, chain.Config{AttemptTimeout: 200 * time.Millisecond})
		_, err := sendOnce(t, c, synapse.GenerateKeySigner())
		require.NoError(t, err)
		require.Len(t, g.broadcasts, 1)
	})
}

func TestParseNodes(t *testing.T) {
	require.Equal(t, []string{"a:1", "b:2"}, chain.ParseNodes(" a:1, ,b:2,"))
	require.Empty(t, chain.ParseNodes(""))
	_, err := chain.Dial(context.Background(), chain.Config{Node: " , "})
	require.ErrorContains(t, err, "Config.Node is required")
}

// The check on a real chain: two validators, the client pointed first at the small one;
// that node stops, and the client's reads and transactions carry on through the other, over
// gRPC and over CometBFT RPC alike.
func TestClientSurvivesItsNodeStopping(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a two-node chain")
	}
	n := chaintest.Cluster(t, 2, chaintest.ClusterOptions{Bonds: []uint64{1_000 * types.RaoPerTAO, 10 * types.RaoPerTAO}})
	ctx := context.Background()
	cfg := n.ClientConfig()
	cfg.Node, cfg.AttemptTimeout = n.Nodes[1].GRPC+","+n.Nodes[0].GRPC, time.Second
	c, err := chain.Dial(ctx, cfg)
	require.NoError(t, err)
	defer c.Close()
	rpc, err := chain.NewCometRPC([]string{n.Nodes[1].RPC, n.Nodes[0].RPC}, time.Second, nil)
	require.NoError(t, err)

	coldkey := n.Fund(t, 10*types.RaoPerTAO)
	require.Eventually(t, func() bool { // node 1 may be a block behind the node that funded it
		b, err := c.Balance(ctx, coldkey.Address())
		return err == nil && b > 0
	}, 10*time.Second, 50*time.Millisecond)
	to := synapse.GenerateKeySigner().Address()
	_, err = c.Transfer(ctx, coldkey, to, 1)
	require.NoError(t, err)
	require.Equal(t, n.Nodes[1].GRPC, c.Node())
	st, err := rpc.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, n.Nodes[1].RPC, rpc.Node())
	before := st.SyncInfo.LatestBlockHeight

	require.NoError(t, n.StopNode(1))
	res, err := c.Transfer(ctx, coldkey, to, 2)
	require.NoError(t, err)
	require.Equal(t, n.Nodes[0].GRPC, c.Node(), "the client moved to the node that answers")
	require.Greater(t, res.Height, before)
	balance, err := c.Balance(ctx, to)
	require.NoError(t, err)
	require.Equal(t, uint64(3), balance)

	st, err = rpc.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, n.Nodes[0].RPC, rpc.Node())
	require.GreaterOrEqual(t, st.SyncInfo.LatestBlockHeight, res.Height)
	hash, err := hex.DecodeString(res.Hash)
	require.NoError(t, err)
	found, err := rpc.Tx(ctx, hash, false)
	require.NoError(t, err)
	require.Equal(t, res.Height, found.Height)
}
