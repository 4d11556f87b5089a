package chain_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// §9.1 and the SDK's weight conversion (spec/bittensor-sdk.md §4.2): zeros dropped, the largest
// scaled to 65535, entries that round to 0 dropped, uids in order.
func TestWeightsFromScores_9_1(t *testing.T) {
	tests := []struct {
		name    string
		scores  map[uint16]float64
		uids    []uint16
		values  []uint16
		wantErr string
	}{
		{"largest becomes 65535", map[uint16]float64{3: 0.5, 1: 1, 2: 0.25}, []uint16{1, 2, 3}, []uint16{65535, 16384, 32768}, ""},
		{"zeros are dropped", map[uint16]float64{0: 0, 4: 2}, []uint16{4}, []uint16{65535}, ""},
		{"what rounds to 0 is dropped", map[uint16]float64{0: 1, 1: 1e-6}, []uint16{0}, []uint16{65535}, ""},
		{"half a unit rounds up", map[uint16]float64{0: 65535, 1: 0.5}, []uint16{0, 1}, []uint16{65535, 1}, ""},
		{"all zero", map[uint16]float64{0: 0}, nil, nil, "every score is zero"},
		{"empty", map[uint16]float64{}, nil, nil, "every score is zero"},
		{"negative", map[uint16]float64{0: -1}, nil, nil, "not negative"},
		{"NaN", map[uint16]float64{0: nan()}, nil, nil, "finite"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := chain.WeightsFromScores(tc.scores, 7)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.uids, w.UIDs)
			require.Equal(t, tc.values, w.Values)
			require.Equal(t, uint64(7), w.VersionKey)
		})
	}
}

func TestWeightsCheck(t *testing.T) {
	require.ErrorIs(t, chain.Weights{UIDs: []uint16{1}, Values: nil}.Check(), types.ErrWeightVecNotEqualSize)
	require.ErrorIs(t, chain.Weights{UIDs: []uint16{1, 1}, Values: []uint16{1, 2}}.Check(), types.ErrDuplicateUids)
	require.NoError(t, chain.Weights{UIDs: []uint16{1, 2}, Values: []uint16{1, 2}}.Check())
}

// §9.2: the commit's hash is types.CommitHash of the payload the chain rebuilds at the reveal
// (hotkey in canonical lower case), and a commit survives a JSON round trip with its salt.
func TestCommitHash_9_2(t *testing.T) {
	hotkey := synapse.GenerateKeySigner().Address()
	w := chain.Weights{UIDs: []uint16{0, 5}, Values: []uint16{65535, 100}, VersionKey: 3}
	c, err := chain.NewCommit(strings.ToUpper(hotkey), 9, w)
	require.NoError(t, err)
	require.Len(t, c.Salt, chain.CommitSaltLen)
	want := types.CommitHash(&types.WeightCommitPayload{
		Hotkey: hotkey, Netuid: 9, Uids: []uint32{0, 5}, Values: []uint32{65535, 100}, Salt: c.Salt, VersionKey: 3,
	})
	require.Equal(t, want, c.Hash())

	bz, err := json.Marshal(c)
	require.NoError(t, err)
	var back chain.Commit
	require.NoError(t, json.Unmarshal(bz, &back))
	require.Equal(t, want, back.Hash())

	again, err := chain.NewCommit(hotkey, 9, w)
	require.NoError(t, err)
	require.NotEqual(t, c.Salt, again.Salt, "every commit has its own salt")

	_, err = chain.NewCommit("not-an-address", 9, w)
	require.Error(t, err)
}

func nan() float64 {
	var zero float64
	return zero / zero
}
