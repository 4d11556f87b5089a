package keeper_test

import (
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// TestStartCall_6_4: only the owner, not before StartCallDelay blocks, once; emission starts the
// next block.
func TestStartCall_6_4(t *testing.T) {
	f := newNetFixture(t, withNetParams(func(p *types.Params) { p.StartCallDelay = 3 }))
	owner := f.account(0)
	f.registerNetwork(owner, newKey(), "one")
	registered := f.block()
	start := func(signer sdk.AccAddress, netuid uint32) error {
		_, err := f.srv.StartCall(f.ctx(), &types.MsgStartCall{Owner: signer.String(), Netuid: netuid})
		return err
	}
	refused := []struct {
		name   string
		signer sdk.AccAddress
		netuid uint32
		want   error
	}{
		{"not the owner", f.account(1), 1, types.ErrNotSubnetOwner},
		{"too early", owner, 1, types.ErrStartCallTooEarly},
		{"root netuid", owner, 0, types.ErrRootNetuid},
		{"unknown subnet", owner, 9, types.ErrSubnetNotFound},
		{"netuid beyond u16", owner, 70_000, types.ErrValueOutOfRange},
	}
	for _, r := range refused {
		before := f.stateHash()
		require.ErrorIs(t, start(r.signer, r.netuid), r.want, r.name)
		require.Equal(t, before, f.stateHash(), r.name)
	}
	_, err := f.srv.StartCall(f.ctx(), &types.MsgStartCall{Owner: "tao1notanaddress", Netuid: 1})
	require.ErrorIs(t, err, types.ErrInvalidAddress)

	f.advance(2)
	require.ErrorIs(t, start(owner, 1), types.ErrStartCallTooEarly)
	f.next()
	require.Equal(t, registered+3, f.block())
	require.NoError(t, start(owner, 1))
	require.Equal(t, f.block()+1, f.subnet(1).FirstEmissionBlock)
	evs := f.events("gotensor.subnet.v1.EventStartCall")
	require.Equal(t, []proto.Message{&types.EventStartCall{Netuid: 1, FirstEmissionBlock: f.block() + 1}}, evs)
	require.ErrorIs(t, start(owner, 1), types.ErrAlreadyStarted)
	f.next()
}
