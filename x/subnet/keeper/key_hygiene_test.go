package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/x/subnet/keeper"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// TestAssociateAndDisassociateHotkey_8_1: a coldkey takes a fresh hotkey without registering it
// (it gets the default take and can be staked to); asking again is a no-op; another coldkey cannot
// take it; its owner gives it up only while it holds no stake and no uid.
func TestAssociateAndDisassociateHotkey_8_1(t *testing.T) {
	f := newStakeFixture(t, nil)
	srv := keeper.SwapServer(f.k)
	f.openSubnet(1, 1_000*taoUnit, 1_000*taoUnit)
	hot := f.freshHotkey()
	mine, theirs := f.coldkey(0).String(), f.coldkey(1).String()

	_, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: theirs, Hotkey: hot.String(), Netuid: 1, Amount: taoUnit})
	require.ErrorIs(t, err, types.ErrHotkeyNotFound, "no one can stake to a hotkey no one owns")
	_, err = srv.AssociateHotkey(f.ctx(), &types.MsgAssociateHotkey{Coldkey: mine, Hotkey: hot.String()})
	require.NoError(t, err)
	owner, ok, err := f.k.HotkeyOwner(f.ctx(), hot)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, f.coldkey(0), owner)
	take, err := f.k.DelegateTake(f.ctx(), hot)
	require.NoError(t, err)
	require.Equal(t, uint32(11_796), take)
	_, err = srv.AssociateHotkey(f.ctx(), &types.MsgAssociateHotkey{Coldkey: mine, Hotkey: hot.String()})
	require.NoError(t, err, "associating a hotkey one owns again changes nothing")
	_, err = srv.AssociateHotkey(f.ctx(), &types.MsgAssociateHotkey{Coldkey: theirs, Hotkey: hot.String()})
	require.ErrorIs(t, err, types.ErrHotkeyNotOwned)
	_, err = srv.AssociateHotkey(f.ctx(), &types.MsgAssociateHotkey{Coldkey: mine, Hotkey: subnetModule.String()})
	require.ErrorIs(t, err, types.ErrHotkeyIsSystemAccount)

	_, err = f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: theirs, Hotkey: hot.String(), Netuid: 1, Amount: taoUnit})
	require.NoError(t, err, "an associated hotkey takes stake")
	f.next()
	_, err = srv.DisassociateHotkey(f.ctx(), &types.MsgDisassociateHotkey{Coldkey: mine, Hotkey: hot.String()})
	require.ErrorIs(t, err, types.ErrHotkeyInUse)
	_, err = srv.DisassociateHotkey(f.ctx(), &types.MsgDisassociateHotkey{Coldkey: theirs, Hotkey: hot.String()})
	require.ErrorIs(t, err, types.ErrHotkeyNotOwned)
	_, err = f.srv.RemoveStake(f.ctx(), &types.MsgRemoveStake{Coldkey: theirs, Hotkey: hot.String(), Netuid: 1, Alpha: f.stakeOf(hot, f.coldkey(1), 1)})
	require.NoError(t, err)
	registered := f.registerHotkey(0, 1)
	_, err = srv.DisassociateHotkey(f.ctx(), &types.MsgDisassociateHotkey{Coldkey: mine, Hotkey: registered.String()})
	require.ErrorIs(t, err, types.ErrHotkeyInUse)
	_, err = srv.DisassociateHotkey(f.ctx(), &types.MsgDisassociateHotkey{Coldkey: mine, Hotkey: hot.String()})
	require.NoError(t, err)
	_, ok, err = f.k.HotkeyOwner(f.ctx(), hot)
	require.NoError(t, err)
	require.False(t, ok)
	f.next()
	_, err = srv.AssociateHotkey(f.ctx(), &types.MsgAssociateHotkey{Coldkey: theirs, Hotkey: hot.String()})
	require.NoError(t, err, "a released hotkey is free to take")
	f.next()
}

// TestSmallNominationCleared_8_6: with NominatorMinRequiredStake = 50 000 000 (per million of the
// 0.002 TAO minimum stake: 0.1 TAO), a nominator whose unstake leaves less than 0.1 TAO of value
// is unstaked whole and paid: what leaves the pool reaches it or the fee collector, to the rao; the hotkey's own coldkey and a
// nominator left above the floor keep their stake.
func TestSmallNominationCleared_8_6(t *testing.T) {
	f := newStakeFixture(t, func(p *types.Params) { p.NominatorMinRequiredStake = 50_000_000 })
	params, err := f.k.Params.Get(f.ctx())
	require.NoError(t, err)
	require.Equal(t, uint64(100_000_000), keeper.NominatorMinStake(params))
	ownerHot := f.openSubnet(1, 1_000*taoUnit, 1_000*taoUnit) // price 1 TAO per alpha
	for _, c := range []int{0, 1, 2} {
		_, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: f.coldkey(c).String(), Hotkey: ownerHot.String(), Netuid: 1, Amount: taoUnit})
		require.NoError(t, err)
	}
	f.next()
	unstakeAllBut := func(c int, keep uint64) {
		t.Helper()
		staked := f.stakeOf(ownerHot, f.coldkey(c), 1)
		_, err := f.srv.RemoveStake(f.ctx(), &types.MsgRemoveStake{Coldkey: f.coldkey(c).String(), Hotkey: ownerHot.String(), Netuid: 1, Alpha: staked - keep})
		require.NoError(t, err)
	}

	// Nominator 1 keeps 0.05 alpha (≈ 0.05 TAO): cleared and paid.
	balance, module, fees := f.balance(f.coldkey(1)), f.balance(subnetModule), f.balance(feeCollector)
	unstakeAllBut(1, 50_000_000)
	require.Zero(t, f.stakeOf(ownerHot, f.coldkey(1), 1))
	cleared := f.lastEvent(&types.EventSmallNominationCleared{}).(*types.EventSmallNominationCleared)
	require.Equal(t, uint64(50_000_000), cleared.Alpha)
	require.Positive(t, cleared.Tao)
	paid := f.balance(f.coldkey(1)) - balance
	require.Equal(t, module-f.balance(subnetModule), paid+f.balance(feeCollector)-fees, "every rao the pool paid reached the nominator or the fee collector")
	// The owner's coldkey keeps a small stake; nominator 2 keeps 0.2 alpha, above the floor.
	unstakeAllBut(0, 50_000_000)
	require.Equal(t, uint64(50_000_000), f.stakeOf(ownerHot, f.coldkey(0), 1))
	unstakeAllBut(2, 200_000_000)
	require.Equal(t, uint64(200_000_000), f.stakeOf(ownerHot, f.coldkey(2), 1))
	f.next()
}
