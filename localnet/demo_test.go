package localnet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// freeAxonPorts finds n consecutive free loopback ports for the miners.
func freeAxonPorts(t *testing.T, n int) int {
	t.Helper()
	for range 100 {
		base := 20_000 + rand.IntN(40_000)
		if checkAxonPortsFree(base, n) == nil {
			return base
		}
	}
	t.Fatal("no free ports for the axons")
	return 0
}

// The whole demo in process: the subnet is created, miners with different models answer the
// validators' challenges over loopback, weights go through commit-reveal, and after a few epochs
// the miners' incentive follows their measured skill — the validators' measure and the
// referee's, taken on challenges no validator saw. A second run resumes the same subnet.
func TestForecastDemoPaysForSkill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a network for about a minute")
	}
	home := filepath.Join(t.TempDir(), "home")
	run := func(stopAt int64) (Summary, string) {
		var out, progress bytes.Buffer
		roster := NewRoster(4, 2)
		roster.Tempo = 10
		opts := Options{
			Home: home, ChainID: DefaultChainID, Ports: freePorts(t), BlockTime: 400 * time.Millisecond,
			StopAt: stopAt, JSON: true, Out: &out, Progress: &progress, Roster: roster, AxonPort: freeAxonPorts(t, 4),
		}
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		_, err := Run(ctx, opts)
		require.NoError(t, err, progress.String())
		var printed Summary
		require.NoError(t, json.Unmarshal(out.Bytes(), &printed))
		var raw map[string]any
		require.NoError(t, json.Unmarshal(out.Bytes(), &raw))
		for _, field := range []string{"skill_incentive_spearman", "referee_skill_incentive_spearman"} {
			require.Contains(t, raw, field, "the JSON summary carries %s", field)
		}
		for _, n := range raw["neurons"].([]any) {
			require.Contains(t, n, "referee_skill", "every neuron carries referee_skill")
		}
		return printed, progress.String()
	}

	sum, progress := run(110)
	require.True(t, sum.InvariantsHold)
	require.Equal(t, uint16(1), sum.Netuid)
	require.Len(t, sum.Neurons, 1+4+2, "the owner, four miners, two validators")
	roles := map[string]int{}
	for _, n := range sum.Neurons {
		roles[n.Role]++
		switch n.Role {
		case roleMiner:
			require.Positive(t, n.Challenges, "miner %s (%s) was scored", n.Name, n.Model)
			require.Positive(t, n.RefereeChallenges, "miner %s (%s) was refereed", n.Name, n.Model)
			require.Positive(t, n.Incentive, "miner %s (%s) earned", n.Name, n.Model)
		case roleValidator:
			require.Positive(t, n.Dividends, "validator %s earned dividends", n.Name)
		}
	}
	require.Equal(t, map[string]int{roleOwner: 1, roleMiner: 4, roleValidator: 2}, roles)
	require.NotNil(t, sum.SkillIncentiveSpearman, progress)
	require.Positive(t, *sum.SkillIncentiveSpearman, "incentive follows skill")
	require.NotNil(t, sum.RefereeSkillIncentiveSpearman, progress)
	require.Positive(t, *sum.RefereeSkillIncentiveSpearman, "incentive follows the referee's skill")
	require.Equal(t, "gbt", sum.BestSkillModel)
	byModel := map[string]NeuronReport{}
	for _, n := range sum.Neurons {
		byModel[n.Model] = n
	}
	require.Greater(t, byModel["gbt"].RefereeSkill, byModel["seasonal-naive"].RefereeSkill, "the referee measures gbt above the reference")
	require.Zero(t, byModel["seasonal-naive"].RefereeSkill, "the seasonal-naive miner is the reference: 0 on every challenge")
	t.Logf("spearman %.3f, referee's %.3f; best skill %s; top incentive %s", *sum.SkillIncentiveSpearman,
		*sum.RefereeSkillIncentiveSpearman, sum.BestSkillModel, sum.TopIncentiveModel)

	again, progress := run(sum.Height + 5)
	require.Contains(t, progress, "resuming the stored chain")
	require.Contains(t, progress, fmt.Sprintf("forecasting subnet %d", sum.Netuid))
	require.Equal(t, sum.Netuid, again.Netuid)
	require.Len(t, again.Neurons, len(sum.Neurons), "the same subnet, not a second one")
}
