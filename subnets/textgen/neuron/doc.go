// Package neuron runs the text-generation subnet on a network: a miner
// service that serves completions from one backend on an axon, a validator
// service that challenges every served miner, verifies the answers with its
// own copy of the model and puts the scoreboard on chain as weights, and
// Subnet, a whole roster of both in one process (what a local network
// runs). They reach the chain only through sdk/chain, and follow the
// lifecycle shape of the forecasting subnet's services (Start, Stop,
// IsRunning, Quit; Start and Stop run once).
//
// # Miner
//
// The axon serves protocol.Complete (streamed) and protocol.Info to callers
// holding a validator permit. Above its declared capacity the miner answers
// 429, which validators do not hold against it. It publishes its axon with
// serve-axon once the metagraph lists its hotkey, and again whenever the
// chain's record differs from what it serves.
//
// # Validator
//
// Two loops. The round loop, every RoundInterval, sends a challenge to
// every uid serving an axon except its own, each its own prompt, id and
// seed (so that no miner has another's answer to copy), streaming the answers and timing the first token and
// the last; it then verifies the answers in the order they finished and
// records the outcomes. The weights loop decides when to set, commit or
// reveal weights with the forecasting subnet's Decide (the same rules of
// the chain apply to every subnet). An unrevealed commit is kept in memory
// only: a validator restarted between a commit and its reveal loses that
// epoch's weights.
package neuron
