package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/explorer/store"
	"github.com/gotensor/gotensor/explorer/web"
)

// The fairness panel shows the published skill's correlation, over epochs where it is defined,
// and who published it; its JSON twin says the same; a subnet without readings shows none.
func TestFairnessShowsPublishedSkill(t *testing.T) {
	ts, db, _ := serve(t)
	ctx := context.Background()
	rho := 0.8
	for _, e := range []store.SkillEpoch{
		{Netuid: 1, Block: 40, Miners: 1, Publishers: 1, Readings: []store.SkillReading{{UID: 0, Hotkey: "tao1v", Status: store.SkillPublished, StandingsBlock: 39, Miners: []store.MinerSkill{}}}},
		{Netuid: 1, Block: 50, Spearman: &rho, Miners: 5, Publishers: 1, Readings: []store.SkillReading{
			{UID: 0, Hotkey: "tao1v", Status: store.SkillPublished, StandingsBlock: 49, Rounds: 30, Miners: []store.MinerSkill{{UID: 3, Hotkey: "tao1m", Skill: 0.2, Challenges: 30, Answered: 30}}},
			{UID: 1, Hotkey: "tao1w", Status: store.SkillUnreachable, Detail: "standings: asking 127.0.0.1:9: connection refused", Miners: []store.MinerSkill{}},
		}},
	} {
		require.NoError(t, db.SaveSkill(ctx, e))
	}
	code, body, _ := get(t, ts.URL+"/api/subnets/1/fairness")
	require.Equal(t, http.StatusOK, code, body)
	var v web.FairnessView
	require.NoError(t, json.Unmarshal([]byte(body), &v))
	require.Len(t, v.Skill.History, 2)
	require.Nil(t, v.Skill.History[0].Spearman, "undefined at block 40")
	require.Equal(t, []int64{50}, v.SkillChart.X, "the chart leaves the undefined epoch out")
	require.Equal(t, []float64{0.8}, v.SkillChart.Y["skill_incentive_spearman"])
	require.Equal(t, int64(50), v.Skill.Latest.Block)
	require.Len(t, v.Skill.Latest.Readings, 2)

	code, page, _ := get(t, ts.URL+"/subnets/1/fairness")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, page, `id="skill-spearman" data-v="0.8">0.800</b>`)
	require.Contains(t, page, "connection refused")
	require.Contains(t, page, `<td class="skill-status">unreachable</td>`)

	code, page, _ = get(t, ts.URL+"/subnets/2/fairness")
	require.Equal(t, http.StatusOK, code)
	require.NotContains(t, page, "skill-spearman", "no validator of subnet 2 publishes")
	code, body, _ = get(t, ts.URL+"/api/subnets/2/fairness")
	require.Equal(t, http.StatusOK, code)
	require.NoError(t, json.Unmarshal([]byte(body), &v))
	require.Nil(t, v.Skill.Latest)
}
