package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Take starts at the 18 % maximum; it may fall at any time, and rise only once the rate limit
// (5 blocks here, 216 000 on a production chain) has passed since the last change.
func TestDelegateTake_8_5(t *testing.T) {
	f := newStakeFixture(t, func(p *types.Params) {
		p.DelegateTakeRateLimit = 5
		p.MinDelegateTake = 100
	})
	hotkey := f.openSubnet(1, 1000*taoUnit, 1000*taoUnit)
	f.next()
	owner := f.coldkey(0).String()
	set := func(take uint32) error {
		_, err := f.srv.SetDelegateTake(f.ctx(), &types.MsgSetDelegateTake{Coldkey: owner, Hotkey: hotkey.String(), Take: take})
		return err
	}
	take := func() uint32 {
		v, err := f.k.DelegateTake(f.ctx(), hotkey)
		require.NoError(t, err)
		return v
	}
	require.Equal(t, uint32(11_796), take())

	for _, c := range []struct {
		name string
		msg  types.MsgSetDelegateTake
		err  error
		text string
	}{
		{"above the maximum", types.MsgSetDelegateTake{Coldkey: owner, Hotkey: hotkey.String(), Take: 11_797}, types.ErrTakeOutOfRange,
			"take 11797 (18.00 %) must be between 100 (0.15 %) and 11796 (18.00 %)"},
		{"below the minimum", types.MsgSetDelegateTake{Coldkey: owner, Hotkey: hotkey.String(), Take: 99}, types.ErrTakeOutOfRange, "take 99"},
		{"past u16", types.MsgSetDelegateTake{Coldkey: owner, Hotkey: hotkey.String(), Take: 1 << 20}, types.ErrTakeOutOfRange, ""},
		{"unchanged", types.MsgSetDelegateTake{Coldkey: owner, Hotkey: hotkey.String(), Take: 11_796}, types.ErrTakeUnchanged, "already takes 11796 (18.00 %)"},
		{"someone else's hotkey", types.MsgSetDelegateTake{Coldkey: f.coldkey(1).String(), Hotkey: hotkey.String(), Take: 5_000}, types.ErrHotkeyNotOwned,
			"belongs to " + owner},
		{"unknown hotkey", types.MsgSetDelegateTake{Coldkey: owner, Hotkey: sdk.AccAddress("never-registered-key").String(), Take: 5_000}, types.ErrHotkeyNotFound, ""},
		{"hotkey not an address", types.MsgSetDelegateTake{Coldkey: owner, Hotkey: "tao1x", Take: 5_000}, types.ErrInvalidAddress, ""},
	} {
		before := f.snapshot()
		_, err := f.srv.SetDelegateTake(f.ctx(), &c.msg)
		require.ErrorIs(t, err, c.err, c.name)
		require.Contains(t, err.Error(), c.text, c.name)
		require.Equal(t, before, f.snapshot(), c.name)
	}

	changed := uint64(f.ctx().BlockHeight())
	require.NoError(t, set(5_000))
	require.Equal(t, &types.EventDelegateTakeSet{Hotkey: hotkey.String(), Take: 5_000}, f.lastEvent(&types.EventDelegateTakeSet{}))
	require.NoError(t, set(4_000), "decreases are never rate-limited")
	require.Equal(t, uint32(4_000), take())
	d, err := f.k.Delegates.Get(f.ctx(), hotkey)
	require.NoError(t, err)
	require.Equal(t, types.Delegate{Take: 4_000, LastTakeIncrease: changed}, d)

	// The decrease started the clock: no increase for 5 blocks.
	for range 5 {
		err := set(6_000)
		require.ErrorIs(t, err, types.ErrTakeRateLimit)
		require.Contains(t, err.Error(), "may raise it from block")
		f.next()
	}
	require.Equal(t, changed+5, uint64(f.ctx().BlockHeight()))
	require.ErrorIs(t, set(6_000), types.ErrTakeRateLimit, "5 blocks after the change is still within the limit")
	f.next()
	require.NoError(t, set(6_000))
	require.Equal(t, uint32(6_000), take())
	require.ErrorIs(t, set(7_000), types.ErrTakeRateLimit, "an increase restarts the clock")
	require.NoError(t, set(100), "down to the minimum at once")
	require.Equal(t, uint32(100), take())
	f.next()
}
