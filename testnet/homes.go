package testnet

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	"github.com/spf13/viper"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	"github.com/cosmos/cosmos-sdk/x/genutil"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/gotensor/gotensor/localnet"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// MaxNodes bounds the nodes of one testnet, joiners included: the proxies' ports are laid out as
// ProxyPort + target·MaxNodes + dialer.
const MaxNodes = 16

// SnapshotInterval is how often (in blocks) every node takes a state-sync snapshot.
const SnapshotInterval = 20

// Node is one node of a testnet: its home, its ports, and whether it validates.
type Node struct {
	Name      string         `json:"name"`
	Index     int            `json:"index"`
	Home      string         `json:"home"`
	NodeID    string         `json:"node_id"`
	Validator bool           `json:"validator"`
	Ports     localnet.Ports `json:"ports"`
	// StateSync says the node joined a running network from a snapshot.
	StateSync bool `json:"state_sync,omitempty"`
}

// Manifest is what Write wrote: DIR/testnet.json.
type Manifest struct {
	Dir     string `json:"dir"`
	ChainID string `json:"chain_id"`
	// Ports are node0's; node i adds i·localnet.PortStride.
	Ports localnet.Ports `json:"ports"`
	// ProxyPort is the first of the proxies' ports (see ProxyPortOf).
	ProxyPort int           `json:"proxy_port"`
	BlockTime time.Duration `json:"block_time"`
	// DiskLimit, when positive, is the size in bytes of the tmpfs each original node's data
	// folder is mounted on while the testnet runs (see DiskMounts), so that a disk-full fault
	// can fill it.
	DiskLimit int64  `json:"disk_limit,omitempty"`
	Nodes     []Node `json:"nodes"`
}

// Options configure Write.
type Options struct {
	Validators, FullNodes int
	Dir, ChainID          string
	// Ports are node0's (zero: localnet.StandardPorts); ProxyPort the first proxy port (zero:
	// DefaultProxyPort).
	Ports     localnet.Ports
	ProxyPort int
	BlockTime time.Duration
	// VotingPeriod is governance's (0: the SDK's two days).
	VotingPeriod time.Duration
	// DiskLimit: see Manifest.DiskLimit.
	DiskLimit int64
}

// DefaultProxyPort is the first proxy port unless told otherwise: clear of the standard ports of
// MaxNodes nodes.
const DefaultProxyPort = 27656

// ProxyPortOf is the loopback port on which dialer reaches target: a proxy that forwards to
// target's p2p port, and through which the faults of the link between the two are injected.
// The port of a node to itself is a sink that accepts nothing: a node's self-reported address,
// so that a peer that lost an inbound connection cannot redial around the proxies.
func (m *Manifest) ProxyPortOf(dialer, target int) int {
	return m.ProxyPort + target*MaxNodes + dialer
}

// PortsOf are the ports of the node in slot i.
func (m *Manifest) PortsOf(i int) localnet.Ports {
	off := i * localnet.PortStride
	return localnet.Ports{P2P: m.Ports.P2P + off, RPC: m.Ports.RPC + off, GRPC: m.Ports.GRPC + off, API: m.Ports.API + off}
}

// Node finds a node by name.
func (m *Manifest) Node(name string) (Node, bool) {
	for _, n := range m.Nodes {
		if n.Name == name {
			return n, true
		}
	}
	return Node{}, false
}

// Validators are the validators' names.
func (m *Manifest) Validators() []string {
	var out []string
	for _, n := range m.Nodes {
		if n.Validator {
			out = append(out, n.Name)
		}
	}
	return out
}

const manifestFile = "testnet.json"

// ReadManifest reads DIR/testnet.json.
func ReadManifest(dir string) (*Manifest, error) {
	raw, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s holds no testnet (no %s): write one with `gotensor testnet start --output %s`", dir, manifestFile, dir)
	}
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, manifestFile), err)
	}
	return &m, nil
}

// Save writes the manifest to DIR/testnet.json.
func (m *Manifest) Save() error {
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(m.Dir, manifestFile), raw, 0o644)
}

