package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	"cosmossdk.io/core/store"
	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Keeper owns x/subnet's state. Other modules are reached only through the narrow interfaces of
// types/expected_keepers.go.
type Keeper struct {
	cdc    codec.BinaryCodec
	logger log.Logger
	auth   types.AccountKeeper
	bank   types.BankKeeper
	// govAuthority is the authority unless a local network's genesis names another.
	govAuthority string

	Schema         collections.Schema
	Params         collections.Item[types.Params]
	TotalIssuance  collections.Item[uint64]
	Burned         collections.Item[uint64]
	LocalAuthority collections.Item[string]
}

// NewKeeper builds the keeper. govAuthority is the bech32 address of the governance module account
// (or of the account the app config names).
func NewKeeper(cdc codec.BinaryCodec, storeService store.KVStoreService, logger log.Logger,
	auth types.AccountKeeper, bank types.BankKeeper, govAuthority string,
) Keeper {
	if _, err := auth.AddressCodec().StringToBytes(govAuthority); err != nil {
		panic(fmt.Sprintf("x/subnet: authority %q is not an address: %v", govAuthority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		cdc:            cdc,
		logger:         logger.With("module", "x/"+types.ModuleName),
		auth:           auth,
		bank:           bank,
		govAuthority:   govAuthority,
		Params:         collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		TotalIssuance:  collections.NewItem(sb, types.TotalIssuanceKey, "total_issuance", collections.Uint64Value),
		Burned:         collections.NewItem(sb, types.BurnedKey, "burned", collections.Uint64Value),
		LocalAuthority: collections.NewItem(sb, types.LocalAuthorityKey, "local_authority", collections.StringValue),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(fmt.Sprintf("x/subnet: building the state schema: %v", err))
	}
	k.Schema = schema
	return k
}

// Authority returns the account allowed to make root-only changes: the local network's named
// account if its genesis set one, else governance.
func (k Keeper) Authority(ctx context.Context) (string, error) {
	local, err := k.LocalAuthority.Get(ctx)
	switch {
	case err == nil && local != "":
		return local, nil
	case err == nil, isNotFound(err):
		return k.govAuthority, nil
	default:
		return "", err
	}
}

// AddressCodec encodes and decodes account addresses (bech32 "tao").
func (k Keeper) AddressCodec() address.Codec { return k.auth.AddressCodec() }

// Logger returns the module's logger.
func (k Keeper) Logger() log.Logger { return k.logger }

// moduleAddress is the account holding pool TAO and the coinbase in flight.
func (k Keeper) moduleAddress() sdk.AccAddress { return k.auth.GetModuleAddress(types.ModuleName) }

func isNotFound(err error) bool { return errors.Is(err, collections.ErrNotFound) }
