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

// fullSubnet is a subnet filled as a busy one is, once per process, on the shared chain: 256 uids
// (uid 0 the owner's hotkey, 255 registered in batches of 51 per transaction, priced flat at
// 0.1 TAO by the authority), every miner serving an axon, 64 validators (the owner's hotkey,
// whose emission makes it the most staked, and 63 staked ones) holding permits from an epoch,
// each with a weight on every uid, and the bonds the next epoch computed from them. Then the authority sets its tempo to 0, so no epoch moves the markers while the
// benchmarks run.
var fullSubnet = struct {
	once   sync.Once
	netuid uint16
	err    error
}{}

const (
	fullUids   = 256
	validators = 64 // the subnet's max_allowed_validators
)

func populate(b *testing.B) (*chain.Client, uint16) {
	n := chaintest.Shared(b)
	fullSubnet.once.Do(func() { fullSubnet.netuid, fullSubnet.err = fill(b, n) })
	require.NoError(b, fullSubnet.err)
	return n.Client(), fullSubnet.netuid
}

func fill(b *testing.B, n *chaintest.Network) (uint16, error) {
	ctx := context.Background()
	c := n.Client()
	owner := synapse.GenerateKeySigner()
	netuid := n.Subnet(b, n.Fund(b, 1_000*types.RaoPerTAO), owner,
		"burn_increase_mult", "1", "max_burn", "100000001", "serving_rate_limit", "0",
		"weights_set_rate_limit", "0", "commit_reveal", "false", "tempo", "3")
	coldkey := n.Fund(b, 1_000*types.RaoPerTAO)
	hotkeys := make([]*synapse.KeySigner, fullUids-1)
	for i := range hotkeys {
		hotkeys[i] = synapse.GenerateKeySigner()
	}
	if err := inBatches(ctx, c, coldkey, len(hotkeys), func(i int) sdk.Msg {
		return &types.MsgBurnedRegister{Coldkey: coldkey.Address(), Netuid: uint32(netuid), Hotkey: hotkeys[i].Address()}
	}); err != nil {
		return 0, fmt.Errorf("registering: %w", err)
	}
	// Uids 1–63 get stake (more for lower uids, so the ranking is strict), hence permits.
	if err := inBatches(ctx, c, coldkey, validators-1, func(i int) sdk.Msg {
		return &types.MsgAddStake{Coldkey: coldkey.Address(), Hotkey: hotkeys[i].Address(), Netuid: uint32(netuid),
			Amount: uint64(2*validators-i) * types.RaoPerTAO / 10}
	}); err != nil {
		return 0, fmt.Errorf("staking: %w", err)
	}
	// Every miner serves; their transactions are independent, so they go out together.
	if err := concurrently(len(hotkeys), func(i int) error {
		_, err := c.ServeAxon(ctx, hotkeys[i], netuid, axon.ServeInfo{
			IP: netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), Port: 8091, IPType: 4,
			Protocol: axon.ProtocolHTTP, Version: synapse.Version,
		})
		return err
	}); err != nil {
		return 0, fmt.Errorf("serving: %w", err)
	}
	permitted, err := afterEpoch(ctx, c, netuid, func(m *metagraph.Metagraph) bool {
		return countTrue(m.ValidatorPermit[:validators]) == validators
	})
	if err != nil {
		return 0, fmt.Errorf("waiting for permits: %w", err)
	}
	scores := map[uint16]float64{}
	for uid := range fullUids {
		scores[uint16(uid)] = float64(uid%17 + 1)
	}
	w, err := chain.WeightsFromScores(scores, 0)
	if err != nil {
		return 0, err
	}
	if err := concurrently(validators, func(uid int) error {
		signer := chain.Signer(owner)
		if uid > 0 {
			signer = hotkeys[uid-1]
		}
		_, err := c.SetWeights(ctx, signer, netuid, w)
		return err
	}); err != nil {
		return 0, fmt.Errorf("weights: %w", err)
	}
	if _, err := afterEpoch(ctx, c, netuid, func(m *metagraph.Metagraph) bool {
		return m.LastEpochBlock > permitted.LastEpochBlock+3 && len(m.Bonds[1]) > 0
	}); err != nil {
		return 0, fmt.Errorf("waiting for bonds: %w", err)
	}
	n.SetHyperparameters(b, netuid, "tempo", "0")
	return netuid, nil
}

// inBatches sends count messages from one key, 51 to a transaction.
func inBatches(ctx context.Context, c *chain.Client, from chain.Signer, count int, msg func(int) sdk.Msg) error {
	for start := 0; start < count; start += 51 {
		var msgs []sdk.Msg
		for i := start; i < min(start+51, count); i++ {
			msgs = append(msgs, msg(i))
		}
		if _, err := c.Send(ctx, from, msgs...); err != nil {
			return err
		}
	}
	return nil
}

func concurrently(count int, do func(int) error) error {
	errs := make(chan error, count)
	for i := range count {
		go func() { errs <- do(i) }()
	}
	var first error
	for range count {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// afterEpoch reads the full metagraph once a block until done says yes, for at most 60 blocks.
func afterEpoch(ctx context.Context, c *chain.Client, netuid uint16, done func(*metagraph.Metagraph) bool) (*metagraph.Metagraph, error) {
	var m *metagraph.Metagraph
	for range 60 {
		var err error
		if m, err = metagraph.Load(ctx, c, netuid, metagraph.Full); err != nil {
			return nil, err
		}
		if done(m) {
			return m, nil
		}
		if _, err := c.WaitForHeight(ctx, m.Height+1); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("subnet %d: not there after 60 blocks (last epoch at %d, %d permits, stake %v)",
		netuid, m.LastEpochBlock, countTrue(m.ValidatorPermit), m.AlphaStake[:4])
}

func countTrue(v []bool) int {
	n := 0
	for _, b := range v {
		if b {
			n++
		}
	}
	return n
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
				rows, entries := 0, 0
				for _, row := range m.Weights {
					rows, entries = rows+min(len(row), 1), entries+len(row)
				}
				require.Equal(b, validators, rows)
				require.Equal(b, validators*fullUids, entries)
				require.NotEmpty(b, m.Bonds[1])
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
