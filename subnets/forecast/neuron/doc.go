// Package neuron runs the forecasting subnet on a network: a miner service
// that answers challenges with one model on an axon, and a validator service
// that challenges every served miner, scores the answers, and puts the
// scoreboard on chain as weights. Both reach the chain only through
// sdk/chain (a node's gRPC API), so they run against any gotensor node, and
// both follow the one lifecycle shape of long-running parts (Start, Stop,
// IsRunning, Quit; Start and Stop run once).
//
//	m, err := neuron.NewMiner(neuron.MinerConfig{Chain: c, Hotkey: hot, Netuid: 1, Model: "gbt"})
//	err = m.Start()   // serves, and publishes the axon once the hotkey is registered
//	defer m.Stop()
//
//	v, err := neuron.NewValidator(neuron.ValidatorConfig{Chain: c, Hotkey: vhot, Netuid: 1})
//	err = v.Start()   // rounds on a timer; weights every WeightsInterval blocks
//	defer v.Stop()
//	for _, s := range v.Standings() { fmt.Println(s.UID, s.Hotkey, s.Score, s.Skill) }
//
// # Miner
//
// The axon serves protocol.Route to callers holding a validator permit,
// as the metagraph says. Registration is the owner's decision (it costs
// TAO), so the miner never registers itself: it serves from Start, and
// publishes its address with serve-axon as soon as the metagraph lists its
// hotkey, and again whenever the chain's record of its axon differs from
// what it serves (a restart on another port, a uid lost and won back).
//
// # Validator
//
// Two loops that never wait for each other. The round loop, every
// RoundInterval, draws a challenge from forecast.Validator, sends it to every
// uid serving an axon except its own (validators without axons are never
// served, so never asked), gives each call QueryTimeout, and scores what came
// back: a missing, late or invalid answer scores 0. It reads the metagraph
// only from the syncer's last snapshot, never from the chain inline, and
// resets a uid's record when its hotkey changes. The weights loop, every
// PollInterval, reads the subnet's epoch clock and hyperparameters and does
// what Decide says: set weights, or on a commit-reveal subnet commit them in
// one epoch and reveal them in the next, keeping the commit (and its salt)
// until the reveal lands, in StatePath when one is given so that a restart
// can still reveal. Refusals the chain may lift later (rate limits, a
// reveal too early, no validator permit yet) are retried at the block they
// may pass.
//
// With PublishAddr the validator also publishes what it measures: a plain
// HTTP endpoint answers GET /forecast/standings with its scoreboard (each
// miner's skill, score, challenges and answered, the metagraph block and
// epoch they were aligned at, the rounds scored) as JSON signed by its hotkey
// (package standings), re-signed at most once per scored round. It announces
// the endpoint with serve-axon once its hotkey is registered, as a miner
// announces its axon, at axon version 0 (standings.AxonVersion: no synapse
// wire); validators challenge only axons that speak the synapse wire, so a
// validator's endpoint is never taken for a miner. The explorer reads it at
// each epoch.
//
// With ScoreOnly the validator is a referee: the round loop alone, never the
// weights loop. The local network runs one beside its validators, with its
// own secret (so its own draw of series, which no validator ever shows), to
// measure the miners' skill independently of the scores that made their
// incentive.
package neuron
