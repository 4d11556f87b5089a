package attack_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/chain/chaintest"
)

// honestMiners are the population every run starts from: three distinct models, the best
// last.
func honestMiners(best string) population {
	return population{}.with(honest, "naive", 1).with(honest, "holt-winters", 1).with(victim, best, 1)
}

// The fast check, in make test: two subnets side by side on one chain, one validator each,
// the originality check off on one and on on the other. Honest naive, Holt-Winters and gbt
// (the victim), three sybil uids running ar, and a relay of gbt's answers. Without the check
// the relay earns about what its source earns and the sybils' three uids earn more than
// one; with it the relay's answers are copies of an older uid's, only the oldest sybil uid is
// ever scored, and the relayed miner keeps its share.
func TestAttacksQuick(t *testing.T) {
	n := chaintest.Shared(t)
	pop := honestMiners("gbt").with(sybil, "ar", 3)
	pop.relays = []relaySpec{{group: relay}}
	s := setup{validators: 1, round: 100 * time.Millisecond, warmup: 30, epochs: 4, tempo: 10, secret: "attack-quick"}
	outs := sideBySide(t, "subnets", map[string]func(*testing.T) outcome{
		"check-off": func(t *testing.T) outcome { return run(t, n, pop, s) },
		"check-on": func(t *testing.T) outcome {
			on := s
			on.originality = true
			return run(t, n, pop, on)
		},
	})
	off, on := outs["check-off"], outs["check-on"]
	for _, label := range []string{"check-off", "check-on"} {
		o := outs[label]
		var b strings.Builder
		for _, g := range groups(pop) {
			fmt.Fprintf(&b, " %s %.3f", g, o.mean(g))
		}
		t.Logf("%s: incentive share%s; relay %+v", label, b.String(), o.relays)
	}

	require.Greater(t, off.mean(relay), 0.05, "without the check a relay earns")
	// The relay registered after its source, so its answer is a copy whenever its source's was
	// scored. Quick runs on a loaded machine saw it scored on up to 10 of about 90 challenges
	// (why is not established: its source's answer to the validator unscored, or the source
	// answering the two calls differently); its incentive stays near zero.
	answered, challenges := on.scoredAnswers(0, relay)
	require.Positive(t, challenges)
	require.LessOrEqual(t, answered, challenges/5, "the relay's answers are copies")
	scoredSybils := 0
	for _, st := range on.standings[0] {
		if on.groupOf[st.UID] == sybil && st.Answered > 0 {
			scoredSybils++
		}
	}
	require.Equal(t, 1, scoredSybils, "only the oldest of the sybil uids is ever scored")
	require.Less(t, on.mean(relay), 0.01, "with the check the relay earns nothing")
	// Against the victim's share (the relay's, which the check removes, renormalizes every
	// other share): three uids' worth of ar without the check, one with it.
	require.Less(t, on.mean(sybil)/on.mean(victim), off.mean(sybil)/off.mean(victim)/2, "with the check the sybils' three uids earn as one")
	require.Greater(t, on.mean(victim), off.mean(victim)*1.5, "with the check the relayed miner keeps what the relay took")
}

// fresh starts a chain of its own for one group of side-by-side subnets (the caller stops it;
// one runs at a time):
// on a shared chain the third and later subnets once stopped paying any miner (every epoch from
// block ~420 on, incentive and dividends all zero with both validators' weights in place), which
// a fresh chain per pair of subnets never showed.
func fresh(t *testing.T) *chaintest.Network {
	t.Helper()
	n, err := chaintest.Start(discard{}, t.TempDir())
	require.NoError(t, err)
	return n
}

type discard struct{}

func (discard) Log(...any)          {}
func (discard) Logf(string, ...any) {}

// The full run: S10 and S11 against the real validator, and S15's chain-level half, figures written to the folder
// FORECAST_ATTACK_REPORT names (forecast-subnet.md and its JSON files).
func TestRealValidator(t *testing.T) {
	dir := os.Getenv("FORECAST_ATTACK_REPORT")
	if dir == "" {
		t.Skip("set FORECAST_ATTACK_REPORT to a folder to run S10 and S11 in full against the real validator")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", "..", dir) // relative to the repository, not this package
	}
	start := time.Now()
	s := setup{validators: 2, round: 200 * time.Millisecond, warmup: 60, epochs: 20, tempo: 10, secret: "attack-full"}
	s10 := realS10(t, s)
	s11 := realS11(t, s)
	s15 := realS15(t)
	require.NoError(t, writeReport(dir, time.Since(start), s10, s11, s15))
}
