package chain

import (
	"fmt"

	"github.com/cosmos/gogoproto/proto"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/std"
	signingtypes "github.com/cosmos/cosmos-sdk/types/tx/signing"
	authtx "github.com/cosmos/cosmos-sdk/x/auth/tx"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	"github.com/cosmos/cosmos-sdk/x/tx/signing"

	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Encoding is how this package reads and writes the chain's data: the interface registry and
// codec for the messages it sends and the accounts it reads, and the transaction encoding.
//
// It is built here from the modules' own types rather than from the app, so a miner links the
// message definitions, not a node; its tests check that the node decodes what it encodes.
// Addresses are encoded with the "tao" prefix explicitly, never through the SDK's process-wide
// bech32 configuration, which a program linking this package may have set otherwise.
type Encoding struct {
	InterfaceRegistry codectypes.InterfaceRegistry
	Codec             *codec.ProtoCodec
	TxConfig          client.TxConfig
}

// accountPrefix and validatorPrefix are the chain's bech32 prefixes.
const (
	accountPrefix   = synapse.AddressPrefix
	validatorPrefix = accountPrefix + "valoper"
)

// NewEncoding builds the encoding.
func NewEncoding() (Encoding, error) {
	signingOpts := signing.Options{
		AddressCodec:          address.NewBech32Codec(accountPrefix),
		ValidatorAddressCodec: address.NewBech32Codec(validatorPrefix),
	}
	registry, err := codectypes.NewInterfaceRegistryWithOptions(codectypes.InterfaceRegistryOptions{
		ProtoFiles:     proto.HybridResolver,
		SigningOptions: signingOpts,
	})
	if err != nil {
		return Encoding{}, fmt.Errorf("chain: interface registry: %w", err)
	}
	std.RegisterInterfaces(registry)
	authtypes.RegisterInterfaces(registry)
	banktypes.RegisterInterfaces(registry)
	types.RegisterInterfaces(registry)
	cdc := codec.NewProtoCodec(registry)
	txConfig, err := authtx.NewTxConfigWithOptions(cdc, authtx.ConfigOptions{
		EnabledSignModes: []signingtypes.SignMode{signingtypes.SignMode_SIGN_MODE_DIRECT},
		SigningOptions:   &signingOpts,
	})
	if err != nil {
		return Encoding{}, fmt.Errorf("chain: tx config: %w", err)
	}
	return Encoding{InterfaceRegistry: registry, Codec: cdc, TxConfig: txConfig}, nil
}
