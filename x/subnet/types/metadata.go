package types

import banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

// TAOMetadata describes the token to wallets and explorers: base unit rao, shown as TAO.
func TAOMetadata() banktypes.Metadata {
	return banktypes.Metadata{
		Description: "TAO pays for useful machine intelligence on gotensor",
		DenomUnits: []*banktypes.DenomUnit{
			{Denom: Denom, Exponent: 0, Aliases: []string{"nanotao"}},
			{Denom: "tao", Exponent: 9, Aliases: []string{DisplayDenom}},
		},
		Base:    Denom,
		Display: "tao",
		Name:    "TAO",
		Symbol:  DisplayDenom,
	}
}
