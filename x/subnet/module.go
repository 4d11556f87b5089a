// Package subnet is the x/subnet chain module: the TAO supply and coinbase, and the subnet economy
// built on it. Its state and rules live in keeper/, its wire types in types/.
package subnet

import (
	"context"
	"encoding/json"
	"fmt"

	gwruntime "github.com/grpc-ecosystem/grpc-gateway/runtime"

	"cosmossdk.io/core/appmodule"
	"cosmossdk.io/core/store"
	"cosmossdk.io/depinject"
	"cosmossdk.io/depinject/appconfig"
	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	modulev1 "github.com/gotensor/gotensor/api/subnet/module/v1"
	"github.com/gotensor/gotensor/x/subnet/keeper"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// ConsensusVersion is bumped with every state migration.
const ConsensusVersion = 3

var (
	_ module.AppModuleBasic     = AppModule{}
	_ module.HasGenesis         = AppModule{}
	_ module.HasServices        = AppModule{}
	_ appmodule.AppModule       = AppModule{}
	_ appmodule.HasBeginBlocker = AppModule{}
	_ appmodule.HasEndBlocker   = AppModule{}
)

// AppModule wires the keeper into the app.
type AppModule struct {
	cdc    codec.Codec
	keeper keeper.Keeper
}

// NewAppModule returns the module around its keeper.
func NewAppModule(cdc codec.Codec, k keeper.Keeper) AppModule {
	return AppModule{cdc: cdc, keeper: k}
}

func (AppModule) IsOnePerModuleType() {}
func (AppModule) IsAppModule()        {}

// Name returns the module's name.
func (AppModule) Name() string { return types.ModuleName }

func (AppModule) RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	types.RegisterLegacyAminoCodec(cdc)
}

func (AppModule) RegisterInterfaces(r codectypes.InterfaceRegistry) { types.RegisterInterfaces(r) }

func (AppModule) RegisterGRPCGatewayRoutes(clientCtx client.Context, mux *gwruntime.ServeMux) {
	if err := types.RegisterQueryHandlerClient(context.Background(), mux, types.NewQueryClient(clientCtx)); err != nil {
		panic(fmt.Sprintf("x/subnet: registering REST routes: %v", err))
	}
}

// RegisterServices registers the Msg and Query services.
func (am AppModule) RegisterServices(cfg module.Configurator) {
	types.RegisterMsgServer(cfg.MsgServer(), keeper.NewMsgServer(am.keeper))
	types.RegisterQueryServer(cfg.QueryServer(), keeper.NewQueryServer(am.keeper))
	if err := cfg.RegisterMigration(types.ModuleName, 1, func(ctx sdk.Context) error { return am.keeper.IndexStakes(ctx) }); err != nil {
		panic(fmt.Sprintf("x/subnet: registering the v1→v2 migration: %v", err))
	}
	if err := cfg.RegisterMigration(types.ModuleName, 2, func(ctx sdk.Context) error { return am.keeper.AddressesAsBytes(ctx) }); err != nil {
		panic(fmt.Sprintf("x/subnet: registering the v2→v3 migration: %v", err))
	}
}

func (AppModule) DefaultGenesis(cdc codec.JSONCodec) json.RawMessage {
	return cdc.MustMarshalJSON(types.DefaultGenesis())
}

func (am AppModule) ValidateGenesis(cdc codec.JSONCodec, _ client.TxEncodingConfig, bz json.RawMessage) error {
	var gs types.GenesisState
	if err := cdc.UnmarshalJSON(bz, &gs); err != nil {
		return fmt.Errorf("%w: reading %s genesis: %v", types.ErrInvalidGenesis, types.ModuleName, err)
	}
	return gs.Validate(am.keeper.AddressCodec())
}

// InitGenesis panics on a bad genesis: the chain cannot start from it, and the message says why.
func (am AppModule) InitGenesis(ctx sdk.Context, cdc codec.JSONCodec, data json.RawMessage) {
	var gs types.GenesisState
	cdc.MustUnmarshalJSON(data, &gs)
	if err := am.keeper.InitGenesis(ctx, gs); err != nil {
		panic(fmt.Sprintf("x/subnet genesis: %v", err))
	}
}

func (am AppModule) ExportGenesis(ctx sdk.Context, cdc codec.JSONCodec) json.RawMessage {
	gs, err := am.keeper.ExportGenesis(ctx)
	if err != nil {
		panic(fmt.Sprintf("x/subnet genesis export: %v", err))
	}
	return cdc.MustMarshalJSON(gs)
}

func (AppModule) ConsensusVersion() uint64 { return ConsensusVersion }

// BeginBlock runs the block step of §2: the coinbase and what follows it.
func (am AppModule) BeginBlock(ctx context.Context) error {
	return am.keeper.BlockStep(ctx)
}

// EndBlock runs after every other module, so it sees what they destroyed this block.
func (am AppModule) EndBlock(ctx context.Context) error {
	return am.keeper.CountExternalBurns(ctx)
}

func init() {
	appconfig.RegisterModule(&modulev1.Module{}, appconfig.Provide(ProvideModule))
}

// ModuleInputs are what the app hands x/subnet.
type ModuleInputs struct {
	depinject.In

	Config        *modulev1.Module
	Cdc           codec.Codec
	StoreService  store.KVStoreService
	Logger        log.Logger
	AccountKeeper types.AccountKeeper
	BankKeeper    types.BankKeeper
}

// ModuleOutputs are what x/subnet gives the app.
type ModuleOutputs struct {
	depinject.Out

	SubnetKeeper keeper.Keeper
	Module       appmodule.AppModule
}

// ProvideModule builds the keeper and the module for app wiring.
func ProvideModule(in ModuleInputs) ModuleOutputs {
	authority := authtypes.NewModuleAddress(govtypes.ModuleName)
	if in.Config.Authority != "" {
		authority = authtypes.NewModuleAddressOrBech32Address(in.Config.Authority)
	}
	authorityStr, err := in.AccountKeeper.AddressCodec().BytesToString(authority)
	if err != nil {
		panic(fmt.Sprintf("x/subnet: encoding the authority: %v", err))
	}
	k := keeper.NewKeeper(in.Cdc, in.StoreService, in.Logger, in.AccountKeeper, in.BankKeeper, authorityStr)
	return ModuleOutputs{SubnetKeeper: k, Module: NewAppModule(in.Cdc, k)}
}
