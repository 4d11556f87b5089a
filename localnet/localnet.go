package localnet

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gotensor/gotensor/app"
	tgneuron "github.com/gotensor/gotensor/subnets/textgen/neuron"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// Options configure `gotensor localnet`.
type Options struct {
	// Home is the node's folder; empty means a new temporary folder, removed on exit.
	Home      string
	ChainID   string
	Ports     Ports
	BlockTime time.Duration
	// StopAt stops the network once it has committed this height; 0 runs until ctx ends.
	StopAt int64
	// JSON prints the summary as one JSON object on Out, and progress on Progress.
	JSON     bool
	Out      io.Writer
	Progress io.Writer

	// ChainOnly runs the bare chain, without any subnet.
	ChainOnly bool
	// Subnets are the subnets of a new network (SubnetForecast, SubnetTextGen; nil means
	// DefaultSubnets); a resumed network runs those it was created with.
	Subnets []string
	// Roster is the forecasting subnet of a new network (a resumed one keeps its own).
	Roster Roster
	// AxonPort is the first miner's axon port; miner i listens on AxonPort+i.
	AxonPort int
	// ChallengeInterval is how often each forecasting validator and the referee send a
	// challenge (0: neuron.DefaultRoundInterval). A short run measures skill on more
	// challenges with a shorter one.
	ChallengeInterval time.Duration
	// TextGen is the text-generation subnet of a new network (no behaviours means
	// NewTextGenRoster), and TextGenModel the GGUF file its miners and validator run.
	TextGen      TextGenRoster
	TextGenModel string
	// GatewayPort is where the OpenAI-compatible gateway in front of the subnets (chat and
	// completions for the text-generation subnet, POST /v1/forecast for the forecasting one)
	// listens on loopback (DefaultGatewayPort in the CLI); 0 runs no gateway.
	GatewayPort int
	// ExplorerPort is where the explorer serves on loopback (DefaultExplorerPort in the CLI); 0
	// runs no explorer.
	ExplorerPort int
}

// DefaultAxonPort is where the first miner serves, as Bittensor's axons do by default.
const DefaultAxonPort = 8091

// DefaultChainID names local networks.
const DefaultChainID = "gotensor-localnet"

// DevAccounts are the funded development keys of a new local network. The first is the chain
// authority, so root parameters change without a governance vote.
var DevAccounts = []AccountSpec{
	{Name: "alice", Balance: 100_000 * subnettypes.RaoPerTAO},
	{Name: "bob", Balance: 100_000 * subnettypes.RaoPerTAO},
	{Name: "carol", Balance: 100_000 * subnettypes.RaoPerTAO},
	{Name: "dave", Balance: 100_000 * subnettypes.RaoPerTAO},
	{Name: "eve", Balance: 100_000 * subnettypes.RaoPerTAO},
}

// localParams make the subnet economy usable within minutes on one machine: loopback axons are
// allowed and a subnet may register every block. The lock cost stays subtensor's 1000 TAO: it
// becomes the new pool's depth, and a deep pool lets the demo's validators stake without moving
// the price much.
func localParams(p *subnettypes.Params) {
	p.AllowLoopbackAxons = true
	p.NetworkRateLimit = 1
}

// Summary is what a local network reports when it stops.
type Summary struct {
	ChainID          string `json:"chain_id"`
	Home             string `json:"home"`
	Height           int64  `json:"height"`
	BlocksThisRun    int64  `json:"blocks_this_run"`
	BlockEmissionRao uint64 `json:"block_emission_rao"`
	TotalIssuanceRao uint64 `json:"total_issuance_rao"`
	BurnedRao        uint64 `json:"burned_rao"`
	BankSupplyRao    uint64 `json:"bank_supply_rao"`
	InvariantsHold   bool   `json:"invariants_hold"`
	StoppedBy        string `json:"stopped_by"`

	// The forecasting subnet (absent with ChainOnly).
	Netuid uint16 `json:"netuid,omitempty"`
	// SkillIncentiveSpearman is the rank correlation between the miners' measured skill and
	// their incentive: the answer, in one number, to whether the network pays for quality. It is
	// null until miners have been scored and an epoch has paid them.
	SkillIncentiveSpearman *float64 `json:"skill_incentive_spearman"`
	// RefereeSkillIncentiveSpearman is the same correlation with the skill the referee measured
	// on challenges no validator saw: the validators' own figure correlates their measurement with
	// the incentive that measurement produced, the referee's does not lean on it.
	RefereeSkillIncentiveSpearman *float64       `json:"referee_skill_incentive_spearman"`
	BestSkillModel                string         `json:"best_skill_model,omitempty"`
	TopIncentiveModel             string         `json:"top_incentive_model,omitempty"`
	Neurons                       []NeuronReport `json:"neurons,omitempty"`

	// TextGen is the text-generation subnet (absent when it does not run).
	TextGen *tgneuron.Summary `json:"textgen,omitempty"`
	// Gateway is the gateway in front of it (absent when none runs).
	Gateway *GatewayReport `json:"gateway,omitempty"`
}

