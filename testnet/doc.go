// Package testnet runs a multi-node gotensor network on one machine, every node its own
// `gotensor start` process behind fault-injecting TCP proxies, and tests it under faults: it
// kills, pauses, crashes mid-commit, partitions and slows nodes while a workload sends real
// transactions, then checks that no node forked, no committed transaction was lost, the chain
// never halted while a quorum was up, the invariants hold, and a new node joins by state sync.
package testnet
