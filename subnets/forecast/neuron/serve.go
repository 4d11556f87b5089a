package neuron

import (
	"context"
	"errors"
	"net/http"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast"
	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

// Serve attaches the forecast route to an axon, answered by m.
func Serve(a *axon.Axon, m *forecast.Miner) error {
	if m == nil {
		return errors.New("neuron: no forecast miner to serve")
	}
	return axon.Handle(a, protocol.Route, answer(m))
}

// answer is the route's handler. A challenge the miner cannot answer is the caller's fault
// (400 with the reason). The models cannot be interrupted, but they answer in milliseconds,
// well inside any deadline a validator gives.
func answer(m *forecast.Miner) axon.Handler[protocol.Challenge, protocol.Answer] {
	return func(ctx context.Context, _ axon.Call, c protocol.Challenge) (protocol.Answer, error) {
		if err := ctx.Err(); err != nil {
			return protocol.Answer{}, err
		}
		a, err := m.Answer(c)
		if errors.Is(err, protocol.ErrInvalidChallenge) {
			return protocol.Answer{}, synapse.Errorf(http.StatusBadRequest, synapse.ReasonBadRequest, "%v", err)
		}
		return a, err
	}
}
