package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/app/apptesting"
	"github.com/gotensor/gotensor/x/subnet/keeper"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// coldkeyWorld: coldkey 0 owns subnets 1 and 2 and their owner hotkeys, stakes to them and to
// coldkey 1's hotkey; coldkey 2 nominates coldkey 0's hotkey. Swaps fall due 20 blocks after their
// announcement and may be replaced or withdrawn 10 blocks after that.
type coldkeyWorld struct {
	*stakeFixture
	own1, own2, other sdk.AccAddress
}

func newColdkeyWorld(t *testing.T) *coldkeyWorld {
	f := newStakeFixture(t, func(p *types.Params) {
		p.ColdkeySwapAnnouncementDelay = 20
		p.ColdkeySwapReannouncementDelay = 10
	})
	w := &coldkeyWorld{stakeFixture: f}
	w.own1 = f.openSubnet(1, 1_000*taoUnit, 1_000*taoUnit)
	w.own2 = f.openSubnet(2, 3_000*taoUnit, 1_000*taoUnit)
	w.other = f.registerHotkey(1, 1)
	for _, s := range []struct {
		cold   int
		hot    sdk.AccAddress
		netuid uint32
	}{{0, w.own1, 1}, {0, w.own2, 2}, {0, w.other, 1}, {2, w.own1, 1}} {
		_, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: f.coldkey(s.cold).String(), Hotkey: s.hot.String(), Netuid: s.netuid, Amount: 11*taoUnit + 3})
		require.NoError(t, err)
	}
	f.next()
	return w
}

func (w *coldkeyWorld) announce(from sdk.AccAddress, to sdk.AccAddress) (*types.MsgSwapColdkeyResponse, error) {
	return keeper.SwapServer(w.k).SwapColdkey(w.ctx(), &types.MsgSwapColdkey{Coldkey: from.String(), NewColdkey: to.String()})
}

func (w *coldkeyWorld) query(coldkey sdk.AccAddress) *types.QueryColdkeySwapResponse {
	res, err := keeper.SwapQueryServer(w.k).ColdkeySwap(w.ctx(), &types.QueryColdkeySwapRequest{Coldkey: coldkey.String()})
	require.NoError(w.t, err)
	return res
}

// stakeValues is every stake of a coldkey, by (hotkey, netuid).
func (w *coldkeyWorld) stakeValues(coldkey sdk.AccAddress) map[string]uint64 {
	out := map[string]uint64{}
	for _, hot := range []sdk.AccAddress{w.own1, w.own2, w.other} {
		for _, netuid := range []uint32{1, 2} {
			if v := w.stakeOf(hot, coldkey, netuid); v > 0 {
				out[hot.String()+string(rune('0'+netuid))] = v
			}
		}
	}
	return out
}

