package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/server"
	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/x/staking"

	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// DefaultNodeHome is where a node keeps its config, data and keys unless --home says otherwise.
func DefaultNodeHome() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ".gotensor"
	}
	return filepath.Join(home, ".gotensor")
}

// ConfigureSDK sets the SDK's process-wide settings once, before any address is encoded or any
// default genesis written: addresses render as "tao1…" (accounts), "taovaloper1…" (validators) and
// "taovalcons1…" (consensus keys), and chain validators bond rao.
func ConfigureSDK() {
	cfg := sdk.GetConfig()
	if cfg.GetBech32AccountAddrPrefix() == Bech32Prefix {
		return
	}
	sdk.DefaultBondDenom = subnettypes.Denom
	cfg.SetBech32PrefixForAccount(Bech32Prefix, Bech32Prefix+sdk.PrefixPublic)
	cfg.SetBech32PrefixForValidator(Bech32Prefix+sdk.PrefixValidator+sdk.PrefixOperator,
		Bech32Prefix+sdk.PrefixValidator+sdk.PrefixOperator+sdk.PrefixPublic)
	cfg.SetBech32PrefixForConsensusNode(Bech32Prefix+sdk.PrefixValidator+sdk.PrefixConsensus,
		Bech32Prefix+sdk.PrefixValidator+sdk.PrefixConsensus+sdk.PrefixPublic)
	cfg.Seal()
}

// NodeAppConfig is app.toml for a new node: fees in rao, the REST and gRPC servers on.
func NodeAppConfig() (string, any) {
	cfg := serverconfig.DefaultConfig()
	cfg.MinGasPrices = "0" + subnettypes.Denom
	cfg.API.Enable = true
	cfg.GRPC.Enable = true
	return serverconfig.DefaultConfigTemplate, cfg
}

// DefaultBlockTime is the target interval between blocks.
const DefaultBlockTime = time.Second

// NodeCometConfig is config.toml for a new node: one-second blocks.
func NodeCometConfig() *cmtcfg.Config {
	cfg := cmtcfg.DefaultConfig()
	cfg.Consensus.TimeoutCommit = DefaultBlockTime
	return cfg
}

// NewAppCreator builds the app for the SDK's node commands (start, export, rollback …).
func NewAppCreator(logger log.Logger, db dbm.DB, opts servertypes.AppOptions) servertypes.Application {
	a, err := New(logger, db, true, opts, server.DefaultBaseappOptions(opts)...)
	if err != nil {
		panic(err) // the SDK's AppCreator has no error return; start reports the panic's message
	}
	return a
}

// ExportApp writes the state at a height (-1: the latest) as a genesis for the export command.
func ExportApp(logger log.Logger, db dbm.DB, height int64, forZeroHeight bool, jailAllowedAddrs []string,
	opts servertypes.AppOptions, modulesToExport []string,
) (servertypes.ExportedApp, error) {
	a, err := New(logger, db, height == -1, opts)
	if err != nil {
		return servertypes.ExportedApp{}, err
	}
	if height != -1 {
		if err := a.LoadHeight(height); err != nil {
			return servertypes.ExportedApp{}, err
		}
	}
	return a.ExportAppStateAndValidators(forZeroHeight, jailAllowedAddrs, modulesToExport)
}

// ExportAppStateAndValidators exports the state at the loaded height, so a new chain can start from
// it at the next height.
//
// forZeroHeight prepares the state for a new chain that starts at height 1 instead: rewards are
// paid out, the SDK modules' heights reset (prepareForZeroHeight), and x/subnet's rebased
// (rebaseSubnetGenesis). Validators outside jailAllowedAddrs are then jailed, unless it is empty.
func (app *App) ExportAppStateAndValidators(forZeroHeight bool, jailAllowedAddrs []string, modulesToExport []string) (servertypes.ExportedApp, error) {
	ctx := app.NewContextLegacy(true, cmtproto.Header{Height: app.LastBlockHeight()})
	height := app.LastBlockHeight() + 1
	if forZeroHeight {
		height = 0
		if err := app.prepareForZeroHeight(ctx, jailAllowedAddrs); err != nil {
			return servertypes.ExportedApp{}, fmt.Errorf("preparing the state for height zero: %w", err)
		}
	}
	genesis, err := app.ModuleManager.ExportGenesisForModules(ctx, app.appCodec, modulesToExport)
	if err != nil {
		return servertypes.ExportedApp{}, fmt.Errorf("exporting module state: %w", err)
	}
	if forZeroHeight {
		if err := app.rebaseSubnetGenesis(genesis, app.LastBlockHeight()); err != nil {
			return servertypes.ExportedApp{}, err
		}
	}
	appState, err := json.MarshalIndent(genesis, "", "  ")
	if err != nil {
		return servertypes.ExportedApp{}, err
	}
	validators, err := staking.WriteValidators(ctx, app.StakingKeeper)
	if err != nil {
		return servertypes.ExportedApp{}, err
	}
	return servertypes.ExportedApp{
		AppState:        appState,
		Validators:      validators,
		Height:          height,
		ConsensusParams: app.GetConsensusParams(ctx),
	}, nil
}
