// Package chain is a miner's or validator's connection to a gotensor node: it reads the subnet
// economy and sends transactions through the node's gRPC API only, as any outside program would,
// and never waits without a deadline.
//
//	c, err := chain.Dial(ctx, chain.Config{Node: "127.0.0.1:9090"})
//	defer c.Close()
//	reg, _, err := c.Register(ctx, coldkey, netuid, hotkey.Address(), maxBurn) // burned registration
//	_, err = c.ServeAxon(ctx, hotkey, netuid, info)                            // from axon.ServeInfo
//	w, err := chain.WeightsFromScores(scores, versionKey)
//	_, err = c.SetWeights(ctx, hotkey, netuid, w)                              // or CommitWeights, then RevealWeights
//	_, _, err = c.AddStake(ctx, coldkey, hotkey.Address(), netuid, amount, chain.NoLimit)
//
// # Connection
//
// One gRPC connection, kept and shared by every call (it is safe for concurrent use). Every call
// is bounded: by the context's deadline, else by CallTimeout. Reads are retried with exponential
// backoff and jitter when the node is briefly unreachable or overloaded, always within that
// deadline. A node that accepts connections and never answers costs a caller CallTimeout, never
// more.
//
// Several nodes (Config.Node "a:9090,b:9090", or Config.Nodes) make the client fail over: each
// call goes to the current node, and when that one is unreachable or silent for AttemptTimeout,
// to the next, which stays current. A broadcast that moves on sends the same signed bytes, which
// cannot run twice. CometRPC does the same for the SDK's CometBFT RPC client (the CLI's
// --node tcp://a,tcp://b).
//
// # Transactions
//
// Send builds a transaction with the chain's encoding (SIGN_MODE_DIRECT), fetches the signer's
// account number and sequence, simulates it for gas (times GasAdjustment), signs it, broadcasts
// it, and waits for it to land in a block, at most InclusionTimeout. A transaction carries a
// timeout height (TxLifetimeBlocks ahead), so one that was not included by then provably never
// will be. Work that registered hotkeys send (weights, commits, reveals, axons) pays no fee, as
// the chain allows.
//
// Retrying a broadcast is where clients double-spend, so this package re-sends only what cannot
// run twice: the same signed bytes after a transport failure (the node refuses a duplicate, and a
// sequence can be used once), and a newly signed transaction only when the node answered that it
// did not take the first one into its mempool (its CheckTx failed). A sequence mismatch is
// answered by refetching the account and signing again with the sequence the node expects.
//
// # Errors
//
// A refused query or transaction is an *Error carrying the chain's codespace, code and raw log,
// and it unwraps to the registered x/subnet (or SDK) error, so that
//
//	errors.Is(err, types.ErrSettingWeightsTooFast)
//
// works on the result of any call. A node that does not answer in time gives an error that is
// context.DeadlineExceeded; one that cannot be reached gives ErrUnavailable.
package chain
