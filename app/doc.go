// Package app is the gotensor chain application: which Cosmos SDK modules it runs, in which order,
// how transactions are checked before they run, and the genesis a new network starts from.
package app
