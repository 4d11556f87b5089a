package chaintest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/testutil/network"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/gotensor/gotensor/app/apptesting"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Network is an in-process chain for tests.
type Network struct {
	// GRPC is the node's gRPC address (loopback).
	GRPC    string
	ChainID string
	// Authority is the chain authority (genesis local_authority): it sets any hyperparameter.
	Authority *synapse.KeySigner
	// Nodes are a cluster's validator nodes (StartCluster); empty for a one-node network.
	Nodes []*ClusterNode

	faucet *synapse.KeySigner
	net    *network.Network
	client *chain.Client
	// funding serializes the faucet's transfers.
	funding sync.Mutex
	// logs are a cluster's node logs.
	logs []*os.File
}

// Balances of the genesis keys, in rao.
const (
	FaucetBalance    = 1_000_000 * types.RaoPerTAO
	AuthorityBalance = 1_000 * types.RaoPerTAO
)

// Start starts a network in dir; logs go to l (which may discard them). Only one network runs in
// a process at a time: a second Start waits for the first to Stop.
//
// The network's ports are found free and then bound later, so a test package running beside it
// can take one in between; the node then runs without its gRPC server. Start therefore asks the
// node for its height over gRPC and, if nothing answers, starts a fresh network on new ports.
// A network.New that fails is not retried: the SDK keeps its one-network lock held then, and a
// second New would wait for it for ever.
func Start(l network.Logger, dir string) (*Network, error) {
	const attempts = 3
	var err error
	for i := 1; i <= attempts; i++ {
		var n *Network
		var retry bool
		n, retry, err = startOnce(l, filepath.Join(dir, fmt.Sprintf("try%d", i)))
		if err == nil {
			return n, nil
		}
		if !retry {
			return nil, err
		}
	}
	return nil, fmt.Errorf("chaintest: no network answered after %d attempts: %w", attempts, err)
}

