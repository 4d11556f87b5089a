package types_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Every message of the Msg service can be signed with amino JSON (hardware wallets) and is known to
// the interface registry under its type URL.
func TestEveryMessageIsRegistered(t *testing.T) {
	amino := codec.NewLegacyAmino()
	types.RegisterLegacyAminoCodec(amino)
	registry := codectypes.NewInterfaceRegistry()
	types.RegisterInterfaces(registry)
	msgs := []sdk.Msg{
		&types.MsgUpdateParams{}, &types.MsgRegisterNetwork{}, &types.MsgStartCall{}, &types.MsgSetHyperparameter{},
		&types.MsgBurnedRegister{}, &types.MsgAddStake{}, &types.MsgRemoveStake{}, &types.MsgMoveStake{},
		&types.MsgTransferStake{}, &types.MsgSetDelegateTake{}, &types.MsgSetWeights{}, &types.MsgCommitWeights{},
		&types.MsgRevealWeights{}, &types.MsgServeAxon{},
	}
	for _, m := range msgs {
		bz, err := amino.MarshalJSON(m)
		require.NoError(t, err, "%T", m)
		require.Contains(t, string(bz), `"type":"gotensor/x/subnet/Msg`, "%T has an amino name", m)
		_, err = registry.Resolve(sdk.MsgTypeURL(m))
		require.NoError(t, err, "%T", m)
	}
}
