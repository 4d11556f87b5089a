package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/gotensor/gotensor/app"
	"github.com/gotensor/gotensor/localnet"
)

func localnetCmd() *cobra.Command {
	opts := localnet.Options{ChainID: localnet.DefaultChainID, Ports: localnet.StandardPorts}
	var output string
	cmd := &cobra.Command{
		Use:   "localnet",
		Short: "run a whole gotensor network on this machine",
		Long: `run a single-validator gotensor chain in this process, on loopback, with funded development
accounts in the test keyring. It prints the endpoints, then one line per block. --blocks N stops at
height N; ctrl-c stops it at any time. With --home DIR the chain is kept and a later run resumes it.`,
		Args:              cobra.NoArgs,
		PersistentPreRunE: standalone,
		RunE: func(cmd *cobra.Command, _ []string) error {
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
			opts.Out, opts.Progress = cmd.OutOrStdout(), cmd.ErrOrStderr()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			_, err := localnet.Run(ctx, opts)
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
	return cmd
}
