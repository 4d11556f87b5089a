package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/gateway"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
)

// endpoint is a node address that a test can kill: a TCP relay to the
// test chain's node gRPC server. Killed, it closes its listener and every
// connection through it, as a node that goes away does.
type endpoint struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	dead   bool
}

func newEndpoint(t *testing.T, target string) *endpoint {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	e := &endpoint{ln: ln, target: target}
	t.Cleanup(e.kill)
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil || !e.track(in, out) {
				in.Close()
				if out != nil {
					out.Close()
				}
				continue
			}
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	return e
}

func (e *endpoint) track(c ...net.Conn) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.conns = append(e.conns, c...)
	return !e.dead
}

func (e *endpoint) addr() string { return e.ln.Addr().String() }

func (e *endpoint) kill() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.dead = true
	_ = e.ln.Close()
	for _, c := range e.conns {
		_ = c.Close()
	}
}

// followedView is a view of a follower's metagraph that reports the
// follower's nodes.
type followedView struct {
	view
	fol *gateway.Follower
}

func (v followedView) Nodes() gateway.NodeStatus { return v.fol.Nodes() }

func health(t *testing.T, f *front) gateway.NodeStatus {
	var out struct {
		Nodes map[string]gateway.NodeStatus `json:"nodes"`
	}
	require.NoError(t, json.Unmarshal([]byte(get(t, f.srv.URL+"/healthz")), &out))
	return out.Nodes[model]
}

// The node the gateway follows dies: the gateway keeps serving from the
// last metagraph, reports the node's failure in /healthz, and follows the
// next node of its list; with every node gone it still serves.
func TestFollowerWhenTheNodeDies(t *testing.T) {
	nw := startNetwork(t)
	_, err := gateway.NewFollower(nil, nw.netuid, 0, logger())
	require.ErrorContains(t, err, "at least one node")
	node := chaintest.Shared(t).GRPC
	first, second := newEndpoint(t, node), newEndpoint(t, node)
	var clients []*chain.Client
	for _, e := range []*endpoint{first, second} {
		c, err := chain.Dial(context.Background(), chain.Config{Node: e.addr(), ChainID: nw.chain.ChainID()})
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		clients = append(clients, c)
	}
	fol, err := gateway.NewFollower(clients, nw.netuid, 50*time.Millisecond, logger())
	require.NoError(t, err)
	require.NoError(t, fol.Start())
	t.Cleanup(func() { require.NoError(t, fol.Stop()) })
	require.Eventually(t, func() bool { return fol.Current() != nil }, 10*time.Second, 10*time.Millisecond)
	f := newFront(t, nw, followedView{view{src: fol, allow: nw.honestV.allow}, fol}, nil)
	c := f.client(f.key, 0)
	s := health(t, f)
	require.Equal(t, gateway.NodeStatus{Following: 0, Nodes: 2, Height: s.Height}, s, "following the first node, no failure")
	require.Positive(t, s.Height)

	first.kill()
	last := fol.Current()
	_, err = c.Chat.Completions.New(context.Background(), chatParams(2))
	require.NoError(t, err, "served from the last metagraph")
	require.Eventually(t, func() bool { return fol.Node() == 1 }, 10*time.Second, 10*time.Millisecond, "moved to the next node")
	s = health(t, f)
	require.Equal(t, 1, s.Following)
	require.Equal(t, int64(1), s.Moves)
	require.Contains(t, s.LastError, "node 0 of 2")
	require.NotNil(t, s.FailedAt)
	require.Eventually(t, func() bool { return fol.Current().Height > last.Height }, 10*time.Second, 10*time.Millisecond, "following the next node")
	require.Equal(t, 1, fol.Node(), "and staying there")

	second.kill()
	last = fol.Current()
	require.Eventually(t, func() bool { return health(t, f).Moves >= 2 }, 10*time.Second, 10*time.Millisecond, "the second node's failure reported")
	_, err = c.Chat.Completions.New(context.Background(), chatParams(2))
	require.NoError(t, err, "with every node gone, still served from the last metagraph")
	require.Same(t, last, fol.Current())
	require.Contains(t, health(t, f).LastError, "of 2")
}
