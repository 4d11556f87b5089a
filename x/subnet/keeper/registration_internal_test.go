package keeper

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// The pure arithmetic of registration pricing, checked against the spec's own numbers.

func TestDecayFactor_7_1(t *testing.T) {
	f := decayFactorQ32(360)
	require.Equal(t, uint64(4_286_705_684), f, "§7.1: h = 360 → f = 4 286 705 684")
	require.LessOrEqual(t, powQ32(f, 360), uint64(1<<31), "f^h ≤ ½")
	require.Greater(t, powQ32(f+1, 360), uint64(1<<31), "f is the largest such factor")

	require.Equal(t, uint64(1<<32), decayFactorQ32(0), "a zero half-life does not decay")
	require.Equal(t, uint64(1<<31), decayFactorQ32(1), "a one-block half-life halves each block")
	for _, h := range []uint64{2, 7, 360, 7_200, 36_100} {
		f := decayFactorQ32(h)
		require.LessOrEqual(t, powQ32(f, h), uint64(1<<31), "h = %d", h)
		require.Greater(t, powQ32(f+1, h), uint64(1<<31), "h = %d", h)
	}
}

func TestBurnDecayNumbers_7_1(t *testing.T) {
	f := decayFactorQ32(360)
	burn := uint64(types.RaoPerTAO)
	for _, want := range []uint64{998_076_443, 996_156_586, 994_240_422} {
		burn = mulQ32(burn, f)
		require.Equal(t, want, burn)
	}
	require.Equal(t, uint64(math.MaxUint64), mulQ32(math.MaxUint64, math.MaxUint64), "saturates")
}

func TestBumpedBurn_7_1(t *testing.T) {
	h := types.NewSubnetHyperparams()
	// Expected values are floor(burn·bits / 2^64) for the U64F64 bits of from_num(f64(mult)),
	// computed with Python's exact integers (x/subnet/keeper/testdata/fixed_point_vectors.py has
	// the conversion). "1.7" is below 1.7 as a binary64, so 10 rao become 16, not 17 as an integer
	// multiplier in thousandths gave.
	cases := []struct {
		name       string
		burn       uint64
		mult       string
		minB, maxB uint64
		want       uint64
	}{
		{name: "×1.26", burn: 1_000_000_000, mult: "1.26", minB: h.MinBurn, maxB: h.MaxBurn, want: 1_260_000_000},
		{name: "×1.26 twice", burn: 1_260_000_000, mult: "1.26", minB: h.MinBurn, maxB: h.MaxBurn, want: 1_587_600_000},
		{name: "floored", burn: 999_999_999, mult: "1.26", minB: 0, maxB: h.MaxBurn, want: 1_259_999_998},
		{name: "×1.7 of 10 rao", burn: 10, mult: "1.7", minB: 0, maxB: h.MaxBurn, want: 16},
		{name: "×1.7 of 1 TAO", burn: 1_000_000_000, mult: "1.7", minB: 0, maxB: h.MaxBurn, want: 1_699_999_999},
		{name: "×2.999", burn: 123_456_789, mult: "2.999", minB: 0, maxB: h.MaxBurn, want: 370_246_910},
		{name: "×1.1", burn: 1_000_000_000, mult: "1.1", minB: 0, maxB: h.MaxBurn, want: 1_100_000_000},
		{name: "a multiplier below 1 counts as 1", burn: 700_000, mult: "0.5", minB: h.MinBurn, maxB: h.MaxBurn, want: 700_000},
		{name: "clamped to max_burn", burn: 90 * types.RaoPerTAO, mult: "1.26", minB: h.MinBurn, maxB: h.MaxBurn, want: 100 * types.RaoPerTAO},
		{name: "raised to min_burn", burn: 100, mult: "1.26", minB: h.MinBurn, maxB: h.MaxBurn, want: h.MinBurn},
		{name: "overflow saturates then clamps", burn: math.MaxUint64, mult: "3", minB: 0, maxB: math.MaxUint64, want: math.MaxUint64},
		{name: "crossed bounds: max wins", burn: 5, mult: "1", minB: 10, maxB: 8, want: 8},
	}
	for _, tc := range cases {
		h := h
		h.MinBurn, h.MaxBurn = tc.minB, tc.maxB
		require.Equal(t, tc.want, bumpedBurn(tc.burn, fixed.MustU64F64FromLiteral(tc.mult), h), tc.name)
	}
}

