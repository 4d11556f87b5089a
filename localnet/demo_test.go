package localnet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/textgen/miner"
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
	run := func(stopAt int64, gatewayPort int) (Summary, string) {
		var out bytes.Buffer
		var progress syncBuffer
		roster := NewRoster(4, 2)
		roster.Tempo = 10
		opts := Options{
			Home: home, ChainID: DefaultChainID, Ports: freePorts(t), BlockTime: 400 * time.Millisecond,
			StopAt: stopAt, JSON: true, Out: &out, Progress: &progress, Roster: roster, AxonPort: freeAxonPorts(t, 4),
			// A challenge every half second (four times the default) gives each miner about a
			// hundred challenges a validator in this short run, so that skill is measured on
			// enough series to rank the models.
			ChallengeInterval: 500 * time.Millisecond,
			Subnets:           []string{SubnetForecast}, GatewayPort: gatewayPort,
		}
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		ran := make(chan error, 1)
		go func() {
			_, err := Run(ctx, opts)
			ran <- err
		}()
		if gatewayPort != 0 {
			forecastThroughGateway(t, &progress)
		}
		require.NoError(t, <-ran, progress.String())
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

	sum, progress := run(110, freeAxonPorts(t, 1))
	for _, n := range sum.Neurons {
		t.Logf("uid %d %-9s %-14s skill %.3f (%d) referee %.3f (%d) incentive %.3f dividends %.3f",
			n.UID, n.Role, n.Model, n.Skill, n.Challenges, n.RefereeSkill, n.RefereeChallenges, n.Incentive, n.Dividends)
	}
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
	// The referee's figure is only checked to be a correlation: it scores each miner on half as
	// many series as the validators pool (some eighty here), and on so few the skill of one model
	// over another is noise-bound (CI once saw the referee put gbt below the reference after 110
	// blocks at the default pace). Whether it agrees with the validators is the 300-block figure
	// in BENCHMARKS.md (`gotensor localnet --blocks 300`).
	require.NotNil(t, sum.RefereeSkillIncentiveSpearman, progress)
	require.InDelta(t, 0, *sum.RefereeSkillIncentiveSpearman, 1)
	byModel := map[string]NeuronReport{}
	for _, n := range sum.Neurons {
		byModel[n.Model] = n
	}
	require.NotEqual(t, "seasonal-naive", sum.BestSkillModel, "the validators measure a skilled model best")
	require.Zero(t, byModel["seasonal-naive"].Skill, "the seasonal-naive miner is the validators' reference: 0 on every challenge")
	require.Zero(t, byModel["seasonal-naive"].RefereeSkill, "and the referee's")
	require.Greater(t, byModel[sum.BestSkillModel].Incentive, byModel["seasonal-naive"].Incentive,
		"the miner the validators measure best (%s) is paid more than the reference", sum.BestSkillModel)
	t.Logf("spearman %.3f, referee's %.3f; best skill %s; top incentive %s", *sum.SkillIncentiveSpearman,
		*sum.RefereeSkillIncentiveSpearman, sum.BestSkillModel, sum.TopIncentiveModel)

	again, progress := run(sum.Height+5, 0)
	require.Contains(t, progress, "resuming the stored chain")
	require.Contains(t, progress, fmt.Sprintf("forecasting subnet %d", sum.Netuid))
	require.Equal(t, sum.Netuid, again.Netuid)
	require.Len(t, again.Neurons, len(sum.Neurons), "the same subnet, not a second one")
}

