package node_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/example/echo"
	"github.com/gotensor/gotensor/sdk/example/node"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

func TestMain(m *testing.M) { os.Exit(chaintest.Main(m)) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// echoSubnet is a subnet whose owner hotkey (uid 0) validates: the owner's hotkey sets weights
// without the permit an epoch would give, so the test needs no epoch.
type echoSubnet struct {
	n         *chaintest.Network
	c         *chain.Client
	netuid    uint16
	validator *synapse.KeySigner
}

func newEchoSubnet(t *testing.T, hyperparameters ...string) echoSubnet {
	n := chaintest.Shared(t)
	s := echoSubnet{n: n, c: n.Dial(t), validator: synapse.GenerateKeySigner()}
	s.netuid = n.Subnet(t, n.Fund(t, 1_000*types.RaoPerTAO), s.validator, hyperparameters...)
	return s
}

// startMiner registers a fresh hotkey (its coldkey pays) and serves; attach nil serves echo.
func (s echoSubnet) startMiner(t *testing.T, attach func(*axon.Axon) error) (*node.Miner, *synapse.KeySigner) {
	t.Helper()
	hotkey := synapse.GenerateKeySigner()
	m, err := node.StartMiner(context.Background(), node.MinerConfig{
		Chain: s.c, Netuid: s.netuid, Hotkey: hotkey, Coldkey: s.n.Fund(t, 10*types.RaoPerTAO),
		ListenAddr: "127.0.0.1:0", Attach: attach, SyncInterval: 50 * time.Millisecond, Logger: quiet,
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, m.Stop()) })
	return m, hotkey
}

// liar answers every echo with the wrong text.
func liar(a *axon.Axon) error {
	return axon.Handle(a, echo.Echo, func(context.Context, axon.Call, echo.EchoRequest) (echo.EchoResponse, error) {
		return echo.EchoResponse{Text: "not what you said", Length: 17}, nil
	})
}

// The example miner and validator find each other through the chain alone: the miners register
// and publish their axons, the validator reads them from the metagraph, queries them, scores
// the honest ones above the liar, and its weights land on chain.
func TestMinerAndValidatorMeetThroughTheChain(t *testing.T) {
	s := newEchoSubnet(t, "commit_reveal", "false", "weights_set_rate_limit", "0")
	ctx := context.Background()
	honest1, _ := s.startMiner(t, nil)
	honest2, _ := s.startMiner(t, nil)
	lying, _ := s.startMiner(t, liar)
	require.Equal(t, []uint16{1, 2, 3}, []uint16{honest1.UID(), honest2.UID(), lying.UID()})

	// What the miners published is what the chain lists.
	m, err := metagraph.Load(ctx, s.c, s.netuid, metagraph.Lite)
	require.NoError(t, err)
	for _, miner := range []*node.Miner{honest1, honest2, lying} {
		published := m.Axons[miner.UID()]
		require.Equal(t, miner.Addr().String(), published.Addr())
		require.Equal(t, synapse.Version, published.Version)
		require.Equal(t, axon.ProtocolHTTP, published.Protocol)
	}

	v, err := node.NewValidator(ctx, node.ValidatorConfig{Chain: s.c, Netuid: s.netuid, Hotkey: s.validator, Timeout: 5 * time.Second, Logger: quiet})
	require.NoError(t, err)
	defer v.Close()
	require.Equal(t, uint16(0), v.UID())

	r, err := v.Step(ctx)
	require.NoError(t, err)
	require.Len(t, r.Answers, 3)
	for _, uid := range []uint16{honest1.UID(), honest2.UID()} {
		a := r.Answers[uid]
		require.Equal(t, 200, a.Status, "uid %d: %s", uid, a.Reason)
		require.True(t, a.Correct)
		require.Greater(t, a.Score, 0.5)
		require.LessOrEqual(t, a.Score, 1.0)
	}
	require.Equal(t, 200, r.Answers[lying.UID()].Status)
	require.False(t, r.Answers[lying.UID()].Correct)
	require.Zero(t, r.Answers[lying.UID()].Score)
	require.Equal(t, []node.Action{node.ActionSet}, r.Actions)
	require.Equal(t, []uint16{honest1.UID(), honest2.UID()}, r.Weights.UIDs, "the liar earns no weight")
	require.Contains(t, r.Weights.Values, uint16(65535))

	// The weights are on chain, in the validator's row.
	full, err := metagraph.Load(ctx, s.c, s.netuid, metagraph.Full)
	require.NoError(t, err)
	require.Equal(t, r.Weights.UIDs, []uint16{full.Weights[0][0].UID, full.Weights[0][1].UID})
	require.Equal(t, r.Weights.Values, []uint16{full.Weights[0][0].Value, full.Weights[0][1].Value})
	require.Positive(t, full.LastUpdate[0])
}

