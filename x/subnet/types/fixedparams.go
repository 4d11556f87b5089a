package types

import (
	"fmt"
	"regexp"

	"github.com/gotensor/gotensor/fixed"
)

// Subtensor stores a few parameters as fixed-point numbers (SubnetMovingAlpha an I96F32,
// BurnIncreaseMult a U64F64) and builds their defaults with from_num(f64). They are written here
// as decimals and converted the same way, so the defaults are bit for bit subtensor's: the decimal
// becomes the nearest binary64, then the nearest fixed-point value, ties to even.

// Default fixed-point parameters, as decimals.
const (
	DefaultSubnetMovingAlpha = "0.000003"
	DefaultBurnIncreaseMult  = "1.26"
)

var decimalPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

func checkDecimal(name, s string) error {
	if !decimalPattern.MatchString(s) {
		return fmt.Errorf("%s %q must be a decimal number such as 1.26 (digits, an optional point and digits)", name, s)
	}
	return nil
}

// ParseSubnetMovingAlpha reads SubnetMovingAlpha, an I96F32 in [0, 1].
func ParseSubnetMovingAlpha(s string) (fixed.I96F32, error) {
	const name = "subnet_moving_alpha"
	if err := checkDecimal(name, s); err != nil {
		return fixed.I96F32{}, err
	}
	a, err := fixed.I96F32FromLiteral(s)
	if err != nil {
		return fixed.I96F32{}, fmt.Errorf("%s %q: %v", name, s, err)
	}
	if a.Gt(fixed.I96F32One()) {
		return fixed.I96F32{}, fmt.Errorf("%s %q must be at most 1", name, s)
	}
	return a, nil
}

// ParseBurnIncreaseMult reads BurnIncreaseMult, a U64F64 in [1, 3] (sudo_set_burn_increase_mult's range).
func ParseBurnIncreaseMult(s string) (fixed.U64F64, error) {
	const name = "burn_increase_mult"
	if err := checkDecimal(name, s); err != nil {
		return fixed.U64F64{}, err
	}
	m, err := fixed.U64F64FromLiteral(s)
	if err != nil {
		return fixed.U64F64{}, fmt.Errorf("%s %q: %v", name, s, err)
	}
	if m.Lt(fixed.U64F64FromUint(1)) || m.Gt(fixed.U64F64FromUint(3)) {
		return fixed.U64F64{}, fmt.Errorf("%s %q must be in [1, 3]", name, s)
	}
	return m, nil
}