// Check says what is wrong with opts, if anything.
func (o *Options) Check() error {
	if o.Validators < 1 || o.FullNodes < 0 || o.Validators+o.FullNodes > MaxNodes-2 {
		return fmt.Errorf("--validators (%d) must be at least 1 and --full-nodes (%d) at least 0, with at most %d nodes in all (room is kept for %d state-sync joiners)",
			o.Validators, o.FullNodes, MaxNodes-2, 2)
	}
	if o.Dir == "" {
		return errors.New("--output is required: the folder to write the node homes in")
	}
	if o.BlockTime <= 0 {
		return fmt.Errorf("--block-time must be positive, not %s", o.BlockTime)
	}
	if o.VotingPeriod != 0 && o.VotingPeriod < time.Second {
		return fmt.Errorf("--voting-period must be 0 (the SDK's 48h) or at least 1s, not %s", o.VotingPeriod)
	}
	if o.DiskLimit != 0 && o.DiskLimit < MinDiskLimit {
		return fmt.Errorf("--disk-limit must be 0 (none) or at least %d MiB, not %d bytes", MinDiskLimit>>20, o.DiskLimit)
	}
	if o.Ports == (localnet.Ports{}) {
		o.Ports = localnet.StandardPorts
	}
	if o.ProxyPort == 0 {
		o.ProxyPort = DefaultProxyPort
	}
	for _, p := range []struct {
		flag       string
		port, span int
	}{
		{"--p2p-port", o.Ports.P2P, (MaxNodes - 1) * localnet.PortStride}, {"--rpc-port", o.Ports.RPC, (MaxNodes - 1) * localnet.PortStride},
		{"--grpc-port", o.Ports.GRPC, (MaxNodes - 1) * localnet.PortStride}, {"--api-port", o.Ports.API, (MaxNodes - 1) * localnet.PortStride},
		{"--proxy-port", o.ProxyPort, MaxNodes*MaxNodes - 1},
	} {
		if p.port < 1 || p.port+p.span > 65535 {
			return fmt.Errorf("%s %d leaves no room for the ports of %d nodes (it needs %d above it)", p.flag, p.port, MaxNodes, p.span)
		}
	}
	return nil
}

// Write writes the homes of a testnet into opts.Dir: the validators as `gotensor testnet
// init-files` writes them, then the full nodes with the same genesis, every node taking
// state-sync snapshots and dialling its peers through the proxies.
func Write(opts Options) (*Manifest, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	netw, err := localnet.InitFiles(localnet.TestnetOptions{
		Validators: opts.Validators, Dir: opts.Dir, ChainID: opts.ChainID, Ports: opts.Ports, BlockTime: opts.BlockTime,
		VotingPeriod: opts.VotingPeriod,
	})
	if err != nil {
		return nil, err
	}
	m := &Manifest{Dir: opts.Dir, ChainID: netw.ChainID, Ports: opts.Ports, ProxyPort: opts.ProxyPort, BlockTime: opts.BlockTime, DiskLimit: opts.DiskLimit}
	var homes []string
	for i, h := range netw.Homes {
		m.Nodes = append(m.Nodes, Node{Name: h.Moniker, Index: i, Home: h.Dir, NodeID: h.NodeID, Validator: true, Ports: h.Ports})
		homes = append(homes, h.Dir)
	}
	if err := allowSubnetEveryBlock(homes); err != nil {
		return nil, err
	}
	for range opts.FullNodes {
		if _, err := m.addNode(false); err != nil {
			return nil, err
		}
	}
	for _, n := range m.Nodes {
		if err := m.configure(n, nil); err != nil {
			return nil, err
		}
	}
	return m, m.Save()
}

// addNode writes the home of a new non-validating node in the next slot.
func (m *Manifest) addNode(stateSync bool) (Node, error) {
	i := len(m.Nodes)
	if i >= MaxNodes {
		return Node{}, fmt.Errorf("the testnet has its %d nodes already", MaxNodes)
	}
	n := Node{Name: fmt.Sprintf("node%d", i), Index: i, Home: filepath.Join(m.Dir, fmt.Sprintf("node%d", i)), Ports: m.PortsOf(i), StateSync: stateSync}
	if err := os.MkdirAll(filepath.Join(n.Home, "config"), 0o755); err != nil {
		return Node{}, err
	}
	if err := os.MkdirAll(filepath.Join(n.Home, "data"), 0o755); err != nil {
		return Node{}, err
	}
	cfg, err := readCometConfig(m.Nodes[0].Home)
	if err != nil {
		return Node{}, err
	}
	cfg.SetRoot(n.Home)
	cmtcfg.WriteConfigFile(filepath.Join(n.Home, "config", "config.toml"), cfg) // configure completes it
	genesis, err := os.ReadFile(filepath.Join(m.Nodes[0].Home, "config", "genesis.json"))
	if err != nil {
		return Node{}, err
	}
	if err := os.WriteFile(cfg.GenesisFile(), genesis, 0o644); err != nil {
		return Node{}, err
	}
	if n.NodeID, _, err = genutil.InitializeNodeValidatorFiles(cfg); err != nil {
		return Node{}, fmt.Errorf("node keys for %s: %w", n.Name, err)
	}
	// app.toml as the validators' (their own ports follow in configure).
	app, err := os.ReadFile(filepath.Join(m.Nodes[0].Home, "config", "app.toml"))
	if err != nil {
		return Node{}, err
	}
	if err := os.WriteFile(filepath.Join(n.Home, "config", "app.toml"), app, 0o644); err != nil {
		return Node{}, err
	}
	m.Nodes = append(m.Nodes, n)
	return n, nil
}

// StateSyncTrust is what a joining node trusts: a recent height and its block hash, and the RPC
// servers its light client verifies snapshots against.
type StateSyncTrust struct {
	Height     int64
	Hash       string
	RPCServers []string
}

