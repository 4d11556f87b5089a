package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/gateway"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
)

// The node followed goes away: the gateway keeps serving from the last
// metagraph and the follower moves to the next node, which it then follows.
func TestFollowerMovesToTheNextNode(t *testing.T) {
	nw := startNetwork(t)
	first := chaintest.Shared(t).Dial(t)
	fol, err := gateway.NewFollower(nil, nw.netuid, 0, logger())
	require.ErrorContains(t, err, "at least one node")
	require.Nil(t, fol)
	fol, err = gateway.NewFollower([]*chain.Client{first, nw.chain}, nw.netuid, 50*time.Millisecond, logger())
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, fol.Sync(ctx))
	before := fol.Current()
	require.NotNil(t, before)
	require.Equal(t, 0, fol.Node())

	f := newFront(t, nw, view{src: fol, allow: nw.honestV.allow}, nil)
	require.NoError(t, first.Close()) // the followed node is gone
	require.Error(t, fol.Sync(ctx))
	require.Equal(t, 1, fol.Node())
	require.Equal(t, int64(1), fol.Moves())
	require.Same(t, before, fol.Current(), "the last metagraph stays")
	_, err = f.client(f.key, 0).Chat.Completions.New(ctx, chatParams(2))
	require.NoError(t, err, "served from the last metagraph")

	require.NoError(t, fol.Start())
	require.Eventually(t, func() bool { return fol.Current().Height > before.Height }, 10*time.Second, 20*time.Millisecond, "following the next node")
	require.Equal(t, 1, fol.Node())
	require.NoError(t, fol.Stop())
	<-fol.Quit()
}