// startOnce starts one network; retry says whether it was cleaned up so that another may start.
func startOnce(l network.Logger, dir string) (n *Network, retry bool, err error) {
	n = &Network{Authority: synapse.GenerateKeySigner(), faucet: synapse.GenerateKeySigner()}
	cfg, err := n.config()
	if err != nil {
		return nil, false, err
	}
	n.ChainID = cfg.ChainID
	unlock, err := lockStart()
	if err != nil {
		return nil, false, fmt.Errorf("chaintest: the start lock: %w", err)
	}
	n.net, err = network.New(l, dir, cfg)
	unlock()
	if err != nil {
		return nil, false, fmt.Errorf("chaintest: starting the network: %w", err)
	}
	if _, err := n.net.WaitForHeight(2); err != nil {
		n.net.Cleanup()
		return nil, true, fmt.Errorf("chaintest: the network made no blocks: %w", err)
	}
	_, port, err := net.SplitHostPort(n.net.Validators[0].AppConfig.GRPC.Address)
	if err != nil {
		n.net.Cleanup()
		return nil, false, fmt.Errorf("chaintest: gRPC address: %w", err)
	}
	n.GRPC = net.JoinHostPort("127.0.0.1", port)
	n.client, err = chain.Dial(context.Background(), n.ClientConfig())
	if err != nil {
		n.net.Cleanup()
		return nil, true, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := n.client.Height(ctx); err != nil {
		n.Stop()
		return nil, true, fmt.Errorf("chaintest: the node's gRPC server at %s does not answer: %w", n.GRPC, err)
	}
	return n, false, nil
}

// Stop stops the network.
func (n *Network) Stop() {
	if n.client != nil {
		_ = n.client.Close()
	}
	if n.net != nil {
		n.net.Cleanup()
	}
	for i := range n.Nodes {
		_ = n.StopNode(i)
	}
	for _, f := range n.logs {
		_ = f.Close()
	}
}

// ClientConfig is a chain.Config for this network: quick polling for 100 ms blocks; a cluster's
// lists every node.
func (n *Network) ClientConfig() chain.Config {
	return chain.Config{Node: n.grpcEndpoints(), ChainID: n.ChainID, PollInterval: 50 * time.Millisecond}
}

// Client is the network's own client (do not close it).
func (n *Network) Client() *chain.Client { return n.client }

// Dial returns a new client for the test, closed when it ends.
func (n *Network) Dial(t testing.TB) *chain.Client {
	t.Helper()
	c, err := chain.Dial(context.Background(), n.ClientConfig())
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// config is apptesting's network with the faucet and the authority in genesis, and the root
// parameters of a local network: loopback axons, and subnets that cost the minimum lock every
// block (so that each test can make its own).
func (n *Network) config() (network.Config, error) {
	cfg, err := apptesting.NetworkConfig()
	if err != nil {
		return network.Config{}, err
	}
	ports, err := portsBelowEphemeral(3)
	if err != nil {
		return network.Config{}, err
	}
	cfg.RPCAddress = fmt.Sprintf("tcp://127.0.0.1:%d", ports[0])
	cfg.GRPCAddress = fmt.Sprintf("127.0.0.1:%d", ports[1])
	cfg.APIAddress = fmt.Sprintf("tcp://127.0.0.1:%d", ports[2])
	cdc := cfg.Codec
	var auth authtypes.GenesisState
	if err := cdc.UnmarshalJSON(cfg.GenesisState[authtypes.ModuleName], &auth); err != nil {
		return network.Config{}, err
	}
	var bank banktypes.GenesisState
	if err := cdc.UnmarshalJSON(cfg.GenesisState[banktypes.ModuleName], &bank); err != nil {
		return network.Config{}, err
	}
	for _, k := range []struct {
		key     *synapse.KeySigner
		balance uint64
	}{{n.faucet, FaucetBalance}, {n.Authority, AuthorityBalance}} {
		addr := sdk.AccAddress(k.key.PubKey().Address())
		packed, err := authtypes.PackAccounts(authtypes.GenesisAccounts{authtypes.NewBaseAccount(addr, nil, 0, 0)})
		if err != nil {
			return network.Config{}, err
		}
		auth.Accounts = append(auth.Accounts, packed...)
		bank.Balances = append(bank.Balances, banktypes.Balance{
			Address: k.key.Address(),
			Coins:   sdk.NewCoins(sdk.NewCoin(types.Denom, sdkmath.NewIntFromUint64(k.balance))),
		})
	}
	var subnet types.GenesisState
	if err := cdc.UnmarshalJSON(cfg.GenesisState[types.ModuleName], &subnet); err != nil {
		return network.Config{}, err
	}
	subnet.Params.AllowLoopbackAxons = true
	subnet.Params.NetworkMinLockCost = 100 * types.RaoPerTAO
	subnet.Params.NetworkRateLimit = 1
	subnet.Params.NetworkLockReductionInterval = 1
	subnet.LocalAuthority = n.Authority.Address()
	if cfg.GenesisState[authtypes.ModuleName], err = cdc.MarshalJSON(&auth); err != nil {
		return network.Config{}, err
	}
	if cfg.GenesisState[banktypes.ModuleName], err = cdc.MarshalJSON(&bank); err != nil {
		return network.Config{}, err
	}
	if cfg.GenesisState[types.ModuleName], err = cdc.MarshalJSON(&subnet); err != nil {
		return network.Config{}, err
	}
	return cfg, nil
}

// Fund makes a new key holding amount rao.
func (n *Network) Fund(t testing.TB, amount uint64) *synapse.KeySigner {
	t.Helper()
	key := synapse.GenerateKeySigner()
	n.FundAddress(t, key.Address(), amount)
	return key
}

// FundAddress sends amount rao from the faucet.
func (n *Network) FundAddress(t testing.TB, address string, amount uint64) {
	t.Helper()
	n.funding.Lock()
	defer n.funding.Unlock()
	_, err := n.client.Transfer(context.Background(), n.faucet, address, amount)
	require.NoError(t, err, "funding %s", address)
}

// Subnet registers a subnet owned by owner, with ownerHotkey as uid 0, starts it, and has the
// authority set the hyperparameters given as name, value pairs. It returns the netuid.
func (n *Network) Subnet(t testing.TB, owner, ownerHotkey chain.Signer, hyperparameters ...string) uint16 {
	t.Helper()
	require.Zero(t, len(hyperparameters)%2, "hyperparameters come in name, value pairs")
	ctx := context.Background()
	reg, _, err := n.client.RegisterNetwork(ctx, owner, ownerHotkey.Address(), "test-"+strings.ToLower(owner.Address()[4:12]), 0)
	require.NoError(t, err)
	netuid := uint16(reg.Netuid)
	_, err = n.client.StartCall(ctx, owner, netuid)
	require.NoError(t, err)
	n.SetHyperparameters(t, netuid, hyperparameters...)
	return netuid
}

// SetHyperparameters has the authority set name, value pairs on a subnet, in one transaction.
func (n *Network) SetHyperparameters(t testing.TB, netuid uint16, pairs ...string) {
	t.Helper()
	if len(pairs) == 0 {
		return
	}
	var msgs []sdk.Msg
	for i := 0; i+1 < len(pairs); i += 2 {
		msgs = append(msgs, &types.MsgSetHyperparameter{Signer: n.Authority.Address(), Netuid: uint32(netuid), Name: pairs[i], Value: pairs[i+1]})
	}
	_, err := n.client.Send(context.Background(), n.Authority, msgs...)
	require.NoError(t, err)
}

// The process's shared network: tests in a package use one, started by the first that asks.
var shared struct {
	once sync.Once
	n    *Network
	err  error
	dir  string
}

// Shared returns the process's network, starting it on first use. A package whose tests use it
// stops it in TestMain with Main.
func Shared(t testing.TB) *Network {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "gotensor-chaintest-")
		if shared.err == nil {
			shared.n, shared.err = Start(quiet{}, shared.dir)
		}
	})
	require.NoError(t, shared.err, "starting the shared test network")
	return shared.n
}

// Main runs the package's tests and stops the shared network after them:
//
//	func TestMain(m *testing.M) { os.Exit(chaintest.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	if shared.n != nil {
		shared.n.Stop()
	}
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
	return code
}

// quiet discards the network's logs; failures reach the tests as errors.
type quiet struct{}

func (quiet) Log(...any)          {}
func (quiet) Logf(string, ...any) {}

// portsBelowEphemeral finds n free loopback ports under Linux's ephemeral range (32768 and up).
// Ports the SDK's network picks itself come from that range, where other test packages' client
// connections (the axon's attack tests open thousands) take them between the pick and the bind.
func portsBelowEphemeral(n int) ([]int, error) {
	var ports []int
	for range 1000 {
		if len(ports) == n {
			return ports, nil
		}
		p := 20_000 + rand.IntN(12_000)
		if slices.Contains(ports, p) {
			continue
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		_ = ln.Close()
		ports = append(ports, p)
	}
	return nil, fmt.Errorf("chaintest: no %d free ports between 20000 and 32000", n)
}
