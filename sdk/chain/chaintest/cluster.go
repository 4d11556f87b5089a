package chaintest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/gotensor/gotensor/app"
	"github.com/gotensor/gotensor/localnet"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// ClusterOptions shape a cluster's genesis.
type ClusterOptions struct {
	// VotingPeriod, when set, shortens governance votes (see localnet.Spec).
	VotingPeriod time.Duration
	// BlockTime is the target block interval (default 200ms).
	BlockTime time.Duration
	// Bonds are the validators' bonds in rao, one per validator (default 1000 TAO each). A node
	// bonded far below the others can stop without halting the chain.
	Bonds []uint64
}

// ClusterNode is one validator node of a cluster: its home and its loopback endpoints.
type ClusterNode struct {
	Home string
	// GRPC is the gRPC address (host:port); RPC the CometBFT RPC (tcp://host:port).
	GRPC, RPC string
	node      *localnet.Node
}

// Running reports whether the node runs.
func (c *ClusterNode) Running() bool { return c.node != nil && c.node.IsRunning() }

// App is the running node's application (nil while it is stopped).
func (c *ClusterNode) App() *app.App {
	if !c.Running() {
		return nil
	}
	return c.node.App()
}

// Cluster starts a cluster for a test, stopped and removed when it ends.
func Cluster(t testing.TB, validators int, opts ClusterOptions) *Network {
	t.Helper()
	dir, err := os.MkdirTemp("", "gotensor-cluster-")
	require.NoError(t, err)
	n, err := StartCluster(dir, validators, opts)
	if err != nil {
		_ = os.RemoveAll(dir)
	}
	require.NoError(t, err)
	t.Cleanup(func() {
		n.Stop()
		// A stopped CometBFT node may still finish writing its address book for a moment.
		for range 20 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return n
}

// StartCluster starts a network of several equally bonded validators, every node in this process
// with its own CometBFT RPC, gRPC and REST servers on loopback, so that a test can stop a node
// (StopNode) and start it again (StartNode). The faucet, the authority and the root parameters
// are Start's; the network's own client talks to every node and moves on from a stopped one.
// More than a third of the validators stopped halts the chain, as on any network.
func StartCluster(dir string, validators int, opts ClusterOptions) (*Network, error) {
	if validators < 2 {
		return nil, fmt.Errorf("chaintest: a cluster needs at least 2 validators, not %d", validators)
	}
	if opts.Bonds != nil && len(opts.Bonds) != validators {
		return nil, fmt.Errorf("chaintest: %d bonds for %d validators", len(opts.Bonds), validators)
	}
	if opts.BlockTime == 0 {
		opts.BlockTime = 200 * time.Millisecond
	}
	n := &Network{Authority: synapse.GenerateKeySigner(), faucet: synapse.GenerateKeySigner(), ChainID: "chaintest-cluster"}
	unlock, err := lockStart()
	if err != nil {
		return nil, fmt.Errorf("chaintest: the start lock: %w", err)
	}
	defer unlock()
	ports, err := portsBelowEphemeral(4 * validators)
	if err != nil {
		return nil, err
	}
	spec := localnet.Spec{
		ChainID: n.ChainID, BlockTime: opts.BlockTime, VotingPeriod: opts.VotingPeriod,
		Params: func(p *types.Params) {
			p.AllowLoopbackAxons = true
			p.NetworkMinLockCost = 100 * types.RaoPerTAO
			p.NetworkRateLimit = 1
			p.NetworkLockReductionInterval = 1
		},
	}
	dirs := make([]string, validators)
	for i := range dirs {
		dirs[i] = filepath.Join(dir, fmt.Sprintf("node%d", i))
		p := localnet.Ports{P2P: ports[4*i], RPC: ports[4*i+1], GRPC: ports[4*i+2], API: ports[4*i+3]}
		bond := uint64(1_000 * types.RaoPerTAO)
		if opts.Bonds != nil {
			bond = opts.Bonds[i]
		}
		spec.Validators = append(spec.Validators, localnet.ValidatorSpec{
			Moniker: fmt.Sprintf("node%d", i), Bond: bond, Balance: 1_000 * types.RaoPerTAO, Ports: p,
		})
		n.Nodes = append(n.Nodes, &ClusterNode{
			Home: dirs[i],
			GRPC: fmt.Sprintf("127.0.0.1:%d", p.GRPC),
			RPC:  fmt.Sprintf("tcp://127.0.0.1:%d", p.RPC),
		})
	}
	if _, err := localnet.Create(spec, dirs); err != nil {
		return nil, fmt.Errorf("chaintest: writing the cluster's homes: %w", err)
	}
	if err := n.addGenesisKeys(dirs); err != nil {
		return nil, err
	}
	for _, d := range dirs {
		if err := quietMaj23Queries(d); err != nil {
			return nil, err
		}
	}
	for i := range n.Nodes {
		if err := n.StartNode(i); err != nil {
			n.Stop()
			return nil, err
		}
	}
	n.GRPC = n.Nodes[0].GRPC
	n.client, err = chain.Dial(context.Background(), n.ClientConfig())
	if err != nil {
		n.Stop()
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := n.client.WaitForHeight(ctx, 2); err != nil {
		n.Stop()
		return nil, fmt.Errorf("chaintest: the cluster made no blocks: %w", err)
	}
	return n, nil
}

// addGenesisKeys funds the faucet and the authority and makes the authority the chain's, in
// every home's genesis.
func (n *Network) addGenesisKeys(dirs []string) error {
	enc, err := app.MakeEncoding()
	if err != nil {
		return err
	}
	cdc := enc.Codec
	file := filepath.Join(dirs[0], "config", "genesis.json")
	g, err := genutiltypes.AppGenesisFromFile(file)
	if err != nil {
		return err
	}
	var state map[string]json.RawMessage
	if err := json.Unmarshal(g.AppState, &state); err != nil {
		return err
	}
	var auth authtypes.GenesisState
	var bank banktypes.GenesisState
	var subnet types.GenesisState
	if err := errors.Join(cdc.UnmarshalJSON(state[authtypes.ModuleName], &auth), cdc.UnmarshalJSON(state[banktypes.ModuleName], &bank),
		cdc.UnmarshalJSON(state[types.ModuleName], &subnet)); err != nil {
		return fmt.Errorf("chaintest: reading the cluster's genesis: %w", err)
	}
	for _, k := range []struct {
		key     *synapse.KeySigner
		balance uint64
	}{{n.faucet, FaucetBalance}, {n.Authority, AuthorityBalance}} {
		packed, err := authtypes.PackAccounts(authtypes.GenesisAccounts{authtypes.NewBaseAccount(sdk.AccAddress(k.key.PubKey().Address()), nil, 0, 0)})
		if err != nil {
			return err
		}
		auth.Accounts = append(auth.Accounts, packed...)
		coins := sdk.NewCoins(sdk.NewCoin(types.Denom, sdkmath.NewIntFromUint64(k.balance)))
		bank.Balances = append(bank.Balances, banktypes.Balance{Address: k.key.Address(), Coins: coins})
		if !bank.Supply.Empty() {
			bank.Supply = bank.Supply.Add(coins...)
		}
	}
	subnet.LocalAuthority = n.Authority.Address()
	state[authtypes.ModuleName] = cdc.MustMarshalJSON(&auth)
	state[banktypes.ModuleName] = cdc.MustMarshalJSON(&bank)
	state[types.ModuleName] = cdc.MustMarshalJSON(&subnet)
	if g.AppState, err = json.Marshal(state); err != nil {
		return err
	}
	for _, d := range dirs {
		if err := g.SaveAs(filepath.Join(d, "config", "genesis.json")); err != nil {
			return err
		}
	}
	return nil
}

// quietMaj23Queries makes a node's consensus reactor query its peers' vote majorities once an
// hour instead of every 2 s. CometBFT's query routine sleeps between queries and then reads the
// block store without checking that the node still runs; a node stopped in this process closes
// that store, and the read panics the whole test binary (seen when stopping nodes halted for an
// upgrade). The queries only speed up a peer's catching up on votes, which loopback peers do not
// need.
func quietMaj23Queries(home string) error {
	file := filepath.Join(home, "config", "config.toml")
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	re := regexp.MustCompile(`(?m)^peer_query_maj23_sleep_duration = ".*"$`)
	if !re.Match(raw) {
		return fmt.Errorf("chaintest: %s has no peer_query_maj23_sleep_duration", file)
	}
	return os.WriteFile(file, re.ReplaceAll(raw, []byte(`peer_query_maj23_sleep_duration = "1h0m0s"`)), 0o644)
}

// StartNode starts (or starts again) cluster node i from its home; its logs go to node<i>.log
// beside the homes.
func (n *Network) StartNode(i int) error {
	c := n.Nodes[i]
	if c.Running() {
		return fmt.Errorf("chaintest: node %d already runs", i)
	}
	logs, err := os.OpenFile(filepath.Join(filepath.Dir(c.Home), fmt.Sprintf("node%d.log", i)), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	node, err := localnet.NewNode(c.Home, logs)
	if err != nil {
		_ = logs.Close()
		return err
	}
	if err := node.Start(); err != nil {
		_ = node.Stop()
		_ = logs.Close()
		return fmt.Errorf("chaintest: starting node %d: %w", i, err)
	}
	c.node = node
	n.logs = append(n.logs, logs) // open until Stop: a stopped node's goroutines may still log
	return nil
}

// StopNode stops cluster node i: its servers close and it stops voting, as if its process died.
func (n *Network) StopNode(i int) error {
	c := n.Nodes[i]
	if c.node == nil {
		return nil
	}
	err := c.node.Stop()
	c.node = nil
	return err
}

// grpcEndpoints are the network's gRPC addresses: every node of a cluster, else the one node.
func (n *Network) grpcEndpoints() string {
	if len(n.Nodes) == 0 {
		return n.GRPC
	}
	addrs := make([]string, len(n.Nodes))
	for i, c := range n.Nodes {
		addrs[i] = c.GRPC
	}
	return strings.Join(addrs, ",")
}
