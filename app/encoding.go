package app

import (
	"fmt"

	"cosmossdk.io/depinject"
	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/types/module"
)

// Encoding is what tools outside a running node need to read and write the chain's data: codecs,
// the tx encoding, and the modules' default genesis.
type Encoding struct {
	Codec             codec.Codec
	InterfaceRegistry codectypes.InterfaceRegistry
	Amino             *codec.LegacyAmino
	TxConfig          client.TxConfig
	Basics            module.BasicManager
	// DefaultGenesis is every module's default genesis state.
	DefaultGenesis map[string][]byte
}

// MakeEncoding builds the encoding from the same wiring as the node, so the two always agree.
func MakeEncoding() (Encoding, error) {
	ConfigureSDK()
	var (
		enc     Encoding
		builder *runtime.AppBuilder
	)
	if err := depinject.Inject(
		depinject.Configs(AppConfig(), depinject.Supply(log.NewNopLogger())),
		&builder, &enc.Codec, &enc.InterfaceRegistry, &enc.Amino, &enc.TxConfig, &enc.Basics,
	); err != nil {
		return Encoding{}, fmt.Errorf("wiring the encoding: %w", err)
	}
	enc.DefaultGenesis = map[string][]byte{}
	for name, raw := range builder.DefaultGenesis() {
		enc.DefaultGenesis[name] = raw
	}
	return enc, nil
}
