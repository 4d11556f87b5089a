package epochs

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/yuma"
)

func TestRow(t *testing.T) {
	row, err := Row([]float64{0, 0.5, 1, 0.25})
	require.NoError(t, err)
	require.Equal(t, []yuma.Entry{{UID: 1, Value: 32768}, {UID: 2, Value: 65535}, {UID: 3, Value: 16384}}, row)
	row, err = Row([]float64{0, 0})
	require.NoError(t, err)
	require.Nil(t, row)
	_, err = Row([]float64{1, -0.1})
	require.ErrorContains(t, err, "uid 1")
	_, err = Row([]float64{math.NaN()})
	require.ErrorContains(t, err, "uid 0")
}

func TestNewRejects(t *testing.T) {
	_, err := New(0, DefaultParams())
	require.ErrorContains(t, err, "subnet size 0")
	p := DefaultParams()
	p.Kappa = 1.5
	_, err = New(4, p)
	require.ErrorContains(t, err, "kappa")
	p = DefaultParams()
	p.BondsMovingAverage = 2_000_000
	_, err = New(4, p)
	require.ErrorContains(t, err, "bonds moving average")
}

// Two validators agree on two miners (3:1); shares follow the weights,
// each half sums to one, and bonds build up over epochs.
func TestEpochShares(t *testing.T) {
	s, err := New(4, DefaultParams())
	require.NoError(t, err)
	s.SetStake(0, 3e12)
	s.SetStake(1, 1e12)
	for e := range 5 {
		for v := range 2 {
			require.NoError(t, s.SetWeights(v, []float64{0, 0, 3, 1}, s.Block()-1, yuma.NoCommit))
		}
		sh, err := s.Epoch()
		require.NoError(t, err)
		require.InDelta(t, 0.75, sh.Incentive[2], 1e-4)
		require.InDelta(t, 0.25, sh.Incentive[3], 1e-4)
		require.InDelta(t, 1, sh.Incentive[2]+sh.Incentive[3], 1e-9)
		require.InDelta(t, 1, sh.Dividends[0]+sh.Dividends[1], 1e-9)
		require.InDelta(t, 0.75, sh.Dividends[0], 1e-3, "epoch %d", e)
		require.Greater(t, s.Bond(0, 2), 0.0)
	}
	require.Equal(t, uint64(6*360), s.Block())
}

// A re-registered uid loses its bonds and the weights that predate it.
func TestRegisterResets(t *testing.T) {
	s, err := New(3, DefaultParams())
	require.NoError(t, err)
	s.SetStake(0, 1e12)
	require.NoError(t, s.SetWeights(0, []float64{0, 1, 1}, s.Block()-1, yuma.NoCommit))
	_, err = s.Epoch()
	require.NoError(t, err)
	require.Greater(t, s.Bond(0, 2), 0.0)
	s.Register(2, s.Block()-10)
	sh, err := s.Epoch()
	require.NoError(t, err)
	require.Equal(t, 0.0, sh.Incentive[2], "weights set before the registration are masked")
	require.Equal(t, 0.0, s.Bond(0, 2))
	require.InDelta(t, 1, sh.Incentive[1], 1e-9)
}

func TestEngineOverride(t *testing.T) {
	p := DefaultParams()
	calls := 0
	p.Engine = func(in yuma.Input) (yuma.Output, error) { calls++; return yuma.Epoch(in) }
	s, err := New(2, p)
	require.NoError(t, err)
	_, err = s.Epoch()
	require.NoError(t, err)
	require.Equal(t, 1, calls)
	_, err = s.EpochWithStake([]uint64{1})
	require.ErrorContains(t, err, "stake for 1 uids")
}
