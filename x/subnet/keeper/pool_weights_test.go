package keeper_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// weighPool gives a subnet's pool TAO weight w2 (parts of 10^18), as an injection would have.
func (f *stakeFixture) weighPool(netuid uint32, quoteWeight uint64) {
	f.t.Helper()
	p := f.pool(netuid)
	p.QuoteWeight = quoteWeight
	require.NoError(f.t, f.k.Pools.Set(f.ctx(), netuid, p))
}

// Stake and unstake through weighted pools (§6.3), each move to the rao: what the staker pays is
// what the pool and the fee collector receive, what the pool pays out is what the staker and the
// fee collector receive; each message does what SwapQuote said it would; a stake sold straight
// back never returns more TAO than it cost; the invariants (pool weights among them) hold after
// every block.
func TestWeightedStakeAndUnstakeConserveTao_6_3(t *testing.T) {
	f := newStakeFixture(t, nil)
	for _, c := range []struct {
		netuid uint32
		weight uint64
	}{{1, 300_000_000_000_000_000}, {2, 700_000_000_000_000_000}, {3, types.MinPoolWeight}} {
		hotkey := f.openSubnet(c.netuid, 2000*taoUnit, 500*taoUnit)
		f.weighPool(c.netuid, c.weight)
		f.next()
		price, err := f.k.Price(f.ctx(), c.netuid)
		require.NoError(t, err)
		w1 := types.PoolWeightAccuracy - c.weight
		want := fixed.U64F64FromUint(w1).SafeDiv(fixed.U64F64FromUint(c.weight)).SatMul(fixed.U64F64FromUint(4))
		require.Equal(t, want, price, "subnet %d: the price is (w1/w2)·(y/x)", c.netuid)

		staker := f.coldkey(1)
		rng := rand.New(rand.NewPCG(uint64(c.netuid), 63))
		for range 6 {
			amount := 2_000_000 + rng.Uint64N(50*taoUnit)
			quote, err := f.qry.SwapQuote(f.ctx(), &types.QuerySwapQuoteRequest{Netuid: c.netuid, Amount: amount, Stake: true})
			require.NoError(t, err)
			wallet, fees, pool := f.balance(staker), f.balance(feeCollector), f.pool(c.netuid)
			alphaBefore := f.stakeOf(hotkey, staker, c.netuid)
			res, err := f.srv.AddStake(f.ctx(), &types.MsgAddStake{
				Coldkey: staker.String(), Hotkey: hotkey.String(), Netuid: c.netuid, Amount: amount,
			})
			require.NoError(t, err)
			require.Equal(t, &types.MsgAddStakeResponse{TaoSpent: amount, AlphaReceived: quote.AmountOut, Fee: quote.Fee}, res)
			after := f.pool(c.netuid)
			require.Equal(t, wallet-amount, f.balance(staker))
			require.Equal(t, fees+res.Fee, f.balance(feeCollector))
			require.Equal(t, pool.Tao+amount-res.Fee, after.Tao, "the pool takes the stake less the fee")
			require.Equal(t, pool.AlphaIn-res.AlphaReceived, after.AlphaIn)
			require.Equal(t, pool.QuoteWeight, after.QuoteWeight, "swaps never move the weights")
			got := f.stakeOf(hotkey, staker, c.netuid) - alphaBefore
			require.Equal(t, res.AlphaReceived, got)
			f.next()

			sell, err := f.qry.SwapQuote(f.ctx(), &types.QuerySwapQuoteRequest{Netuid: c.netuid, Amount: got})
			require.NoError(t, err)
			wallet, fees, pool = f.balance(staker), f.balance(feeCollector), f.pool(c.netuid)
			out, err := f.srv.RemoveStake(f.ctx(), &types.MsgRemoveStake{
				Coldkey: staker.String(), Hotkey: hotkey.String(), Netuid: c.netuid, Alpha: got,
			})
			require.NoError(t, err)
			require.Equal(t, &types.MsgRemoveStakeResponse{AlphaSpent: got, TaoReceived: sell.AmountOut, Fee: sell.Fee}, out)
			after = f.pool(c.netuid)
			feeTao := f.balance(feeCollector) - fees
			require.Equal(t, wallet+out.TaoReceived, f.balance(staker))
			require.Equal(t, pool.Tao-out.TaoReceived-feeTao, after.Tao, "the pool pays the staker and the fee's sale, nothing else")
			require.Equal(t, pool.AlphaIn+got, after.AlphaIn)
			require.LessOrEqual(t, out.TaoReceived, amount, "a round trip never pays the staker")
			require.Positive(t, feeTao)
			f.next()
		}
	}
}

func (f *stakeFixture) price(netuid uint32) fixed.U64F64 {
	f.t.Helper()
	p, err := f.k.Price(f.ctx(), netuid)
	require.NoError(f.t, err)
	return p
}

func u64f64Float(v fixed.U64F64) float64 {
	hi, lo := v.Bits()
	return float64(hi) + float64(lo)/(1<<32)/(1<<32)
}

// An injection that would need a weight past [0.01, 0.99] is refused (§5.4 step 1): the pool
// keeps its weights and takes neither TAO nor alpha, and an event says so. One within the bounds
// moves the weights and is taken whole.
func TestInjectionRefusedPastTheWeightBounds_5_4(t *testing.T) {
	f := newStakeFixture(t, func(p *types.Params) { p.PoolWeightUpdates = true })
	f.openSubnet(1, 1000*taoUnit, 1000*taoUnit)
	f.weighPool(1, types.PoolWeightAccuracy-types.MinPoolWeight) // TAO at its greatest weight
	f.next()
	ctx := f.ctx().WithEventManager(sdk.NewEventManager())
	tao, alpha, err := f.k.ReweightForInjection(ctx, 1, 10*taoUnit, 0)
	require.NoError(t, err)
	require.Zero(t, tao+alpha, "only TAO would push TAO's weight past 0.99")
	require.Equal(t, types.PoolWeightAccuracy-types.MinPoolWeight, f.pool(1).QuoteWeight)
	events := ctx.EventManager().Events()
	require.Len(t, events, 1)
	require.Equal(t, "gotensor.subnet.v1.EventInjectionRefused", events[0].Type)

	ctx = f.ctx().WithEventManager(sdk.NewEventManager())
	tao, alpha, err = f.k.ReweightForInjection(ctx, 1, 0, 10*taoUnit)
	require.NoError(t, err)
	require.Equal(t, []uint64{0, 10 * taoUnit}, []uint64{tao, alpha}, "alpha alone moves the weight back inside")
	p := f.pool(1)
	require.Less(t, p.QuoteWeight, types.PoolWeightAccuracy-types.MinPoolWeight)
	require.Equal(t, "gotensor.subnet.v1.EventPoolReweighted", ctx.EventManager().Events()[0].Type)
}
