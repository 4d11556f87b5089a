package metagraph_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	grpctypes "github.com/cosmos/cosmos-sdk/types/grpc"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// response is a three-uid subnet: uid 0 a validator with a permit, uids 1 and 2 miners, uid 1
// serving.
func response(hotkeys []string) *types.QueryMetagraphResponse {
	return &types.QueryMetagraphResponse{
		Netuid: 4, Height: 120, LastEpochBlock: 100, TopologyChangedAt: 90,
		Neurons: []types.NeuronView{
			{Netuid: 4, Uid: 2, Hotkey: hotkeys[2], Coldkey: "c2", AlphaStake: 0, Incentive: 20_000, Emission: 7},
			{Netuid: 4, Uid: 0, Hotkey: hotkeys[0], Coldkey: "c0", AlphaStake: 5_000_000_000, StakeWeight: 65535,
				ValidatorPermit: true, Active: true, Dividends: 65535, ValidatorTrust: 60_000, LastUpdate: 110},
			{Netuid: 4, Uid: 1, Hotkey: hotkeys[1], Coldkey: "c1", AlphaStake: 10, Incentive: 45_535, Consensus: 40_000,
				Axon: &types.AxonInfo{Block: 95, Version: synapse.Version, Ip: "127.0.0.1", Port: 8091, IpType: 4, Protocol: 4}},
		},
		Weights: []types.MatrixRow{{Uid: 0, Entries: []types.WeightEntry{{Uid: 1, Value: 65535}, {Uid: 2, Value: 30_000}}}},
		Bonds:   []types.MatrixRow{{Uid: 0, Entries: []types.WeightEntry{{Uid: 1, Value: 100}}}},
	}
}

func hotkeys(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = synapse.GenerateKeySigner().Address()
	}
	return out
}

// §3.1 of spec/bittensor-sdk.md: the per-uid vectors, indexed by uid whatever order the node
// lists neurons in; the rows only when full.
func TestFromResponse(t *testing.T) {
	keys := hotkeys(3)
	m, err := metagraph.FromResponse(response(keys), metagraph.Full)
	require.NoError(t, err)
	require.Equal(t, 3, m.N())
	require.Equal(t, uint16(4), m.Netuid)
	require.Equal(t, int64(120), m.Height)
	require.Equal(t, keys, m.Hotkeys)
	require.Equal(t, []string{"c0", "c1", "c2"}, m.Coldkeys)
	require.Equal(t, []uint64{5_000_000_000, 10, 0}, m.AlphaStake)
	require.Equal(t, []bool{true, false, false}, m.ValidatorPermit)
	require.Equal(t, []uint16{0, 45_535, 20_000}, m.Incentive)
	require.Equal(t, []uint16{65535, 0, 0}, m.Dividends)
	require.Equal(t, []uint64{0, 0, 7}, m.Emission)
	require.Equal(t, 1.0, metagraph.Share(m.Dividends[0]))
	require.False(t, m.Axons[0].Serving())
	require.Equal(t, "127.0.0.1:8091", m.Axons[1].Addr())
	require.Equal(t, [][]metagraph.Entry{{{UID: 1, Value: 65535}, {UID: 2, Value: 30_000}}, nil, nil}, m.Weights)
	require.Equal(t, [][]metagraph.Entry{{{UID: 1, Value: 100}}, nil, nil}, m.Bonds)

	uids, axons := m.Serving()
	require.Equal(t, []uint16{1}, uids)
	require.Equal(t, []dendrite.Axon{{Hotkey: keys[1], Addr: "127.0.0.1:8091"}}, axons)

	peer, ok := m.Lookup(keys[0])
	require.True(t, ok)
	require.Equal(t, axon.PeerInfo{UID: 0, Stake: 5_000_000_000, ValidatorPermit: true}, peer)
	_, ok = m.Lookup(synapse.GenerateKeySigner().Address())
	require.False(t, ok)

	lite, err := metagraph.FromResponse(response(keys), metagraph.Lite)
	require.NoError(t, err)
	require.Nil(t, lite.Weights)
	require.Nil(t, lite.Bonds)
}

