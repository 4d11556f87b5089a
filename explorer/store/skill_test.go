package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/explorer/internal/pgtest"
	"github.com/gotensor/gotensor/explorer/store"
)

func rho(f float64) *float64 { return &f }

// skillEpochs are three epochs of readings: two validators publish, one does not, one fails.
func skillEpochs() []store.SkillEpoch {
	miners := func(skill float64) []store.MinerSkill {
		return []store.MinerSkill{{UID: 2, Hotkey: "m2", Skill: skill, Score: skill / 2, Challenges: 40, Answered: 39},
			{UID: 3, Hotkey: "m3", Skill: -skill, Score: -skill / 2, Challenges: 40, Answered: 40}}
	}
	var out []store.SkillEpoch
	for i, b := range []int64{10, 20, 30} {
		e := store.SkillEpoch{Netuid: 4, Block: b, Miners: 2, Publishers: 2, Spearman: rho(float64(i) / 2), Readings: []store.SkillReading{
			{UID: 0, Hotkey: "v0", Status: store.SkillPublished, StandingsBlock: b - 1, Rounds: 10 * (i + 1), Miners: miners(0.1 * float64(i+1))},
			{UID: 1, Hotkey: "v1", Status: store.SkillPublished, StandingsBlock: b - 2, Rounds: 9 * (i + 1), Miners: miners(0.2)},
			{UID: 5, Hotkey: "v5", Status: store.SkillNotPublished, Miners: []store.MinerSkill{}},
			{UID: 6, Hotkey: "v6", Status: store.SkillUnreachable, Detail: "connection refused", Miners: []store.MinerSkill{}},
		}}
		if i == 0 {
			e.Spearman = nil // undefined: stored as NULL, read back as nil
		}
		out = append(out, e)
	}
	return out
}

// Readings stored are read back as they were, newest epoch whole; storing an epoch again replaces
// it; a reopened database holds the same; SQLite and PostgreSQL answer alike.
func TestSkillStoreOnBothEngines(t *testing.T) {
	ctx := context.Background()
	answers := map[string]string{}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dsn := sqlite(t)
			if engine == "postgres" {
				dsn = pgtest.Start(t)
			}
			db := open(t, dsn)
			ok, err := db.HasSkill(ctx, 4, 10)
			require.NoError(t, err)
			require.False(t, ok)
			empty, err := db.Skill(ctx, 4, 100)
			require.NoError(t, err)
			require.Empty(t, empty.History)
			require.Nil(t, empty.Latest)

			epochs := skillEpochs()
			for _, e := range epochs {
				require.NoError(t, db.SaveSkill(ctx, e))
			}
			require.NoError(t, db.SaveSkill(ctx, epochs[2]), "storing an epoch again")
			ok, err = db.HasSkill(ctx, 4, 20)
			require.NoError(t, err)
			require.True(t, ok)

			got, err := db.Skill(ctx, 4, 100)
			require.NoError(t, err)
			require.Len(t, got.History, 3)
			require.Equal(t, []int64{10, 20, 30}, []int64{got.History[0].Block, got.History[1].Block, got.History[2].Block})
			require.Nil(t, got.History[0].Spearman)
			require.Equal(t, 0.5, *got.History[1].Spearman)
			require.Equal(t, &epochs[2], got.Latest, "the latest epoch whole, once")

			last2, err := db.Skill(ctx, 4, 2)
			require.NoError(t, err)
			require.Equal(t, got.History[1:], last2.History, "the last epochs")
			other, err := db.Skill(ctx, 5, 100)
			require.NoError(t, err)
			require.Empty(t, other.History, "another subnet's readings are its own")

			require.NoError(t, db.Close())
			again := open(t, dsn)
			reread, err := again.Skill(ctx, 4, 100)
			require.NoError(t, err)
			require.Equal(t, got, reread, "a restart finds the same readings")
			bz, err := json.Marshal(reread)
			require.NoError(t, err)
			answers[engine] = string(bz)
		})
	}
	require.Equal(t, answers["sqlite"], answers["postgres"])
}
