package scoreboard

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/textgen/verify"
)

func verified(uid uint16, tokens int, ttft, dur time.Duration) Observation {
	return Observation{UID: uid, Hotkey: hk(uid), Outcome: Verified, Quality: 1, Tokens: tokens, TTFT: ttft, Duration: dur}
}

func hk(uid uint16) string { return string(rune('a' + uid)) }

func TestScoreFollowsSN19Speed(t *testing.T) {
	c := DefaultConfig()
	// 17 tokens: 16 after the first in 0.4 s is 40 tok/s, full credit.
	require.Equal(t, 1.0, c.Score(verified(0, 17, 100*time.Millisecond, 500*time.Millisecond)))
	// 20 tok/s: penalty (1/20 − 1/30)/(1/10 − 1/30) = 0.25, modifier 1 − 0.0625.
	require.InDelta(t, 0.9375, c.Score(verified(0, 17, 100*time.Millisecond, 900*time.Millisecond)), 1e-9)
	// 10 tok/s or slower: nothing.
	require.Equal(t, 0.0, c.Score(verified(0, 17, 0, 1600*time.Millisecond)))
	// A first token at 5.5 s: penalty 0.5, modifier 0.75.
	require.InDelta(t, 0.75, c.Score(verified(0, 1, 5500*time.Millisecond, 5500*time.Millisecond)), 1e-9)
	// Quality 0.5 scores 0.5^1.5.
	o := verified(0, 1, 0, 0)
	o.Quality = 0.5
	require.InDelta(t, math.Pow(0.5, 1.5), c.Score(o), 1e-12)
	require.Zero(t, c.Score(Observation{Outcome: Refused, Quality: 1, Tokens: 5}))
}

func TestWeightsOrderSpeedAndZeroCheaters(t *testing.T) {
	b, err := New(DefaultConfig())
	require.NoError(t, err)
	for i := range 40 {
		round := []Observation{
			verified(0, 16, 20*time.Millisecond, 200*time.Millisecond),  // fast
			verified(1, 16, 50*time.Millisecond, 1200*time.Millisecond), // ~13 tok/s
			{UID: 2, Hotkey: hk(2), Outcome: Refused, Check: verify.CheckRank},
			{UID: 3, Hotkey: hk(3), Outcome: Busy}, // declines every other request
		}
		if i%2 == 0 {
			round[3] = verified(3, 16, 20*time.Millisecond, 200*time.Millisecond)
		}
		if i%10 == 0 { // a cheater that slips one in ten through
			round[2] = verified(2, 16, 20*time.Millisecond, 200*time.Millisecond)
		}
		require.NoError(t, b.Record(round))
	}
	uids, w := b.Weights()
	require.Equal(t, []uint16{0, 1, 2, 3}, uids)
	require.Equal(t, uint16(65535), w[0])
	require.Less(t, w[1], w[0], "slower earns less")
	require.Positive(t, w[1])
	require.Zero(t, w[2], "a miner refused more than one answer in five earns nothing")
	require.InDelta(t, 65535/2, float64(w[3]), 65535*0.1, "capacity refusals cost volume, not score")
	s := b.Standings()
	require.Equal(t, 1.0, s[3].Score)
	require.Equal(t, 20, s[3].Busy)
	require.Equal(t, 36, s[2].Checks[verify.CheckRank])
	require.InDelta(t, 16*1000/180.0/16*15, s[0].TokensPerSecond, 1e-6)
	require.Equal(t, 20*time.Millisecond, s[0].TTFT)
	require.Equal(t, 40*16, s[0].VerifiedTokens)

	b.Sync([]Neuron{{0, hk(0)}, {1, "other"}})
	require.Len(t, b.Standings(), 1, "uid 1 re-registered and uids 2, 3 gone")
}

func TestRecordRefusesBadObservations(t *testing.T) {
	b, err := New(DefaultConfig())
	require.NoError(t, err)
	require.ErrorIs(t, b.Record([]Observation{verified(0, 1, 0, 0), {UID: 1, Outcome: Verified}}), ErrInvalid)
	require.ErrorContains(t, b.Record([]Observation{{UID: 1, Hotkey: "x"}}), "outcome Outcome(0)")
	require.ErrorContains(t, b.Record([]Observation{verified(0, 1, time.Second, 0)}), "duration")
	require.Empty(t, b.Standings(), "a bad batch records nothing")
	_, err = New(Config{Alpha: 0.1, TTFTZero: time.Second, TPSFull: 10, TPSZero: 20, MaxRefusalRate: 0.1})
	require.ErrorContains(t, err, "tps_full 10 and tps_zero 20")
}
