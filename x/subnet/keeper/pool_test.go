package keeper

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/x/subnet/types"
)

const taoRao = types.RaoPerTAO

// The pool of a new subnet that locked the minimum: 1000 TAO against 1000 alpha, price 1.
var evenPool = poolReserves{tao: 1000 * taoRao, alpha: 1000 * taoRao}

func req(amount, limit uint64, partial bool) swapRequest {
	p := types.DefaultParams()
	return swapRequest{amount: amount, limit: limit, allowPartial: partial, feeRate: p.SwapFeeRate, minReserve: p.MinPoolReserve}
}

// Hand-computed: fee = ⌊10e9·33/65535⌋ = 5 035 477; in = 9 994 964 523;
// out = ⌊1000e9·in/(1000e9 + in)⌋ = 9 896 053 816.
func TestConstantProductBuy_6_2(t *testing.T) {
	q, err := quoteBuy(evenPool, req(10*taoRao, 0, false))
	require.NoError(t, err)
	require.Equal(t, SwapResult{AmountIn: 9_994_964_523, AmountOut: 9_896_053_816, Fee: 5_035_477}, q.SwapResult)
	require.Equal(t, uint64(5_035_477), q.feeTao)
	require.Equal(t, poolReserves{tao: 1_009_994_964_523, alpha: 990_103_946_184}, q.after)
	require.False(t, q.partial)

	// Fees dropped (chain buys): the whole amount enters the pool.
	noFee := req(10*taoRao, 0, false)
	noFee.feeRate = 0
	q, err = quoteBuy(evenPool, noFee)
	require.NoError(t, err)
	require.Equal(t, SwapResult{AmountIn: 10 * taoRao, AmountOut: 9_900_990_099, Fee: 0}, q.SwapResult)
}

// Selling the alpha just bought: the fee (4 983 135 alpha) is sold after the trade for 4 983 159
// rao, and the pool ends 2 rao richer than it started, the rounding of the two trades.
func TestConstantProductSellPaysTheFeeInAlpha_6_3(t *testing.T) {
	after := poolReserves{tao: 1_009_994_964_523, alpha: 990_103_946_184}
	q, err := quoteSell(after, req(9_896_053_816, 0, false))
	require.NoError(t, err)
	require.Equal(t, SwapResult{AmountIn: 9_891_070_681, AmountOut: 9_989_981_362, Fee: 4_983_135}, q.SwapResult)
	require.Equal(t, uint64(4_983_159), q.feeTao)
	require.Equal(t, poolReserves{tao: 1000*taoRao + 2, alpha: 1000 * taoRao}, q.after)
}

// A limit of 1.005 TAO/alpha: the 10 TAO stake would reach 1.020 089 828, so it is refused, or
// with a partial fill stakes ⌊√(1.005)·1000e9⌋ − 1000e9 = 2 496 882 788 rao plus its fee.
func TestLimitPricePartialFill_6_2(t *testing.T) {
	_, err := quoteBuy(evenPool, req(10*taoRao, 1_005_000_000, false))
	require.ErrorIs(t, err, types.ErrSlippage)
	require.Contains(t, err.Error(), "1.020089828")
	require.Contains(t, err.Error(), "limit of 1.005000000")
	require.Contains(t, err.Error(), "at most 2.498140721 TAO fits")

	q, err := quoteBuy(evenPool, req(10*taoRao, 1_005_000_000, true))
	require.NoError(t, err)
	require.True(t, q.partial)
	require.Equal(t, SwapResult{AmountIn: 2_496_882_788, AmountOut: 2_490_663_892, Fee: 1_257_933}, q.SwapResult)
	require.LessOrEqual(t, priceCmp(q.after, 1_005_000_000), 0, "the pool stops at or below the limit")
	// Re-quoting exactly what the partial fill spends fills it whole, with the same result: what
	// AddStake relies on when it moves only the TAO that fits.
	again, err := quoteBuy(evenPool, req(q.AmountIn+q.Fee, 1_005_000_000, false))
	require.NoError(t, err)
	require.Equal(t, q.SwapResult, again.SwapResult)

	// Selling down to 0.995: refused whole, or ⌊√(1/0.995)·1000e9⌋ − 1000e9 alpha, fee included.
	_, err = quoteSell(evenPool, req(10*taoRao, 995_000_000, false))
	require.ErrorIs(t, err, types.ErrSlippage)
	require.Contains(t, err.Error(), "0.980296049")
	s, err := quoteSell(evenPool, req(10*taoRao, 995_000_000, true))
	require.NoError(t, err)
	require.Equal(t, SwapResult{AmountIn: 2_508_150_625, AmountOut: 2_501_875_544, Fee: 1_263_609}, s.SwapResult)
	require.Equal(t, uint64(1_257_292), s.feeTao)
	require.GreaterOrEqual(t, priceCmp(s.after, 995_000_000), 0, "the pool stops at or above the limit")
}

