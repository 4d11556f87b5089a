// Package echo is the smallest subnet protocol: three routes that the SDK's
// tests, benchmarks and documentation use to show a miner and a validator
// end to end.
//
//	Echo  (unary):    {text}     → {text, length}
//	Sum   (unary):    {numbers}  → {sum}, 400 on int64 overflow
//	Count (streamed): {n, text}  → n chunks {index, text}, in order
//
// A miner attaches them with Register; a validator calls them with the
// dendrite package and the route values declared here:
//
//	a, _ := axon.New(axon.Config{Signer: hotkey, Scope: scope, Peers: metagraph})
//	_ = echo.Register(a)
//	_ = a.Start()
//
//	d, _ := dendrite.New(dendrite.Config{Signer: hotkey, Scope: scope})
//	results := dendrite.Query(ctx, d, echo.Echo, axons, echo.EchoRequest{Text: "hi"})
package echo
