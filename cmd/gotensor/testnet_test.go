package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/localnet"
)

// processNet is a network of `gotensor start` processes written by `gotensor testnet init-files`,
// driven through the CLI as its users would drive it.
type processNet struct {
	t       *testing.T
	chainID string
	homes   []localnet.Home
}

// keys are the keyring flags of node i's home (node0's holds the funded accounts).
func (n *processNet) keys(i int) []string {
	return []string{"--keyring-backend", "test", "--home", n.homes[i].Dir}
}

func (n *processNet) rpc(i int) string {
	return fmt.Sprintf("tcp://127.0.0.1:%d", n.homes[i].Ports.RPC)
}

func (n *processNet) grpc(i int) string { return fmt.Sprintf("127.0.0.1:%d", n.homes[i].Ports.GRPC) }

func (n *processNet) address(key string) string {
	out := runGotensor(n.t, append([]string{"keys", "show", key, "-a"}, n.keys(0)...)...)
	return strings.TrimSpace(string(out))
}

// tx signs a transaction with key from node home's keyring, sends it to node via, and waits
// until a block includes it; it must succeed.
func (n *processNet) tx(home, via int, key string, args ...string) {
	n.t.Helper()
	args = append(append([]string{"tx"}, args...), "--from", key, "--node", n.rpc(via), "--chain-id", n.chainID,
		"--gas", "400000", "--yes", "-o", "json")
	out := runGotensor(n.t, append(args, n.keys(home)...)...)
	var sent struct {
		Code   uint32 `json:"code"`
		TxHash string `json:"txhash"`
		RawLog string `json:"raw_log"`
	}
	require.NoError(n.t, json.Unmarshal(out, &sent), "%s", out)
	require.Zero(n.t, sent.Code, "%v: %s", args, sent.RawLog)
	var done struct {
		Code   uint32 `json:"code"`
		RawLog string `json:"raw_log"`
	}
	waitFor(n.t, 30*time.Second, 200*time.Millisecond, "transaction "+sent.TxHash, func() bool {
		cmd := gotensorCmd("q", "tx", sent.TxHash, "--node", n.rpc(via), "-o", "json")
		out, err := cmd.Output()
		return err == nil && json.Unmarshal(out, &done) == nil
	})
	require.Zero(n.t, done.Code, "%v: %s", args, done.RawLog)
}

// query runs `gotensor q ARGS… -o json` against node i and decodes the answer into v.
func (n *processNet) query(i int, v any, args ...string) {
	n.t.Helper()
	out := runGotensor(n.t, append(append([]string{"q"}, args...), "--node", n.rpc(i), "-o", "json")...)
	require.NoError(n.t, json.Unmarshal(out, v), "%s", out)
}

// parallel runs fs at once and waits for all of them: transactions of different accounts.
func parallel(fs ...func()) {
	var wg sync.WaitGroup
	for _, f := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	wg.Wait()
}

