package keeper

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	sdkmath "cosmossdk.io/math"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Two coldkeys on one hotkey: 300 and 100 alpha, then 40 alpha of dividends. Each gains pro rata
// (30 and 10); the first to leave gets its floor, the last takes the whole rest.
func TestSharePoolProRata_8_2(t *testing.T) {
	p := emptyHotkeyPool()
	p, a, err := poolDeposit(p, sdkmath.ZeroUint(), 300)
	require.NoError(t, err)
	require.Equal(t, sdkmath.NewUint(300<<shareScaleBits), a, "the first staker gets 2^32 shares per rao")
	p, b, err := poolDeposit(p, sdkmath.ZeroUint(), 100)
	require.NoError(t, err)
	require.Equal(t, sdkmath.NewUint(100<<shareScaleBits), b)

	p, err = poolCredit(p, 40)
	require.NoError(t, err)
	require.Equal(t, uint64(440), p.Alpha)
	require.Equal(t, uint64(330), shareValue(p, a))
	require.Equal(t, uint64(110), shareValue(p, b))

	// Withdrawing part burns ⌈alpha·S/A⌉ shares.
	p, a, err = poolWithdraw(p, a, 33)
	require.NoError(t, err)
	require.Equal(t, sdkmath.NewUint(270<<shareScaleBits), a)
	require.Equal(t, uint64(297), shareValue(p, a))

	// Emission that does not divide evenly: 1 rao over 297 : 110 leaves a's value at ⌊297.73⌋.
	p, err = poolCredit(p, 1)
	require.NoError(t, err)
	require.Equal(t, uint64(297), shareValue(p, a))
	require.Equal(t, uint64(110), shareValue(p, b))

	p, a, err = poolWithdraw(p, a, 297)
	require.NoError(t, err)
	require.True(t, a.IsZero(), "taking the whole value burns every share")
	require.Equal(t, uint64(111), shareValue(p, b), "the rounding stays with who remains")
	p, b, err = poolWithdraw(p, b, 111)
	require.NoError(t, err)
	require.True(t, b.IsZero())
	require.Equal(t, types.HotkeyPool{Alpha: 0, Shares: sdkmath.ZeroUint()}, p, "the last one out empties the pool")
}

func TestSharePoolRefusals_8_2(t *testing.T) {
	p, held, err := poolDeposit(emptyHotkeyPool(), sdkmath.ZeroUint(), 1)
	require.NoError(t, err)
	_, _, err = poolWithdraw(p, held, 2)
	require.ErrorIs(t, err, types.ErrInsufficientStake)
	require.Contains(t, err.Error(), "asked for 2 alpha rao but the stake is 1")

	// After 2^40 rao of dividends on one rao of stake a share is worth 256 rao: 255 rao buys none.
	p, err = poolCredit(p, 1<<40)
	require.NoError(t, err)
	_, _, err = poolDeposit(p, sdkmath.ZeroUint(), 255)
	require.ErrorIs(t, err, types.ErrZeroShares)
	require.Contains(t, err.Error(), "255 alpha rao buys no share")
	_, fresh, err := poolDeposit(p, sdkmath.ZeroUint(), 257)
	require.NoError(t, err)
	require.Equal(t, sdkmath.OneUint(), fresh)

	_, err = poolCredit(types.HotkeyPool{Alpha: math.MaxUint64, Shares: sdkmath.OneUint()}, 1)
	require.ErrorIs(t, err, types.ErrInconsistentState)
	_, _, err = poolDeposit(types.HotkeyPool{Alpha: 0, Shares: sdkmath.OneUint()}, sdkmath.ZeroUint(), 1)
	require.ErrorIs(t, err, types.ErrInconsistentState)
}

// Random deposits, withdrawals and credits among five holders: shares always add up to S, values
// never add up to more than A, and after everyone withdraws everything nothing is left.
func TestSharePoolNeverOwesMoreThanItHolds_8_2(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 2))
	for round := range 200 {
		p := emptyHotkeyPool()
		held := make([]sdkmath.Uint, 5)
		for i := range held {
			held[i] = sdkmath.ZeroUint()
		}
		for range 100 {
			i := rng.IntN(len(held))
			var err error
			switch rng.IntN(3) {
			case 0:
				p, held[i], err = poolDeposit(p, held[i], 1+rng.Uint64N(1<<40))
			case 1:
				if v := shareValue(p, held[i]); v > 0 {
					p, held[i], err = poolWithdraw(p, held[i], 1+rng.Uint64N(v))
				}
			case 2:
				if !p.Shares.IsZero() {
					p, err = poolCredit(p, rng.Uint64N(1<<36))
				}
			}
			require.NoError(t, err, "round %d", round)
			total, values := sdkmath.ZeroUint(), uint64(0)
			for _, h := range held {
				total = total.Add(h)
				values += shareValue(p, h)
			}
			require.Equal(t, p.Shares, total, "round %d", round)
			require.LessOrEqual(t, values, p.Alpha, "round %d", round)
			require.LessOrEqual(t, p.Alpha-values, uint64(len(held)), "round %d: at most a rao of rounding per holder", round)
		}
		for i := range held {
			var err error
			p, held[i], err = poolWithdraw(p, held[i], shareValue(p, held[i]))
			require.NoError(t, err)
		}
		require.True(t, p.Shares.IsZero(), "round %d", round)
		require.Equal(t, uint64(0), p.Alpha, "round %d: the last holder took the rest", round)
	}
}
