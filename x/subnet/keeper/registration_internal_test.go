package keeper

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

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
	cases := []struct {
		name          string
		burn, mult    uint64
		minB, maxB    uint64
		want          uint64
		wantUnclamped bool
	}{
		{name: "×1.26", burn: 1_000_000_000, mult: 1_260, minB: h.MinBurn, maxB: h.MaxBurn, want: 1_260_000_000},
		{name: "×1.26 twice", burn: 1_260_000_000, mult: 1_260, minB: h.MinBurn, maxB: h.MaxBurn, want: 1_587_600_000},
		{name: "floored", burn: 999_999_999, mult: 1_260, minB: 0, maxB: h.MaxBurn, want: 1_259_999_998},
		{name: "a multiplier below 1 counts as 1", burn: 700_000, mult: 500, minB: h.MinBurn, maxB: h.MaxBurn, want: 700_000},
		{name: "clamped to max_burn", burn: 90 * types.RaoPerTAO, mult: 1_260, minB: h.MinBurn, maxB: h.MaxBurn, want: 100 * types.RaoPerTAO},
		{name: "raised to min_burn", burn: 100, mult: 1_260, minB: h.MinBurn, maxB: h.MaxBurn, want: h.MinBurn},
		{name: "overflow saturates then clamps", burn: math.MaxUint64, mult: 3_000, minB: 0, maxB: math.MaxUint64, want: math.MaxUint64},
		{name: "crossed bounds: max wins", burn: 5, mult: 1_000, minB: 10, maxB: 8, want: 8},
	}
	for _, tc := range cases {
		h := h
		h.BurnIncreaseMultMilli, h.MinBurn, h.MaxBurn = tc.mult, tc.minB, tc.maxB
		require.Equal(t, tc.want, bumpedBurn(tc.burn, h), tc.name)
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