func TestFromResponseRefusesMalformed(t *testing.T) {
	keys := hotkeys(3)
	tests := []struct {
		name   string
		change func(*types.QueryMetagraphResponse)
		want   string
	}{
		{"uid out of range", func(r *types.QueryMetagraphResponse) { r.Neurons[0].Uid = 3 }, "out of range or repeated"},
		{"uid repeated", func(r *types.QueryMetagraphResponse) { r.Neurons[0].Uid = 0 }, "out of range or repeated"},
		{"share beyond u16", func(r *types.QueryMetagraphResponse) { r.Neurons[1].Dividends = 70_000 }, "not a u16"},
		{"bad axon ip", func(r *types.QueryMetagraphResponse) { r.Neurons[2].Axon.Ip = "nowhere" }, "axon ip"},
		{"row of a missing uid", func(r *types.QueryMetagraphResponse) { r.Weights[0].Uid = 9 }, "weights row of uid 9"},
		{"entry beyond n", func(r *types.QueryMetagraphResponse) { r.Bonds[0].Entries[0].Uid = 5 }, "out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := response(keys)
			tc.change(r)
			_, err := metagraph.FromResponse(r, metagraph.Full)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// A snapshot saved as JSON loads back whole, its hotkey index included.
func TestJSONRoundTrip(t *testing.T) {
	keys := hotkeys(3)
	m, err := metagraph.FromResponse(response(keys), metagraph.Full)
	require.NoError(t, err)
	bz, err := json.Marshal(m)
	require.NoError(t, err)
	var back metagraph.Metagraph
	require.NoError(t, json.Unmarshal(bz, &back))
	require.Equal(t, m.Axons, back.Axons)
	require.Equal(t, m.Weights, back.Weights)
	require.Equal(t, metagraph.Full, back.Mode)
	uid, ok := back.UID(keys[2])
	require.True(t, ok)
	require.Equal(t, uint16(2), uid)
}

// fakeNode serves the two reads a syncer makes, with markers and a height the test moves.
type fakeNode struct {
	types.UnimplementedQueryServer
	mu                  sync.Mutex
	height              int64
	topology, lastEpoch uint64
	reads               int
	pinned              []int64
	keys                []string
}

func (f *fakeNode) Subnet(context.Context, *types.QuerySubnetRequest) (*types.QuerySubnetResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &types.QuerySubnetResponse{Height: f.height,
		Subnet: types.SubnetSummary{Netuid: 4, TopologyChangedAt: f.topology, LastEpochBlock: f.lastEpoch}}, nil
}

func (f *fakeNode) Metagraph(ctx context.Context, req *types.QueryMetagraphRequest) (*types.QueryMetagraphResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get(grpctypes.GRPCBlockHeightHeader); len(v) == 1 {
		h, _ := strconv.ParseInt(v[0], 10, 64)
		f.pinned = append(f.pinned, h)
	}
	r := response(f.keys)
	r.Height, r.TopologyChangedAt, r.LastEpochBlock = f.height, f.topology, f.lastEpoch
	if !req.Weights {
		r.Weights, r.Bonds = nil, nil
	}
	return r, nil
}

func (f *fakeNode) set(height int64, topology, lastEpoch uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.height, f.topology, f.lastEpoch = height, topology, lastEpoch
}

func startFakeNode(t *testing.T) (*fakeNode, *chain.Client) {
	enc, err := chain.NewEncoding()
	require.NoError(t, err)
	f := &fakeNode{keys: hotkeys(3), height: 10, topology: 5, lastEpoch: 1}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer(grpc.ForceServerCodec(enc.Codec.GRPCCodec()))
	types.RegisterQueryServer(srv, f)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	c, err := chain.Dial(context.Background(), chain.Config{Node: lis.Addr().String(), ChainID: "fake"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return f, c
}

// The syncer reads the metagraph again only when the uid table or the epoch results changed,
// and then at the very height whose summary said so.
func TestSyncerRereadsOnlyOnMarkers(t *testing.T) {
	f, c := startFakeNode(t)
	s := metagraph.NewSyncer(c, 4, metagraph.Options{})
	ctx := context.Background()
	steps := []struct {
		name                string
		height              int64
		topology, lastEpoch uint64
		reread              bool
	}{
		{"first sync reads", 10, 5, 1, true},
		{"same block: nothing", 10, 5, 1, false},
		{"new block, same markers: nothing", 11, 5, 1, false},
		{"a neuron served: re-read", 12, 12, 1, true},
		{"new blocks, same markers: nothing", 15, 12, 1, false},
		{"an epoch ran: re-read", 16, 12, 16, true},
	}
	reads := 0
	for _, st := range steps {
		f.set(st.height, st.topology, st.lastEpoch)
		m, changed, err := s.Sync(ctx)
		require.NoError(t, err, st.name)
		require.Equal(t, st.reread, changed, st.name)
		if st.reread {
			reads++
			require.Equal(t, st.height, m.Height, st.name)
			require.Equal(t, st.height, f.pinned[len(f.pinned)-1], "%s: read at the summary's height", st.name)
		}
		require.Equal(t, reads, f.reads, st.name)
		require.Equal(t, int64(reads), s.Reads(), st.name)
		require.Equal(t, st.height, s.Checked(), st.name)
		require.Same(t, m, s.Current(), st.name)
	}
}

func TestSyncerMaxAge(t *testing.T) {
	f, c := startFakeNode(t)
	s := metagraph.NewSyncer(c, 4, metagraph.Options{MaxAge: 3})
	ctx := context.Background()
	for _, st := range []struct {
		height int64
		reads  int
	}{{10, 1}, {12, 1}, {13, 2}, {15, 2}, {16, 3}} {
		f.set(st.height, 5, 1)
		_, _, err := s.Sync(ctx)
		require.NoError(t, err)
		require.Equal(t, st.reads, f.reads, "height %d", st.height)
	}
}

// Running in the background, the syncer is an axon's Peers: unknown callers before the first
// snapshot, known ones after.
func TestSyncerInBackground(t *testing.T) {
	f, c := startFakeNode(t)
	s := metagraph.NewSyncer(c, 4, metagraph.Options{Interval: 5 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	_, ok := s.Lookup(f.keys[0])
	require.False(t, ok, "nothing is known before the first sync")
	require.NoError(t, s.Start())
	require.ErrorIs(t, s.Start(), metagraph.ErrAlreadyStarted)
	require.True(t, s.IsRunning())
	require.Eventually(t, func() bool { _, ok := s.Lookup(f.keys[0]); return ok }, 10*time.Second, time.Millisecond)
	peer, _ := s.Lookup(f.keys[0])
	require.True(t, peer.ValidatorPermit)
	require.NoError(t, s.Stop())
	require.NoError(t, s.Stop())
	<-s.Quit()
	require.False(t, s.IsRunning())
	require.ErrorIs(t, metagraph.NewSyncer(c, 4, metagraph.Options{}).Stop(), metagraph.ErrNotStarted)
}
