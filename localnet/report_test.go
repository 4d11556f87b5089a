package localnet

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSkillIncentiveSpearmanCountsScoredMinersOnly(t *testing.T) {
	ns := []NeuronReport{
		{Role: roleOwner, Incentive: 0.9},
		{Role: roleMiner, Model: "gbt", Skill: 0.2, Challenges: 10, RefereeSkill: 0.1, RefereeChallenges: 8, Incentive: 0.5},
		{Role: roleMiner, Model: "ar", Skill: 0.1, Challenges: 10, RefereeSkill: 0.15, RefereeChallenges: 8, Incentive: 0.3},
		{Role: roleMiner, Model: "naive", Skill: -0.5, Challenges: 10, RefereeSkill: -0.4, RefereeChallenges: 8, Incentive: 0.2},
		{Role: roleMiner, Model: "late", Skill: 0, Challenges: 0, RefereeSkill: 0.9, Incentive: 0.9},
		{Role: roleOther, Model: "", Skill: 0.5, Challenges: 3, Incentive: 0.01},
		{Role: roleValidator, Dividends: 1},
	}
	rho := skillIncentiveSpearman(ns)
	require.NotNil(t, rho)
	// Skill ranks [3 2 1 4] against incentive ranks [4 3 2 1]: Σd² = 1+1+1+9 = 12, ρ = 1 − 72/60.
	require.InDelta(t, -0.2, *rho, 1e-12)
	// The referee scored three of them, and swaps gbt and ar: ranks [2 3 1] against [3 2 1].
	rho = refereeSkillIncentiveSpearman(ns)
	require.NotNil(t, rho)
	require.InDelta(t, 0.5, *rho, 1e-12)
	require.Nil(t, refereeSkillIncentiveSpearman(ns[:2]), "one refereed miner: undefined")
	require.Equal(t, "gbt", bestBy(ns, func(n NeuronReport) float64 { return n.Skill }))
	require.Equal(t, "gbt", bestBy(ns, func(n NeuronReport) float64 { return n.Incentive }))
}
