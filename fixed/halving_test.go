package fixed

import (
	"math/big"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	totalSupply     = 21_000_000_000_000_000
	defaultEmission = 1_000_000_000
)

// naiveEmission recomputes §5.1 on big integers, step by step in I96F32 bits.
func naiveEmission(issuance uint64) uint64 {
	l := layI96F32
	if issuance >= totalSupply {
		return 0
	}
	one := new(big.Int).Lsh(big.NewInt(1), 32)
	i := new(big.Int).Lsh(new(big.Int).SetUint64(issuance), 32)
	supply := new(big.Int).Lsh(big.NewInt(totalSupply), 32)
	q := modelDiv(l, i, supply)
	s := new(big.Int).Sub(one, q)
	z := modelDiv(l, one, s)
	k := naiveLog2Floor(z)
	mult := new(big.Int).Lsh(one, uint(k))
	share := modelDiv(l, one, mult)
	e := modelMul(l, share, new(big.Int).Lsh(big.NewInt(defaultEmission), 32))
	return new(big.Int).Rsh(e, 32).Uint64()
}

func TestEmissionForIssuance_5_1(t *testing.T) {
	emission := func(i uint64) uint64 { return EmissionForIssuance(i, totalSupply, defaultEmission) }
	require.Equal(t, uint64(defaultEmission), emission(0))
	// At, just below and just above each halving point 21M·(1 − 2^−k)
	// (an integer number of rao for k ≤ 15).
	for k := uint(1); k <= 15; k++ {
		threshold := uint64(totalSupply - totalSupply>>k)
		require.Equal(t, uint64(defaultEmission>>(k-1)), emission(threshold-1), "just below halving %d", k)
		require.Equal(t, uint64(defaultEmission>>k), emission(threshold), "at halving %d", k)
		require.Equal(t, uint64(defaultEmission>>k), emission(threshold+1), "just above halving %d", k)
	}
	require.Equal(t, uint64(500_000_000), emission(10_500_000_000_000_000))
	require.Equal(t, uint64(250_000_000), emission(15_750_000_000_000_000))
	// The cap: 1 rao below it the share is 2^−32, which floors 1 TAO to 0.
	require.Equal(t, uint64(0), emission(totalSupply-1))
	require.Equal(t, uint64(0), emission(totalSupply))
	require.Equal(t, uint64(0), emission(totalSupply+1))
	require.Equal(t, uint64(0), emission(^uint64(0)))
	// A supply above 21M keeps the fixed halving points; past 21M the
	// checked arithmetic fails, which the chain reads as no emission.
	require.Equal(t, uint64(0), EmissionForIssuance(totalSupply+5, 2*totalSupply, defaultEmission))
	require.Equal(t, uint64(defaultEmission), EmissionForIssuance(1, 2*totalSupply, defaultEmission))
}

func TestEmissionForIssuanceAgainstNaive_5_1(t *testing.T) {
	r := rand.New(rand.NewSource(13))
	for i := 0; i < 3000; i++ {
		var issuance uint64
		switch r.Intn(3) {
		case 0:
			issuance = uint64(r.Int63n(totalSupply + 10))
		case 1:
			// the last halvings, close to the cap
			issuance = totalSupply - uint64(r.Int63n(1<<uint(r.Intn(50))+1))
		default:
			k := uint(1 + r.Intn(30))
			issuance = totalSupply - totalSupply>>k + uint64(r.Intn(5)) - 2
		}
		require.Equal(t, naiveEmission(issuance), EmissionForIssuance(issuance, totalSupply, defaultEmission), "issuance %d", issuance)
	}
}
