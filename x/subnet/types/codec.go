package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// RegisterLegacyAminoCodec registers the messages for amino JSON signing (hardware wallets sign
// amino JSON). The names match each message's amino.name option.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	for _, m := range []struct {
		msg  any
		name string
	}{
		{&MsgUpdateParams{}, "gotensor/x/subnet/MsgUpdateParams"},
		{&MsgRegisterNetwork{}, "gotensor/x/subnet/MsgRegisterNetwork"},
		{&MsgStartCall{}, "gotensor/x/subnet/MsgStartCall"},
		{&MsgTriggerEpoch{}, "gotensor/x/subnet/MsgTriggerEpoch"},
		{&MsgSetHyperparameter{}, "gotensor/x/subnet/MsgSetHyperparameter"},
		{&MsgBurnedRegister{}, "gotensor/x/subnet/MsgBurnedRegister"},
		{&MsgAddStake{}, "gotensor/x/subnet/MsgAddStake"},
		{&MsgRemoveStake{}, "gotensor/x/subnet/MsgRemoveStake"},
		{&MsgMoveStake{}, "gotensor/x/subnet/MsgMoveStake"},
		{&MsgTransferStake{}, "gotensor/x/subnet/MsgTransferStake"},
		{&MsgSetDelegateTake{}, "gotensor/x/subnet/MsgSetDelegateTake"},
		{&MsgSetWeights{}, "gotensor/x/subnet/MsgSetWeights"},
		{&MsgCommitWeights{}, "gotensor/x/subnet/MsgCommitWeights"},
		{&MsgRevealWeights{}, "gotensor/x/subnet/MsgRevealWeights"},
		{&MsgServeAxon{}, "gotensor/x/subnet/MsgServeAxon"},
		{&MsgSwapHotkey{}, "gotensor/x/subnet/MsgSwapHotkey"},
		{&MsgSwapColdkey{}, "gotensor/x/subnet/MsgSwapColdkey"},
		{&MsgDisputeColdkeySwap{}, "gotensor/x/subnet/MsgDisputeColdkeySwap"},
		{&MsgClearColdkeySwap{}, "gotensor/x/subnet/MsgClearColdkeySwap"},
		{&MsgResetColdkeySwap{}, "gotensor/x/subnet/MsgResetColdkeySwap"},
		{&MsgAssociateHotkey{}, "gotensor/x/subnet/MsgAssociateHotkey"},
		{&MsgDisassociateHotkey{}, "gotensor/x/subnet/MsgDisassociateHotkey"},
		{&MsgSetChildren{}, "gotensor/x/subnet/MsgSetChildren"},
		{&MsgSetChildkeyTake{}, "gotensor/x/subnet/MsgSetChildkeyTake"},
		{&MsgRootRegister{}, "gotensor/x/subnet/MsgRootRegister"},
		{&MsgClaimRoot{}, "gotensor/x/subnet/MsgClaimRoot"},
		{&MsgSetRootClaimType{}, "gotensor/x/subnet/MsgSetRootClaimType"},
		{&Params{}, "gotensor/x/subnet/Params"},
	} {
		cdc.RegisterConcrete(m.msg, m.name, nil)
	}
}

// RegisterInterfaces registers every message of the Msg service as an sdk.Msg.
func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}
