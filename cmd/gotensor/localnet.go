package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/gotensor/gotensor/app"
	"github.com/gotensor/gotensor/localnet"
)

func localnetCmd() *cobra.Command {
	opts := localnet.Options{ChainID: localnet.DefaultChainID, Ports: localnet.StandardPorts}
	var (
		output, subnets    string
		miners, validators int
		tempo              uint32
	)
	cmd := &cobra.Command{
		Use:   "localnet",
		Short: "run a whole gotensor network on this machine",
		Long: `run a whole gotensor network in this process, on loopback: a single-validator chain with funded
development accounts in the test keyring, and a forecasting subnet where miners with different
models answer challenges and validators score them, set weights and earn; better models earn more;
and a text-generation subnet where miners serve the shipped language model honestly (fast and slow)
or cheat (wrong-model, random, truncate, replay, inflate, relay) and a validator verifies every
answer against its own copy of the model: only verified, fast service earns. In front of them an
OpenAI-compatible gateway listens on --gateway-port (0: none) and the OPENAI_BASE_URL=… and
OPENAI_API_KEY=… lines that point any OpenAI client at it are printed; its POST /v1/forecast
returns the forecasting subnet's incentive-weighted ensemble. The explorer serves the
network's pages on --explorer-port (0: none) and prints its "explorer http://…" line. --subnets chooses which run. It prints the endpoints, then the subnets' tables every block (or one line per block with
--chain-only). --blocks N stops at height N with a summary; ctrl-c stops it at any time. With
--home DIR the network is kept and a later run resumes it.`,
		Args:              cobra.NoArgs,
		PersistentPreRunE: standalone,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			switch output {
			case "text":
			case "json":
				opts.JSON = true
			default:
				return fmt.Errorf("--output must be text or json, not %q", output)
			}
			if opts.BlockTime <= 0 {
				return fmt.Errorf("--block-time must be positive, not %s", opts.BlockTime)
			}
			if opts.StopAt < 0 {
				return fmt.Errorf("--blocks must be 0 (run until interrupted) or a height, not %d", opts.StopAt)
			}
			if miners < 0 || miners > 64 || validators < 0 || validators > 16 {
				return fmt.Errorf("--miners must be in [0, 64] and --validators in [0, 16], not %d and %d", miners, validators)
			}
			if tempo < 2 || tempo > 50_400 {
				return fmt.Errorf("--tempo must be in [2, 50400] blocks, not %d", tempo)
			}
			if opts.AxonPort < 1024 || opts.AxonPort+miners > 65535 {
				return fmt.Errorf("--axon-port %d leaves no room for %d miners below 65536 (use a port from 1024)", opts.AxonPort, miners)
			}
			if opts.GatewayPort < 0 || opts.GatewayPort > 65535 {
				return fmt.Errorf("--gateway-port must be a port, or 0 for no gateway, not %d", opts.GatewayPort)
			}
			if opts.ExplorerPort < 0 || opts.ExplorerPort > 65535 {
				return fmt.Errorf("--explorer-port must be a port, or 0 for no explorer, not %d", opts.ExplorerPort)
			}
			opts.Roster = localnet.NewRoster(miners, validators)
			opts.Roster.Tempo = tempo
			if opts.Subnets, err = localnet.ParseSubnets(subnets); err != nil {
				return err
			}
			opts.TextGen = localnet.NewTextGenRoster(tempo)
			opts.Out, opts.Progress = cmd.OutOrStdout(), cmd.ErrOrStderr()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			_, err = localnet.Run(ctx, opts)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Home, "home", "", "keep the chain in this folder (default: a temporary folder removed on exit)")
	f.StringVar(&opts.ChainID, "chain-id", opts.ChainID, "chain id of a new network")
	f.Int64Var(&opts.StopAt, "blocks", 0, "stop once this height is committed (0: run until interrupted)")
	f.DurationVar(&opts.BlockTime, "block-time", app.DefaultBlockTime, "target time between blocks")
	f.IntVar(&opts.Ports.RPC, "rpc-port", opts.Ports.RPC, "CometBFT RPC port")
	f.IntVar(&opts.Ports.P2P, "p2p-port", opts.Ports.P2P, "CometBFT P2P port")
	f.IntVar(&opts.Ports.GRPC, "grpc-port", opts.Ports.GRPC, "gRPC port")
	f.IntVar(&opts.Ports.API, "api-port", opts.Ports.API, "REST port")
	f.StringVarP(&output, "output", "o", "text", "summary format: text or json")
	f.BoolVar(&opts.ChainOnly, "chain-only", false, "run the chain alone, without any subnet")
	f.StringVar(&subnets, "subnets", strings.Join(localnet.DefaultSubnets, ","), "the subnets of a new network, comma-separated: forecast, textgen")
	f.StringVar(&opts.TextGenModel, "textgen-model", filepath.Join("subnets", "textgen", "model", "testdata", "kjv-tiny.gguf"),
		"the GGUF model of the text-generation subnet (default: the one the repository ships, from its root)")
	f.IntVar(&miners, "miners", 8, "miners of a new network's forecasting subnet (0: none; attach your own)")
	f.IntVar(&validators, "validators", 3, "validators of a new network's forecasting subnet")
	f.Uint32Var(&tempo, "tempo", localnet.DefaultTempo, "blocks per epoch of a new network's subnets")
	f.IntVar(&opts.GatewayPort, "gateway-port", localnet.DefaultGatewayPort, "the OpenAI-compatible gateway's port in front of the subnets (0: no gateway)")
	f.IntVar(&opts.ExplorerPort, "explorer-port", localnet.DefaultExplorerPort, "the explorer's port (0: no explorer)")
	f.IntVar(&opts.AxonPort, "axon-port", localnet.DefaultAxonPort, "the first miner's axon port; miner i listens on this + i")
	return cmd
}