// manifestFile records, in a local network's home, what Create made: the network resumes from it.
const manifestFile = "localnet.json"

// Run starts a local network (or resumes the one in opts.Home), reports every block, and stops at
// opts.StopAt or when ctx ends.
func Run(ctx context.Context, opts Options) (Summary, error) {
	if opts.TextGen.Behaviours == nil {
		opts.TextGen = NewTextGenRoster(cmp.Or(opts.TextGen.Tempo, DefaultTempo))
	}
	home, temporary, err := prepareHome(opts.Home)
	if err != nil {
		return Summary{}, err
	}
	if temporary {
		defer os.RemoveAll(home)
	}
	if err := checkPortsFree(opts.Ports); err != nil {
		return Summary{}, err
	}
	netw, resumed, err := openOrCreate(home, opts)
	if err != nil {
		return Summary{}, err
	}
	running := netw.running(opts)
	if slices.Contains(running, SubnetForecast) {
		if err := checkAxonPortsFree(opts.AxonPort, len(netw.demoRoster(opts).Miners)); err != nil {
			return Summary{}, err
		}
	}
	if slices.Contains(running, SubnetTextGen) {
		if _, err := os.Stat(opts.TextGenModel); err != nil {
			return Summary{}, fmt.Errorf("the text-generation subnet needs its model (%v): pass --textgen-model FILE, or --subnets forecast", err)
		}
	}
	if opts.GatewayPort != 0 && (slices.Contains(running, SubnetTextGen) || slices.Contains(running, SubnetForecast)) {
		if err := checkGatewayPortFree(opts.GatewayPort); err != nil {
			return Summary{}, err
		}
	}
	if opts.ExplorerPort != 0 {
		if err := checkExplorerPortFree(opts.ExplorerPort); err != nil {
			return Summary{}, err
		}
	}
	if err := writeNodeConfig(home, opts); err != nil {
		return Summary{}, err
	}
	logFile, err := openLog(filepath.Join(home, "node.log"))
	if err != nil {
		return Summary{}, fmt.Errorf("cannot write the node log in %s: %w", home, err)
	}
	defer logFile.Close()

	node, err := NewNode(home, logFile)
	if err != nil {
		return Summary{}, corruptHome(home, err)
	}
	if err := node.Start(); err != nil {
		return Summary{}, corruptHome(home, err)
	}
	defer node.Stop()

	progress := opts.Out
	if opts.JSON {
		progress = opts.Progress
	}
	printEndpoints(progress, netw, home, temporary, resumed, opts)
	if opts.ExplorerPort != 0 {
		ex, err := startExplorer(ctx, home, netw.ChainID, opts.Ports, opts.ExplorerPort, logFile, progress)
		if err != nil {
			return Summary{}, err
		}
		defer ex.Stop()
	}

	var d *demo
	if slices.Contains(running, SubnetForecast) {
		if d, err = openDemo(ctx, home, &netw, opts, logFile); err != nil {
			return Summary{}, err
		}
		defer d.stop()
		printDemo(progress, d, home, opts)
	}
	var tg *textgenNet
	defer func() {
		if tg != nil {
			tg.stop()
		}
	}()
	if slices.Contains(running, SubnetTextGen) {
		if tg, err = openTextGen(ctx, home, &netw, opts, logFile); err != nil {
			return Summary{}, err
		}
		printTextGen(progress, tg)
	}
	var gw *localGateway
	defer func() {
		if gw != nil {
			_ = gw.stop()
		}
	}()
	if (tg != nil || d != nil) && opts.GatewayPort != 0 {
		if gw, err = startGateway(home, opts.GatewayPort, tg, d, opts.TextGenModel, logFile); err != nil {
			return Summary{}, err
		}
		printGateway(progress, gw)
	}
	blocks := node.NewBlocks(ctx)
	reader := newSupplyReader(node)
	sum := Summary{ChainID: netw.ChainID, Home: home, StoppedBy: "interrupt"}
	if temporary {
		sum.Home = ""
	}
	live := newLiveView(progress)
	first := int64(-1)
	for height := range blocks {
		if first < 0 {
			first = height
		}
		s, err := reader.supply(ctx, height)
		if err != nil {
			return sum, err
		}
		sum.Height, sum.BlocksThisRun = height, height-first+1
		line := fmt.Sprintf("height %-6d emission %s TAO  issuance %s TAO",
			height, subnettypes.FormatTAO(s.BlockEmission), subnettypes.FormatTAO(s.TotalIssuance))
		live.show(ctx, height, line, d, tg)
		if opts.StopAt > 0 && height >= opts.StopAt {
			sum.StoppedBy = "blocks"
			break
		}
	}
	if err := reader.fill(&sum); err != nil {
		return sum, err
	}
	if d != nil {
		d.summarize(ctx, &sum)
	}
	if gw != nil {
		sum.Gateway = &GatewayReport{BaseURL: gw.BaseURL()}
		err = gw.stop()
		gw = nil
		if err != nil {
			return sum, fmt.Errorf("stopping the gateway: %w", err)
		}
	}
	if tg != nil {
		if sum.TextGen, err = tg.summary(ctx); err != nil {
			return sum, err
		}
		tg.stop()
		tg = nil
	}
	if err := node.Stop(); err != nil {
		return sum, fmt.Errorf("stopping the node: %w", err)
	}
	return sum, writeSummary(opts, sum)
}