// TestColdkeySwapRunsAfterDelay_8_1: the announcement costs 0.1 TAO, recycled, and changes
// nothing else; at the start of the due block the balance, every stake (to the rao, shares as they
// were), both hotkeys and both subnets belong to the new coldkey, the old one keeps nothing, and
// no TAO or alpha was created or lost.
func TestColdkeySwapRunsAfterDelay_8_1(t *testing.T) {
	w := newColdkeyWorld(t)
	old, next := w.coldkey(0), w.freshHotkey() // an address no one uses yet
	stakes := w.stakeValues(old)
	nominator := w.stakeValues(w.coldkey(2))
	issuance, err := w.k.GetTotalIssuance(w.ctx())
	require.NoError(t, err)
	supply := w.k.BankSupply(w.ctx())
	staked := []uint64{w.staked(1), w.staked(2)}

	res, err := w.announce(old, next)
	require.NoError(t, err)
	announcedAt := uint64(w.ctx().BlockHeight())
	require.Equal(t, announcedAt+20, res.ExecuteAt)
	require.Equal(t, uint64(100_000_000), res.Cost)
	q := w.query(old)
	require.True(t, q.Announced)
	require.Equal(t, next.String(), q.NewColdkey)
	require.Equal(t, res.ExecuteAt, q.ExecuteAt)
	ev := w.lastEvent(&types.EventColdkeySwapAnnounced{}).(*types.EventColdkeySwapAnnounced)
	require.Equal(t, res.ExecuteAt, ev.ExecuteAt)
	w.next()
	after, err := w.k.GetTotalIssuance(w.ctx())
	require.NoError(t, err)
	require.Equal(t, issuance-100_000_000, after, "the announcement's cost is recycled")
	require.Equal(t, supply-100_000_000, w.k.BankSupply(w.ctx()))

	for uint64(w.ctx().BlockHeight()) < res.ExecuteAt {
		require.Equal(t, stakes, w.stakeValues(old), "nothing moves before the due block")
		w.next()
	}
	balance := w.balance(old)
	require.Positive(t, balance)
	w.next() // the due block's start runs the swap

	require.Zero(t, w.balance(old))
	require.Equal(t, balance, w.balance(next))
	require.Empty(t, w.stakeValues(old))
	require.Equal(t, stakes, w.stakeValues(next), "every stake keeps its value to the rao")
	require.Equal(t, nominator, w.stakeValues(w.coldkey(2)), "other coldkeys' stakes are untouched")
	require.Equal(t, staked, []uint64{w.staked(1), w.staked(2)})
	for _, netuid := range []uint32{1, 2} {
		subnet, err := w.k.GetSubnet(w.ctx(), netuid)
		require.NoError(t, err)
		require.Equal(t, next, subnet.Owner)
	}
	for _, hot := range []sdk.AccAddress{w.own1, w.own2} {
		owner, _, err := w.k.HotkeyOwner(w.ctx(), hot)
		require.NoError(t, err)
		require.Equal(t, next, owner)
		has, err := w.k.OwnedHotkeys.Has(w.ctx(), collections.Join(old, hot))
		require.NoError(t, err)
		require.False(t, has)
	}
	owner, _, err := w.k.HotkeyOwner(w.ctx(), w.other)
	require.NoError(t, err)
	require.Equal(t, w.coldkey(1), owner, "a hotkey it only staked to stays with its owner")
	require.False(t, w.query(old).Announced)
	require.Equal(t, supply-100_000_000, w.k.BankSupply(w.ctx()), "the swap itself moves TAO, it creates none")

	// The new coldkey runs the subnets: the owner's start-call-only messages now need its signature.
	_, err = w.srv.SetDelegateTake(w.ctx(), &types.MsgSetDelegateTake{Coldkey: old.String(), Hotkey: w.own1.String(), Take: 100})
	require.ErrorIs(t, err, types.ErrHotkeyNotOwned)
	_, err = w.srv.SetDelegateTake(w.ctx(), &types.MsgSetDelegateTake{Coldkey: next.String(), Hotkey: w.own1.String(), Take: 100})
	require.NoError(t, err)
	w.next()
}

// TestColdkeySwapSecondAnnouncementAndDispute_8_1: a second announcement before the first's due
// block plus the re-announcement delay is refused; a dispute stops the swap from running and every
// further announcement, withdrawal or dispute until the authority resets it; after the reset the
// coldkey announces again and pays again.
func TestColdkeySwapSecondAnnouncementAndDispute_8_1(t *testing.T) {
	w := newColdkeyWorld(t)
	srv := keeper.SwapServer(w.k)
	old, next := w.coldkey(0), w.freshHotkey()
	res, err := w.announce(old, next)
	require.NoError(t, err)
	w.next()
	_, err = w.announce(old, w.freshHotkey())
	require.ErrorIs(t, err, types.ErrColdkeySwapTooEarly)
	_, err = srv.ClearColdkeySwap(w.ctx(), &types.MsgClearColdkeySwap{Coldkey: old.String()})
	require.ErrorIs(t, err, types.ErrColdkeySwapTooEarly)
	_, err = srv.DisputeColdkeySwap(w.ctx(), &types.MsgDisputeColdkeySwap{Coldkey: w.coldkey(3).String()})
	require.ErrorIs(t, err, types.ErrColdkeySwapNotFound)

	_, err = srv.DisputeColdkeySwap(w.ctx(), &types.MsgDisputeColdkeySwap{Coldkey: old.String()})
	require.NoError(t, err)
	require.NotZero(t, w.query(old).DisputedAt)
	stakes := w.stakeValues(old)
	for uint64(w.ctx().BlockHeight()) <= res.ExecuteAt+10 {
		w.next()
	}
	require.Equal(t, stakes, w.stakeValues(old), "a disputed swap never runs")
	_, err = srv.DisputeColdkeySwap(w.ctx(), &types.MsgDisputeColdkeySwap{Coldkey: old.String()})
	require.ErrorIs(t, err, types.ErrColdkeySwapDisputed)
	_, err = w.announce(old, w.freshHotkey())
	require.ErrorIs(t, err, types.ErrColdkeySwapDisputed)
	_, err = srv.ClearColdkeySwap(w.ctx(), &types.MsgClearColdkeySwap{Coldkey: old.String()})
	require.ErrorIs(t, err, types.ErrColdkeySwapDisputed)

	_, err = srv.ResetColdkeySwap(w.ctx(), &types.MsgResetColdkeySwap{Authority: old.String(), Coldkey: old.String()})
	require.ErrorIs(t, err, types.ErrUnauthorized)
	authority, err := w.k.Authority(w.ctx())
	require.NoError(t, err)
	_, err = srv.ResetColdkeySwap(w.ctx(), &types.MsgResetColdkeySwap{Authority: authority, Coldkey: old.String()})
	require.NoError(t, err)
	require.False(t, w.query(old).Announced)
	again, err := w.announce(old, next)
	require.NoError(t, err)
	require.Equal(t, uint64(100_000_000), again.Cost, "a new announcement after a reset pays again")
	w.next()
}

