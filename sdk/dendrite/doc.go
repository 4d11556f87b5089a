// Package dendrite is a validator's client: it queries one, many or all of
// a subnet's axons at once and returns one typed, authenticated result per
// axon, each within its own deadline.
//
//	d, err := dendrite.New(dendrite.Config{
//		Signer: hotkey,                                   // synapse.Signer
//		Scope:  synapse.Scope{ChainID: "gotensor-1", NetUID: 3},
//	})
//	defer d.Close()
//	axons := []dendrite.Axon{{Hotkey: "tao1…", Addr: "203.0.113.7:8091"}} // from the metagraph
//	for _, r := range dendrite.Query(ctx, d, echo.Echo, axons, echo.EchoRequest{Text: "hi"}) {
//		if r.OK() { score(r.Axon, r.Response, r.Latency) } else { log(r.Status, r.Reason, r.Err) }
//	}
//
// Call queries one axon, Query many (at most MaxConcurrency at once), and
// Stream reads a streamed route chunk by chunk, each chunk verified before
// it is handed over.
//
// It never hangs: every call is bounded by Timeout or the context's
// deadline, whichever is sooner, from dialling to the last byte, and the
// axon is told the time left so it stops working when the dendrite stops
// waiting. Bodies are size-limited. Keep-alive connections are pooled per
// axon (HTTP/1.1, or one multiplexed h2c connection per axon with HTTP2).
//
// Sessions (see package synapse) are made on the first call to an axon,
// cached, renewed before they expire, and renewed and the call retried once
// when the axon says it no longer knows the session (it restarted). Connect
// makes them ahead of time, so a timed query pays no handshakes. Responses
// whose MAC does not verify are refused (502), never handed over.
package dendrite
