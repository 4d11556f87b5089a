package keeper_test

import (
	"bytes"
	"math/big"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/app/apptesting"
	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/keeper"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// holding is one stake of a subnet about to be dissolved, with its alpha value.
type holding struct {
	hotkey, coldkey sdk.AccAddress
	value           uint64
}

// holdings reads every stake of a subnet (a test may scan the chain's stakes).
func holdings(t *testing.T, k keeper.Keeper, ctx sdk.Context, netuid uint32) []holding {
	var out []holding
	require.NoError(t, k.Stakes.Walk(ctx, nil, func(key collections.Triple[sdk.AccAddress, sdk.AccAddress, uint32], _ sdkmath.Uint) (bool, error) {
		if key.K3() != netuid {
			return false, nil
		}
		v, err := k.StakeOf(ctx, key.K2(), key.K1(), netuid)
		out = append(out, holding{hotkey: key.K2(), coldkey: key.K1(), value: v})
		return false, err
	}))
	return out
}

// expectedPayouts is §6.4's rule written out independently: the pot pro rata by alpha value over
// the stakes and the protocol (alpha_in + chain-bought alpha), floored; the leftover rao one each
// to the largest remainders, ties to the earlier portion (stakes by hotkey then coldkey, the
// protocol last). It returns the TAO each coldkey receives and the protocol's share.
func expectedPayouts(pot, protocol uint64, hs []holding) (map[string]uint64, uint64) {
	hs = append([]holding(nil), hs...)
	sort.Slice(hs, func(i, j int) bool {
		if c := bytes.Compare(hs[i].hotkey, hs[j].hotkey); c != 0 {
			return c < 0
		}
		return bytes.Compare(hs[i].coldkey, hs[j].coldkey) < 0
	})
	type share struct {
		coldkey string // "" for the protocol
		q       uint64
		r       *big.Int
	}
	total := new(big.Int).SetUint64(protocol)
	for _, h := range hs {
		total.Add(total, new(big.Int).SetUint64(h.value))
	}
	var shares []share
	add := func(coldkey string, value uint64) {
		if value == 0 || pot == 0 || total.Sign() == 0 {
			return
		}
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(new(big.Int).SetUint64(pot), new(big.Int).SetUint64(value)), total, new(big.Int))
		shares = append(shares, share{coldkey, q.Uint64(), r})
	}
	for _, h := range hs {
		add(h.coldkey.String(), h.value)
	}
	add("", protocol)
	var distributed uint64
	for _, s := range shares {
		distributed += s.q
	}
	sort.SliceStable(shares, func(i, j int) bool { return shares[i].r.Cmp(shares[j].r) > 0 })
	for i := range shares[:pot-distributed] {
		shares[i].q++
	}
	paid := map[string]uint64{}
	protocolShare := pot
	for _, s := range shares {
		if s.coldkey != "" {
			paid[s.coldkey] += s.q
			protocolShare -= s.q
		}
	}
	return paid, protocolShare
}

// dissolving is a chain with three subnets' room for two: subnet 1 (account 0) priced high,
// subnet 2 (account 1) started and staked, about to be pruned by the next registration.
func newDissolving(t testing.TB, accounts int, stepsPerBlock uint64) *netFixture {
	f := newNetFixture(t, apptesting.WithAccounts(accounts, 100_000*oneTAO), withNetParams(func(p *types.Params) {
		p.NetworkRateLimit = 0
		p.SubnetLimit = 2
		p.NetworkImmunityPeriod = 2
		p.DissolutionStepsPerBlock = stepsPerBlock
	}))
	f.registerNetwork(f.account(0), newKey(), "kept")
	f.next()
	f.registerNetwork(f.account(1), newKey(), "pruned")
	_, err := f.srv.StartCall(f.ctx(), &types.MsgStartCall{Owner: f.account(1).String(), Netuid: 2})
	require.NoError(t, err)
	f.next()
	return f
}

// prune registers a third subnet, which dissolves subnet 2, and returns the pot and the protocol's
// alpha as they were just before.
func (f *netFixture) prune() (pot, protocol uint64) {
	f.t.Helper()
	f.setMovingPrice(1, fixed.MustI96F32FromLiteral("0.5"))
	f.setMovingPrice(2, fixed.MustI96F32FromLiteral("0.25"))
	pool := f.pool(2)
	res := f.registerNetwork(f.account(0), newKey(), "newcomer")
	require.Equal(f.t, uint32(3), res.Netuid)
	return pool.Tao, pool.AlphaIn + pool.ProtocolAlpha
}

