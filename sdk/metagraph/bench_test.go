package metagraph_test

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// fullSubnet is a subnet filled to its 256 uids on the shared chain, once per process: uid 0 the
// owner's hotkey with a weight on every uid, uids 1–255 registered in batches of 51 per
// transaction (registration priced flat at 0.1 TAO by the authority), each serving an axon. Its
// tempo is 0 (no epochs): bonds stay empty, and only the owner, who needs no permit, has a row.
var fullSubnet = struct {
	once   sync.Once
	netuid uint16
	err    error
}{}

const fullUids = 256

func populate(b *testing.B) (*chain.Client, uint16) {
	n := chaintest.Shared(b)
	fullSubnet.once.Do(func() { fullSubnet.netuid, fullSubnet.err = fill(b, n) })
	require.NoError(b, fullSubnet.err)
	return n.Client(), fullSubnet.netuid
}

func fill(b *testing.B, n *chaintest.Network) (uint16, error) {
	ctx := context.Background()
	c := n.Client()
	ownerHotkey := synapse.GenerateKeySigner()
	netuid := n.Subnet(b, n.Fund(b, 1_000*types.RaoPerTAO), ownerHotkey,
		"burn_increase_mult_milli", "1000", "max_burn", "100000001", "serving_rate_limit", "0", "weights_set_rate_limit", "0", "commit_reveal", "false",
		"tempo", "0") // no epoch moves the markers while the benchmarks run
	coldkey := n.Fund(b, 100*types.RaoPerTAO)
	hotkeys := make([]*synapse.KeySigner, fullUids-1)
	for i := range hotkeys {
		hotkeys[i] = synapse.GenerateKeySigner()
	}
	for start := 0; start < len(hotkeys); start += 51 {
		var msgs []sdk.Msg
		for _, h := range hotkeys[start:min(start+51, len(hotkeys))] {
			msgs = append(msgs, &types.MsgBurnedRegister{Coldkey: coldkey.Address(), Netuid: uint32(netuid), Hotkey: h.Address()})
		}
		if _, err := c.Send(ctx, coldkey, msgs...); err != nil {
			return 0, fmt.Errorf("registering: %w", err)
		}
	}
	// Every miner serves; their transactions are independent, so they go out together.
	errs := make(chan error, len(hotkeys))
	for i, h := range hotkeys {
		go func() {
			_, err := c.ServeAxon(ctx, h, netuid, axon.ServeInfo{
				IP: netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), Port: 8091, IPType: 4,
				Protocol: axon.ProtocolHTTP, Version: synapse.Version,
			})
			errs <- err
		}()
	}
	for range hotkeys {
		if err := <-errs; err != nil {
			return 0, fmt.Errorf("serving: %w", err)
		}
	}
	scores := map[uint16]float64{}
	for uid := range fullUids {
		scores[uint16(uid)] = float64(uid + 1)
	}
	w, err := chain.WeightsFromScores(scores, 0)
	if err != nil {
		return 0, err
	}
	if _, err := c.SetWeights(ctx, ownerHotkey, netuid, w); err != nil {
		return 0, fmt.Errorf("weights: %w", err)
	}
	return netuid, nil
}

// BenchmarkLoad reads a 256-uid subnet's metagraph from a node in this process, over gRPC on
// loopback: Full (with weight and bond rows) and Lite.
func BenchmarkLoad(b *testing.B) {
	c, netuid := populate(b)
	ctx := context.Background()
	for _, mode := range []metagraph.Mode{metagraph.Full, metagraph.Lite} {
		b.Run(mode.String(), func(b *testing.B) {
			m, err := metagraph.Load(ctx, c, netuid, mode)
			require.NoError(b, err)
			require.Equal(b, fullUids, m.N())
			if mode == metagraph.Full {
				require.Len(b, m.Weights[0], fullUids)
			}
			_, axons := m.Serving()
			require.Len(b, axons, fullUids-1)
			b.ResetTimer()
			for b.Loop() {
				if _, err := metagraph.Load(ctx, c, netuid, mode); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSyncUnchanged is a refresh on a block that changed nothing: one summary read.
func BenchmarkSyncUnchanged(b *testing.B) {
	c, netuid := populate(b)
	s := metagraph.NewSyncer(c, netuid, metagraph.Options{Mode: metagraph.Full})
	ctx := context.Background()
	_, _, err := s.Sync(ctx)
	require.NoError(b, err)
	reads := s.Reads()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := s.Sync(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	require.Equal(b, reads, s.Reads(), "no marker moved: no metagraph read")
}

// BenchmarkLookup is the axon's per-request cost of asking who a caller is.
func BenchmarkLookup(b *testing.B) {
	keys := hotkeys(fullUids)
	r := response(keys[:3])
	m, err := metagraph.FromResponse(r, metagraph.Lite)
	require.NoError(b, err)
	b.ResetTimer()
	for b.Loop() {
		if _, ok := m.Lookup(keys[1]); !ok {
			b.Fatal("lookup failed")
		}
	}
}