// TestDefaultFixedPointParams_5_6_7_1: the defaults are subtensor's from_num(f64) values bit for bit:
// SubnetMovingAlpha I96F32 bits 12885 (0.000003), BurnIncreaseMult U64F64 bits 0x1_428f5c28f5c29000 (1.26).
func TestDefaultFixedPointParams_5_6_7_1(t *testing.T) {
	ma, err := types.ParseSubnetMovingAlpha(types.DefaultParams().SubnetMovingAlpha)
	require.NoError(t, err)
	require.Equal(t, fixed.I96F32FromBits(0, 12_885), ma)
	mult, err := types.ParseBurnIncreaseMult(types.NewSubnetHyperparams().BurnIncreaseMult)
	require.NoError(t, err)
	require.Equal(t, fixed.U64F64FromBits(1, 0x428f_5c28_f5c2_9000), mult)
}

// TestNextMovingPrice_5_6: §5.6 in the spec's arithmetic. The vectors come from
// testdata/fixed_point_vectors.py, an exact-integer emulation of update_moving_price; the last four
// are ones where today's former formula, (α_ppb·t)/(t+H) with α = 3000/1e9, is one bit off.
func TestNextMovingPrice_5_6(t *testing.T) {
	const ma = 12_885
	u64f64 := func(hi, lo uint64) fixed.U64F64 { return fixed.U64F64FromBits(hi, lo) }
	cases := []struct {
		old          uint64 // I96F32 bits
		price        fixed.U64F64
		age, halving uint64
		alpha        uint64 // I96F32 bits of SubnetMovingAlpha
		want         uint64 // I96F32 bits
	}{
		{0, u64f64(0, 1<<63), 1, 201_600, ma, 0},
		{1_288_490_188, u64f64(0, 0x3333_3333_3333_3333), 7_200, 201_600, ma, 1_288_490_143},
		{3_865_470_566, u64f64(5, 0), 1_000_000, 201_600, ma, 3_865_471_638},
		{0xFFFF_FFFF, u64f64(0, 0xFFFF_FFFF_FFFF_FFFF), 123_456, 201_600, ma, 4_294_967_295},
		{1_958_505_087, u64f64(0, 0x1F7C_ED91_6872_B020), 5, 3, 1 << 32, 1_064_615_018},
		{2_147_483_648, u64f64(0, 1<<62), 0, 201_600, ma, 2_147_483_648},
		{2_147_483_649, u64f64(0, 0x8000_0000_0000_0001), 201_600, 201_600, 1 << 31, 2_147_483_648},
		{2_176_199_605, u64f64(0, 6_321_784_590_424_136_346), 5_000_000, 201_600, ma, 2_176_197_573},
		{410_981_165, u64f64(1, 36_287_626_863_003_346_529-1<<64), 201_600, 201_600, ma, 410_986_991},
		{2_330_971_717, u64f64(1, 26_941_008_292_885_541_054-1<<64), 201_600, 201_600, ma, 2_330_974_663},
		{2_493_144_800, u64f64(1, 27_077_466_986_518_303_577-1<<64), 5_000_000, 201_600, ma, 2_493_149_996},
	}
	for i, tc := range cases {
		got := nextMovingPrice(fixed.I96F32FromBits(0, tc.old), tc.price, tc.age, tc.halving, fixed.I96F32FromBits(0, tc.alpha))
		require.Equal(t, fixed.I96F32FromBits(0, tc.want), got, "vector %d", i)
	}
}

