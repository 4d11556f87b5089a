// Package epochcheck states what every epoch output must satisfy, for the
// fuzz targets of yuma and yuma/epochjson: the shape of the output and,
// whenever the stake total fits I64F64 (always so on chain), the
// accounting — emissions within the input emission and normalized u16
// shares summing to 65535 minus at most one unit lost per uid.
package epochcheck

import (
	"fmt"
	"math/big"

	"github.com/gotensor/gotensor/yuma"
)

// Invariants returns the first property out violates, or nil.
func Invariants(in yuma.Input, out yuma.Output) error {
	n := len(in.AlphaStake)
	for name, l := range map[string]int{
		"active": len(out.Active), "stake_weight": len(out.StakeWeight), "new_validator_permit": len(out.NewValidatorPermit),
		"consensus": len(out.Consensus), "incentive": len(out.Incentive), "dividends": len(out.Dividends),
		"validator_trust": len(out.ValidatorTrust), "server_emission": len(out.ServerEmission),
		"validator_emission": len(out.ValidatorEmission), "emission": len(out.Emission), "bonds": len(out.Bonds),
		"stake": len(out.Stake),
	} {
		if l != n {
			return fmt.Errorf("%s has %d entries, n = %d", name, l, n)
		}
	}
	for i, row := range out.Bonds {
		if len(row) > 0 && !out.NewValidatorPermit[i] {
			return fmt.Errorf("uid %d keeps bonds without a permit", i)
		}
		for _, e := range row {
			if int(e.UID) >= n {
				return fmt.Errorf("bond row %d names uid %d ≥ n", i, e.UID)
			}
		}
	}
	if !StakeFits(in) {
		return nil // the stake sum wraps as in a release runtime: no accounting holds
	}
	e := new(big.Int).SetUint64(in.Emission)
	if s := sum(out.Emission); s.Cmp(e) > 0 {
		return fmt.Errorf("emission %s exceeds %d", s, in.Emission)
	}
	if s := new(big.Int).Add(sum(out.ServerEmission), sum(out.ValidatorEmission)); s.Cmp(e) > 0 {
		return fmt.Errorf("server + validator emission %s exceeds %d", s, in.Emission)
	}
	for name, v := range map[string][]uint16{"stake_weight": out.StakeWeight, "incentive": out.Incentive, "dividends": out.Dividends} {
		total := 0
		for _, x := range v {
			total += int(x)
		}
		if total != 0 && (total > 65535 || total < 65535-n-1) {
			return fmt.Errorf("%s sums to %d for n = %d", name, total, n)
		}
	}
	return nil
}

func sum(v []uint64) *big.Int {
	s := new(big.Int)
	for _, x := range v {
		s.Add(s, new(big.Int).SetUint64(x))
	}
	return s
}

// StakeFits reports whether Σ(alpha + root·TaoWeight) stays below 2^63
// rao, the range of I64F64, which the 21M supply guarantees on chain.
func StakeFits(in yuma.Input) bool {
	limit := new(big.Int).Lsh(big.NewInt(1), 127)
	total := new(big.Int)
	tw := new(big.Int).SetUint64(in.TaoWeight)
	for i, a := range in.AlphaStake {
		s := new(big.Int).Lsh(new(big.Int).SetUint64(a), 64)
		if len(in.RootStake) > 0 {
			r := new(big.Int).Lsh(new(big.Int).SetUint64(in.RootStake[i]), 64)
			r.Mul(r, tw).Quo(r, new(big.Int).SetUint64(^uint64(0)))
			s.Add(s, r)
		}
		total.Add(total, s)
	}
	return total.Cmp(limit) < 0
}
