package neuron

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/axon/axontest"
	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast"
	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

var testScope = synapse.Scope{ChainID: "gotensor-unit-test", NetUID: 7}

func challenge(id string) protocol.Challenge {
	values := make([]float64, 48)
	for i := range values {
		values[i] = float64(i%12) + 0.1*float64(i)
	}
	return protocol.Challenge{ID: id, SeriesID: "s", History: protocol.History{Values: values, Periods: []int{12}},
		Horizon: 4, Levels: []float64{0.1, 0.5, 0.9}}
}

// serveModel starts an axon answering with a model, serving the peers given.
func serveModel(t testing.TB, model string, peers axon.StaticPeers) (*axon.Axon, *synapse.KeySigner) {
	t.Helper()
	m, err := forecast.NewMiner(model)
	require.NoError(t, err)
	key := synapse.GenerateKeySigner()
	a := axontest.Start(t, axon.Config{Signer: key, Scope: testScope, Peers: peers,
		Policy: axon.Policy{RequireValidatorPermit: true}}, func(a *axon.Axon) error { return Serve(a, m) })
	return a, key
}

func newDendrite(t *testing.T, key synapse.Signer) *dendrite.Dendrite {
	t.Helper()
	d, err := dendrite.New(dendrite.Config{Signer: key, Scope: testScope, Logger: quiet})
	require.NoError(t, err)
	t.Cleanup(d.Close)
	return d
}

// The forecast route over a real axon and dendrite: a validator with a permit gets the model's
// answer, a malformed challenge is the caller's fault (400), and a caller without a validator
// permit is refused (403).
func TestForecastRoute(t *testing.T) {
	require.Equal(t, "Forecast", protocol.Route.Name())
	validator, miner := synapse.GenerateKeySigner(), synapse.GenerateKeySigner()
	peers := axon.StaticPeers{
		validator.Address(): {UID: 1, Stake: 100, ValidatorPermit: true},
		miner.Address():     {UID: 2},
	}
	a, key := serveModel(t, "seasonal-naive", peers)
	target := dendrite.Axon{Hotkey: key.Address(), Addr: a.Addr().String()}
	ctx := context.Background()

	res := dendrite.Call(ctx, newDendrite(t, validator), protocol.Route, target, challenge("c-1"))
	require.True(t, res.OK(), "%d %s: %v", res.Status, res.Reason, res.Err)
	f, err := res.Response.Check(challenge("c-1"))
	require.NoError(t, err)
	require.Equal(t, []float64{3.6, 4.7, 5.8, 6.9}, roundAll(f.Point),
		"seasonal-naive repeats the value one season (12 steps) earlier")

	bad := challenge("c-2")
	bad.Horizon = 0
	res = dendrite.Call(ctx, newDendrite(t, validator), protocol.Route, target, bad)
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Equal(t, synapse.ReasonBadRequest, res.Reason)
	require.ErrorContains(t, res.Err, "horizon is 0")

	res = dendrite.Call(ctx, newDendrite(t, miner), protocol.Route, target, challenge("c-3"))
	require.Equal(t, http.StatusForbidden, res.Status)
	require.Equal(t, synapse.ReasonNoPermit, res.Reason)
}

func roundAll(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(int64(x*1e6+0.5)) / 1e6
	}
	return out
}