// TestColdkeySwapThatCannotRun_8_1: the announced coldkey took stake before the due block, so the
// swap cannot run: nothing moves, an EventColdkeySwapFailed says why, and the announcement stays
// until the re-announcement delay lets the coldkey replace it (free) or withdraw it.
func TestColdkeySwapThatCannotRun_8_1(t *testing.T) {
	w := newColdkeyWorld(t)
	old, taken := w.coldkey(0), w.coldkey(3)
	res, err := w.announce(old, taken)
	require.NoError(t, err)
	_, err = w.srv.AddStake(w.ctx(), &types.MsgAddStake{Coldkey: taken.String(), Hotkey: w.other.String(), Netuid: 1, Amount: 5 * taoUnit})
	require.NoError(t, err)
	stakes := w.stakeValues(old)
	for uint64(w.ctx().BlockHeight()) < res.ExecuteAt {
		w.next()
	}
	block := w.c.NextBlock()
	w.requireSound()
	failed := apptesting.TypedEvents[*types.EventColdkeySwapFailed](t, block)
	require.Len(t, failed, 1)
	require.Contains(t, failed[0].Reason, "holds stake")
	require.Equal(t, stakes, w.stakeValues(old))
	require.True(t, w.query(old).Announced)

	_, err = w.announce(old, w.freshHotkey())
	require.ErrorIs(t, err, types.ErrColdkeySwapTooEarly)
	for uint64(w.ctx().BlockHeight()) < res.ExecuteAt+10 {
		w.next()
	}
	replaced, err := w.announce(old, w.freshHotkey())
	require.NoError(t, err)
	require.Zero(t, replaced.Cost, "only the first announcement pays")
	w.next()
}

// TestKeySwapStateSurvivesExport_8_1: an exported genesis carries the announced swap and the
// hotkey-swap rate-limit records; a chain started from it queues the swap again and runs it when
// due.
func TestKeySwapStateSurvivesExport_8_1(t *testing.T) {
	w := newColdkeyWorld(t)
	old, next := w.coldkey(0), w.freshHotkey()
	_, err := keeper.SwapServer(w.k).SwapHotkey(w.ctx(), &types.MsgSwapHotkey{Coldkey: w.coldkey(1).String(), Hotkey: w.other.String(), NewHotkey: w.freshHotkey().String()})
	require.NoError(t, err)
	res, err := w.announce(old, next)
	require.NoError(t, err)
	w.next()

	state := w.c.Export()
	restarted := apptesting.NewFromState(t, state)
	k := restarted.App.SubnetKeeper
	swap, err := k.ColdkeySwaps.Get(restarted.Ctx(), old)
	require.NoError(t, err)
	require.Equal(t, next, swap.NewColdkey)
	require.Equal(t, res.ExecuteAt, swap.ExecuteAt)
	queued, err := k.ColdkeySwapsDue.Has(restarted.Ctx(), collections.Join(res.ExecuteAt, old))
	require.NoError(t, err)
	require.True(t, queued, "the due queue is rebuilt")
	last, err := k.LastHotkeySwap.Get(restarted.Ctx(), w.coldkey(1))
	require.NoError(t, err)
	require.Positive(t, last)
	n, err := k.HotkeySwapsOnSubnet.Get(restarted.Ctx(), collections.Join(uint32(1), w.coldkey(1)))
	require.NoError(t, err)
	require.Equal(t, last, n)
	require.NoError(t, k.BrokenInvariants(restarted.Ctx()))
}
