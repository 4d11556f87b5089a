package main

import (
	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/debug"
	"github.com/cosmos/cosmos-sdk/client/keys"
	"github.com/cosmos/cosmos-sdk/client/pruning"
	"github.com/cosmos/cosmos-sdk/client/rpc"
	"github.com/cosmos/cosmos-sdk/client/snapshot"
	"github.com/cosmos/cosmos-sdk/server"
	"github.com/cosmos/cosmos-sdk/types/module"
	authcli "github.com/cosmos/cosmos-sdk/x/auth/client/cli"
	genutilcli "github.com/cosmos/cosmos-sdk/x/genutil/client/cli"

	"github.com/gotensor/gotensor/app"
)

// addCommands puts the node, client and tool commands under the root.
func addCommands(root *cobra.Command, txConfig client.TxConfig, basics module.BasicManager) {
	home := app.DefaultNodeHome()
	root.AddCommand(
		genutilcli.InitCmd(basics, home),
		genutilcli.Commands(txConfig, basics, home),
		testnetCmd(),
		localnetCmd(),
		walletCmd(),
		subnetsCmd(),
		gatewayCmd(),
		explorerCmd(),
		yumaCmd(),
		simCmd(),
		debug.Cmd(),
		pruning.Cmd(app.NewAppCreator, home),
		snapshot.Cmd(app.NewAppCreator),
	)
	server.AddCommands(root, home, app.NewAppCreator, app.ExportApp, func(*cobra.Command) {})
	root.AddCommand(
		server.StatusCommand(),
		queryCmd(),
		txCmd(),
		keys.Commands(),
	)
}

// queryCmd holds the reads; autocli adds one subcommand per module.
func queryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:                        "query",
		Aliases:                    []string{"q"},
		Short:                      "read the chain's state",
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	cmd.AddCommand(
		rpc.WaitTxCmd(),
		rpc.ValidatorCommand(),
		server.QueryBlockCmd(),
		server.QueryBlocksCmd(),
		server.QueryBlockResultsCmd(),
		authcli.QueryTxsByEventsCmd(),
		authcli.QueryTxCmd(),
	)
	return cmd
}

// txCmd holds the writes; autocli adds one subcommand per module.
func txCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:                        "tx",
		Short:                      "sign and send transactions",
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	cmd.AddCommand(
		authcli.GetSignCommand(),
		authcli.GetSignBatchCommand(),
		authcli.GetMultiSignCommand(),
		authcli.GetMultiSignBatchCmd(),
		authcli.GetValidateSignaturesCommand(),
		authcli.GetBroadcastCommand(),
		authcli.GetEncodeCommand(),
		authcli.GetDecodeCommand(),
		authcli.GetSimulateCmd(),
	)
	return cmd
}
