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
// hotkey, nonce window, session, body (size limit, read deadline,
// pre-authentication budget), MAC, replay check, policy (registered,
// validator permit, minimum stake, the miner's own rule), admission,
// decoding, handler. Policy decisions see only hotkeys proven by a MAC or
// a certificate.
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
// connection, and briefly. Times from the wire are range-checked before any
// arithmetic (see package synapse): a gt-timeout-ms or a certificate time
// that would overflow is refused, naming the field.
//
// # Limits under attack
//
// Anyone can open connections and send headers; only a caller with a
// session can make the axon read a body, and only a caller whose MAC
// verifies can make it remember anything. The bounds, with their Config
// fields and defaults:
//
//	connections in all           MaxConns             4096
//	kept for staked callers      StakedConns          MaxConns/4 (1024)
//	unstaked, per source         MaxConnsPerSource    64 (an IPv4 address or IPv6 /64;
//	  with no staked connection                       a validator's host is not held to it)
//	unstaked idle, before the    UnstakedIdleTimeout  2s
//	  first request included
//	staked idle                  IdleTimeout          120s
//	headers                      ReadHeaderTimeout    5s; at most 16 KiB
//	body bytes before the MAC    MaxPreAuthBytes      16 × MaxBodyBytes (64 MiB) in all
//	  is verified                MaxPreAuthBytesPerCaller  2 × MaxBodyBytes (8 MiB) per caller
//	replay keys per caller       MaxReplayKeysPerCaller  16 uuids × ReplayDepth 4096 nonces (512 KiB)
//	replay keys in all           MaxReplayKeys        16384
//
// A connection is staked once a request or handshake on it is
// authenticated for a caller the policy admits with stake; it then leaves
// the unstaked bounds and is never displaced. Unstaked connections, which
// every new one is, share MaxConns − StakedConns: when those are taken, a
// new connection displaces the unstaked connection idle longest, or if none
// is idle the one busy longest (as one trickling its headers is), so held
// connections only make room for the next caller; only when staked
// connections fill every slot is a new one closed at once. A request the axon cannot authenticate is answered and
// its connection closed. A body is read only once its headers name a live
// session of the claimed caller, into a buffer that grows with the bytes
// that arrive (never with the length announced) and is hashed as it
// arrives; the bytes held until the MAC verifies are charged to the
// caller's share (a handshake's to its source's; 429 beyond it) and the
// axon's (503). Replay state is
// kept per caller: a caller with MaxReplayKeysPerCaller dendrite instances
// active in the nonce window is refused another (429), and no caller's
// keys are ever dropped to make room for another's, so a flood from one
// peer costs only that peer. BENCHMARKS.md gives the heap and the honest
// validators' success under each attack.
//
// Memory is bounded throughout: connections, pre-authentication body
// bytes, sessions in total and per caller, verified certificates, replay
// keys per caller and in total and nonces per key, queue length, body
// size.
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
//	gotensor_axon_preauth_bytes                  body bytes held before their MAC is verified
//	gotensor_axon_connections{class}             open connections, staked or unstaked
//	gotensor_axon_connections_closed_total{reason}  refused or ended by the limits:
//	                                             per-source, full, displaced, idle
package axon
