package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"cosmossdk.io/client/v2/autocli"
	"cosmossdk.io/depinject"
	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/config"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/server"
	"github.com/cosmos/cosmos-sdk/types/module"
	"github.com/cosmos/cosmos-sdk/x/auth/tx"
	txconfig "github.com/cosmos/cosmos-sdk/x/auth/tx/config"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/gotensor/gotensor/app"
)

// newRootCmd wires the node's and the client's commands around the app's module wiring.
func newRootCmd() *cobra.Command {
	app.ConfigureSDK()
	var (
		autoCliOpts autocli.AppOptions
		basics      module.BasicManager
		clientCtx   client.Context
	)
	if err := depinject.Inject(
		depinject.Configs(app.AppConfig(),
			depinject.Supply(log.NewNopLogger()),
			depinject.Provide(ProvideClientContext),
		),
		&autoCliOpts, &basics, &clientCtx,
	); err != nil {
		panic(err) // the wiring is compiled in: failing here is a build defect
	}

	root := &cobra.Command{
		Use:           "gotensor",
		Short:         "gotensor: an open network where useful machine intelligence earns TAO",
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(cmd.OutOrStdout())
			cmd.SetErr(cmd.ErrOrStderr())
			ctx := clientCtx.WithCmdContext(cmd.Context()).WithViper("")
			nodes, err := nodeList(cmd)
			if err != nil {
				return err
			}
			ctx, err = client.ReadPersistentCommandFlags(ctx, cmd.Flags())
			if err != nil {
				return err
			}
			ctx, err = config.ReadFromClientConfig(ctx)
			if err != nil {
				return err
			}
			if ctx, err = withNodeList(cmd, ctx, nodes); err != nil {
				return err
			}
			if err := client.SetCmdClientContextHandler(ctx, cmd); err != nil {
				return err
			}
			appTemplate, appConfig := app.NodeAppConfig()
			return server.InterceptConfigsPreRunHandler(cmd, appTemplate, appConfig, app.NodeCometConfig())
		},
	}
	addCommands(root, clientCtx.TxConfig, basics)
	if err := autoCliOpts.EnhanceRootCommand(root); err != nil {
		panic(err)
	}
	return root
}

// ProvideClientContext (exported, as app wiring requires) is the client side of the wiring: codecs, address prefix, tx encoding.
func ProvideClientContext(cdc codec.Codec, registry codectypes.InterfaceRegistry, txOpts tx.ConfigOptions,
	amino *codec.LegacyAmino,
) client.Context {
	ctx := client.Context{}.
		WithCodec(cdc).
		WithInterfaceRegistry(registry).
		WithLegacyAmino(amino).
		WithInput(os.Stdin).
		WithAccountRetriever(authtypes.AccountRetriever{}).
		WithHomeDir(app.DefaultNodeHome()).
		WithViper("")
	ctx, err := config.ReadDefaultValuesFromDefaultClientConfig(ctx)
	if err != nil {
		panic(err)
	}
	txOpts.TextualCoinMetadataQueryFn = txconfig.NewGRPCCoinMetadataQueryFn(ctx)
	txCfg, err := tx.NewTxConfigWithOptions(ctx.Codec, txOpts)
	if err != nil {
		panic(err)
	}
	return ctx.WithTxConfig(txCfg)
}

// exitError carries a process exit code other than 1. Without err, the command has already said
// what went wrong (for example on stderr, in its own format).
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var e exitError
	if errors.As(err, &e) {
		return e.code
	}
	return 1
}

// standalone replaces the root's pre-run for commands that manage their own home and config (the
// root's would write a node's config into --home before they run).
func standalone(*cobra.Command, []string) error { return nil }