// A miner admits callers by the metagraph it keeps fresh: a hotkey registered after the miner
// started is served once registered; an unregistered one never is.
func TestMinerAdmitsByTheMetagraph(t *testing.T) {
	s := newEchoSubnet(t)
	ctx := context.Background()
	miner, minerHotkey := s.startMiner(t, nil)
	target := []dendrite.Axon{{Hotkey: minerHotkey.Address(), Addr: miner.Addr().String()}}

	caller := synapse.GenerateKeySigner()
	d, err := dendrite.New(dendrite.Config{Signer: caller, Scope: synapse.Scope{ChainID: s.c.ChainID(), NetUID: s.netuid}, Logger: quiet})
	require.NoError(t, err)
	defer d.Close()
	res := dendrite.Query(ctx, d, echo.Echo, target, echo.EchoRequest{Text: "hi"})[0]
	require.Equal(t, 403, res.Status)
	require.Equal(t, synapse.ReasonNotRegistered, res.Reason)

	_, _, err = s.c.Register(ctx, s.n.Fund(t, 10*types.RaoPerTAO), s.netuid, caller.Address(), 0)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, ok := miner.Metagraph().UID(caller.Address())
		return ok
	}, 30*time.Second, 10*time.Millisecond, "the miner's metagraph learns the new hotkey")
	d2, err := dendrite.New(dendrite.Config{Signer: caller, Scope: synapse.Scope{ChainID: s.c.ChainID(), NetUID: s.netuid}, Logger: quiet})
	require.NoError(t, err)
	defer d2.Close()
	res = dendrite.Query(ctx, d2, echo.Echo, target, echo.EchoRequest{Text: "hi"})[0]
	require.True(t, res.OK(), "status %d %s: %v", res.Status, res.Reason, res.Err)
	require.Equal(t, "hi", res.Response.Text)
}

// On a commit-reveal subnet the validator commits its weights, reveals them in the reveal epoch,
// and they land on chain then (§9.2).
func TestValidatorCommitsAndReveals_9_2(t *testing.T) {
	s := newEchoSubnet(t, "commit_reveal", "true", "reveal_period_epochs", "1", "weights_set_rate_limit", "0", "tempo", "5")
	ctx := context.Background()
	miner, _ := s.startMiner(t, nil)
	v, err := node.NewValidator(ctx, node.ValidatorConfig{Chain: s.c, Netuid: s.netuid, Hotkey: s.validator, Logger: quiet})
	require.NoError(t, err)
	defer v.Close()

	r, err := v.Step(ctx)
	require.NoError(t, err)
	require.Equal(t, []node.Action{node.ActionCommitted}, r.Actions)
	require.Len(t, v.Pending(), 1)
	committed := r.Weights
	require.Equal(t, []uint16{miner.UID()}, committed.UIDs)

	// Step once a block until the reveal goes through: the reveal epoch is at most two tempos
	// away.
	revealed := false
	for range 30 {
		h, err := s.c.Height(ctx)
		require.NoError(t, err)
		_, err = s.c.WaitForHeight(ctx, h+1)
		require.NoError(t, err)
		r, err = v.Step(ctx)
		require.NoError(t, err)
		if len(r.Actions) > 0 && r.Actions[0] == node.ActionRevealed {
			revealed = true
			break
		}
		require.Equal(t, []node.Action{node.ActionWaitingForReveal}, r.Actions)
	}
	require.True(t, revealed, "revealed within 30 blocks")
	full, err := metagraph.Load(ctx, s.c, s.netuid, metagraph.Full)
	require.NoError(t, err)
	require.Equal(t, []metagraph.Entry{{UID: miner.UID(), Value: 65535}}, full.Weights[0])
}
