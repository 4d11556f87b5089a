package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/gateway"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast"
	fneuron "github.com/gotensor/gotensor/subnets/forecast/neuron"
	"github.com/gotensor/gotensor/subnets/forecast/protocol"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// forecastNet is a forecasting subnet on the shared chain: four real
// miners, each with its own model, the gateway's hotkey as its one staked
// validator, which weighs three of the miners (so that their incentives
// differ and the fourth has none).
type forecastNet struct {
	netuid uint16
	graph  *metagraph.Syncer
	miners []*fneuron.Miner
	models map[string]string // hotkey → model
}

const forecastModel = "gotensor-forecast"

// forecastWeights are the gateway validator's weights of the four miners.
var forecastWeights = []uint16{40_000, 25_000, 10_000, 0}

func startForecastNet(t *testing.T, nw *network) *forecastNet {
	n := chaintest.Shared(t)
	c := nw.chain
	ctx := context.Background()
	owner, ownerHotkey := n.Fund(t, 1_000*types.RaoPerTAO), synapse.GenerateKeySigner()
	netuid := n.Subnet(t, owner, ownerHotkey, "tempo", "4", "commit_reveal", "false", "weights_set_rate_limit", "0")
	fn := &forecastNet{netuid: netuid, models: map[string]string{}}
	models := []string{"drift", "ses", "mean", "naive"}
	keys := make([]*synapse.KeySigner, len(models))
	var wg sync.WaitGroup
	errs := make([]error, len(models)+1)
	for i := range models {
		keys[i] = synapse.GenerateKeySigner()
		cold := n.Fund(t, 100*types.RaoPerTAO)
		wg.Go(func() { _, _, errs[i] = c.Register(ctx, cold, netuid, keys[i].Address(), 0) })
	}
	wg.Go(func() {
		if _, _, err := c.Register(ctx, nw.gwCold, netuid, nw.gwKey.Address(), 0); err != nil {
			errs[len(models)] = err
			return
		}
		_, _, errs[len(models)] = c.AddStake(ctx, nw.gwCold, nw.gwKey.Address(), netuid, 200*types.RaoPerTAO, chain.NoLimit)
	})
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	fn.graph = metagraph.NewSyncer(c, netuid, metagraph.Options{Interval: 100 * time.Millisecond, Logger: logger()})
	require.NoError(t, fn.graph.Start())
	t.Cleanup(func() {
		for _, m := range fn.miners {
			_ = m.Stop() // one was stopped by the test
		}
		require.NoError(t, fn.graph.Stop())
	})
	for i, k := range keys {
		m, err := fneuron.NewMiner(fneuron.MinerConfig{Chain: c, Hotkey: k, Netuid: netuid, Model: models[i],
			ListenAddr: "127.0.0.1:0", Metagraph: fn.graph, Logger: logger()})
		require.NoError(t, err)
		require.NoError(t, m.Start())
		fn.miners = append(fn.miners, m)
		fn.models[k.Address()] = models[i]
	}
	// The miners' axons on chain and the gateway's permit, then its weights,
	// then an epoch that pays them.
	var w chain.Weights
	require.Eventually(t, func() bool {
		m := fn.graph.Current()
		if m == nil {
			return false
		}
		_, axons := m.Serving()
		uid, ok := m.UID(nw.gwKey.Address())
		if len(axons) < len(keys) || !ok || !m.ValidatorPermit[uid] {
			return false
		}
		w = chain.Weights{}
		for i, k := range keys {
			u, _ := m.UID(k.Address())
			if forecastWeights[i] > 0 {
				w.UIDs, w.Values = append(w.UIDs, u), append(w.Values, forecastWeights[i])
			}
		}
		return true
	}, 30*time.Second, 50*time.Millisecond, "forecasting miners serving and the gateway's permit")
	_, err := c.SetWeights(ctx, nw.gwKey, netuid, w)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		m := fn.graph.Current()
		for _, uid := range w.UIDs {
			if m.Incentive[uid] == 0 {
				return false
			}
		}
		return true
	}, 30*time.Second, 50*time.Millisecond, "an epoch paying the weighted miners")
	return fn
}

// forecastRequest is the test's request: a trending, seasonal series.
func forecastRequest() map[string]any {
	series := make([]float64, 48)
	for i := range series {
		series[i] = 100 + 0.5*float64(i) + 10*math.Sin(2*math.Pi*float64(i)/12)
	}
	return map[string]any{"model": forecastModel, "series": series, "horizon": 6, "quantile_levels": []float64{0.1, 0.5, 0.9}, "periods": []int{12}}
}

