// Package node is the echo subnet's miner and validator as whole programs, built on the SDK: they
// find each other through the chain alone. The miner registers its hotkey (or finds it
// registered), serves the echo routes on an axon guarded by the metagraph, and publishes the
// axon with serve-axon. The validator reads the metagraph, queries every serving axon with the
// dendrite, scores the answers for correctness and speed, and puts its scores on chain as
// weights: set directly, or committed and revealed an epoch later when the subnet uses
// commit-reveal.
//
//	m, err := node.StartMiner(ctx, node.MinerConfig{Chain: c, Netuid: 1, Hotkey: hot, Coldkey: cold})
//	defer m.Stop()
//
//	v, err := node.NewValidator(ctx, node.ValidatorConfig{Chain: c, Netuid: 1, Hotkey: vhot})
//	defer v.Close()
//	round, err := v.Step(ctx) // or v.Run(ctx, interval)
//
// The programs in cmd/echo-miner and cmd/echo-validator run them with keys from a wallet.
package node
