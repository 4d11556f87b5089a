// Package wallet keeps a miner's or validator's keys the way btcli users know them, on the Cosmos
// keyring: a wallet is a coldkey (it holds and stakes TAO) and its hotkeys (they register, serve
// and set weights), and any key signs as a synapse.Signer / chain.Signer.
//
// # Names in the keyring
//
// One keyring holds every wallet. A wallet NAME is the key named NAME (its coldkey); its hotkeys
// are the keys named NAME/HOTKEY, the first one NAME/default — as btcli's
// ~/.bittensor/wallets/NAME/hotkeys/HOTKEY. Wallet and hotkey names are 1–64 letters, digits,
// '.', '_' or '-'. The keys are ordinary keyring entries, so `gotensor keys list` shows them too,
// and a key added there without a '/' counts as a wallet.
//
// # Backends
//
// The keyring's backends: os (the default, as the Cosmos SDK's: the operating system's secret
// store), file (encrypted with a passphrase asked on the terminal), and test (unencrypted on
// disk, for tests and throw-away local networks only). Private keys never leave the keyring: a
// Signer asks the keyring to sign.
package wallet