// Issue 2 item 6 and issue 6 item 5: three validator nodes as separate `gotensor start` processes,
// written by `testnet init-files`, agree block by block. Governance (the chain authority on such a
// network) shortens a subnet's tempo through a proposal the three validators vote for. The
// forecasting miner and validator commands (`gotensor subnets forecast …`), each pointed at a
// different node with --node, find each other through the chain, and the better model earns the
// higher incentive.
func TestForecastSubnetOnAThreeNodeNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a network of processes")
	}
	dir := t.TempDir()
	base := freePortBlock(t, 3*localnet.PortStride)
	var written localnet.Network
	out := runGotensor(t, "testnet", "init-files", "--validators", "3", "--output", filepath.Join(dir, "net"),
		"--block-time", "300ms", "--voting-period", "8s",
		"--p2p-port", strconv.Itoa(base), "--rpc-port", strconv.Itoa(base+1),
		"--grpc-port", strconv.Itoa(base+2), "--api-port", strconv.Itoa(base+3), "-o", "json")
	require.NoError(t, json.Unmarshal(out, &written))
	require.Len(t, written.Homes, 3)
	n := &processNet{t: t, chainID: written.ChainID, homes: written.Homes}

	for _, h := range n.homes {
		startGotensor(t, dir, h.Moniker, "start", "--home", h.Dir)
	}
	waitFor(t, 60*time.Second, 200*time.Millisecond, "three nodes at height 3", func() bool {
		for _, h := range n.homes {
			if nodeHeight(h.Ports.RPC) < 3 {
				return false
			}
		}
		return true
	})

	// Wallets as btcli users make them, funded by a development account.
	for _, w := range []string{"owner", "gbt", "naive", "validator"} {
		runGotensor(t, append([]string{"wallet", "create", w}, n.keys(0)...)...)
	}
	n.tx(0, 0, "alice", "bank", "multi-send", n.address("alice"), n.address("owner"), n.address("gbt"),
		n.address("naive"), n.address("validator"), "3000000000000rao")

	// The owner creates the subnet through node 1.
	n.tx(0, 1, "owner", "subnet", "register-network", n.address("owner/default"), "forecast")
	const netuid = "1"

	// Only the authority sets a tempo below 360: a proposal, voted by the three validators.
	var gov struct {
		Account struct {
			Value struct {
				Address string `json:"address"`
			} `json:"value"`
		} `json:"account"`
	}
	n.query(0, &gov, "auth", "module-account", "gov")
	require.NotEmpty(t, gov.Account.Value.Address)
	proposal := fmt.Sprintf(`{"messages":[
		{"@type":"/gotensor.subnet.v1.MsgSetHyperparameter","signer":%q,"netuid":1,"name":"tempo","value":"10"},
		{"@type":"/gotensor.subnet.v1.MsgSetHyperparameter","signer":%q,"netuid":1,"name":"weights_set_rate_limit","value":"0"}],
		"deposit":"10000000rao","title":"forecast: short tempo","summary":"an epoch every 10 blocks on the test network"}`,
		gov.Account.Value.Address, gov.Account.Value.Address)
	propFile := filepath.Join(dir, "proposal.json")
	require.NoError(t, os.WriteFile(propFile, []byte(proposal), 0o600))
	n.tx(0, 0, "alice", "gov", "submit-proposal", propFile)
	var votes []func()
	for i, h := range n.homes {
		votes = append(votes, func() { n.tx(i, i, h.Moniker, "gov", "vote", "1", "yes") })
	}
	parallel(votes...)
	waitFor(t, 60*time.Second, 500*time.Millisecond, "the proposal to pass", func() bool {
		var p struct {
			Proposal struct {
				Status string `json:"status"`
			} `json:"proposal"`
		}
		n.query(2, &p, "gov", "proposal", "1")
		require.NotContains(t, []string{"PROPOSAL_STATUS_REJECTED", "PROPOSAL_STATUS_FAILED"}, p.Proposal.Status)
		return p.Proposal.Status == "PROPOSAL_STATUS_PASSED"
	})
	var hp struct {
		Hyperparameters struct {
			Tempo int `json:"tempo"`
		} `json:"hyperparameters"`
	}
	n.query(1, &hp, "subnet", "hyperparameters", netuid)
	require.Equal(t, 10, hp.Hyperparameters.Tempo)

	// Start the subnet; the neurons register their hotkeys and the validator stakes.
	n.tx(0, 0, "owner", "subnet", "start-call", netuid)
	parallel(
		func() { n.tx(0, 0, "gbt", "subnet", "register", netuid, n.address("gbt/default")) },
		func() { n.tx(0, 1, "naive", "subnet", "register", netuid, n.address("naive/default")) },
		func() { n.tx(0, 2, "validator", "subnet", "register", netuid, n.address("validator/default")) },
	)
	n.tx(0, 2, "validator", "subnet", "add-stake", netuid, n.address("validator/default"), "1000000000000")
	// A hotkey publishes an address from the CLI, fee-free, with keys in a node's home (whose
	// config.toml must not leak into the command's flags).
	n.tx(0, 1, "validator/default", "subnet", "serve-axon", netuid, "127.0.0.1", "7000", "--axon-version", "7")

	// The miners and the validator, each on its own node.
	axons := freePortBlock(t, 2)
	startGotensor(t, dir, "miner-gbt", append([]string{"subnets", "forecast", "miner", "--model", "gbt", "--wallet", "gbt",
		"--netuid", netuid, "--node", n.grpc(0), "--listen", fmt.Sprintf("127.0.0.1:%d", axons)}, n.keys(0)...)...)
	startGotensor(t, dir, "miner-naive", append([]string{"subnets", "forecast", "miner", "--model", "naive", "--wallet", "naive",
		"--netuid", netuid, "--node", n.grpc(1), "--listen", fmt.Sprintf("127.0.0.1:%d", axons+1)}, n.keys(0)...)...)
	startGotensor(t, dir, "validator", append([]string{"subnets", "forecast", "validator", "--wallet", "validator",
		"--netuid", netuid, "--node", n.grpc(2), "--round-interval", "500ms", "--query-timeout", "3s"}, n.keys(0)...)...)

	gbt, naive := n.address("gbt/default"), n.address("naive/default")
	type neuron struct {
		Hotkey    string `json:"hotkey"`
		Incentive uint32 `json:"incentive"`
		Emission  string `json:"emission"`
		Axon      *struct {
			Port    uint32 `json:"port"`
			Version uint32 `json:"version"`
		} `json:"axon"`
	}
	var last map[string]neuron
	waitFor(t, 3*time.Minute, time.Second, "the gbt miner to out-earn the naive one", func() bool {
		var mg struct {
			Neurons []neuron `json:"neurons"`
		}
		n.query(1, &mg, "subnet", "metagraph", netuid)
		last = map[string]neuron{}
		for _, nr := range mg.Neurons {
			last[nr.Hotkey] = nr
		}
		return last[gbt].Incentive > 0 && last[gbt].Incentive > last[naive].Incentive
	})
	t.Logf("incentive: gbt %d, naive %d (of 65535); emission gbt %s rao", last[gbt].Incentive, last[naive].Incentive, last[gbt].Emission)
	require.NotNil(t, last[gbt].Axon, "the miner published its axon with serve-axon")
	require.EqualValues(t, axons, last[gbt].Axon.Port)
	validator := last[n.address("validator/default")]
	require.NotNil(t, validator.Axon, "the validator's hotkey served from the CLI")
	require.EqualValues(t, 7000, validator.Axon.Port)
	require.EqualValues(t, 7, validator.Axon.Version)

	// One chain: every node has the same state at the same height.
	var height int64
	waitFor(t, 30*time.Second, 200*time.Millisecond, "all nodes at one height", func() bool {
		height = min(nodeHeight(n.homes[0].Ports.RPC), nodeHeight(n.homes[1].Ports.RPC), nodeHeight(n.homes[2].Ports.RPC))
		return height > 0
	})
	hash := appHashAt(t, n.homes[0].Ports.RPC, height)
	for _, h := range n.homes[1:] {
		require.Equal(t, hash, appHashAt(t, h.Ports.RPC, height), "app hash of %s at height %d", h.Moniker, height)
	}
	var inv struct {
		OK bool `json:"ok"`
	}
	n.query(2, &inv, "subnet", "invariants")
	require.True(t, inv.OK, "the accounting invariants hold")
}