// The text-generation subnet in process: a miner of every behaviour and a validator that verifies
// their answers with its own copy of the shipped model. Once weights have gone through a few
// epochs, the JSON summary's "textgen" part shows the honest fast miner earning more than the
// honest slow one, which earns more than every cheater, and the cheaters about nothing.
func TestTextGenDemoPaysHonestSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a network for about a minute")
	}
	var out bytes.Buffer
	var progress syncBuffer
	opts := Options{
		Home: filepath.Join(t.TempDir(), "home"), ChainID: DefaultChainID, Ports: freePorts(t), BlockTime: 400 * time.Millisecond,
		StopAt: 90, JSON: true, Out: &out, Progress: &progress, Subnets: []string{SubnetTextGen},
		TextGen: NewTextGenRoster(10), TextGenModel: shippedTextGenModel, GatewayPort: freeAxonPorts(t, 1),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ran := make(chan error, 1)
	go func() {
		_, err := Run(ctx, opts)
		ran <- err
	}()
	// While the network runs: the printed lines point an OpenAI client at the gateway, and a
	// chat completion through it is answered by a miner.
	var baseURL, apiKey string
	require.Eventually(t, func() bool {
		baseURL, apiKey = printedValue(progress.String(), "OPENAI_BASE_URL="), printedValue(progress.String(), "OPENAI_API_KEY=")
		return baseURL != "" && apiKey != ""
	}, time.Minute, 100*time.Millisecond, "the gateway's lines are printed: %s", &progress)
	require.Equal(t, fmt.Sprintf("http://127.0.0.1:%d/v1", opts.GatewayPort), baseURL)
	require.Contains(t, progress.String(), "curl -s "+baseURL+"/chat/completions")
	answer := chatThroughGateway(t, baseURL, apiKey)
	require.NotEmpty(t, answer.Choices[0].Message.Content)
	require.Positive(t, answer.Usage.PromptTokens)
	require.Positive(t, answer.Usage.CompletionTokens)
	require.Equal(t, answer.Usage.PromptTokens+answer.Usage.CompletionTokens, answer.Usage.TotalTokens)
	require.NoError(t, <-ran, progress.String())
	require.Contains(t, progress.String(), "text-generation subnet 1: 8 miners")
	require.Contains(t, progress.String(), "verified tok/s", "the live table")

	var raw struct {
		TextGen struct {
			Netuid  uint16           `json:"netuid"`
			Neurons []map[string]any `json:"neurons"`
		} `json:"textgen"`
		Gateway struct {
			BaseURL string `json:"base_url"`
		} `json:"gateway"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &raw), out.String())
	require.Equal(t, baseURL, raw.Gateway.BaseURL, "the JSON summary carries the gateway")
	_, err := http.Get(baseURL + "/models")
	require.Error(t, err, "the gateway stopped with the network")
	require.Equal(t, uint16(1), raw.TextGen.Netuid)
	require.Len(t, raw.TextGen.Neurons, len(miner.Behaviours)+1, "every miner and the validator")
	incentive := map[string]float64{}
	refusals := map[string]float64{}
	for _, n := range raw.TextGen.Neurons {
		for _, key := range []string{"uid", "role", "incentive", "verified_tokens_per_s", "refusals"} {
			require.Contains(t, n, key)
		}
		if n["role"] == "miner" {
			b := n["behaviour"].(string)
			incentive[b], refusals[b] = n["incentive"].(float64), n["refusals"].(float64)
			if miner.IsHonest(b) {
				require.Positive(t, n["verified_tokens_per_s"].(float64), "%s has verified answers", b)
			}
		}
	}
	require.Len(t, incentive, len(miner.Behaviours), "one miner of each behaviour")
	require.Greater(t, incentive[miner.HonestFast], incentive[miner.HonestSlow], "fast beats slow")
	for _, b := range miner.Behaviours[2:] {
		require.Greater(t, incentive[miner.HonestSlow], incentive[b], "honest slow beats %s", b)
		require.Less(t, incentive[b], 0.02, "%s earns about nothing", b)
		if b != miner.Relay { // relay sends nothing when it finds no answer to copy: failed, not refused
			require.Positive(t, refusals[b], "%s was refused", b)
		}
	}
}

// forecastThroughGateway finds the gateway's lines in a running network's progress and asks its
// POST /v1/forecast until the forecasting subnet's miners answer (they publish their axons
// within the first blocks): the ensemble has the asked shape, its members' weights sum to 1.
func forecastThroughGateway(t *testing.T, progress *syncBuffer) {
	t.Helper()
	var baseURL, apiKey string
	require.Eventually(t, func() bool {
		baseURL, apiKey = printedValue(progress.String(), "OPENAI_BASE_URL="), printedValue(progress.String(), "OPENAI_API_KEY=")
		return baseURL != "" && apiKey != ""
	}, time.Minute, 100*time.Millisecond, "the gateway's lines are printed: %s", progress)
	require.Contains(t, progress.String(), "curl -s "+baseURL+"/forecast")
	require.NotContains(t, progress.String(), "/chat/completions", "no text model, no chat example")
	body := []byte(`{"model":"forecast","series":[3,5,4,6,5,7,6,8,7,9,8,10],"horizon":3,"quantile_levels":[0.1,0.5,0.9]}`)
	last := "no answer yet"
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		req, err := http.NewRequest(http.MethodPost, baseURL+"/forecast", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+apiKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			last = err.Error()
			continue
		}
		bz, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		last = fmt.Sprintf("%d %s %v", resp.StatusCode, bz, err)
		if resp.StatusCode != http.StatusOK {
			continue
		}
		var got struct {
			Point     []float64 `json:"point"`
			Quantiles []struct {
				Level  float64   `json:"level"`
				Values []float64 `json:"values"`
			} `json:"quantiles"`
			Members []struct {
				Weight float64 `json:"weight"`
			} `json:"members"`
		}
		require.NoError(t, json.Unmarshal(bz, &got), last)
		require.Len(t, got.Point, 3, last)
		require.Len(t, got.Quantiles, 3, last)
		require.NotEmpty(t, got.Members, last)
		total := 0.0
		for _, m := range got.Members {
			total += m.Weight
		}
		require.InDelta(t, 1, total, 1e-9, last)
		return
	}
	t.Fatalf("no forecast through the gateway within a minute; the last reply: %s", last)
}

// chatCompletion is the part of an OpenAI chat completion the test reads.
type chatCompletion struct {
	Choices []struct {
		Message struct {
			Content string `json:"content"`
		} `json:"message"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	} `json:"usage"`
}