// TestLockCostFormula_6_4: cost = max(min_lock, last·m − (last/interval)·(b − last_block)).
func TestLockCostFormula_6_4(t *testing.T) {
	p := types.DefaultParams()
	minLock := p.NetworkMinLockCost
	perBlock := minLock / p.NetworkLockReductionInterval // 9 920 634 rao
	require.Equal(t, uint64(9_920_634), perBlock)
	cases := []struct {
		name  string
		reg   types.NetworkRegistration
		block uint64
		want  uint64
	}{
		{"never registered: the minimum", types.NetworkRegistration{}, 5_000_000, minLock},
		{"right after a registration: double", types.NetworkRegistration{LastLockCost: minLock, LastLockBlock: 100, Registered: true}, 100, 2 * minLock},
		{"one block later", types.NetworkRegistration{LastLockCost: minLock, LastLockBlock: 100, Registered: true}, 101, 2*minLock - perBlock},
		{"half an interval", types.NetworkRegistration{LastLockCost: minLock, LastLockBlock: 100, Registered: true}, 100 + 50_400, 2*minLock - 50_400*perBlock},
		{"one interval: the last lock again, less rounding", types.NetworkRegistration{LastLockCost: minLock, LastLockBlock: 100, Registered: true}, 100 + 100_800, 2*minLock - 100_800*perBlock},
		{"long after: the minimum", types.NetworkRegistration{LastLockCost: minLock, LastLockBlock: 100, Registered: true}, 10_000_000, minLock},
		{"a big lock doubles", types.NetworkRegistration{LastLockCost: 5_000 * types.RaoPerTAO, LastLockBlock: 7, Registered: true}, 7, 10_000 * types.RaoPerTAO},
		{"doubling saturates", types.NetworkRegistration{LastLockCost: math.MaxUint64, LastLockBlock: 7, Registered: true}, 7, math.MaxUint64},
		{"a clock before the last lock does not add", types.NetworkRegistration{LastLockCost: minLock, LastLockBlock: 100, Registered: true}, 50, 2 * minLock},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, lockCost(tc.reg, p, tc.block), tc.name)
	}
}

// TestPruneOrder_7_3: lowest emission first, then earliest registration, then lowest uid.
func TestPruneOrder_7_3(t *testing.T) {
	n := func(uid uint32, emission, registered uint64) types.Neuron {
		return types.Neuron{Uid: uid, Emission: emission, BlockAtRegistration: registered}
	}
	require.Negative(t, pruneOrder(n(5, 1, 100), n(1, 2, 1)), "lower emission first")
	require.Negative(t, pruneOrder(n(5, 2, 1), n(1, 2, 100)), "same emission: earlier registration first")
	require.Negative(t, pruneOrder(n(1, 2, 100), n(5, 2, 100)), "same emission and block: lower uid first")
	require.Zero(t, pruneOrder(n(3, 2, 100), n(3, 2, 100)))
}

func TestValidateSubnetName(t *testing.T) {
	for _, ok := range []string{"a", "forecast", "Weather – Europe (v2)", "α-net", "中文名", strings.Repeat("x", 64), "日本語のサブネット名前"} {
		require.NoError(t, validateSubnetName(ok), "%q", ok)
	}
	for _, bad := range []string{
		"", strings.Repeat("x", 65), " lead", "trail ", "tab\there", "new\nline", "nul\x00", "esc\x1b[31m", "del\x7f",
		"rtl\u202eoverride", "zero\u200bwidth", "bom\ufeff", "nbsp\u00a0", "bad\xffutf8", strings.Repeat("é", 33),
	} {
		require.ErrorIs(t, validateSubnetName(bad), types.ErrInvalidName, "%q", bad)
	}
}

func TestSubnetSymbol(t *testing.T) {
	require.Equal(t, "α", subnetSymbol(1))
	require.Equal(t, "ω", subnetSymbol(23))
	require.Equal(t, "א", subnetSymbol(24))
	require.Equal(t, "ת", subnetSymbol(45))
	require.Equal(t, "SN46", subnetSymbol(46))
	require.Equal(t, "SN65535", subnetSymbol(65_535))
}
