// Package axon is a miner's server: it authenticates validators' requests
// (see package synapse), decides whom to serve, orders them by stake when
// busy, and runs the subnet's typed handlers under each request's deadline.
//
// A miner builds one from its hotkey, its subnet and a Peers source (the
// metagraph), attaches handlers for the subnet's routes, and starts it:
//
//	a, err := axon.New(axon.Config{
//		Signer: hotkey,                                   // synapse.Signer
//		Scope:  synapse.Scope{ChainID: "gotensor-1", NetUID: 3},
//		Peers:  metagraph,                                // axon.Peers
//		Policy: axon.Policy{RequireValidatorPermit: true},
//		ExternalIP: netip.MustParseAddr("203.0.113.7"),   // what ServeInfo publishes
//	})
//	err = axon.Handle(a, echo.Echo, func(ctx context.Context, call axon.Call, req echo.EchoRequest) (echo.EchoResponse, error) {
//		return echo.EchoResponse{Text: req.Text}, nil
//	})
//	err = a.Start()
//	info, err := a.ServeInfo()                             // publish with serve-axon
//	defer a.Stop()
//
// Each request goes through, cheapest refusals first: route, headers, target
// hotkey, nonce window, body (size limit, read deadline), session, MAC,
// replay check, policy (registered, validator permit, minimum stake, the
// miner's own rule), admission, decoding, handler. Policy decisions see only
// hotkeys proven by a MAC or a certificate.
//
// Admission: MaxConcurrent handlers run at once; up to MaxQueue more wait,
// the most stake served first. A full queue answers 503 with Retry-After,
// unless the newcomer has more stake than the poorest waiter, who is then
// displaced (503). MaxPerCaller bounds one hotkey's share (429).
//
// Deadlines: a request's timeout (capped at MaxTimeout) bounds reading its
// body, waiting in the queue and running the handler, whose context ends
// then; an overrunning handler is answered 408 at the deadline, and keeps
// its slot until it returns, so overruns cannot pile up. Headers must
// arrive within ReadHeaderTimeout and the body within ReadTimeout and the
// request's timeout, so a client trickling bytes holds only its own
// connection, and briefly.
//
// Memory is bounded throughout: connections (MaxConns), sessions in total
// and per caller, verified certificates, replay keys and nonces per key,
// queue length, body size.
//
// The server speaks HTTP/1.1 and cleartext HTTP/2 (h2c, through net/http's
// own support: golang.org/x/net/http2/h2c is deprecated, and its hijacked
// connections escape Server.Shutdown). Start, Stop, IsRunning and Quit follow
// CometBFT's service shape; Stop drains in-flight requests for up to
// DrainTimeout. Metrics (Prometheus, on the axon's own registry) are served
// at /metrics:
//
//	gotensor_axon_requests_total{route,status}   counter
//	gotensor_axon_request_duration_seconds{route} histogram
//	gotensor_axon_in_flight                      handlers running
//	gotensor_axon_queue_depth                    requests waiting
//	gotensor_axon_sessions                       live sessions
//	gotensor_axon_replay_keys                    (caller, uuid) pairs tracked
package axon
