package chain_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"
	signingtypes "github.com/cosmos/cosmos-sdk/types/tx/signing"

	"github.com/gotensor/gotensor/app"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// The client's encoding is built without the app; the node's decoder must read what it writes,
// and find the same signer in each message.
func TestEncodingAgreesWithTheApp(t *testing.T) {
	ours, err := chain.NewEncoding()
	require.NoError(t, err)
	node, err := app.MakeEncoding()
	require.NoError(t, err)

	key := synapse.GenerateKeySigner()
	msgs := []sdk.Msg{
		&types.MsgSetWeights{Hotkey: key.Address(), Netuid: 3, Uids: []uint32{0, 1}, Values: []uint32{1, 2}},
		&types.MsgBurnedRegister{Coldkey: key.Address(), Netuid: 3, Hotkey: key.Address(), MaxBurn: 9},
	}
	b := ours.TxConfig.NewTxBuilder()
	require.NoError(t, b.SetMsgs(msgs...))
	b.SetGasLimit(123)
	b.SetTimeoutHeight(77)
	require.NoError(t, b.SetSignatures(signingtypes.SignatureV2{PubKey: key.PubKey(),
		Data: &signingtypes.SingleSignatureData{SignMode: signingtypes.SignMode_SIGN_MODE_DIRECT, Signature: []byte{1}}}))
	bz, err := ours.TxConfig.TxEncoder()(b.GetTx())
	require.NoError(t, err)

	decoded, err := node.TxConfig.TxDecoder()(bz)
	require.NoError(t, err)
	require.Len(t, decoded.GetMsgs(), 2)
	for i, m := range decoded.GetMsgs() {
		require.Equal(t, msgs[i].String(), m.(sdk.Msg).String())
		signers, _, err := node.Codec.GetMsgV1Signers(m)
		require.NoError(t, err)
		require.Equal(t, [][]byte{key.PubKey().Address()}, signers)
	}
}