// The reported case: the only staker put 500 TAO into a subnet whose pool held the owner's lock,
// and the subnet is pruned. The staker is paid the alpha value of its stake, to the rao as §6.4's
// rule gives it (just under the 500 TAO put in: the swap fee and rounding); the pool's reserve and
// the protocol's alpha hold the rest, the owner's lock, which is recycled as on subtensor (not paid
// to the owner). Every rao of the pot is in the staker's balance or in the recycled amount.
func TestDissolutionPaysTheStakerItsAlphaValue_6_4(t *testing.T) {
	f := newDissolving(t, 5, 1_024)
	staker, hotkey := f.account(2), newKey()
	f.burnedRegister(staker, hotkey, 2)
	_, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: staker.String(), Hotkey: hotkey.String(), Netuid: 2, Amount: 500 * oneTAO})
	require.NoError(t, err)
	f.next()

	hs := holdings(t, f.k, f.ctx(), 2)
	require.Len(t, hs, 1)
	owner := f.account(1)
	stakerBefore, ownerBefore, moduleBefore := f.balance(staker), f.balance(owner), f.moduleBalance()
	issuanceBefore, err := f.k.GetTotalIssuance(f.ctx())
	require.NoError(t, err)
	pot, protocol := f.prune()
	lock := f.pool(3).Tao
	require.Greater(t, pot, 2_500*oneTAO, "the pool holds the owner's ~2000 TAO lock and the 500 staked")
	want, protocolShare := expectedPayouts(pot, protocol, hs)

	finished := f.untilDissolved(2)
	got := f.balance(staker) - stakerBefore
	require.Equal(t, want[staker.String()], got)
	require.Greater(t, got, 499*oneTAO)
	require.Less(t, got, 500*oneTAO)
	require.Equal(t, got, finished.TaoReturned)
	require.Equal(t, protocolShare, finished.TaoRecycled)
	require.Equal(t, pot, got+finished.TaoRecycled, "every rao of the pot is paid or recycled")
	require.Equal(t, ownerBefore, f.balance(owner), "the owner is not paid the protocol's share")
	require.Equal(t, moduleBefore-pot+lock, f.moduleBalance(), "the pot left the module account; the new lock came in")
	issuance, err := f.k.GetTotalIssuance(f.ctx())
	require.NoError(t, err)
	require.Equal(t, issuanceBefore-finished.TaoRecycled, issuance)
	t.Logf("pot %s TAO, staker paid %s TAO, recycled %s TAO", types.FormatTAO(pot), types.FormatTAO(got), types.FormatTAO(finished.TaoRecycled))
}

