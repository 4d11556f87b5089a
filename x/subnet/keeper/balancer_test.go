package keeper

import (
	"encoding/json"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// The vectors in testdata/balancer_vectors.json are subtensor's weighted-pool steps (§6.2) on random weighted pools: a swap step
// with its fee, limit price and partial fill, the fee's sale after a sell, and the weight update
// of an injection, computed by a transcription of balancer.rs, swap_step.rs and impls.rs over
// integers that calls the pinned safe-bigmath itself for every power.
type balancerSwapVector struct {
	Tao         uint64 `json:"tao"`
	Alpha       uint64 `json:"alpha"`
	QuoteWeight uint64 `json:"quote_weight"`
	Buy         bool   `json:"buy"`
	Amount      uint64 `json:"amount"`
	FeeRate     uint32 `json:"fee_rate"`
	Limit       uint64 `json:"limit"`
	Refused     string `json:"refused"`
	AmountIn    uint64 `json:"amount_in"`
	AmountOut   uint64 `json:"amount_out"`
	Fee         uint64 `json:"fee"`
	Partial     bool   `json:"partial"`
	FeeTao      uint64 `json:"fee_tao"`
}

type weightUpdateVector struct {
	Tao         uint64 `json:"tao"`
	Alpha       uint64 `json:"alpha"`
	QuoteWeight uint64 `json:"quote_weight"`
	TaoIn       uint64 `json:"tao_in"`
	AlphaIn     uint64 `json:"alpha_in"`
	Want        uint64 `json:"want"`
	OK          bool   `json:"ok"`
}

func readBalancerVectors(t *testing.T) ([]balancerSwapVector, []weightUpdateVector) {
	raw, err := os.ReadFile("testdata/balancer_vectors.json")
	require.NoError(t, err)
	var v struct {
		Swaps         []balancerSwapVector `json:"swaps"`
		WeightUpdates []weightUpdateVector `json:"weight_updates"`
	}
	require.NoError(t, json.Unmarshal(raw, &v))
	require.Len(t, v.Swaps, 160)
	require.Len(t, v.WeightUpdates, 81)
	return v.Swaps, v.WeightUpdates
}

func TestWeightedSwapVectors_6_2(t *testing.T) {
	swaps, _ := readBalancerVectors(t)
	partial := 0
	for i, c := range swaps {
		r := poolReserves{tao: c.Tao, alpha: c.Alpha, quote: c.QuoteWeight}
		rq := swapRequest{amount: c.Amount, limit: c.Limit, allowPartial: true, feeRate: c.FeeRate, minReserve: 1_000_000}
		quote := quoteSell
		if c.Buy {
			quote = quoteBuy
		}
		q, err := quote(r, rq)
		require.NoError(t, err, "case %d", i)
		require.Equal(t, SwapResult{AmountIn: c.AmountIn, AmountOut: c.AmountOut, Fee: c.Fee}, q.SwapResult, "case %d: %+v", i, c)
		require.Equal(t, c.Partial, q.partial, "case %d", i)
		if !c.Buy {
			require.Equal(t, c.FeeTao, q.feeTao, "case %d: the alpha fee's sale", i)
		}
		if c.Partial {
			partial++
		}
	}
	require.Greater(t, partial, 40, "the vectors exercise the limit-price amounts")
}

func TestWeightUpdateVectors_6_2(t *testing.T) {
	_, updates := readBalancerVectors(t)
	refused := 0
	for i, c := range updates {
		next, ok := balancer{quote: c.QuoteWeight}.afterLiquidity(c.Tao, c.Alpha, c.TaoIn, c.AlphaIn)
		require.Equal(t, c.OK, ok, "case %d: %+v", i, c)
		require.Equal(t, c.Want, next.quote, "case %d: %+v", i, c)
		if !ok {
			refused++
		}
	}
	require.Positive(t, refused)
}

// The exact assertions of subtensor's balancer tests (test_calculate_quote_delta_in,
// test_calculate_base_delta_in and their impossible twins, test_mul_round_*): w1 = 0.75, the
// price from 0.1 to 0.2 on a 1e9 reserve takes 1e9·(2^0.75 − 1) TAO, and from 0.2 down to 0.1
// takes 1e9·(2^0.25 − 1) alpha at w2 = 0.25, truncated.
func TestBalancerLimitAmounts_6_2(t *testing.T) {
	b := balancer{quote: 250_000_000_000_000_000}
	tenth, fifth := fixed.MustU64F64FromLiteral("0.1"), fixed.MustU64F64FromLiteral("0.2")
	require.Equal(t, uint64(681_792_830), b.taoToReach(tenth, fifth, 1_000_000_000))
	require.Equal(t, uint64(189_207_115), b.alphaToReach(fifth, tenth, 1_000_000_000))
	require.Equal(t, uint64(math.Pow(2, 0.75)*1e9-1e9), b.taoToReach(tenth, fifth, 1_000_000_000))
	require.Zero(t, b.taoToReach(tenth, fixed.MustU64F64FromLiteral("0.05"), 1_000_000_000), "a lower target needs no TAO")
	require.Zero(t, b.alphaToReach(tenth, fifth, 1_000_000_000), "a higher target needs no alpha")
	require.Zero(t, b.taoToReach(fixed.U64F64FromUint(0), fifth, 1_000_000_000), "no current price, no amount")

	for _, c := range []struct{ parts, value, want uint64 }{
		{0, 1_000_000, 0}, {weightAccuracy, 1_000_000, 1_000_000},
		{equalWeight, 0, 0}, {equalWeight, 1, 1}, {equalWeight, 2, 1}, {equalWeight, 3, 2}, {equalWeight, 5, 3},
		{equalWeight, 1023, 512}, {equalWeight, 1025, 513},
		{333_333_333_333_333_333, 3, 1}, {333_333_333_333_333_333, 4, 1}, {333_333_333_333_333_333, 5, 2}, {333_333_333_333_333_333, 6, 2},
	} {
		got := mulPerquintillRound(c.parts, new(big.Int).SetUint64(c.value))
		require.Equal(t, c.want, got.Uint64(), "round(%d·%d/1e18)", c.value, c.parts)
	}
	seven := mulPerquintillRound(700_000_000_000_000_000, new(big.Int).SetUint64(weightAccuracy))
	require.Equal(t, uint64(700_000_000_000_000_000), seven.Uint64())
	require.Zero(t, mulPerquintillRound(weightAccuracy, new(big.Int).Set(maxU128)).Cmp(maxU128), "1 × u128::MAX does not overflow")
}

// subtensor's test_exp_scaled and test_convert_deltas, which compare with float64 powers: to 1e-9
// and to 2 rao.
func TestBalancerAgainstFloat_6_2(t *testing.T) {
	for _, c := range []struct {
		num, den, reserve, delta uint64
		baseOverQuote            bool
		want                     float64
	}{
		{5, 10, 100_000, 100, true, 0.999000999000999},
		{1, 4, 500_000, 5_000, true, 0.970590147927644},
		{3, 4, 200_000, 2_000, false, 0.970590147927644},
		{9, 10, 13_513_642, 1_673, false, 0.998886481979889},
		{773, 1000, 7_000_000_000, 10_000, true, 0.999999580484586},
	} {
		b := balancer{quote: weightAccuracy / c.den * c.num}
		got := u64f64Float(b.exp(c.reserve, c.delta, c.baseOverQuote))
		require.InDelta(t, c.want, got, 1e-9)
	}
	for _, w := range []float64{0.5, 0.50000001, 0.49999999, 0.1, 0.9} {
		b := balancer{quote: uint64(w*1e9) * 1_000_000_000}
		for _, r := range []poolReserves{{tao: 1500, alpha: 1000}, {tao: 1, alpha: 1_000_000}, {tao: 1_000_000, alpha: 1}} {
			for _, d := range []uint64{1, 10_000, 1_000_000, math.MaxUint64} {
				x, y, df := float64(r.alpha), float64(r.tao), float64(d)
				sell := y * (1 - math.Pow(x/(x+df), (1-w)/w))
				buy := x * (1 - math.Pow(y/(y+df), w/(1-w)))
				require.InDelta(t, uint64(sell), b.sellOut(r, d), 2, "sell %d into %+v at w2 %v", d, r, w)
				require.InDelta(t, uint64(buy), b.buyOut(r, d), 2, "buy %d into %+v at w2 %v", d, r, w)
			}
		}
	}
}

func u64f64Float(v fixed.U64F64) float64 {
	hi, lo := v.Bits()
	return float64(hi) + float64(lo)/math.Exp2(64)
}

// A pool reweighted by an injection keeps its price (§6.2, "Liquidity injection"): after the
// amounts are added at the new weights the price is within 1e-12 of what it was
// (test_adjust_protocol_liquidity_happy), and a pool with an empty alpha side keeps equal weights
// (test_adjust_protocol_liquidity_zero_alpha): its update is refused.
func TestInjectionKeepsThePrice_6_2(t *testing.T) {
	_, updates := readBalancerVectors(t)
	for _, c := range updates[:14] {
		before := balancer{quote: c.QuoteWeight}
		after, ok := before.afterLiquidity(c.Tao, c.Alpha, c.TaoIn, c.AlphaIn)
		require.True(t, ok)
		p0 := u64f64Float(before.price(c.Alpha, c.Tao))
		p1 := u64f64Float(after.price(c.Alpha+c.AlphaIn, c.Tao+c.TaoIn))
		require.InDelta(t, p0, p1, p0/1e12, "%+v", c)
	}
	// With no alpha in the pool q2 = 0: without alpha coming in q1 = 0 too and the weights stay ½;
	// with alpha coming in the weight would be 0, so the update is refused and the pool keeps ½.
	for _, d := range []struct {
		tao, alpha uint64
		ok         bool
	}{{0, 0, true}, {1, 0, true}, {1_000_000, 0, true}, {0, 1, false}, {1_000_000, 1_000_000, false}, {1_234_567, 2_432_765_890, false}} {
		after, ok := balancer{quote: equalWeight}.afterLiquidity(1_000_000_000_000, 0, d.tao, d.alpha)
		require.Equal(t, d.ok, ok, "%+v", d)
		if ok {
			require.Equal(t, equalWeight, after.quote)
		}
	}
}

// The bounds of §6.2: both weights at least 0.01, checked where a weight is stored or read.
func TestPoolWeightBounds_6_2(t *testing.T) {
	for _, q := range []uint64{1, types.MinPoolWeight - 1, types.PoolWeightAccuracy - types.MinPoolWeight + 1, types.PoolWeightAccuracy, math.MaxUint64} {
		require.False(t, types.ValidPoolWeight(q), "%d", q)
	}
	for _, q := range []uint64{0, types.MinPoolWeight, equalWeight, types.PoolWeightAccuracy - types.MinPoolWeight} {
		require.True(t, types.ValidPoolWeight(q), "%d", q)
	}
	require.Equal(t, balancer{quote: equalWeight}, balancerOf(0))
	require.Zero(t, storedWeight(balancer{quote: equalWeight}))
	require.Equal(t, uint64(7), storedWeight(balancer{quote: 7}))
	// The weight ratio enters the price: w2 = 1/3 doubles it, w2 = 0.4 makes it 1.5·y/x.
	require.Equal(t, "5.0", balancer{quote: 333_333_333_333_333_333}.price(4, 10).Round().String())
	require.Equal(t, fixed.MustU64F64FromLiteral("1.5").String(), balancer{quote: 400_000_000_000_000_000}.price(1, 1).String())
	require.True(t, balancer{quote: 300_000_000_000_000_000}.price(10, 0).IsZero())
	require.True(t, balancer{quote: 300_000_000_000_000_000}.price(0, 10).IsZero())
}

// With equal weights, stored as 0 or as ½, every quote is the exact constant-product pool the
// chain had before weights: fee floor(amount·rate/65535), output floor(r_out·in/(r_in+in)), the
// alpha fee sold the same way, the price tao/alpha, and a limit met at
// floor(√(limit·x·y/1e9)) − y (buys) or floor(√(x·y·1e9/limit)) − x (sales, fee included).
func TestEqualWeightsAreConstantProduct_6_2(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 2))
	floorDiv := func(a, b, c uint64) uint64 { // floor(a·b/c)
		v := new(big.Int).Mul(new(big.Int).SetUint64(a), new(big.Int).SetUint64(b))
		return v.Quo(v, new(big.Int).SetUint64(c)).Uint64()
	}
	for i := range 3000 {
		r := poolReserves{tao: 1_000_000 + rng.Uint64N(1<<54), alpha: 1_000_000 + rng.Uint64N(1<<54)}
		if i%2 == 1 {
			r.quote = equalWeight
		}
		rate := []uint32{33, 0, 1000, types.MaxSwapFeeRate}[rng.IntN(4)]
		amount := 1 + rng.Uint64N(r.tao/2+1)
		if i%3 == 0 {
			amount = 1 + rng.Uint64N(1<<40)
		}
		plain := reservePrice(poolReserves{tao: r.tao, alpha: r.alpha})
		require.Equal(t, fixed.U64F64FromUint(r.tao).SafeDiv(fixed.U64F64FromUint(r.alpha)), reservePrice(r))
		require.Equal(t, plain, reservePrice(r))
		require.Equal(t, floorDiv(r.tao, limitPriceScale, r.alpha), priceRao(r))

		fee := floorDiv(amount, uint64(rate), feeDenominator)
		in := amount - fee
		buy, err := quoteBuy(r, swapRequest{amount: amount, feeRate: rate})
		if err == nil {
			out := floorDiv(r.alpha, in, r.tao+in)
			require.Equal(t, SwapResult{AmountIn: in, AmountOut: out, Fee: fee}, buy.SwapResult, "pool %+v", r)
			require.Equal(t, poolReserves{tao: r.tao + in, alpha: r.alpha - out, quote: r.quote}, buy.after)
		}
		sell, err := quoteSell(r, swapRequest{amount: amount, feeRate: rate})
		if err == nil {
			out := floorDiv(r.tao, in, r.alpha+in)
			feeTao := floorDiv(r.tao-out, fee, r.alpha+in+fee)
			require.Equal(t, SwapResult{AmountIn: in, AmountOut: out, Fee: fee}, sell.SwapResult, "pool %+v", r)
			require.Equal(t, feeTao, sell.feeTao)
			require.Equal(t, poolReserves{tao: r.tao - out - feeTao, alpha: r.alpha + amount, quote: r.quote}, sell.after)
		}

		// A limit 0.1 % beyond the price, with a partial fill.
		spot := priceRao(r)
		if spot < 1000 {
			continue
		}
		up, down := spot+spot/1000, spot-spot/1000
		big3 := func(a, b, c uint64) *big.Int {
			v := new(big.Int).Mul(new(big.Int).SetUint64(a), new(big.Int).SetUint64(b))
			return v.Mul(v, new(big.Int).SetUint64(c))
		}
		if q, err := quoteBuy(r, swapRequest{amount: r.tao, limit: up, allowPartial: true, feeRate: rate}); err == nil && q.partial {
			v := big3(r.tao, r.alpha, up)
			fits := v.Quo(v, new(big.Int).SetUint64(limitPriceScale)).Sqrt(v).Uint64() - r.tao
			require.Equal(t, fits, q.AmountIn, "pool %+v, limit %d", r, up)
			require.Equal(t, floorDiv(fits, uint64(rate), feeDenominator-uint64(rate)), q.Fee)
		}
		if q, err := quoteSell(r, swapRequest{amount: r.alpha, limit: down, allowPartial: true, feeRate: rate}); err == nil && q.partial {
			v := big3(r.tao, r.alpha, limitPriceScale)
			gross := v.Quo(v, new(big.Int).SetUint64(down)).Sqrt(v).Uint64() - r.alpha
			require.Equal(t, gross, q.AmountIn+q.Fee, "pool %+v, limit %d", r, down)
			require.Equal(t, floorDiv(gross, uint64(rate), feeDenominator), q.Fee)
		}
	}
}