// chatThroughGateway asks the gateway's first model for a chat completion until one is served
// (the miners publish their axons within the first blocks), and returns it.
func chatThroughGateway(t *testing.T, baseURL, apiKey string) chatCompletion {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, baseURL+"/models", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "GET /models")
	var models struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&models))
	resp.Body.Close()
	require.Len(t, models.Data, 1, "the gateway serves the text-generation subnet's model")
	body, err := json.Marshal(map[string]any{
		"model": models.Data[0].ID, "max_tokens": 8,
		"messages": []map[string]string{{"role": "user", "content": "In the beginning"}},
	})
	require.NoError(t, err)
	var answer chatCompletion
	last := "no answer yet"
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		req, err := http.NewRequest(http.MethodPost, baseURL+"/chat/completions", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+apiKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			last = err.Error()
			continue
		}
		bz, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		last = fmt.Sprintf("%d %s %v", resp.StatusCode, bz, err)
		if resp.StatusCode == http.StatusOK {
			require.NoError(t, json.Unmarshal(bz, &answer), last)
			require.Len(t, answer.Choices, 1, last)
			return answer
		}
	}
	t.Fatalf("no chat completion through the gateway within a minute; the last reply: %s", last)
	return answer
}

// printedValue is the rest of the last printed line that begins with prefix ("" if none).
func printedValue(printed, prefix string) string {
	value := ""
	for line := range strings.Lines(printed) {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			value = strings.TrimSpace(rest)
		}
	}
	return value
}

// syncBuffer is a bytes.Buffer that a running network writes while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// shippedTextGenModel is the text-generation subnet's model as the repository ships it.
var shippedTextGenModel = filepath.Join("..", "subnets", "textgen", "model", "testdata", "kjv-tiny.gguf")

func TestParseSubnets(t *testing.T) {
	got, err := ParseSubnets("textgen, forecast")
	require.NoError(t, err)
	require.Equal(t, []string{SubnetTextGen, SubnetForecast}, got)
	for list, want := range map[string]string{
		"forecast,images": `unknown subnet "images": choose from forecast, textgen`,
		"forecast,":       "names an empty subnet",
		"textgen,textgen": `names "textgen" twice`,
	} {
		_, err := ParseSubnets(list)
		require.ErrorContains(t, err, want, list)
	}
}
