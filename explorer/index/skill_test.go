package index_test

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/explorer/index"
	"github.com/gotensor/gotensor/explorer/store"
	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast/scoreboard"
	"github.com/gotensor/gotensor/subnets/forecast/standings"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// serveHTTP serves h on a loopback port for the test and returns the port.
func serveHTTP(t *testing.T, h http.HandlerFunc) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return uint16(ln.Addr().(*net.TCPAddr).Port)
}

// At a subnet's epoch the reader asks each permit holder that announces a standings endpoint:
// the owner's validator publishes signed standings, one miner's endpoint answers a document
// signed by another key, another's never answers. The first is stored and correlated with the
// epoch's incentive, the others are recorded as invalid and unreachable, and the epoch is read
// once.
func TestSkillReaderReadsPublishedStandings(t *testing.T) {
	n := chaintest.Shared(t)
	c := n.Client()
	ctx := context.Background()
	rpc, err := index.DiscoverRPC(ctx, n.GRPC)
	require.NoError(t, err)
	owner, ownerHotkey := n.Fund(t, 1_000*types.RaoPerTAO), synapse.GenerateKeySigner()
	netuid := n.Subnet(t, owner, ownerHotkey, "tempo", "3", "commit_reveal", "false", "weights_set_rate_limit", "0", "serving_rate_limit", "0")
	miners := []*synapse.KeySigner{synapse.GenerateKeySigner(), synapse.GenerateKeySigner()}
	for _, m := range miners {
		_, _, err := c.Register(ctx, n.Fund(t, 100*types.RaoPerTAO), netuid, m.Address(), 0)
		require.NoError(t, err)
	}
	w, err := chain.WeightsFromScores(map[uint16]float64{1: 0.7, 2: 0.3}, 0)
	require.NoError(t, err)
	_, err = c.SetWeights(ctx, ownerHotkey, netuid, w)
	require.NoError(t, err)

	// The owner's validator measured miner 1 more skilled than miner 2, as the weights say.
	published := standings.Standings{ChainID: c.ChainID(), Netuid: netuid, Validator: ownerHotkey.Address(), Rounds: 12,
		Miners: []scoreboard.Standing{{UID: 1, Hotkey: miners[0].Address(), Skill: 0.4, Score: 0.5, Challenges: 12, Answered: 12},
			{UID: 2, Hotkey: miners[1].Address(), Skill: 0.1, Score: 0.05, Challenges: 12, Answered: 11}}}
	ports := []uint16{
		serveHTTP(t, func(w http.ResponseWriter, r *http.Request) {
			doc, err := standings.Sign(published, ownerHotkey)
			require.NoError(t, err)
			_, _ = w.Write(doc)
		}),
		serveHTTP(t, func(w http.ResponseWriter, r *http.Request) {
			forged := published
			forged.Validator = miners[0].Address()
			doc, err := standings.Sign(forged, miners[0])
			require.NoError(t, err)
			doc[len(doc)-3] ^= 1 // a byte of the signature's text changed in transit
			_, _ = w.Write(doc)
		}),
		serveHTTP(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }),
	}
	for i, key := range []*synapse.KeySigner{ownerHotkey, miners[0], miners[1]} {
		_, err := c.ServeAxon(ctx, key, netuid, axon.ServeInfo{IP: netip.MustParseAddr("127.0.0.1"), Port: ports[i], IPType: 4,
			Protocol: axon.ProtocolHTTP, Version: standings.AxonVersion})
		require.NoError(t, err)
	}
	now, err := c.Height(ctx)
	require.NoError(t, err)
	upTo, err := c.WaitForHeight(ctx, now+9) // two epochs after the weights and the axons
	require.NoError(t, err)

	db := openSQLite(t)
	ix, err := index.New(index.Config{Chain: c, RPC: rpc, Store: db, From: upTo - 8})
	require.NoError(t, err)
	_, err = ix.IndexTo(ctx, upTo)
	require.NoError(t, err)
	epoch, err := db.LastEpoch(ctx, netuid)
	require.NoError(t, err)
	mg, err := c.Query().Metagraph(chain.AtHeight(ctx, epoch), &types.QueryMetagraphRequest{Netuid: uint32(netuid)})
	require.NoError(t, err)
	for _, nv := range mg.Neurons {
		require.True(t, nv.ValidatorPermit, "a subnet of three uids gives each a permit")
	}
	require.Greater(t, mg.Neurons[1].Incentive, mg.Neurons[2].Incentive)

	reader, err := index.NewSkillReader(index.SkillConfig{Chain: c, Store: db, Timeout: 300 * time.Millisecond})
	require.NoError(t, err)
	read, err := reader.ReadNew(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, read, 1, "the test subnet's epoch (and any other test's subnet with an epoch in the blocks indexed)")
	got, err := db.Skill(ctx, netuid, 10)
	require.NoError(t, err)
	require.Len(t, got.History, 1)
	e := got.Latest
	require.Equal(t, epoch, e.Block)
	require.Len(t, e.Readings, 3)
	require.Equal(t, store.SkillPublished, e.Readings[0].Status, e.Readings[0].Detail)
	require.Equal(t, ownerHotkey.Address(), e.Readings[0].Hotkey)
	require.Equal(t, 12, e.Readings[0].Rounds)
	require.Equal(t, []store.MinerSkill{{UID: 1, Hotkey: miners[0].Address(), Skill: 0.4, Score: 0.5, Challenges: 12, Answered: 12},
		{UID: 2, Hotkey: miners[1].Address(), Skill: 0.1, Score: 0.05, Challenges: 12, Answered: 11}}, e.Readings[0].Miners)
	require.Equal(t, store.SkillInvalid, e.Readings[1].Status)
	require.Contains(t, e.Readings[1].Detail, "invalid standings")
	require.Equal(t, store.SkillUnreachable, e.Readings[2].Status)
	require.Equal(t, 1, e.Publishers)
	require.Equal(t, 2, e.Miners)
	require.NotNil(t, e.Spearman)
	require.Equal(t, 1.0, *e.Spearman, "incentive orders the two miners as the published skill does")

	read, err = reader.ReadNew(ctx)
	require.NoError(t, err)
	require.Zero(t, read, "an epoch is read once")
}
