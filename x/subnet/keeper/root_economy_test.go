package keeper_test

import (
	"encoding/binary"
	mathbits "math/bits"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/app/apptesting"
	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// rootHeld is the alpha a hotkey holds for its root stakers on a subnet.
func (e *economy) rootHeld(hotkey sdk.AccAddress) uint64 {
	d, err := e.k.RootDividends.Get(e.ctx(), collections.Join(hotkey, e.netuid))
	if err != nil {
		return 0
	}
	return d.Held
}

func (e *economy) claimable(coldkey sdk.AccAddress) uint64 {
	res, err := e.qry.RootClaimable(e.ctx(), &types.QueryRootClaimableRequest{Coldkey: coldkey.String()})
	require.NoError(e.t, err)
	var sum uint64
	for _, c := range res.Claimable {
		sum += c.Alpha
	}
	return sum
}

// A validator whose stake weight is part root stake pays that part of its dividends to its root
// stakers (§5.5, §5.8, §5.9): over many epochs the subnet's root alpha (root proportion of half the
// validators' alpha) is credited to the root stakers in proportion to their root stake, after the
// validator's take; they claim it kept as alpha or swapped to TAO staked on root, every rao
// accounted for, and the invariants hold after every block.
func TestRootDividendsEconomy_5_8(t *testing.T) {
	e := newEconomy(t, 4, []uint64{100 * oneTAO, 100 * oneTAO})
	swapper, keeper := e.account(8), e.account(9)
	rootValidator := e.validators[1]
	// 600 and 400 TAO on root to the second validator: its weight is its alpha plus 1000 TAO·tw.
	e.rootStake(swapper, rootValidator, 600*oneTAO)
	e.rootStake(keeper, rootValidator, 400*oneTAO)
	_, err := e.srv.SetRootClaimType(e.ctx(), &types.MsgSetRootClaimType{Coldkey: keeper.String(), Kind: types.ROOT_CLAIM_KEEP})
	require.NoError(t, err)
	// Root dividends accumulate only while the emitting subnets' moving prices add up past 1
	// (§5.5 root_sell_flag); start this subnet's average at 2.
	e.setMovingPrice(e.netuid, fixed.MustI96F32FromLiteral("2"))
	e.step()

	weights := map[string][]uint32{}
	for _, v := range e.validators {
		weights[v.String()] = []uint32{65_535, 30_000, 20_000, 10_000}
	}
	e.untilEpoch()
	e.commitThenReveal(weights)

	credited := e.rootHeld(rootValidator) // from the epochs while weights were committed
	var takes uint64
	for range 8 {
		e.step()
		pendingRoot, err := e.k.RootPending.Get(e.ctx(), e.netuid)
		require.NoError(t, err)
		require.Positive(t, pendingRoot, "root alpha accumulates between epochs")
		start := e.epochIndex()
		var res []*types.EventRootDividends
		for e.epochIndex() == start {
			r := e.c.NextBlock()
			require.NoError(t, e.k.BrokenInvariants(e.ctx()))
			res = append(res, apptesting.TypedEvents[*types.EventRootDividends](t, r)...)
			if e.epochIndex() == start {
				pendingRoot, err = e.k.RootPending.Get(e.ctx(), e.netuid)
				require.NoError(t, err)
			}
		}
		// Only the validator with root stake earns root dividends; it gets all the root alpha
		// drained (the last block's accrual included), less under a rao of rounding each.
		require.Len(t, res, 1)
		require.Equal(t, rootValidator.String(), res[0].Hotkey)
		require.InDelta(t, float64(res[0].Alpha+res[0].Take)*11_796/65_535, float64(res[0].Take), 1, "18 % take")
		// What was pending before the epoch's block, plus that block's accrual (under 1 alpha).
		paid := res[0].Alpha + res[0].Take
		require.GreaterOrEqual(t, paid+2, pendingRoot)
		require.Less(t, paid, pendingRoot+oneTAO)
		credited += res[0].Alpha
		takes += res[0].Take
		_, err = e.k.RootPending.Get(e.ctx(), e.netuid)
		require.ErrorIs(t, err, collections.ErrNotFound, "the epoch drained the root alpha")
	}
	require.Equal(t, credited, e.rootHeld(rootValidator), "nothing claimed yet")

	// Owed in proportion to root stake, 600:400, exactly floor(rate·stake) with the rate an I96F32
	// sum of amount/1000 TAO per credit (each truncated to 2^-32: under 233 rao of the 1000 TAO a credit).
	d, err := e.k.RootDividends.Get(e.ctx(), collections.Join(rootValidator, e.netuid))
	require.NoError(t, err)
	_, rateBits := fixed.MustI96F32FromLiteral("0").Bits()
	hi, lo := rateFromRecord(d).Bits()
	require.Zero(t, hi)
	rateBits = lo
	owedSwap, owedKeep := e.claimable(swapper), e.claimable(keeper)
	require.Equal(t, mulShift32(rateBits, 600*oneTAO), owedSwap)
	require.Equal(t, mulShift32(rateBits, 400*oneTAO), owedKeep)
	require.LessOrEqual(t, owedSwap+owedKeep, credited)
	require.Less(t, credited-owedSwap-owedKeep, uint64(20*233), "truncation of the rate only")

	// Keep: the alpha becomes the coldkey's stake on the subnet, to the same hotkey.
	stakeBefore, err := e.k.StakeOf(e.ctx(), rootValidator, keeper, e.netuid)
	require.NoError(t, err)
	res, err := e.srv.ClaimRoot(e.ctx(), &types.MsgClaimRoot{Coldkey: keeper.String(), Netuids: []uint32{e.netuid}})
	require.NoError(t, err)
	require.Equal(t, []types.RootClaim{{Hotkey: rootValidator.String(), Netuid: e.netuid, Alpha: owedKeep, Kept: true}}, res.Claims)
	stakeAfter, err := e.k.StakeOf(e.ctx(), rootValidator, keeper, e.netuid)
	require.NoError(t, err)
	require.InDelta(t, float64(owedKeep), float64(stakeAfter-stakeBefore), 1, "share-pool rounding only")
	require.Equal(t, credited-owedKeep, e.rootHeld(rootValidator))
	require.Zero(t, e.claimable(keeper), "claimed")

	// Swap: the alpha is sold without a fee and the TAO staked on root.
	pool, rootBefore, module := e.pool(e.netuid), e.rootTao(), e.moduleBalance()
	rootStakeBefore, err := e.k.StakeOf(e.ctx(), rootValidator, swapper, types.RootNetuid)
	require.NoError(t, err)
	res, err = e.srv.ClaimRoot(e.ctx(), &types.MsgClaimRoot{Coldkey: swapper.String(), Netuids: []uint32{e.netuid}})
	require.NoError(t, err)
	require.Len(t, res.Claims, 1)
	c := res.Claims[0]
	require.Equal(t, owedSwap, c.Alpha)
	require.False(t, c.Kept)
	require.Positive(t, c.Tao)
	after := e.pool(e.netuid)
	require.Equal(t, pool.AlphaIn+owedSwap, after.AlphaIn)
	require.Equal(t, pool.AlphaOut-owedSwap, after.AlphaOut)
	require.Equal(t, pool.Tao-c.Tao, after.Tao)
	require.Equal(t, rootBefore+c.Tao, e.rootTao())
	require.Equal(t, module, e.moduleBalance(), "the TAO moved from the pool to root inside the module account")
	rootStakeAfter, err := e.k.StakeOf(e.ctx(), rootValidator, swapper, types.RootNetuid)
	require.NoError(t, err)
	require.Equal(t, rootStakeBefore+c.Tao, rootStakeAfter)
	require.Equal(t, credited-owedKeep-owedSwap, e.rootHeld(rootValidator))
	require.Zero(t, e.claimable(swapper), "the new root stake claims nothing already credited")
	require.Zero(t, e.claimable(keeper))
	e.step()

	// Unstaking from root keeps what was owed: the next epoch's credit is still claimable after.
	e.untilEpoch()
	owed := e.claimable(keeper)
	require.Positive(t, owed)
	_, err = e.srv.RemoveStake(e.ctx(), &types.MsgRemoveStake{Coldkey: keeper.String(), Hotkey: rootValidator.String(), Netuid: 0, Alpha: 400 * oneTAO})
	require.NoError(t, err)
	require.Equal(t, owed, e.claimable(keeper))
	for range 20 {
		e.step()
	}
	require.Equal(t, owed, e.claimable(keeper), "no root stake, no new dividends")
	res, err = e.srv.ClaimRoot(e.ctx(), &types.MsgClaimRoot{Coldkey: keeper.String(), Netuids: []uint32{e.netuid}})
	require.NoError(t, err)
	require.Equal(t, owed, res.Claims[0].Alpha)
	e.step()
}

func rateFromRecord(d types.RootDividends) fixed.I96F32 {
	if len(d.Rate) != 16 {
		return fixed.I96F32FromUint(0)
	}
	return fixed.I96F32FromBits(int64(binary.BigEndian.Uint64(d.Rate[:8])), binary.BigEndian.Uint64(d.Rate[8:]))
}

// mulShift32 is floor(bits·n / 2^32).
func mulShift32(bits, n uint64) uint64 {
	hi, lo := mathbits.Mul64(bits, n)
	return hi<<32 | lo>>32
}