// Issue 2 item 6: the standard genesis ceremony of a Cosmos network — init, a key, add-genesis-account,
// gentx, collect-gentxs, validate — makes a genesis whose node starts and produces blocks, with
// rao as the bond denom and governance as the authority.
func TestGenesisCeremonyStartsANode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node process")
	}
	dir := t.TempDir()
	home := filepath.Join(dir, "val0")
	keys := []string{"--keyring-backend", "test", "--home", home}
	const chainID = "ceremony-1"
	runGotensor(t, "init", "val0", "--chain-id", chainID, "--home", home)
	runGotensor(t, append([]string{"keys", "add", "val0"}, keys...)...)
	runGotensor(t, append([]string{"genesis", "add-genesis-account", "val0", "2000000000000rao"}, keys...)...)
	runGotensor(t, append([]string{"genesis", "gentx", "val0", "1000000000000rao", "--chain-id", chainID}, keys...)...)
	runGotensor(t, "genesis", "collect-gentxs", "--home", home)
	runGotensor(t, "genesis", "validate", "--home", home)

	var genesis struct {
		AppState struct {
			Staking struct {
				Params struct {
					BondDenom string `json:"bond_denom"`
				} `json:"params"`
			} `json:"staking"`
			Subnet struct {
				LocalAuthority string `json:"local_authority"`
			} `json:"subnet"`
		} `json:"app_state"`
	}
	raw, err := os.ReadFile(filepath.Join(home, "config", "genesis.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &genesis))
	require.Equal(t, "rao", genesis.AppState.Staking.Params.BondDenom)
	require.Empty(t, genesis.AppState.Subnet.LocalAuthority, "outside a local network the authority is governance")

	base := freePortBlock(t, 3)
	startGotensor(t, dir, "val0", "start", "--home", home,
		"--p2p.laddr", fmt.Sprintf("tcp://127.0.0.1:%d", base), "--rpc.laddr", fmt.Sprintf("tcp://127.0.0.1:%d", base+1),
		"--grpc.address", fmt.Sprintf("127.0.0.1:%d", base+2))
	waitFor(t, 60*time.Second, 200*time.Millisecond, "the node at height 3", func() bool { return nodeHeight(base+1) >= 3 })

	// The coinbase runs from the first block: issuance grows by the block emission.
	var supply struct {
		TotalIssuance string `json:"total_issuance"`
		BlockEmission string `json:"block_emission"`
	}
	out := runGotensor(t, "q", "subnet", "supply", "--node", fmt.Sprintf("tcp://127.0.0.1:%d", base+1), "-o", "json")
	require.NoError(t, json.Unmarshal(out, &supply), "%s", out)
	require.Equal(t, "1000000000", supply.BlockEmission)
	require.NotEmpty(t, supply.TotalIssuance)
}

func TestTestnetInitFilesArgumentErrors(t *testing.T) {
	used := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(used, "x"), nil, 0o600))
	for _, tc := range []struct {
		name string
		args []string
		err  string
	}{
		{"no output", []string{}, "--output is required"},
		{"no validators", []string{"--validators", "0"}, "--validators must be between 1 and 64, not 0"},
		{"block time", []string{"--block-time", "0s"}, "--block-time must be positive, not 0s"},
		{"voting period", []string{"--voting-period", "-1s"}, "--voting-period must be 0 (the SDK's 48h) or at least 1s, not -1s"},
		{"voting period too short", []string{"--voting-period", "10ms"}, "--voting-period must be 0 (the SDK's 48h) or at least 1s, not 10ms"},
		{"ports run out", []string{"--validators", "4", "--rpc-port", "65530"}, "--rpc-port 65530 leaves no room for 4 nodes 10 ports apart"},
		{"port zero", []string{"--grpc-port", "0"}, "--grpc-port 0 leaves no room"},
		{"folder in use", []string{"--output", used}, used + " is not empty: pass a new or empty folder as --output"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if !slices.Contains(args, "--output") && tc.name != "no output" {
				args = append(args, "--output", filepath.Join(t.TempDir(), "net"))
			}
			cmd := testnetInitFilesCmd()
			cmd.SetArgs(args)
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			cmd.SilenceErrors, cmd.SilenceUsage = true, true
			require.ErrorContains(t, cmd.Execute(), tc.err)
		})
	}
}
