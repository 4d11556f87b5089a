package fixed

import (
	"encoding/json"
	"math/big"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// powRatioVectors are safe-bigmath's own answers (the routine compiled from the revision subtensor
// pins) for the inputs the weighted pool gives it: swap exponents (x/(x+Δx))^(w1/w2) at precision
// 256, limit-price exponents (p′/p)^w at precision 1024, the vectors of subtensor's balancer tests,
// and both paths (exact root, series) at their boundary.
type powRatioVectors struct {
	Cases []struct {
		What      string `json:"what"`
		BaseNum   string `json:"base_num"`
		BaseDen   string `json:"base_den"`
		ExpNum    string `json:"exp_num"`
		ExpDen    string `json:"exp_den"`
		Precision uint32 `json:"precision"`
		Scale     string `json:"scale"`
		Want      string `json:"want"`
	} `json:"cases"`
}

func bigOf(t *testing.T, s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	require.True(t, ok, s)
	return v
}

func TestPowRatioScaledVectors_6_2(t *testing.T) {
	raw, err := os.ReadFile("testdata/pow_ratio_scaled.json")
	require.NoError(t, err)
	var v powRatioVectors
	require.NoError(t, json.Unmarshal(raw, &v))
	require.Len(t, v.Cases, 387)
	for i, c := range v.Cases {
		got, ok := PowRatioScaled(bigOf(t, c.BaseNum), bigOf(t, c.BaseDen), bigOf(t, c.ExpNum), bigOf(t, c.ExpDen), c.Precision, bigOf(t, c.Scale))
		require.True(t, ok, "case %d (%s)", i, c.What)
		require.Equal(t, c.Want, got.String(), "case %d (%s): (%s/%s)^(%s/%s) at precision %d, scale %s",
			i, c.What, c.BaseNum, c.BaseDen, c.ExpNum, c.ExpDen, c.Precision, c.Scale)
	}
}

func TestPowRatioScaledEdges(t *testing.T) {
	n := func(v int64) *big.Int { return big.NewInt(v) }
	_, ok := PowRatioScaled(n(1), n(0), n(1), n(1), 64, n(10))
	require.False(t, ok, "zero base denominator")
	_, ok = PowRatioScaled(n(1), n(2), n(1), n(0), 64, n(10))
	require.False(t, ok, "zero exponent denominator")
	_, ok = PowRatioScaled(n(1), n(2), n(1), n(1), 64, n(-10))
	require.False(t, ok, "negative scale")
	got, ok := PowRatioScaled(n(0), n(2), n(-1), n(1), 64, n(10))
	require.True(t, ok)
	require.Zero(t, got.Sign(), "a zero base is 0 before anything else is checked")
	got, ok = PowRatioScaled(n(3), n(2), n(0), n(7), 64, n(1000))
	require.True(t, ok)
	require.Equal(t, int64(1000), got.Int64(), "a zero exponent is scale")
	// The exact path: (1/4)^(3/2)·1000 = 125; 8^(1/3)·1 = 2 on the nose; 9^(1/3) floors to 2.
	for _, c := range []struct{ bn, bd, en, ed, scale, want int64 }{
		{1, 4, 3, 2, 1000, 125}, {8, 1, 1, 3, 1, 2}, {9, 1, 1, 3, 1, 2}, {26, 1, 1, 3, 1, 2}, {27, 1, 1, 3, 1, 3},
	} {
		got, ok := PowRatioScaled(n(c.bn), n(c.bd), n(c.en), n(c.ed), 0, n(c.scale))
		require.True(t, ok)
		require.Equal(t, c.want, got.Int64(), "(%d/%d)^(%d/%d)·%d", c.bn, c.bd, c.en, c.ed, c.scale)
	}
}

// TestRootFloorAgainstDefinition checks the bracketed bisection against its definition: m^q ≤ t < (m+1)^q.
func TestRootFloorAgainstDefinition(t *testing.T) {
	for _, q := range []uint{1, 2, 3, 7, 100, 773, 1024} {
		for _, s := range []string{"1", "2", "1023", "1024", "99999999999999999999999", "340282366920938463463374607431768211455"} {
			v := bigOf(t, s)
			v.Exp(v, big.NewInt(int64(q%5+1)), nil)
			m := rootFloor(v, q)
			e := big.NewInt(int64(q))
			require.LessOrEqual(t, new(big.Int).Exp(m, e, nil).Cmp(v), 0)
			require.Greater(t, new(big.Int).Exp(new(big.Int).Add(m, big.NewInt(1)), e, nil).Cmp(v), 0)
		}
	}
}