func TestSwapRefusals_6_2(t *testing.T) {
	cases := []struct {
		name string
		buy  bool
		pool poolReserves
		req  swapRequest
		err  error
		msg  string
	}{
		{"zero amount", true, evenPool, req(0, 0, false), types.ErrInvalidAmount, "zero"},
		{"price at the buy limit", true, evenPool, req(taoRao, 1_000_000_000, true), types.ErrSlippage, "already 1.000000000"},
		{"price at the sell limit", false, evenPool, req(taoRao, 1_000_000_000, true), types.ErrSlippage, "already 1.000000000"},
		{"limit a hair above the price fits nothing", true, poolReserves{tao: 1_000_000, alpha: 1_000_000}, req(taoRao, 1_000_000_001, true), types.ErrSlippage, "lets nothing"},
		{"buy over 1000× the TAO reserve", true, poolReserves{tao: taoRao, alpha: taoRao}, req(1002*taoRao, 0, false), types.ErrSwapTooLarge, "more than 1000×"},
		{"sell over 1000× the alpha reserve", false, poolReserves{tao: taoRao, alpha: taoRao}, req(1002*taoRao, 0, false), types.ErrSwapTooLarge, "more than 1000×"},
		{"buy from an alpha reserve under the minimum", true, poolReserves{tao: taoRao, alpha: 999_999}, req(taoRao, 0, false), types.ErrPoolReservesTooLow, "999999 alpha rao"},
		{"sell into a TAO reserve under the minimum", false, poolReserves{tao: 999_999, alpha: taoRao}, req(taoRao, 0, false), types.ErrPoolReservesTooLow, "0.000999999 TAO"},
		{"a buy too small to get any alpha", true, poolReserves{tao: 1000 * taoRao, alpha: 1_000_000}, req(1000, 0, false), types.ErrPoolReservesTooLow, "buys no alpha"},
		{"near u64 max", true, evenPool, req(math.MaxUint64, 0, false), types.ErrSwapTooLarge, ""},
		{"near u64 max, sold", false, evenPool, req(math.MaxUint64, 0, false), types.ErrSwapTooLarge, ""},
		{"reserve that cannot hold more", true, poolReserves{tao: math.MaxUint64 - 10, alpha: taoRao}, req(taoRao, 0, false), types.ErrSwapTooLarge, ""},
		{"fee rate above the cap", true, evenPool, swapRequest{amount: 1, feeRate: types.MaxSwapFeeRate + 1}, types.ErrInvalidParams, "swap_fee_rate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			quote := quoteSell
			if c.buy {
				quote = quoteBuy
			}
			_, err := quote(c.pool, c.req)
			require.ErrorIs(t, err, c.err)
			require.Contains(t, err.Error(), c.msg)
		})
	}
}

