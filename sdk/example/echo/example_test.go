package echo_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/example/echo"
	"github.com/gotensor/gotensor/sdk/synapse"
)

// A miner serves the echo routes; a validator queries it, then streams from it.
func Example() {
	miner, validator := synapse.GenerateKeySigner(), synapse.GenerateKeySigner()
	scope := synapse.Scope{ChainID: "gotensor-local", NetUID: 1}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	// The miner: its hotkey, its subnet, and who may call it (the metagraph, in a real miner).
	a, err := axon.New(axon.Config{
		Signer: miner, Scope: scope, ListenAddr: "127.0.0.1:0", Logger: quiet,
		Peers:  axon.StaticPeers{validator.Address(): {UID: 0, Stake: 1_000_000_000, ValidatorPermit: true}},
		Policy: axon.Policy{RequireValidatorPermit: true},
	})
	if err != nil {
		panic(err)
	}
	if err := echo.Register(a); err != nil {
		panic(err)
	}
	if err := a.Start(); err != nil {
		panic(err)
	}
	defer a.Stop()

	// The validator: its hotkey and subnet; the axons come from the metagraph.
	d, err := dendrite.New(dendrite.Config{Signer: validator, Scope: scope, Logger: quiet})
	if err != nil {
		panic(err)
	}
	defer d.Close()
	axons := []dendrite.Axon{{Hotkey: miner.Address(), Addr: a.Addr().String()}}

	ctx := context.Background()
	for _, r := range dendrite.Query(ctx, d, echo.Echo, axons, echo.EchoRequest{Text: "hello"}) {
		fmt.Println(r.Status, r.Response.Text, r.Response.Length)
	}
	s := dendrite.Stream(ctx, d, echo.Count, axons[0], echo.CountRequest{N: 3, Text: "tick"}, func(c echo.CountChunk) error {
		fmt.Println(c.Index, c.Text)
		return nil
	})
	fmt.Println(s.Status, s.Chunks)
	// Output:
	// 200 hello 5
	// 0 tick
	// 1 tick
	// 2 tick
	// 200 3
}