func postJSON(t *testing.T, f *front, path string, body any) (int, []byte) {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, f.url+path, bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+f.key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out bytes.Buffer
	_, err = out.ReadFrom(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, out.Bytes()
}

// expectedEnsemble is the ensemble computed apart from the gateway: the
// metagraph's top miners by incentive, each model's forecast made here, and
// their incentive-weighted mean.
func expectedEnsemble(t *testing.T, fn *forecastNet, m *metagraph.Metagraph, hotkeys []string, req map[string]any) (point []float64, quantiles [][]float64, weights map[string]float64) {
	ch := protocol.Challenge{ID: "here", SeriesID: "here", History: protocol.History{Values: req["series"].([]float64), Periods: req["periods"].([]int)},
		Horizon: req["horizon"].(int), Levels: req["quantile_levels"].([]float64)}
	total := 0.0
	for _, hk := range hotkeys {
		uid, _ := m.UID(hk)
		total += float64(m.Incentive[uid]) / types.MaxU16
	}
	weights = map[string]float64{}
	point = make([]float64, ch.Horizon)
	quantiles = make([][]float64, len(ch.Levels))
	for l := range quantiles {
		quantiles[l] = make([]float64, ch.Horizon)
	}
	for _, hk := range hotkeys {
		uid, _ := m.UID(hk)
		w := float64(m.Incentive[uid]) / types.MaxU16 / total
		weights[hk] = w
		fm, err := forecast.NewMiner(fn.models[hk])
		require.NoError(t, err)
		a, err := fm.Answer(ch)
		require.NoError(t, err)
		f, err := a.Check(ch)
		require.NoError(t, err)
		for s := range ch.Horizon {
			point[s] += w * f.Point[s]
			for l := range ch.Levels {
				quantiles[l][s] += w * f.Quantiles[l].Values[s]
			}
		}
	}
	return point, quantiles, weights
}

// POST /v1/forecast against real forecasting miners: the answer is the
// incentive-weighted ensemble of the top three, as computed here from the
// metagraph and each miner's model; a miner that dies is left out and the
// weights of the others renormalised; bad input is refused field by field.
func TestForecast(t *testing.T) {
	nw := startNetwork(t)
	fn := startForecastNet(t, nw)
	f := newFront(t, nw, nw.honestV, func(c *gateway.Config) {
		c.Forecasts = []gateway.ForecastSubnet{{Netuid: fn.netuid, Model: forecastModel, Metagraph: fn.graph, Miners: 3}}
	})
	hotkeys := make([]string, len(fn.miners))
	for i, m := range fn.miners {
		hotkeys[i] = m.Hotkey()
	}

	check := func(t *testing.T, members []string) gateway.ForecastResponse {
		req := forecastRequest()
		status, body := postJSON(t, f, "/forecast", req)
		require.Equal(t, http.StatusOK, status, "%s", body)
		var got gateway.ForecastResponse
		require.NoError(t, json.Unmarshal(body, &got))
		require.Equal(t, "forecast", got.Object)
		require.Equal(t, forecastModel, got.Model)
		require.Equal(t, "incentive", got.Weighting)
		var names []string
		for _, m := range got.Members {
			names = append(names, m.Hotkey)
		}
		require.ElementsMatch(t, members, names)
		point, quantiles, weights := expectedEnsemble(t, fn, fn.graph.Current(), members, req)
		for _, m := range got.Members {
			require.InDelta(t, weights[m.Hotkey], m.Weight, 1e-12, "the weight of %s", fn.models[m.Hotkey])
		}
		require.Len(t, got.Point, 6)
		for s := range point {
			require.InDelta(t, point[s], got.Point[s], 1e-9*math.Abs(point[s]), "point step %d", s)
		}
		require.Len(t, got.Quantiles, 3)
		for l, level := range []float64{0.1, 0.5, 0.9} {
			require.Equal(t, level, got.Quantiles[l].Level)
			for s := range quantiles[l] {
				require.InDelta(t, quantiles[l][s], got.Quantiles[l].Values[s], 1e-9*math.Abs(quantiles[l][s]), "quantile %v step %d", level, s)
				if l > 0 {
					require.GreaterOrEqual(t, got.Quantiles[l].Values[s], got.Quantiles[l-1].Values[s], "levels stay in order")
				}
			}
		}
		require.Equal(t, 48, got.Usage.PromptTokens)
		require.Equal(t, 6*4, got.Usage.CompletionTokens)
		return got
	}

	t.Run("ensemble", func(t *testing.T) {
		got := check(t, hotkeys[:3])
		require.True(t, slices.IsSortedFunc(got.Members, func(a, b gateway.EnsembleMember) int {
			return -cmpFloat(a.Incentive, b.Incentive)
		}), "members by incentive")
		require.Greater(t, got.Members[0].Weight, got.Members[2].Weight, "the miner weighted most by the validator weighs most")
		u := f.usage(t, "test")
		require.EqualValues(t, 1, u.Requests)
		require.EqualValues(t, 48, u.PromptTokens)
		require.EqualValues(t, 24, u.CompletionTokens)
	})

	t.Run("models", func(t *testing.T) {
		status, body := getAuth(t, f, "/models")
		require.Equal(t, http.StatusOK, status)
		var list struct {
			Data []struct {
				ID      string `json:"id"`
				OwnedBy string `json:"owned_by"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(body, &list))
		require.Len(t, list.Data, 2)
		require.Equal(t, model, list.Data[0].ID, "text models first")
		require.Equal(t, forecastModel, list.Data[1].ID)
		require.Equal(t, fmt.Sprintf("gotensor-subnet-%d", fn.netuid), list.Data[1].OwnedBy)
	})

	t.Run("bad input", func(t *testing.T) {
		with := func(k string, v any) map[string]any {
			r := forecastRequest()
			if v == nil {
				delete(r, k)
			} else {
				r[k] = v
			}
			return r
		}
		cases := []struct {
			name        string
			body        any
			status      int
			code, param string
			says        string
		}{
			{"empty series", with("series", []float64{}), 400, "invalid_value", "series", "series is empty"},
			{"no series", with("series", nil), 400, "invalid_value", "series", "series is empty"},
			{"null in series", with("series", []any{1, nil, 3}), 400, "invalid_value", "series", "series[1] is null"},
			{"long series", with("series", make([]float64, protocol.MaxHistory+1)), 400, "invalid_value", "series", "at most 4096"},
			{"series of text", with("series", "1,2,3"), 400, "invalid_json", "", "not valid JSON"},
			{"no horizon", with("horizon", nil), 400, "invalid_value", "horizon", "horizon is required"},
			{"horizon 0", with("horizon", 0), 400, "invalid_value", "horizon", "horizon is 0; forecasts of 1..256"},
			{"absurd horizon", with("horizon", 1_000_000), 400, "invalid_value", "horizon", "horizon is 1000000"},
			{"level 0", with("quantile_levels", []float64{0, 0.5}), 400, "invalid_value", "quantile_levels", "level 0 is 0, want strictly between 0 and 1"},
			{"level above 1", with("quantile_levels", []float64{0.5, 1.2}), 400, "invalid_value", "quantile_levels", "level 1 is 1.2"},
			{"non-monotone levels", with("quantile_levels", []float64{0.9, 0.1}), 400, "invalid_value", "quantile_levels", "must increase strictly"},
			{"repeated level", with("quantile_levels", []float64{0.5, 0.5}), 400, "invalid_value", "quantile_levels", "must increase strictly"},
			{"period 1", with("periods", []int{1}), 400, "invalid_value", "periods", "period 0 is 1"},
			{"unknown model", with("model", "prophet"), 404, "model_not_found", "model", "does not exist"},
			{"text model", with("model", model), 400, "model_not_supported", "model", "generates text"},
		}
		before := f.usage(t, "test")
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				status, body := postJSON(t, f, "/forecast", tc.body)
				require.Equal(t, tc.status, status, "%s", body)
				var e struct{ Error map[string]any }
				require.NoError(t, json.Unmarshal(body, &e))
				require.Equal(t, tc.code, e.Error["code"])
				require.Contains(t, e.Error["message"], tc.says)
				if tc.param != "" {
					require.Equal(t, tc.param, e.Error["param"])
				}
			})
		}
		// A chat with the forecasting model names the endpoint to use.
		status, _, e := post(t, f, "/chat/completions", f.key, []byte(`{"model":"`+forecastModel+`","messages":[{"role":"user","content":"hi"}]}`))
		require.Equal(t, http.StatusBadRequest, status)
		require.Equal(t, "model_not_supported", e["code"])
		require.Contains(t, e["message"], "POST /v1/forecast")
		require.Equal(t, before, f.usage(t, "test"), "nothing charged")
	})

	t.Run("a member dies", func(t *testing.T) {
		require.NoError(t, fn.miners[0].Stop())
		check(t, hotkeys[1:3]) // asked, failed, left out; the others renormalised
		check(t, hotkeys[1:3]) // in its fail window: not asked
	})
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func getAuth(t *testing.T, f *front, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.url+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+f.key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out bytes.Buffer
	_, err = out.ReadFrom(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, out.Bytes()
}
