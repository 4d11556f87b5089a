package gateway

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast/protocol"
)

// The ensemble's size: ForecastSubnet.Miners' default and bound.
const (
	defaultEnsemble = 5
	maxEnsemble     = 64
)

// servedForecast is one forecasting subnet as the gateway runs it.
type servedForecast struct {
	ForecastSubnet
	d *dendrite.Dendrite
}

// forecastRequest is POST /v1/forecast's body. Series is read as pointers
// so that a null value is refused rather than read as 0.
type forecastRequest struct {
	Model          string     `json:"model"`
	Series         []*float64 `json:"series"`
	Horizon        *int       `json:"horizon"`
	QuantileLevels []float64  `json:"quantile_levels"`
	Periods        []int      `json:"periods"`
	StepSeconds    int64      `json:"step_seconds"`
}

// EnsembleMember is a miner whose forecast is in the ensemble, with its
// share of the subnet's incentive and its weight in the ensemble.
type EnsembleMember struct {
	UID       uint16  `json:"uid"`
	Hotkey    string  `json:"hotkey"`
	Incentive float64 `json:"incentive"`
	Weight    float64 `json:"weight"`
}

// ForecastResponse is POST /v1/forecast's answer: the point forecast and
// one vector per requested quantile level, each the weighted mean of the
// members' (quantile averaging keeps the levels in order, as each member's
// are). Weighting is "incentive" (weights ∝ incentive) or "equal", when no
// member has any incentive yet.
type ForecastResponse struct {
	ID        string              `json:"id"`
	Object    string              `json:"object"`
	Created   int64               `json:"created"`
	Model     string              `json:"model"`
	Horizon   int                 `json:"horizon"`
	Point     []float64           `json:"point"`
	Quantiles []protocol.Quantile `json:"quantiles"`
	Weighting string              `json:"weighting"`
	Members   []EnsembleMember    `json:"members"`
	// Usage counts one token per value: the series' as prompt tokens, the
	// forecast's (point and quantiles) as completion tokens. Keys' token
	// limits and quotas apply to it.
	Usage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	} `json:"usage"`
}

func (g *Gateway) forecast(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	var body forecastRequest
	if e := readBody(w, r, g.cfg.MaxBodyBytes, &body); e != nil {
		return e
	}
	fs, e := g.forecastModel(body.Model)
	if e != nil {
		return e
	}
	ch, e := forecastChallenge(body, "gw-"+c.id)
	if e != nil {
		return e
	}
	members := g.ensemble(fs)
	if len(members) == 0 {
		return noMiner(fs.Model, 0, nil)
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.cfg.ForecastTimeout)
	defer cancel()
	axons := make([]dendrite.Axon, len(members))
	for i, m := range members {
		axons[i] = m.Axon
	}
	results := dendrite.Query(ctx, fs.d, protocol.Route, axons, ch)
	var answered []candidate
	var forecasts []protocol.Forecast
	var last error
	now := time.Now()
	for i, res := range results {
		hk := members[i].Axon.Hotkey
		var f protocol.Forecast
		err := res.Err
		if res.OK() {
			f, err = res.Response.Check(ch)
		}
		switch {
		case err == nil:
			answered = append(answered, members[i])
			forecasts = append(forecasts, f)
			g.router.succeeded(hk, res.Latency)
			g.metrics.miner.WithLabelValues(hk, "ok").Inc()
		case r.Context().Err() != nil:
			return &apiError{Status: http.StatusGatewayTimeout, Type: typeServer, Code: "timeout", Message: "the request was cancelled"}
		default:
			last = err
			g.router.failed(hk, now)
			g.metrics.miner.WithLabelValues(hk, "failed").Inc()
			g.log.Debug("gateway: forecasting miner failed", "request", c.id, "miner", hk, "err", err)
		}
	}
	if len(answered) == 0 {
		return noMiner(fs.Model, len(members), last)
	}
	out := ForecastResponse{ID: "fcst-" + c.id, Object: "forecast", Created: now.Unix(), Model: fs.Model, Horizon: ch.Horizon}
	out.Members, out.Weighting = ensembleWeights(answered)
	weights := make([]float64, len(out.Members))
	for i, m := range out.Members {
		weights[i] = m.Weight
	}
	out.Point, out.Quantiles = combine(forecasts, weights, ch.Horizon, ch.Levels)
	out.Usage.PromptTokens = len(ch.History.Values)
	out.Usage.CompletionTokens = ch.Horizon * (1 + len(ch.Levels))
	out.Usage.TotalTokens = out.Usage.PromptTokens + out.Usage.CompletionTokens
	c.miner = out.Members[0].Hotkey
	c.usage.PromptTokens, c.usage.CompletionTokens = out.Usage.PromptTokens, out.Usage.CompletionTokens
	c.limit.charge(now, out.Usage.TotalTokens)
	if err := g.cfg.Keys.Charge(context.Background(), c.key.ID, out.Usage.PromptTokens, out.Usage.CompletionTokens); err != nil {
		g.log.Error("gateway: usage not recorded", "request", c.id, "key", c.key.Name, "err", err)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// forecastModel is the forecasting subnet a request names; the model may
// be left out when the gateway serves one.
func (g *Gateway) forecastModel(model string) (*servedForecast, *apiError) {
	if model == "" {
		if len(g.cfg.Forecasts) == 1 {
			return g.forecasts[g.cfg.Forecasts[0].Model], nil
		}
		return nil, badRequest("model", "model is required: this gateway serves %d forecasting models", len(g.cfg.Forecasts))
	}
	if fs := g.forecasts[model]; fs != nil {
		return fs, nil
	}
	if g.subnets[model] != nil {
		return nil, &apiError{Status: http.StatusBadRequest, Type: typeInvalidRequest, Code: "model_not_supported", Param: "model",
			Message: fmt.Sprintf("the model %q generates text: POST /v1/chat/completions or /v1/completions, not /v1/forecast", model)}
	}
	return nil, g.unknownModel(model)
}

// forecastChallenge checks a request field by field, naming the field that
// is wrong, and makes the subnet's challenge of it.
func forecastChallenge(b forecastRequest, id string) (protocol.Challenge, *apiError) {
	ch := protocol.Challenge{ID: id, SeriesID: id, Levels: b.QuantileLevels,
		History: protocol.History{Periods: b.Periods, StepSeconds: b.StepSeconds}}
	switch n := len(b.Series); {
	case n == 0:
		return ch, badRequest("series", "series is empty: send the observations to forecast from, oldest first")
	case n > protocol.MaxHistory:
		return ch, badRequest("series", "series has %d values; at most %d are served", n, protocol.MaxHistory)
	}
	ch.History.Values = make([]float64, len(b.Series))
	for i, v := range b.Series {
		if v == nil {
			return ch, badRequest("series", "series[%d] is null: every value must be a number", i)
		}
		ch.History.Values[i] = *v
	}
	if b.Horizon == nil {
		return ch, badRequest("horizon", "horizon is required: how many steps to forecast, 1..%d", protocol.MaxHorizon)
	}
	if ch.Horizon = *b.Horizon; ch.Horizon < 1 || ch.Horizon > protocol.MaxHorizon {
		return ch, badRequest("horizon", "horizon is %d; forecasts of 1..%d steps are served", ch.Horizon, protocol.MaxHorizon)
	}
	if err := protocol.CheckLevels(b.QuantileLevels); err != nil {
		return ch, badRequest("quantile_levels", "%s", strings.TrimPrefix(err.Error(), protocol.ErrInvalidChallenge.Error()+": "))
	}
	if err := ch.Validate(); err != nil { // periods and step_seconds
		param := "periods"
		if strings.Contains(err.Error(), "step_seconds") {
			param = "step_seconds"
		}
		return ch, badRequest(param, "%s", strings.TrimPrefix(err.Error(), protocol.ErrInvalidChallenge.Error()+": "))
	}
	return ch, nil
}

// ensemble picks the subnet's top miners by incentive (ties by uid),
// leaving out the gateway itself, miners without incentive unless none has
// any, and miners in their fail window unless none is out of it.
func (g *Gateway) ensemble(fs *servedForecast) []candidate {
	m := fs.Metagraph.Current()
	if m == nil {
		return nil
	}
	cands := g.candidatesOf(m, fs.Hotkey.Address())
	now := time.Now()
	for _, leaveOut := range []func(candidate) bool{
		func(c candidate) bool { return c.Incentive == 0 },
		func(c candidate) bool { return g.router.cooling(c.Axon.Hotkey, now) },
	} {
		if kept := slices.DeleteFunc(slices.Clone(cands), leaveOut); len(kept) > 0 {
			cands = kept
		}
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.Incentive, a.Incentive), cmp.Compare(a.UID, b.UID))
	})
	return cands[:min(len(cands), fs.Miners)]
}

