// Package keeper is x/subnet's state and rules: the TAO supply and its coinbase, subnets and their
// pools, neurons, stake, weights, epochs and the distribution of emission. It reads state, calls
// the pure packages (fixed for the arithmetic, yuma for the epoch) and writes their results;
// consensus arithmetic is never done here.
//
// One file per rule family, named for it and beside its test, each citing the section of
// spec/subtensor.md it implements: the block's start and the coinbase (coinbase.go, supply.go,
// emission.go), epochs and their payout (schedule.go, epoch.go, distribute.go), subnets (their
// registration in network.go, its price in lock_cost.go, the choice of the subnet a registration
// prunes in network_prune.go, the pruned subnet's payout over blocks in dissolve.go, the owner's
// start of emission in start_call.go), neurons (registration.go, serving.go), stake and pools
// (stake.go, sharepool.go, take.go, pool.go, swap.go), key swaps and key hygiene (hotkey_swap.go,
// coldkey_swap.go, key_hygiene.go, key_swap_state.go), child keys and inherited stake
// (childkeys.go), weights (weights.go, commit_reveal.go),
// hyperparameters (hyperparams.go), the fee-free messages the ante handler admits (free_work.go),
// genesis (genesis.go), store migrations (migrations.go) and the accounting identities
// (invariants.go). keeper.go declares the state, state.go the reads every family shares.
//
// Message and query handlers follow one convention: a handler sits in the file of the rule it
// serves (RegisterNetwork in network.go, LockCost in lock_cost.go, StartCall in start_call.go,
// BurnedRegister and RegistrationCost in registration.go, AddStake and Stakes in stake.go,
// SwapQuote in swap.go, …), and the rule's test sits beside it (network_test.go, lock_cost_test.go,
// …). msg_server.go and grpc_query.go hold the two services and the handlers that belong to no
// single rule (UpdateParams; Params, Supply, Invariants); views.go holds the read models that join
// several rules (Subnets, Subnet, Metagraph, Hotkey).
package keeper