// No free money (§6.3): buying and selling straight back through a weighted pool never returns
// more TAO than went in, and selling then buying back never more alpha, at the chain's fee and at
// none, over random pools and weights across [0.01, 0.99]; and the reserves left never price a
// trade's input below what the trader got (x^w1·y^w2 does not fall).
func TestWeightedRoundTripsLoseNothingToTheTrader_6_2(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 3))
	for i := range 400 {
		r := poolReserves{
			tao:   10_000_000 + rng.Uint64N(1<<52),
			alpha: 10_000_000 + rng.Uint64N(1<<52),
			quote: types.MinPoolWeight + rng.Uint64N(types.PoolWeightAccuracy-2*types.MinPoolWeight+1),
		}
		rate := []uint32{33, 0}[i%2]
		amount := 2_000_000 + rng.Uint64N(r.tao/4+1)
		buy, err := quoteBuy(r, swapRequest{amount: amount, feeRate: rate})
		if err != nil {
			continue
		}
		back, err := quoteSell(buy.after, swapRequest{amount: buy.AmountOut, feeRate: rate})
		if err == nil {
			require.LessOrEqual(t, back.AmountOut, amount, "pool %+v: %d TAO came back as %d", r, amount, back.AmountOut)
			require.LessOrEqual(t, back.AmountOut+back.feeTao+buy.feeTao, amount,
				"pool %+v: trader and fee collector together got more than was paid in", r)
		}
		alpha := 2_000_000 + rng.Uint64N(r.alpha/4+1)
		sell, err := quoteSell(r, swapRequest{amount: alpha, feeRate: rate})
		if err != nil {
			continue
		}
		rebuy, err := quoteBuy(sell.after, swapRequest{amount: sell.AmountOut, feeRate: rate})
		if err == nil {
			require.LessOrEqual(t, rebuy.AmountOut, alpha, "pool %+v: %d alpha came back as %d", r, alpha, rebuy.AmountOut)
		}
	}
}