// candidatesOf are a metagraph's miners serving an axon that speaks the
// synapse wire (not a validator's standings endpoint), but the gateway's own
// hotkey self.
func (g *Gateway) candidatesOf(m *metagraph.Metagraph, self string) []candidate {
	uids, axons := synapseAxons(m)
	out := make([]candidate, 0, len(uids))
	for i, uid := range uids {
		if axons[i].Hotkey == self {
			continue
		}
		out = append(out, candidate{UID: uid, Axon: axons[i], Incentive: metagraph.Share(m.Incentive[uid])})
	}
	return out
}

// ensembleWeights weighs the members that answered by incentive, or
// equally when none has any.
func ensembleWeights(answered []candidate) ([]EnsembleMember, string) {
	total := 0.0
	for _, c := range answered {
		total += c.Incentive
	}
	out := make([]EnsembleMember, len(answered))
	for i, c := range answered {
		out[i] = EnsembleMember{UID: c.UID, Hotkey: c.Axon.Hotkey, Incentive: c.Incentive, Weight: 1 / float64(len(answered))}
		if total > 0 {
			out[i].Weight = c.Incentive / total
		}
	}
	if total > 0 {
		return out, "incentive"
	}
	return out, "equal"
}

// combine is the weighted mean of forecasts, step by step and level by
// level, summed in the members' order.
func combine(forecasts []protocol.Forecast, weights []float64, horizon int, levels []float64) ([]float64, []protocol.Quantile) {
	point := make([]float64, horizon)
	quantiles := make([]protocol.Quantile, len(levels))
	for l, level := range levels {
		quantiles[l] = protocol.Quantile{Level: level, Values: make([]float64, horizon)}
	}
	for i, f := range forecasts {
		w := weights[i]
		for t := range horizon {
			point[t] += w * f.Point[t]
			for l := range levels {
				quantiles[l].Values[t] += w * f.Quantiles[l].Values[t]
			}
		}
	}
	return point, quantiles
}

// synapseAxons are the serving axons that speak the synapse wire: what the gateway may query and
// what /healthz counts (a validator's standings endpoint serves an axon of another version).
func synapseAxons(m *metagraph.Metagraph) ([]uint16, []dendrite.Axon) {
	uids, axons := m.Serving()
	keep := 0
	for i, uid := range uids {
		if synapse.VersionCompatible(m.Axons[uid].Version) {
			uids[keep], axons[keep] = uid, axons[i]
			keep++
		}
	}
	return uids[:keep], axons[:keep]
}