// AddStateSyncNode writes the home of a new full node that joins by state sync, and records it.
func (m *Manifest) AddStateSyncNode(trust StateSyncTrust) (Node, error) {
	n, err := m.addNode(true)
	if err != nil {
		return Node{}, err
	}
	if err := m.configure(n, &trust); err != nil {
		return Node{}, err
	}
	return n, m.Save()
}

// configure writes node n's config.toml and app.toml: its own loopback ports, short consensus
// timeouts, snapshots, no peer exchange, and every other node of the testnet (joiners excepted)
// as a persistent peer reached through n's proxy to it.
func (m *Manifest) configure(n Node, trust *StateSyncTrust) error {
	cfg, err := readCometConfig(n.Home)
	if err != nil {
		return err
	}
	cfg.SetRoot(n.Home)
	cfg.Moniker = n.Name
	cfg.P2P.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", n.Ports.P2P)
	cfg.RPC.ListenAddress = fmt.Sprintf("tcp://127.0.0.1:%d", n.Ports.RPC)
	cfg.P2P.ExternalAddress = fmt.Sprintf("127.0.0.1:%d", m.ProxyPortOf(n.Index, n.Index))
	cfg.P2P.PexReactor = false
	cfg.P2P.AddrBookStrict = false
	cfg.P2P.AllowDuplicateIP = true
	var peers []string
	for _, p := range m.Nodes {
		if p.Index != n.Index && !p.StateSync {
			peers = append(peers, fmt.Sprintf("%s@127.0.0.1:%d", p.NodeID, m.ProxyPortOf(n.Index, p.Index)))
		}
	}
	cfg.P2P.PersistentPeers = strings.Join(peers, ",")
	cfg.Consensus.TimeoutCommit = m.BlockTime
	cfg.Consensus.TimeoutPropose = time.Second
	if trust != nil {
		cfg.StateSync.Enable = true
		cfg.StateSync.RPCServers = trust.RPCServers
		cfg.StateSync.TrustHeight = trust.Height
		cfg.StateSync.TrustHash = trust.Hash
		cfg.StateSync.DiscoveryTime = 5 * time.Second
	}
	if err := cfg.ValidateBasic(); err != nil {
		return fmt.Errorf("config of %s: %w", n.Name, err)
	}
	cmtcfg.WriteConfigFile(filepath.Join(n.Home, "config", "config.toml"), cfg)

	v := viper.New()
	v.SetConfigType("toml")
	v.SetConfigFile(filepath.Join(n.Home, "config", "app.toml"))
	if err := v.ReadInConfig(); err != nil {
		return fmt.Errorf("reading %s: %w", v.ConfigFileUsed(), err)
	}
	app, err := serverconfig.GetConfig(v)
	if err != nil {
		return fmt.Errorf("app.toml of %s: %w", n.Name, err)
	}
	app.GRPC.Address = fmt.Sprintf("127.0.0.1:%d", n.Ports.GRPC)
	app.API.Address = fmt.Sprintf("tcp://127.0.0.1:%d", n.Ports.API)
	app.StateSync.SnapshotInterval = SnapshotInterval
	app.StateSync.SnapshotKeepRecent = 3
	if err := app.ValidateBasic(); err != nil {
		return fmt.Errorf("app.toml of %s: %w", n.Name, err)
	}
	serverconfig.WriteConfigFile(filepath.Join(n.Home, "config", "app.toml"), &app)
	return nil
}

// allowSubnetEveryBlock lowers the genesis's network_rate_limit to one block in every home (the
// same file in each, written before any node starts), as a local network has it: the chaos
// workload registers two subnets one after the other, which subtensor's 7200 blocks forbid.
func allowSubnetEveryBlock(homes []string) error {
	file := filepath.Join(homes[0], "config", "genesis.json")
	g, err := genutiltypes.AppGenesisFromFile(file)
	if err != nil {
		return err
	}
	var state map[string]json.RawMessage
	if err := json.Unmarshal(g.AppState, &state); err != nil {
		return fmt.Errorf("%s: app_state: %w", file, err)
	}
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	var subnet subnettypes.GenesisState
	if err := cdc.UnmarshalJSON(state[subnettypes.ModuleName], &subnet); err != nil {
		return fmt.Errorf("%s: app_state.%s: %w", file, subnettypes.ModuleName, err)
	}
	subnet.Params.NetworkRateLimit = 1
	if state[subnettypes.ModuleName], err = cdc.MarshalJSON(&subnet); err != nil {
		return err
	}
	if g.AppState, err = json.Marshal(state); err != nil {
		return err
	}
	for _, h := range homes {
		if err := g.SaveAs(filepath.Join(h, "config", "genesis.json")); err != nil {
			return err
		}
	}
	return nil
}

func readCometConfig(home string) (*cmtcfg.Config, error) {
	v := viper.New()
	v.SetConfigType("toml")
	v.SetConfigFile(filepath.Join(home, "config", "config.toml"))
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", v.ConfigFileUsed(), err)
	}
	cfg := cmtcfg.DefaultConfig()
	if err := v.Unmarshal(cfg); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", v.ConfigFileUsed(), err)
	}
	return cfg, nil
}