// prepareHome makes sure the home exists and is writable, creating a temporary one if none is given.
func prepareHome(home string) (string, bool, error) {
	if home == "" {
		dir, err := os.MkdirTemp("", "gotensor-localnet-")
		if err != nil {
			return "", false, fmt.Errorf("cannot create a temporary home: %w; pass --home DIR", err)
		}
		return dir, true, nil
	}
	abs, err := filepath.Abs(home)
	if err != nil {
		return "", false, err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return "", false, fmt.Errorf("cannot create home %s: %w; pass --home with a writable folder", abs, err)
	}
	probe := filepath.Join(abs, ".write-test")
	if err := os.WriteFile(probe, nil, 0o644); err != nil {
		return "", false, fmt.Errorf("cannot write to home %s: %w; pass --home with a writable folder", abs, err)
	}
	_ = os.Remove(probe)
	return abs, false, nil
}

func checkPortsFree(p Ports) error {
	for _, port := range []struct {
		n    int
		what string
		flag string
	}{{p.RPC, "CometBFT RPC", "--rpc-port"}, {p.P2P, "CometBFT P2P", "--p2p-port"}, {p.GRPC, "gRPC", "--grpc-port"}, {p.API, "REST", "--api-port"}} {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port.n))
		if err != nil {
			return fmt.Errorf("port %d (%s) is already in use: stop what uses it or pass %s", port.n, port.what, port.flag)
		}
		_ = l.Close()
	}
	return nil
}

// openOrCreate resumes the network recorded in home, or creates a new one there.
func openOrCreate(home string, opts Options) (Network, bool, error) {
	bz, err := os.ReadFile(filepath.Join(home, manifestFile))
	switch {
	case err == nil:
		var netw Network
		if err := json.Unmarshal(bz, &netw); err != nil || len(netw.Homes) != 1 {
			return Network{}, false, corruptHome(home, fmt.Errorf("%s is unreadable", manifestFile))
		}
		return netw, true, nil
	case !errors.Is(err, os.ErrNotExist):
		return Network{}, false, corruptHome(home, err)
	}
	entries, err := os.ReadDir(home)
	if err != nil {
		return Network{}, false, err
	}
	if len(entries) > 0 {
		return Network{}, false, fmt.Errorf("home %s is not empty and holds no local network: pass an empty or new folder as --home", home)
	}
	subnets := []string{}
	if !opts.ChainOnly {
		subnets = opts.Subnets
		if subnets == nil {
			subnets = DefaultSubnets
		}
	}
	accounts := slices.Clone(DevAccounts)
	if slices.Contains(subnets, SubnetForecast) {
		accounts = append(accounts, opts.Roster.accounts()...)
	}
	if slices.Contains(subnets, SubnetTextGen) {
		accounts = append(accounts, opts.TextGen.accounts()...)
	}
	netw, err := Create(Spec{
		ChainID: opts.ChainID,
		Validators: []ValidatorSpec{{
			Moniker: "validator", Bond: 1_000 * subnettypes.RaoPerTAO, Balance: 1_000 * subnettypes.RaoPerTAO, Ports: opts.Ports,
		}},
		Accounts:  accounts,
		Authority: DevAccounts[0].Name,
		BlockTime: opts.BlockTime,
		Params:    localParams,
	}, []string{home})
	if err != nil {
		return Network{}, false, err
	}
	netw.Subnets = subnets
	return netw, false, saveManifest(home, netw)
}

