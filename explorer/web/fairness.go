package web

import (
	"net/http"

	"github.com/gotensor/gotensor/explorer/store"
)

// FairnessView is the fairness panel with its charts: the Gini of incentive and dividends per uid
// and per coldkey over epochs and, where the subnet's validators publish the skill they measure
// (the forecasting subnet), the rank correlation of that skill with incentive over epochs and who
// published it.
type FairnessView struct {
	store.FairnessPage
	Chart store.Series `json:"chart"`
	// Skill is the published skill's history (empty where no validator publishes); SkillChart
	// is its correlation at the epochs where it is defined.
	Skill      store.SkillHistory `json:"skill"`
	SkillChart store.Series       `json:"skill_chart"`
}

func (s *Server) fairness(r *http.Request) (any, error) {
	netuid, err := netuidOf(r)
	if err != nil {
		return nil, err
	}
	p, err := s.cfg.Store.Fairness(r.Context(), netuid, historyEpochs)
	if err != nil {
		return nil, err
	}
	v := FairnessView{FairnessPage: p, Chart: store.Series{X: []int64{}, Y: map[string][]float64{}}}
	for _, at := range p.History {
		v.Chart.X = append(v.Chart.X, at.Block)
		for _, m := range at.Measures {
			key := "gini_" + m.Measure + "_per_" + m.Entity
			v.Chart.Y[key] = append(v.Chart.Y[key], m.Gini)
		}
	}
	if v.Skill, err = s.cfg.Store.Skill(r.Context(), netuid, historyEpochs); err != nil {
		return nil, err
	}
	v.SkillChart = store.Series{X: []int64{}, Y: map[string][]float64{"skill_incentive_spearman": {}}}
	for _, at := range v.Skill.History {
		if at.Spearman != nil {
			v.SkillChart.X = append(v.SkillChart.X, at.Block)
			v.SkillChart.Y["skill_incentive_spearman"] = append(v.SkillChart.Y["skill_incentive_spearman"], *at.Spearman)
		}
	}
	return v, nil
}
