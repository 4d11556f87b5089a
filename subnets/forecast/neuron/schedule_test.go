package neuron

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// §3.1: an epoch runs every tempo blocks after the last one; a transaction in an epoch's block
// already belongs to the new epoch.
func TestEpochsNext_3_1(t *testing.T) {
	e := Epochs{Tempo: 10, LastEpochBlock: 100}
	for _, tc := range []struct{ b, next uint64 }{
		{100, 110}, {105, 110}, {109, 110}, {110, 120}, {135, 140},
		{99, 100}, {90, 100}, {89, 90}, {0, 10},
	} {
		require.Equal(t, tc.next, e.Next(tc.b), "Next(%d)", tc.b)
	}
	require.Equal(t, uint64(math.MaxUint64), Epochs{Tempo: 0, LastEpochBlock: 100}.Next(5))
}

// §9.2: a commit of epoch C is revealable only in epoch C + reveal_period, which starts at an
// epoch block, whatever height the clock was read at.
func TestRevealWindow_9_2(t *testing.T) {
	for _, tc := range []struct {
		name        string
		p           PendingCommit
		e           Epochs
		first, last uint64
		ok          bool
	}{
		{"next epoch", PendingCommit{Block: 103, Epoch: 7, RevealEpoch: 8}, Epochs{10, 100}, 110, 119, true},
		{"clock read an epoch later", PendingCommit{Block: 103, Epoch: 7, RevealEpoch: 8}, Epochs{10, 110}, 110, 119, true},
		{"clock read two epochs later", PendingCommit{Block: 103, Epoch: 7, RevealEpoch: 8}, Epochs{10, 120}, 110, 119, true},
		{"reveal period 2", PendingCommit{Block: 103, Epoch: 7, RevealEpoch: 9}, Epochs{10, 100}, 120, 129, true},
		{"committed in an epoch block", PendingCommit{Block: 110, Epoch: 8, RevealEpoch: 9}, Epochs{10, 110}, 120, 129, true},
		{"committed just before one", PendingCommit{Block: 109, Epoch: 7, RevealEpoch: 8}, Epochs{10, 100}, 110, 119, true},
		{"unconfirmed", PendingCommit{Epoch: 7, RevealEpoch: 8}, Epochs{10, 100}, 0, 0, false},
		{"tempo 0", PendingCommit{Block: 103, Epoch: 7, RevealEpoch: 8}, Epochs{0, 100}, 0, 0, false},
		{"reveal epoch not after the commit", PendingCommit{Block: 103, Epoch: 8, RevealEpoch: 8}, Epochs{10, 100}, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first, last, ok := tc.p.RevealWindow(tc.e)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.first, first)
			require.Equal(t, tc.last, last)
		})
	}
}

