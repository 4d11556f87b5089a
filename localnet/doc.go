// Package localnet runs a whole gotensor network on one machine: it writes node homes with a
// genesis (one validator for `gotensor localnet`, N for `gotensor testnet init-files`), runs a node
// in-process with the same lifecycle as every other long-running part, and reports each block.
package localnet
