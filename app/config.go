package app

import (
	runtimev1alpha1 "cosmossdk.io/api/cosmos/app/runtime/v1alpha1"
	appv1alpha1 "cosmossdk.io/api/cosmos/app/v1alpha1"
	authmodulev1 "cosmossdk.io/api/cosmos/auth/module/v1"
	bankmodulev1 "cosmossdk.io/api/cosmos/bank/module/v1"
	consensusmodulev1 "cosmossdk.io/api/cosmos/consensus/module/v1"
	distrmodulev1 "cosmossdk.io/api/cosmos/distribution/module/v1"
	genutilmodulev1 "cosmossdk.io/api/cosmos/genutil/module/v1"
	govmodulev1 "cosmossdk.io/api/cosmos/gov/module/v1"
	slashingmodulev1 "cosmossdk.io/api/cosmos/slashing/module/v1"
	stakingmodulev1 "cosmossdk.io/api/cosmos/staking/module/v1"
	txconfigv1 "cosmossdk.io/api/cosmos/tx/config/v1"
	upgrademodulev1 "cosmossdk.io/api/cosmos/upgrade/module/v1"
	"cosmossdk.io/depinject"
	"cosmossdk.io/depinject/appconfig"

	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/types/module"
	_ "github.com/cosmos/cosmos-sdk/x/auth/tx/config" // registers the tx module for app wiring
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	consensustypes "github.com/cosmos/cosmos-sdk/x/consensus/types"
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"
	"github.com/cosmos/cosmos-sdk/x/genutil"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"
	upgradetypes "github.com/cosmos/cosmos-sdk/x/upgrade/types"

	// Each module registers itself for app wiring in its init.
	_ "github.com/cosmos/cosmos-sdk/x/auth"
	_ "github.com/cosmos/cosmos-sdk/x/bank"
	_ "github.com/cosmos/cosmos-sdk/x/consensus"
	_ "github.com/cosmos/cosmos-sdk/x/distribution"
	_ "github.com/cosmos/cosmos-sdk/x/gov"
	_ "github.com/cosmos/cosmos-sdk/x/slashing"
	_ "github.com/cosmos/cosmos-sdk/x/staking"
	_ "github.com/cosmos/cosmos-sdk/x/upgrade"

	subnetmodulev1 "github.com/gotensor/gotensor/api/subnet/module/v1"
	_ "github.com/gotensor/gotensor/x/subnet"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// Name is the application's name, as CometBFT and the CLI report it.
const Name = "gotensor"

// Bech32Prefix is the human-readable part of every account address ("tao1…").
const Bech32Prefix = "tao"

// moduleAccountPerms: the accounts modules hold, and what each may do to the supply. x/subnet mints
// the coinbase and destroys recycled and burned TAO.
var moduleAccountPerms = []*authmodulev1.ModuleAccountPermission{
	{Account: authtypes.FeeCollectorName},
	{Account: distrtypes.ModuleName},
	{Account: stakingtypes.BondedPoolName, Permissions: []string{authtypes.Burner, stakingtypes.ModuleName}},
	{Account: stakingtypes.NotBondedPoolName, Permissions: []string{authtypes.Burner, stakingtypes.ModuleName}},
	{Account: govtypes.ModuleName, Permissions: []string{authtypes.Burner}},
	{Account: subnettypes.ModuleName, Permissions: []string{authtypes.Minter, authtypes.Burner}},
}

// Block step order. x/subnet's coinbase runs after distribution has paid last block's fees and
// after slashing, so it sees settled balances; bank comes first at the end (v0.54 requires it) and
// x/subnet last, so it sees what every other module destroyed in the block.
// x/upgrade runs before every other module in a block (its PreBlocker): at a planned upgrade's
// height it halts a node without the upgrade, or migrates the state first. x/auth's PreBlocker
// (v0.54 gives it one) follows.
var (
	preBlockers   = []string{upgradetypes.ModuleName, authtypes.ModuleName}
	beginBlockers = []string{distrtypes.ModuleName, slashingtypes.ModuleName, stakingtypes.ModuleName, subnettypes.ModuleName}
	endBlockers   = []string{banktypes.ModuleName, govtypes.ModuleName, stakingtypes.ModuleName, subnettypes.ModuleName}
	// x/subnet initializes after bank, whose supply it takes as the issued TAO, and after genutil,
	// whose gentxs only move TAO between accounts.
	initGenesis = []string{
		authtypes.ModuleName, banktypes.ModuleName, distrtypes.ModuleName, stakingtypes.ModuleName,
		slashingtypes.ModuleName, govtypes.ModuleName, genutiltypes.ModuleName, consensustypes.ModuleName,
		upgradetypes.ModuleName, subnettypes.ModuleName,
	}
)

// AppConfig is the module wiring of a gotensor node.
func AppConfig() depinject.Config {
	return depinject.Configs(
		appconfig.Compose(&appv1alpha1.Config{Modules: []*appv1alpha1.ModuleConfig{
			{Name: runtime.ModuleName, Config: appconfig.WrapAny(&runtimev1alpha1.Module{
				AppName:       Name,
				PreBlockers:   preBlockers,
				BeginBlockers: beginBlockers,
				EndBlockers:   endBlockers,
				InitGenesis:   initGenesis,
				OverrideStoreKeys: []*runtimev1alpha1.StoreKeyConfig{
					{ModuleName: authtypes.ModuleName, KvStoreKey: "acc"},
				},
			})},
			{Name: authtypes.ModuleName, Config: appconfig.WrapAny(&authmodulev1.Module{
				Bech32Prefix:             Bech32Prefix,
				ModuleAccountPermissions: moduleAccountPerms,
			})},
			{Name: banktypes.ModuleName, Config: appconfig.WrapAny(&bankmodulev1.Module{})},
			{Name: stakingtypes.ModuleName, Config: appconfig.WrapAny(&stakingmodulev1.Module{})},
			{Name: slashingtypes.ModuleName, Config: appconfig.WrapAny(&slashingmodulev1.Module{})},
			{Name: distrtypes.ModuleName, Config: appconfig.WrapAny(&distrmodulev1.Module{})},
			{Name: govtypes.ModuleName, Config: appconfig.WrapAny(&govmodulev1.Module{})},
			{Name: consensustypes.ModuleName, Config: appconfig.WrapAny(&consensusmodulev1.Module{})},
			{Name: upgradetypes.ModuleName, Config: appconfig.WrapAny(&upgrademodulev1.Module{})},
			{Name: genutiltypes.ModuleName, Config: appconfig.WrapAny(&genutilmodulev1.Module{})},
			{Name: "tx", Config: appconfig.WrapAny(&txconfigv1.Config{SkipAnteHandler: true})},
			{Name: subnettypes.ModuleName, Config: appconfig.WrapAny(&subnetmodulev1.Module{})},
		}}),
		// The genesis CLI (gentx, collect-gentxs) needs genutil's basic module with its validator.
		depinject.Supply(map[string]module.AppModuleBasic{
			genutiltypes.ModuleName: genutil.NewAppModuleBasic(genutiltypes.DefaultMessageValidator),
		}),
	)
}
