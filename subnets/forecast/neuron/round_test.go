package neuron

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/axon/axontest"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast/protocol"
	"github.com/gotensor/gotensor/subnets/forecast/scoreboard"
	"github.com/gotensor/gotensor/x/subnet/types"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// offlineChain is a client that never reaches a node: enough to build services whose chain
// side a test does not exercise.
func offlineChain(t testing.TB) *chain.Client {
	t.Helper()
	c, err := chain.Dial(context.Background(), chain.Config{Node: "127.0.0.1:1", ChainID: testScope.ChainID, CallTimeout: time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// neuronAt is one uid of a test metagraph: its hotkey, its axon (nil: none) and its permit.
type neuronAt struct {
	hotkey string
	axon   *axon.Axon
	permit bool
}

func snapshotOf(t testing.TB, height int64, neurons []neuronAt) *metagraph.Metagraph {
	t.Helper()
	res := &types.QueryMetagraphResponse{Netuid: uint32(testScope.NetUID), Height: height}
	for uid, n := range neurons {
		v := types.NeuronView{Netuid: res.Netuid, Uid: uint32(uid), Hotkey: n.hotkey, ValidatorPermit: n.permit}
		if n.axon != nil {
			ap := netip.MustParseAddrPort(n.axon.Addr().String())
			v.Axon = &types.AxonInfo{Ip: ap.Addr().String(), Port: uint32(ap.Port()), Protocol: 4, Version: synapse.Version}
		}
		res.Neurons = append(res.Neurons, v)
	}
	m, err := metagraph.FromResponse(res, metagraph.Lite)
	require.NoError(t, err)
	return m
}

// testValidator is a validator whose metagraph is whatever the test says.
func testValidator(t testing.TB, key *synapse.KeySigner, timeout time.Duration) (*Validator, *atomic.Pointer[metagraph.Metagraph]) {
	t.Helper()
	v, err := NewValidator(ValidatorConfig{Chain: offlineChain(t), Hotkey: key, Netuid: testScope.NetUID,
		Secret: []byte("round-test-secret-0123456789"), QueryTimeout: timeout, Logger: quiet})
	require.NoError(t, err)
	t.Cleanup(v.d.Close)
	var snap atomic.Pointer[metagraph.Metagraph]
	v.snapshot = snap.Load
	return v, &snap
}

func standingsByUID(s []scoreboard.Standing) map[uint16]scoreboard.Standing {
	out := map[uint16]scoreboard.Standing{}
	for _, st := range s {
		out[st.UID] = st
	}
	return out
}

// A round asks every uid serving an axon except the validator itself; a late, refusing or
// invalid miner scores 0, and a validator without an axon is never asked.
func TestRoundScoresEveryServingMinerButItself(t *testing.T) {
	vkey := synapse.GenerateKeySigner()
	permitted := axon.StaticPeers{vkey.Address(): {UID: 0, Stake: 1_000, ValidatorPermit: true}}
	var selfCalls atomic.Int64
	self := axontest.Start(t, axon.Config{Signer: vkey, Scope: testScope, Policy: axon.Policy{AllowUnregistered: true}},
		func(a *axon.Axon) error {
			return axon.Handle(a, protocol.Route, func(context.Context, axon.Call, protocol.Challenge) (protocol.Answer, error) {
				selfCalls.Add(1)
				return protocol.Answer{}, nil
			})
		})
	gbt, gbtKey := serveModel(t, "gbt", permitted)
	naive, naiveKey := serveModel(t, "naive", permitted)
	refusing, refusingKey := serveModel(t, "gbt", axon.StaticPeers{})
	slowKey, liarKey := synapse.GenerateKeySigner(), synapse.GenerateKeySigner()
	slow := axontest.Start(t, axon.Config{Signer: slowKey, Scope: testScope, Peers: permitted}, func(a *axon.Axon) error {
		return axon.Handle(a, protocol.Route, func(ctx context.Context, _ axon.Call, c protocol.Challenge) (protocol.Answer, error) {
			<-ctx.Done() // answers only after the validator stopped waiting
			return protocol.Answer{ChallengeID: c.ID}, ctx.Err()
		})
	})
	liar := axontest.Start(t, axon.Config{Signer: liarKey, Scope: testScope, Peers: permitted}, func(a *axon.Axon) error {
		return axon.Handle(a, protocol.Route, func(_ context.Context, _ axon.Call, c protocol.Challenge) (protocol.Answer, error) {
			return protocol.Answer{ChallengeID: c.ID, Forecast: protocol.Forecast{Point: []float64{1}}}, nil // wrong length
		})
	})

	v, snap := testValidator(t, vkey, 500*time.Millisecond)
	otherValidator := synapse.GenerateKeySigner().Address()
	snap.Store(snapshotOf(t, 10, []neuronAt{
		{hotkey: vkey.Address(), axon: self, permit: true},
		{hotkey: gbtKey.Address(), axon: gbt},
		{hotkey: naiveKey.Address(), axon: naive},
		{hotkey: slowKey.Address(), axon: slow},
		{hotkey: liarKey.Address(), axon: liar},
		{hotkey: refusingKey.Address(), axon: refusing},
		{hotkey: otherValidator, permit: true},
	}))
	const rounds = 3
	for range rounds {
		v.round(context.Background())
	}
	require.Zero(t, selfCalls.Load(), "the validator never asks itself")
	a := v.Activity()
	require.Equal(t, rounds, a.Rounds)
	require.Equal(t, 5, a.Queried)
	require.Equal(t, 3, a.Answered, "gbt, naive and the liar answer; the slow miner is late, one refuses")

	s := standingsByUID(v.Standings())
	require.Len(t, s, 5, "uids 1-5; never the validator itself (0) or the validator without an axon (6)")
	for uid := uint16(1); uid <= 5; uid++ {
		require.Equal(t, rounds, s[uid].Challenges, "uid %d", uid)
	}
	require.Equal(t, rounds, s[1].Answered, "gbt")
	require.Equal(t, rounds, s[2].Answered, "naive")
	for _, uid := range []uint16{3, 4, 5} {
		require.Zero(t, s[uid].Answered, "uid %d: late, invalid or refusing", uid)
		require.LessOrEqual(t, s[uid].Skill, -1.0, "uid %d: late, invalid or refusing costs at least one scale unit", uid)
		require.Less(t, s[uid].Skill, min(s[1].Skill, s[2].Skill), "uid %d scores below every answer", uid)
	}

	// uid 2 changes hands: its record starts over.
	newcomer := synapse.GenerateKeySigner()
	naive2 := axontest.Start(t, axon.Config{Signer: newcomer, Scope: testScope, Peers: permitted}, nil)
	snap.Store(snapshotOf(t, 11, []neuronAt{
		{hotkey: vkey.Address(), axon: self, permit: true},
		{hotkey: gbtKey.Address(), axon: gbt},
		{hotkey: newcomer.Address(), axon: naive2},
	}))
	v.round(context.Background())
	s = standingsByUID(v.Standings())
	require.Len(t, s, 2, "uids 3-6 are gone")
	require.Equal(t, rounds+1, s[1].Challenges)
	require.Equal(t, newcomer.Address(), s[2].Hotkey)
	require.Equal(t, 1, s[2].Challenges, "the new hotkey's record starts from this round")
	require.Zero(t, s[2].Answered, "it serves no forecast route: 404, missing")
	require.LessOrEqual(t, s[2].Skill, -1.0)
}

// A validator that every miner turns away (no permit yet) learns nothing about them: the round
// is not scored.
func TestRoundRefusedByEveryMinerIsNotScored(t *testing.T) {
	vkey := synapse.GenerateKeySigner()
	gbt, gbtKey := serveModel(t, "gbt", axon.StaticPeers{vkey.Address(): {UID: 0}})
	naive, naiveKey := serveModel(t, "naive", axon.StaticPeers{vkey.Address(): {UID: 0}})
	v, snap := testValidator(t, vkey, time.Second)
	snap.Store(snapshotOf(t, 10, []neuronAt{
		{hotkey: vkey.Address()}, {hotkey: gbtKey.Address(), axon: gbt}, {hotkey: naiveKey.Address(), axon: naive},
	}))
	v.round(context.Background())
	a := v.Activity()
	require.Equal(t, 0, a.Rounds)
	require.Equal(t, 1, a.Refused)
	require.Empty(t, v.Standings())
	// The series it used is free again: rounds keep coming.
	for range 8 {
		v.round(context.Background())
	}
	require.Equal(t, 9, v.Activity().Refused)
}

// With no metagraph yet, or nobody serving, no challenge goes out.
func TestRoundWithoutMiners(t *testing.T) {
	vkey := synapse.GenerateKeySigner()
	v, snap := testValidator(t, vkey, time.Second)
	v.round(context.Background())
	snap.Store(snapshotOf(t, 10, []neuronAt{{hotkey: vkey.Address(), permit: true}}))
	v.round(context.Background())
	require.Equal(t, Activity{}, v.Activity())
}

// A score-only validator (a referee) runs its rounds through the miners' axons like any
// validator but never reads the chain for weights: against a node it cannot reach, the
// ordinary validator notes the failure (after the client's one-second call timeout), the
// referee never does.
func TestScoreOnlyValidatorNeverTouchesWeights(t *testing.T) {
	vkey := synapse.GenerateKeySigner()
	permitted := axon.StaticPeers{vkey.Address(): {UID: 0, Stake: 1_000, ValidatorPermit: true}}
	naive, naiveKey := serveModel(t, "naive", permitted)
	for _, scoreOnly := range []bool{false, true} {
		v, err := NewValidator(ValidatorConfig{Chain: offlineChain(t), Hotkey: vkey, Netuid: testScope.NetUID,
			Secret: []byte("referee-test-secret-0123456789"), RoundInterval: 20 * time.Millisecond,
			PollInterval: 10 * time.Millisecond, ScoreOnly: scoreOnly, Logger: quiet})
		require.NoError(t, err)
		var snap atomic.Pointer[metagraph.Metagraph]
		snap.Store(snapshotOf(t, 10, []neuronAt{{hotkey: vkey.Address(), permit: true}, {hotkey: naiveKey.Address(), axon: naive}}))
		v.snapshot = snap.Load
		require.NoError(t, v.Start())
		if scoreOnly {
			time.Sleep(1500 * time.Millisecond) // longer than the ordinary validator needed
		} else {
			require.Eventually(t, func() bool { return v.Activity().LastError != "" }, 10*time.Second, 10*time.Millisecond,
				"an ordinary validator reads the chain for weights")
		}
		require.NoError(t, v.Stop())
		a := v.Activity()
		require.Positive(t, a.Rounds)
		require.Equal(t, a.Rounds, standingsByUID(v.Standings())[1].Answered, "the miner answered every round")
		if scoreOnly {
			require.Empty(t, a.LastError, "the referee never reads the chain for weights")
		}
		require.Zero(t, a.Sets+a.Commits+a.Reveals)
	}
}
