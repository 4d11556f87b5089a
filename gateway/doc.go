// Package gateway is the network's front door for people: an
// OpenAI-compatible HTTP API (GET /v1/models, POST /v1/chat/completions and
// /v1/completions, plain or streamed as server-sent events) in front of the
// text-generation subnet, so that any OpenAI client works against it, with
// each token's logprob and top alternatives when asked (the subnet's miners
// send them with every token). POST /v1/forecast serves a forecasting
// subnet: a series, a horizon and quantile levels in, the
// incentive-weighted ensemble of its top miners' forecasts out.
//
// The gateway is a validator's product, as organic traffic is on Bittensor:
// it holds a validator hotkey, follows each served subnet's metagraph and
// calls the miners through the SDK's dendrite with the subnet's protocol
// (subnets/textgen/protocol). Each request goes to a miner drawn at random
// with weight incentive × recent success ÷ latency; a miner that fails is
// left out for a while (a circuit breaker), and a request is tried on up to
// three miners before its first byte reaches the user. Once a stream has
// started, a failure is reported in-band as an OpenAI error event, never as
// a 200 that hides it. A configurable share of the answers is re-scored by
// the subnet's verifier; a miner caught cheating on organic traffic is
// scored as on challenges and left out of routing.
//
// The metagraphs come from a Follower over several chain nodes: when the
// node followed dies the gateway keeps serving from the last metagraph,
// moves to the next node and says so in GET /healthz.
//
// Users authenticate with API keys (Authorization: Bearer gt-…) kept hashed
// in the gateway's SQLite database (Keys), each with request and token rate
// limits, a token quota and usage accounting. Metrics are Prometheus's;
// logs never carry prompt or answer text.
package gateway