// Random pools and trades against the rules every quote must keep: x·y never falls, a limit is
// never crossed, the fee is ⌊gross·rate/65535⌋, a partial fill re-quotes to itself, and the
// output matches a big.Rat model of the constant product floored.
func TestQuotesKeepThePoolWhole_6_2(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 2))
	var executed, partial int
	for i := range 20_000 {
		r := poolReserves{tao: 1_000_000 + rng.Uint64N(1<<55), alpha: 1_000_000 + rng.Uint64N(1<<55)}
		buy := i%2 == 0
		reserveIn := r.alpha
		if buy {
			reserveIn = r.tao
		}
		amount := 1 + rng.Uint64N(reserveIn*3)
		spot := priceRao(r)
		var limit uint64
		switch i % 3 {
		case 1:
			limit = spot + spot/50 + 1
			if !buy {
				limit = spot - spot/50
			}
		case 2:
			limit = spot + 1 + rng.Uint64N(spot/4+1)
			if !buy {
				limit = 1 + rng.Uint64N(spot)
			}
		}
		rq := req(amount, limit, true)
		quote := quoteSell
		if buy {
			quote = quoteBuy
		}
		q, err := quote(r, rq)
		if err != nil {
			require.ErrorIs(t, err, types.ErrSlippage, "case %d: %v", i, err)
			continue
		}
		executed++
		if q.partial {
			partial++
		}
		gross := q.AmountIn + q.Fee
		require.LessOrEqual(t, gross, amount)
		if !q.partial {
			require.Equal(t, amount, gross)
			require.Equal(t, feeOf(amount, rq.feeRate), q.Fee)
		}
		k0 := new(big.Int).Mul(new(big.Int).SetUint64(r.tao), new(big.Int).SetUint64(r.alpha))
		k1 := new(big.Int).Mul(new(big.Int).SetUint64(q.after.tao), new(big.Int).SetUint64(q.after.alpha))
		require.GreaterOrEqual(t, k1.Cmp(k0), 0, "case %d: x·y fell", i)
		in, out := r.tao, r.alpha
		if !buy {
			in, out = r.alpha, r.tao
		}
		model := new(big.Rat).SetFrac(new(big.Int).Mul(new(big.Int).SetUint64(out), new(big.Int).SetUint64(q.AmountIn)),
			new(big.Int).Add(new(big.Int).SetUint64(in), new(big.Int).SetUint64(q.AmountIn)))
		floor := new(big.Int).Quo(model.Num(), model.Denom())
		require.Equal(t, floor.Uint64(), q.AmountOut, "case %d", i)
		if limit != 0 {
			if buy {
				require.LessOrEqual(t, priceCmp(q.after, limit), 0, "case %d: crossed the buy limit", i)
			} else {
				require.GreaterOrEqual(t, priceCmp(q.after, limit), 0, "case %d: crossed the sell limit", i)
			}
		}
		again, err := quote(r, req(gross, limit, false))
		require.NoError(t, err, "case %d", i)
		require.Equal(t, q.SwapResult, again.SwapResult, "case %d", i)
	}
	t.Logf("%d of 20000 random swaps executed, %d of them partially", executed, partial)
	require.Greater(t, executed, 15_000)
	require.Greater(t, partial, 5_000)
}

func TestFeeHelpers_6_2(t *testing.T) {
	require.Equal(t, uint64(0), feeOf(1985, 33), "1985·33 < 65535")
	require.Equal(t, uint64(1), feeOf(1986, 33))
	require.Equal(t, uint64(281_479_271_743_489), feeOf(math.MaxUint64, 1), "⌊(2^64−1)/65535⌋")
	// feeOnNet(net) + net is the gross whose fee is feeOnNet(net).
	for _, net := range []uint64{0, 1, 1984, 1985, 9_994_964_523, math.MaxUint64 / 2} {
		f := feeOnNet(net, 33)
		require.Equal(t, f, feeOf(net+f, 33), "net %d", net)
	}
	require.Equal(t, uint64(1000*taoRao+503_801_410), maxGross(taoRao, 33))
	require.Equal(t, uint64(math.MaxUint64), maxGross(math.MaxUint64, 33))
	require.Equal(t, uint64(math.MaxUint64), mulDivFloor(math.MaxUint64, 2, 1))
	require.Equal(t, uint64(6), mulDivFloor(math.MaxUint64, 6, math.MaxUint64))
}

func BenchmarkQuoteBuy(b *testing.B) {
	r := req(10*taoRao, 0, false)
	for b.Loop() {
		if _, err := quoteBuy(evenPool, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuoteSellPartial(b *testing.B) {
	r := req(10*taoRao, 995_000_000, true)
	for b.Loop() {
		if _, err := quoteSell(evenPool, r); err != nil {
			b.Fatal(err)
		}
	}
}
