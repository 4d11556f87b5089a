package neuron

import (
	"context"
	"errors"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/subnets/textgen/miner"
	"github.com/gotensor/gotensor/subnets/textgen/protocol"
)

// Serve attaches the subnet's routes to an axon, answered by m.
func Serve(a *axon.Axon, m *miner.Miner) error {
	if m == nil {
		return errors.New("neuron: no textgen miner to serve")
	}
	if err := axon.HandleStream(a, protocol.Complete, func(ctx context.Context, _ axon.Call, req protocol.Request, send func(protocol.Chunk) error) error {
		return m.Serve(ctx, req, send)
	}); err != nil {
		return err
	}
	return axon.Handle(a, protocol.Info, func(context.Context, axon.Call, protocol.InfoRequest) (protocol.MinerInfo, error) {
		return m.Info(), nil
	})
}