// saveManifest records the network (and its demo subnet) in its home.
func saveManifest(home string, netw Network) error {
	bz, err := json.MarshalIndent(netw, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(home, manifestFile), bz, 0o644)
}

// writeNodeConfig applies this run's ports and block time to the home's config files.
func writeNodeConfig(home string, opts Options) error {
	cfg := cometConfig(home, "validator", opts.Ports, opts.BlockTime)
	// A single node has no peers to exchange: without the peer exchange no address book is kept
	// (CometBFT saves it from a goroutine that may outlive the node's Stop).
	cfg.P2P.PexReactor = false
	if err := writeCometConfig(cfg, nil, 0); err != nil {
		return err
	}
	return writeAppConfig(home, opts.Ports)
}

func corruptHome(home string, err error) error {
	return fmt.Errorf("home %s does not hold a usable local network (%v): remove it or pass a new --home", home, err)
}

func printEndpoints(w io.Writer, netw Network, home string, temporary, resumed bool, opts Options) {
	state := "new chain"
	if resumed {
		state = "resuming the stored chain"
	}
	where := home
	if temporary {
		where += " (temporary, removed on exit; pass --home DIR to keep it)"
	}
	fmt.Fprintf(w, "gotensor localnet: %s %s\n", netw.ChainID, state)
	fmt.Fprintf(w, "  home      %s\n", where)
	fmt.Fprintf(w, "  rpc       tcp://127.0.0.1:%d\n", opts.Ports.RPC)
	fmt.Fprintf(w, "  grpc      127.0.0.1:%d\n", opts.Ports.GRPC)
	fmt.Fprintf(w, "  rest      http://127.0.0.1:%d\n", opts.Ports.API)
	fmt.Fprintf(w, "  keyring   --keyring-backend %s --home %s\n", KeyringBackend, home)
	fmt.Fprintln(w, "  accounts")
	for i, a := range netw.Accounts[:min(len(netw.Accounts), len(DevAccounts))] {
		role := ""
		if i == 0 {
			role = "  (chain authority)"
		}
		fmt.Fprintf(w, "    %-8s %s%s\n", a.Name, a.Address, role)
	}
	fmt.Fprintf(w, "  try       %s q subnet supply --node tcp://127.0.0.1:%d\n", app.Name, opts.Ports.RPC)
}

func writeSummary(opts Options, s Summary) error {
	if opts.JSON {
		return json.NewEncoder(opts.Out).Encode(s)
	}
	fmt.Fprintf(opts.Out, "stopped at height %d (%s): emission %s TAO a block, issuance %s TAO, burned %s TAO, invariants hold: %v\n",
		s.Height, s.StoppedBy, subnettypes.FormatTAO(s.BlockEmissionRao), subnettypes.FormatTAO(s.TotalIssuanceRao),
		subnettypes.FormatTAO(s.BurnedRao), s.InvariantsHold)
	if s.TextGen != nil {
		writeTextGenTable(opts.Out, s.TextGen)
	}
	if s.Neurons == nil {
		return nil
	}
	writeTable(opts.Out, s.Neurons)
	rho := func(r *float64) string {
		if r == nil {
			return "not yet defined (no scored miners paid by an epoch)"
		}
		return fmt.Sprintf("%.3f", *r)
	}
	fmt.Fprintf(opts.Out, "skill~incentive Spearman %s (validators' skill), %s (referee's); most skilled model %q, highest incentive %q\n",
		rho(s.SkillIncentiveSpearman), rho(s.RefereeSkillIncentiveSpearman), s.BestSkillModel, s.TopIncentiveModel)
	return nil
}