// Thirty-two stakes on a pruned subnet, five steps a block: the registration that prunes touches
// no stake, the payout runs over many blocks with the invariants and the TAO accounting holding
// after each, every coldkey ends with exactly §6.4's share, and a chain restarted from a genesis
// exported half-way ends the same. The netuid is free again afterwards.
func TestDissolutionSpreadsOverBlocks_6_4(t *testing.T) {
	f := newDissolving(t, 10, 5)
	var hotkeys []sdk.AccAddress
	for range 4 {
		hot := newKey()
		f.burnedRegister(f.account(2), hot, 2)
		hotkeys = append(hotkeys, hot)
	}
	var stakers []sdk.AccAddress
	for i := 2; i < 10; i++ {
		stakers = append(stakers, f.account(i))
		for j, hot := range hotkeys {
			amount := uint64(1+3*i+7*j)*oneTAO + uint64(i*1_000_003+j*77_777)
			_, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: f.account(i).String(), Hotkey: hot.String(), Netuid: 2, Amount: amount})
			require.NoError(t, err)
		}
	}
	f.next()
	hs := holdings(t, f.k, f.ctx(), 2)
	require.Len(t, hs, 32)

	pot, protocol := f.prune()
	require.Len(t, holdings(t, f.k, f.ctx(), 2), 32, "the registration paid no stake")
	d, err := f.k.Dissolutions.Get(f.ctx(), 2)
	require.NoError(t, err)
	require.Equal(t, types.DissolutionPhase_DISSOLUTION_PHASE_MEASURE, d.Phase)
	require.Empty(t, d.Cursor, "nor counted one")
	view, err := f.qry.Stakes(f.ctx(), &types.QueryStakesRequest{Coldkey: f.account(2).String()})
	require.NoError(t, err, "a coldkey's stakes can be listed while one subnet is paid out")
	require.Len(t, view.Stakes, 4)
	for _, s := range view.Stakes {
		require.Equal(t, uint32(2), s.Netuid)
		require.NotZero(t, s.Alpha)
		require.Zero(t, s.TaoValue, "a dissolving subnet's alpha no longer sells")
	}
	_, err = f.srv.RemoveStake(f.ctx(), &types.MsgRemoveStake{Coldkey: f.account(2).String(), Hotkey: hotkeys[0].String(), Netuid: 2, Alpha: 1})
	require.ErrorIs(t, err, types.ErrSubnetNotFound)
	require.ErrorContains(t, err, "being paid out")
	f.next()
	want, protocolShare := expectedPayouts(pot, protocol, hs)
	start := map[string]uint64{}
	for _, s := range stakers {
		start[s.String()] = f.balance(s)
	}
	received := func(c *apptesting.Chain) (map[string]uint64, uint64) {
		out, sum := map[string]uint64{}, uint64(0)
		for _, s := range stakers {
			got := c.App.BankKeeper.GetBalance(c.Ctx(), s, types.Denom).Amount.Uint64() - start[s.String()]
			out[s.String()] = got
			sum += got
		}
		return out, sum
	}

	var (
		finished  *types.EventDissolutionFinished
		blocks    int
		restarted *apptesting.Chain
	)
	for finished == nil {
		blocks++
		require.Less(t, blocks, 100)
		res := f.next()
		progress := apptesting.TypedEvents[*types.EventDissolutionProgress](t, res)
		if done := apptesting.TypedEvents[*types.EventDissolutionFinished](t, res); len(done) > 0 {
			finished = done[0]
			break
		}
		require.Len(t, progress, 1)
		require.LessOrEqual(t, progress[0].Steps, uint64(5))
		d, err := f.k.Dissolutions.Get(f.ctx(), 2)
		require.NoError(t, err)
		_, sum := received(f.c)
		require.Equal(t, d.Paid, sum, "the stakers hold exactly what the dissolution says it paid")
		if restarted == nil && d.Phase == types.DissolutionPhase_DISSOLUTION_PHASE_PAY && d.Paid > 0 {
			restarted = apptesting.NewFromState(t, f.c.Export())
		}
	}
	require.Greater(t, blocks, 10, "the payout took many blocks")
	got, sum := received(f.c)
	require.Equal(t, want, got)
	require.Equal(t, sum, finished.TaoReturned)
	require.Equal(t, protocolShare, finished.TaoRecycled)
	require.Equal(t, pot, finished.TaoReturned+finished.TaoRecycled)
	require.Equal(t, uint64(32), finished.Stakes)

	// Nothing of subnet 2 is left: stakes, hotkey pools, indexes, remainders.
	require.Empty(t, holdings(t, f.k, f.ctx(), 2))
	require.NoError(t, f.k.HotkeyPools.Walk(f.ctx(), nil, func(key collections.Pair[sdk.AccAddress, uint32], _ types.HotkeyPool) (bool, error) {
		require.NotEqual(t, uint32(2), key.K2())
		return false, nil
	}))
	for _, empty := range []func() (bool, error){
		func() (bool, error) { return f.k.Dissolutions.Has(f.ctx(), 2) },
		func() (bool, error) {
			it, err := f.k.Remainders.Iterate(f.ctx(), nil)
			if err != nil {
				return false, err
			}
			defer it.Close()
			return it.Valid(), nil
		},
		func() (bool, error) {
			it, err := f.k.SubnetStakes.Iterate(f.ctx(), collections.NewPrefixedTripleRange[uint32, sdk.AccAddress, sdk.AccAddress](uint32(2)))
			if err != nil {
				return false, err
			}
			defer it.Close()
			return it.Valid(), nil
		},
	} {
		found, err := empty()
		require.NoError(t, err)
		require.False(t, found)
	}

	// The chain restarted from the half-way genesis pays the same.
	require.NotNil(t, restarted)
	for range 100 {
		restarted.NextBlock()
		require.NoError(t, restarted.App.SubnetKeeper.BrokenInvariants(restarted.Ctx()))
		if has, err := restarted.App.SubnetKeeper.Dissolutions.Has(restarted.Ctx(), 2); err == nil && !has {
			break
		}
	}
	again, _ := received(restarted)
	require.Equal(t, want, again)

	// With room for a subnet, the next registration takes netuid 2 again.
	p, err := f.k.Params.Get(f.ctx())
	require.NoError(t, err)
	p.SubnetLimit = 3
	require.NoError(t, f.k.Params.Set(f.ctx(), p))
	require.Equal(t, uint32(2), f.registerNetwork(f.account(1), newKey(), "again").Netuid)
	f.next()
}

// The v1→v2 migration builds the by-subnet indexes of a store written without them: with the
// indexes wiped, the stake-indexes-match invariant fails; after IndexStakes it holds again.
func TestIndexStakesMigration(t *testing.T) {
	f := newDissolving(t, 5, 1_024)
	hot := newKey()
	f.burnedRegister(f.account(2), hot, 2)
	for i := 2; i < 5; i++ {
		_, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{Coldkey: f.account(i).String(), Hotkey: hot.String(), Netuid: 2, Amount: 10 * oneTAO})
		require.NoError(t, err)
	}
	f.next()
	require.NoError(t, f.k.SubnetStakes.Clear(f.ctx(), nil))
	require.NoError(t, f.k.SubnetHotkeyPools.Clear(f.ctx(), nil))
	require.ErrorContains(t, f.k.BrokenInvariants(f.ctx()), "stake-indexes-match")
	require.NoError(t, f.k.IndexStakes(f.ctx()))
	require.NoError(t, f.k.BrokenInvariants(f.ctx()))
	require.Len(t, holdings(t, f.k, f.ctx(), 2), 3)
}