// Decide, given the epoch and the blocks, says what to do; the weights loop only executes.
func TestDecide_9_2(t *testing.T) {
	clock := Epochs{Tempo: 10, LastEpochBlock: 100}
	ready := func(height uint64) ChainState {
		return ChainState{Height: height, Epochs: clock, CommitReveal: true, RateLimit: 5,
			Registered: true, Permit: true, LastUpdate: 0, HaveWeights: true}
	}
	pending := &PendingCommit{Block: 103, Epoch: 7, RevealEpoch: 8} // reveal window 110-119
	for _, tc := range []struct {
		name     string
		chain    ChainState
		state    WeightsState
		interval uint64
		action   Action
		until    uint64
		why      string
	}{
		{"first commit at once", ready(101), WeightsState{}, 0, CommitWeights, 0, "commit-reveal"},
		{"set without commit-reveal", func() ChainState { c := ready(101); c.CommitReveal = false; return c }(), WeightsState{}, 0, SetWeights, 0, "due"},
		{"reveal waits for its epoch", ready(105), WeightsState{Pending: pending}, 0, Wait, 110, "reveals in epoch 8, blocks 110-119"},
		{"not while the epoch's first block is being made", ready(109), WeightsState{Pending: pending}, 0, Wait, 110, "reveals in epoch 8"},
		{"reveal once the epoch's first block is committed", ready(110), WeightsState{Pending: pending}, 0, RevealWeights, 0, "reveal epoch 8"},
		{"reveal late in the epoch", ready(118), WeightsState{Pending: pending}, 0, RevealWeights, 0, "reveal epoch 8"},
		{"drop when the reveal could land after the epoch", ready(119), WeightsState{Pending: pending}, 0, DropCommit, 0, "expired"},
		{"reveal comes before a due commit", ready(112), WeightsState{Pending: pending, LastSubmit: 103}, 0, RevealWeights, 0, ""},
		{"unconfirmed commit: try the reveal", ready(105), WeightsState{Pending: &PendingCommit{Epoch: 0}}, 0, RevealWeights, 0, "unknown"},
		{"commit-reveal switched off drops the commit", func() ChainState { c := ready(112); c.CommitReveal = false; return c }(), WeightsState{Pending: pending}, 0, DropCommit, 0, "switched off"},
		{"one commit per epoch", ready(108), WeightsState{LastSubmit: 103}, 0, Wait, 112, "next at block 113"},
		{"the next commit a tempo later", ready(112), WeightsState{LastSubmit: 103}, 0, CommitWeights, 0, ""},
		{"a shorter interval", ready(106), WeightsState{LastSubmit: 103}, 3, CommitWeights, 0, ""},
		{"rate limit after a reveal", func() ChainState { c := ready(112); c.LastUpdate = 110; return c }(), WeightsState{LastSubmit: 103}, 0, Wait, 115, "rate limit"},
		{"rate limit passed", func() ChainState { c := ready(115); c.LastUpdate = 110; return c }(), WeightsState{LastSubmit: 103}, 0, CommitWeights, 0, ""},
		{"held back after a refusal", ready(105), WeightsState{Pending: pending, RetryAt: 111}, 0, Wait, 111, "refusal"},
		{"refusal hold ends", ready(111), WeightsState{Pending: pending, RetryAt: 111}, 0, RevealWeights, 0, ""},
		{"not registered", func() ChainState { c := ready(105); c.Registered = false; return c }(), WeightsState{}, 0, Wait, 106, "not registered"},
		{"no permit waits for the next epoch", func() ChainState { c := ready(103); c.Permit = false; return c }(), WeightsState{}, 0, Wait, 110, "no validator permit"},
		{"nothing scored yet", func() ChainState { c := ready(103); c.HaveWeights = false; return c }(), WeightsState{}, 0, Wait, 104, "positive score"},
		{"tempo 0", func() ChainState { c := ready(103); c.Epochs.Tempo = 0; return c }(), WeightsState{}, 0, Wait, 104, "no epochs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.chain, tc.state, tc.interval)
			require.Equal(t, tc.action, d.Action, d.Why)
			if tc.action == Wait {
				require.Equal(t, tc.until, d.Until, d.Why)
			}
			require.Contains(t, d.Why, tc.why)
		})
	}
}

// Over many blocks, a loop that follows Decide commits once per epoch and reveals each commit in
// the next epoch, whatever block of the epoch the first commit fell in, and never sends what the
// chain would refuse: every transaction is checked against the state at the height it is sent
// at, and runs in the next block, and both must pass.
func TestDecideCommitsOncePerEpochAndRevealsInTheNext_9_2(t *testing.T) {
	const rateLimit = 3
	for _, start := range []uint64{100, 101, 105, 108, 109} {
		clock := Epochs{Tempo: 10, LastEpochBlock: 100}
		var s WeightsState
		var lastUpdate uint64
		epochOf := func(b uint64) uint64 { return (b - 100) / 10 } // look-ahead index, 0 from block 100
		commits, reveals := map[uint64]int{}, map[uint64]int{}
		for h := start; h < start+100; h++ {
			if h >= clock.LastEpochBlock+clock.Tempo {
				clock.LastEpochBlock += clock.Tempo
			}
			c := ChainState{Height: h, Epochs: clock, CommitReveal: true, RateLimit: rateLimit,
				Registered: true, Permit: true, LastUpdate: lastUpdate, HaveWeights: true}
			landed := h + 1
			switch d := Decide(c, s, 0); d.Action {
			case CommitWeights:
				for _, b := range []uint64{h, landed} {
					require.True(t, lastUpdate == 0 || b >= lastUpdate+rateLimit, "start %d: commit at %d within the rate limit", start, b)
				}
				e := epochOf(landed)
				s.Pending = &PendingCommit{Block: landed, Epoch: e, RevealEpoch: e + 1}
				s.LastSubmit, lastUpdate = landed, landed
				commits[e]++
			case RevealWeights:
				require.Equal(t, s.Pending.RevealEpoch, epochOf(h), "start %d: checked in its reveal epoch", start)
				require.Equal(t, s.Pending.RevealEpoch, epochOf(landed), "start %d: lands in its reveal epoch", start)
				reveals[epochOf(landed)]++
				s.Pending, lastUpdate = nil, landed
			case Wait:
			default:
				t.Fatalf("start %d height %d: unexpected %s (%s)", start, h, d.Action, d.Why)
			}
		}
		for e, n := range commits {
			require.Equal(t, 1, n, "start %d: one commit in epoch %d", start, e)
		}
		for e := range commits {
			if e+1 < epochOf(start+100) {
				require.Equal(t, 1, reveals[e+1], "start %d: the commit of epoch %d revealed in epoch %d", start, e, e+1)
			}
		}
		require.GreaterOrEqual(t, len(commits), 9, "start %d: a commit nearly every epoch", start)
	}
}
