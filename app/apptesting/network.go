package apptesting

import (
	"time"

	dbm "github.com/cosmos/cosmos-db"

	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/baseapp"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	pruningtypes "github.com/cosmos/cosmos-sdk/store/v2/pruning/types"
	"github.com/cosmos/cosmos-sdk/testutil/network"

	"github.com/gotensor/gotensor/app"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// NetworkConfig is an in-process network of real CometBFT nodes (the SDK's testutil/network) running
// the gotensor app with its ante handler, 100 ms blocks and rao as the bond denom. Only one such
// network may run per test process at a time.
func NetworkConfig() (network.Config, error) {
	app.ConfigureSDK()
	cfg, err := network.DefaultConfigWithAppConfig(app.AppConfig())
	if err != nil {
		return network.Config{}, err
	}
	cfg.NumValidators = 1
	cfg.TimeoutCommit = 100 * time.Millisecond
	cfg.ChainID = "gotensor-network-test"
	cfg.BondDenom = subnettypes.Denom
	cfg.MinGasPrices = "0" + subnettypes.Denom
	cfg.AccountTokens = sdkmath.NewInt(10_000 * subnettypes.RaoPerTAO)
	cfg.StakingTokens = sdkmath.NewInt(10_000 * subnettypes.RaoPerTAO)
	cfg.BondedTokens = sdkmath.NewInt(1_000 * subnettypes.RaoPerTAO)
	cfg.AppConstructor = func(val network.ValidatorI) servertypes.Application {
		a, err := app.New(val.GetCtx().Logger, dbm.NewMemDB(), true, val.GetCtx().Viper,
			baseapp.SetPruning(pruningtypes.NewPruningOptionsFromString(val.GetAppConfig().Pruning)),
			baseapp.SetMinGasPrices(val.GetAppConfig().MinGasPrices),
			baseapp.SetChainID(cfg.ChainID),
		)
		if err != nil {
			panic(err) // the network harness offers no error path; the test fails with the message
		}
		return a
	}
	return cfg, nil
}
