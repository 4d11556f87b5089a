package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/gotensor/gotensor/localnet"
)

func testnetCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:               "testnet",
		Short:             "create multi-node networks on this machine",
		PersistentPreRunE: standalone,
	}
	cmd.AddCommand(testnetInitFilesCmd(), testnetStartCmd(), testnetSuperviseCmd(), testnetStopCmd(), testnetChaosCmd())
	return cmd
}

func testnetInitFilesCmd() *cobra.Command {
	var (
		n       int
		out     string
		chainID string
		output  string
		opts    localnet.TestnetOptions
	)
	cmd := &cobra.Command{
		Use:   "init-files",
		Short: "write the homes of an N-validator network whose nodes run as separate processes",
		Long: `write one home per validator (node0, node1, …) under --output, with one shared genesis and
distinct loopback ports, so that N ` + "`gotensor start --home DIR/nodeI`" + ` processes form one network. The
chain authority is governance, as on any real network.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n < 1 || n > 64 {
				return fmt.Errorf("--validators must be between 1 and 64, not %d", n)
			}
			if out == "" {
				return fmt.Errorf("--output is required: the folder to write the node homes in")
			}
			if opts.BlockTime <= 0 {
				return fmt.Errorf("--block-time must be positive, not %s", opts.BlockTime)
			}
			if opts.VotingPeriod != 0 && opts.VotingPeriod < time.Second {
				return fmt.Errorf("--voting-period must be 0 (the SDK's 48h) or at least 1s, not %s", opts.VotingPeriod)
			}
			for _, p := range []struct {
				flag string
				port int
			}{{"--p2p-port", opts.Ports.P2P}, {"--rpc-port", opts.Ports.RPC}, {"--grpc-port", opts.Ports.GRPC}, {"--api-port", opts.Ports.API}} {
				if p.port < 1 || p.port+(n-1)*localnet.PortStride > 65535 {
					return fmt.Errorf("%s %d leaves no room for %d nodes %d ports apart", p.flag, p.port, n, localnet.PortStride)
				}
			}
			opts.Validators, opts.Dir, opts.ChainID = n, out, chainID
			netw, err := localnet.InitFiles(opts)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if output == "json" {
				return json.NewEncoder(w).Encode(netw)
			}
			fmt.Fprintf(w, "wrote %d node homes for chain %s\n", n, netw.ChainID)
			for _, h := range netw.Homes {
				fmt.Fprintf(w, "  %s  rpc :%d  grpc :%d  rest :%d  p2p :%d   gotensor start --home %s\n",
					h.Moniker, h.Ports.RPC, h.Ports.GRPC, h.Ports.API, h.Ports.P2P, h.Dir)
			}
			fmt.Fprintf(w, "funded accounts are in %s (keyring-backend %s)\n", filepath.Join(netw.Homes[0].Dir), localnet.KeyringBackend)
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&n, "validators", 4, "number of validator nodes")
	f.StringVar(&out, "output", "", "folder to write node0 … nodeN-1 into")
	f.StringVar(&chainID, "chain-id", "gotensor-testnet", "chain id")
	f.StringVarP(&output, "output-format", "o", "text", "text or json")
	f.DurationVar(&opts.BlockTime, "block-time", time.Second, "time between blocks")
	f.DurationVar(&opts.VotingPeriod, "voting-period", 0, "governance voting period (0: the SDK's 48h; expedited votes take half)")
	f.IntVar(&opts.Ports.P2P, "p2p-port", localnet.StandardPorts.P2P, "node0's CometBFT p2p port; node i adds 10·i to every port")
	f.IntVar(&opts.Ports.RPC, "rpc-port", localnet.StandardPorts.RPC, "node0's CometBFT RPC port")
	f.IntVar(&opts.Ports.GRPC, "grpc-port", localnet.StandardPorts.GRPC, "node0's gRPC port")
	f.IntVar(&opts.Ports.API, "api-port", localnet.StandardPorts.API, "node0's REST port")
	return cmd
}
