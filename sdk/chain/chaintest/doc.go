// Package chaintest runs a real gotensor chain in the test process for the tests of programs built
// on the SDK, as net/http/httptest runs servers: one CometBFT validator running the real app
// (app/apptesting.NetworkConfig), reached only through its gRPC address, with a funded faucet
// and a chain authority so a test can make keys, subnets and hyperparameters as it needs them.
//
// It links the node; only tests import it.
package chaintest
