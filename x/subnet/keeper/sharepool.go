package keeper

import (
	"math/big"

	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// The share pool of one (hotkey, subnet) (§8.2): the alpha staked to the hotkey (A) and the shares
// its nominators hold (S, the sum of every coldkey's shares s). A coldkey's stake is floor(A·s/S),
// so emission added to A appreciates every nominator pro rata without touching their records.
// Rounding always favours the pool, never the coldkey acting: a deposit's shares are floored, a
// withdrawal's shares are rounded up. So the stakes never add up to more than A: what rounding
// leaves (under a rao per operation) stays with the remaining nominators, and the last one to leave
// takes all of A. Pure functions; stake.go reads and writes the records.

// shareScaleBits: an empty pool issues 2^32 shares per alpha rao, so shares stay fine-grained
// however much the pool appreciates: a 1-rao deposit buys a share until A/S passes 1, i.e. after
// the pool's alpha has grown 2^32-fold per share issued at the start.
const shareScaleBits = 32

func emptyHotkeyPool() types.HotkeyPool { return types.HotkeyPool{Shares: sdkmath.ZeroUint()} }

// shareValue is the alpha that shares are worth, floor(A·s/S).
func shareValue(p types.HotkeyPool, shares sdkmath.Uint) uint64 {
	total, shares := zeroIfNil(p.Shares), zeroIfNil(shares)
	if total.IsZero() || shares.IsZero() {
		return 0
	}
	v := new(big.Int).Mul(new(big.Int).SetUint64(p.Alpha), shares.BigInt())
	return v.Quo(v, total.BigInt()).Uint64() // shares ≤ S, so the value ≤ A
}

// poolDeposit adds alpha to a coldkey's holding of shares: floor(alpha·S/A) new shares, or
// alpha·2^32 if nobody holds any. A deposit that would buy no share is refused.
func poolDeposit(p types.HotkeyPool, held sdkmath.Uint, alpha uint64) (types.HotkeyPool, sdkmath.Uint, error) {
	total := zeroIfNil(p.Shares)
	var issued *big.Int
	switch {
	case total.IsZero():
		// Alpha left behind by an earlier pool (rounding dust, emission to a hotkey nobody held)
		// goes to whoever holds the shares now.
		issued = new(big.Int).Lsh(new(big.Int).SetUint64(alpha), shareScaleBits)
	case p.Alpha == 0:
		return p, held, errorsmod.Wrapf(types.ErrInconsistentState, "hotkey pool has %s shares and no alpha", total)
	default:
		issued = new(big.Int).Mul(new(big.Int).SetUint64(alpha), total.BigInt())
		issued.Quo(issued, new(big.Int).SetUint64(p.Alpha))
	}
	if issued.Sign() == 0 {
		return p, held, errorsmod.Wrapf(types.ErrZeroShares,
			"%d alpha rao buys no share: one share is worth %s alpha rao here; stake more", alpha, shareWorth(p))
	}
	sum, ok := addAlpha(p.Alpha, alpha)
	if !ok {
		return p, held, errorsmod.Wrapf(types.ErrInconsistentState, "hotkey pool alpha %d + %d overflows", p.Alpha, alpha)
	}
	n := sdkmath.NewUintFromBigInt(issued)
	return types.HotkeyPool{Alpha: sum, Shares: total.Add(n)}, zeroIfNil(held).Add(n), nil
}

// poolWithdraw takes alpha out of a coldkey's holding. Taking the holding's whole value burns all
// of its shares; otherwise ceil(alpha·S/A) shares are burned, never more than held.
func poolWithdraw(p types.HotkeyPool, held sdkmath.Uint, alpha uint64) (types.HotkeyPool, sdkmath.Uint, error) {
	total, held := zeroIfNil(p.Shares), zeroIfNil(held)
	value := shareValue(p, held)
	if alpha > value {
		return p, held, errorsmod.Wrapf(types.ErrInsufficientStake, "asked for %d alpha rao but the stake is %d", alpha, value)
	}
	burned := held
	if alpha < value {
		// ceil(alpha·S/A) ≤ s because alpha ≤ floor(A·s/S).
		num := new(big.Int).Mul(new(big.Int).SetUint64(alpha), total.BigInt())
		den := new(big.Int).SetUint64(p.Alpha)
		num.Add(num, den).Sub(num, big.NewInt(1)).Quo(num, den)
		burned = sdkmath.NewUintFromBigInt(num)
	}
	return types.HotkeyPool{Alpha: p.Alpha - alpha, Shares: total.Sub(burned)}, held.Sub(burned), nil
}

// poolCredit adds alpha to every holder at once (§8.2 update_value_for_all): only A grows.
func poolCredit(p types.HotkeyPool, alpha uint64) (types.HotkeyPool, error) {
	sum, ok := addAlpha(p.Alpha, alpha)
	if !ok {
		return p, errorsmod.Wrapf(types.ErrInconsistentState, "hotkey pool alpha %d + %d overflows", p.Alpha, alpha)
	}
	return types.HotkeyPool{Alpha: sum, Shares: zeroIfNil(p.Shares)}, nil
}

// shareWorth renders A/S in alpha rao per share for messages.
func shareWorth(p types.HotkeyPool) string {
	total := zeroIfNil(p.Shares)
	if total.IsZero() {
		return "0"
	}
	return new(big.Rat).SetFrac(new(big.Int).SetUint64(p.Alpha), total.BigInt()).FloatString(12)
}

func addAlpha(a, b uint64) (uint64, bool) {
	s := a + b
	return s, s >= a
}

func zeroIfNil(u sdkmath.Uint) sdkmath.Uint {
	if u.IsNil() {
		return sdkmath.ZeroUint()
	}
	return u
}
