package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/gateway"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/textgen"
	"github.com/gotensor/gotensor/subnets/textgen/miner"
	"github.com/gotensor/gotensor/subnets/textgen/neuron"
	"github.com/gotensor/gotensor/subnets/textgen/protocol"
	"github.com/gotensor/gotensor/x/subnet/types"
)

func TestMain(m *testing.M) { os.Exit(chaintest.Main(m)) }

// shippedModel is the text-generation subnet's model as the repository ships it.
var shippedModel = filepath.Join("..", "subnets", "textgen", "model", "testdata", "kjv-tiny.gguf")

const model = "kjv-tiny"

func logger() *slog.Logger {
	if os.Getenv("GATEWAY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// brokenAfter is a miner backend that streams the real model's first
// tokens, then fails: a miner dying mid-answer.
type brokenAfter struct {
	miner.Backend
	tokens int
}

func (b *brokenAfter) Generate(ctx context.Context, req protocol.Request, emit func(protocol.Chunk) error) error {
	n := 0
	err := b.Backend.Generate(ctx, req, func(c protocol.Chunk) error {
		if n += len(c.Tokens); n > b.tokens {
			return errors.New("the miner's GPU fell over")
		}
		return emit(c)
	})
	return err
}

// view is the real metagraph with only some miners' axons left: how a
// test points a gateway at a subset of the subnet.
type view struct {
	src   gateway.Metagraph
	allow map[string]bool
}

func (v view) Current() *metagraph.Metagraph {
	m := v.src.Current()
	if m == nil {
		return nil
	}
	c := *m
	c.Axons = append([]metagraph.Axon(nil), m.Axons...)
	for uid, hk := range c.Hotkeys {
		if !v.allow[hk] {
			c.Axons[uid] = metagraph.Axon{}
		}
	}
	return &c
}

// network is a real chain with the text-generation subnet: three honest
// miners and one that breaks mid-answer, and the gateway's hotkey staked
// with a validator permit.
type network struct {
	chain   *chain.Client
	netuid  uint16
	lm      *textgen.Runtime
	gwKey   *synapse.KeySigner
	gwCold  *synapse.KeySigner // the gateway hotkey's coldkey, which registers it on other subnets
	graph   *metagraph.Syncer
	honest  []*neuron.Miner
	broken  *neuron.Miner
	cheat   *neuron.Miner // inflates its usage three times
	subnet  *neuron.Subnet
	honestV view
	brokenV view
	cheatV  view // the cheat and one honest miner
}

var (
	netOnce sync.Once
	shared  *network
	netErr  error
)

func startNetwork(t testing.TB) *network {
	t.Helper()
	netOnce.Do(func() { shared, netErr = newNetwork(t) })
	require.NoError(t, netErr)
	return shared
}

func newNetwork(t testing.TB) (*network, error) {
	n := chaintest.Shared(t)
	c := n.Client()
	ctx := context.Background()
	owner, ownerHotkey := n.Fund(t, 1_000*types.RaoPerTAO), synapse.GenerateKeySigner()
	netuid := n.Subnet(t, owner, ownerHotkey, "tempo", "4", "commit_reveal", "false", "weights_set_rate_limit", "0")
	lm, err := textgen.Load(shippedModel)
	if err != nil {
		return nil, err
	}
	nw := &network{chain: c, netuid: netuid, lm: lm, gwKey: synapse.GenerateKeySigner(), gwCold: n.Fund(t, 1_000*types.RaoPerTAO)}
	honestKeys := []*synapse.KeySigner{synapse.GenerateKeySigner(), synapse.GenerateKeySigner(), synapse.GenerateKeySigner()}
	brokenKey, cheatKey := synapse.GenerateKeySigner(), synapse.GenerateKeySigner()
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	register := func(hotkey string, stake uint64) {
		defer wg.Done()
		coldkey := nw.gwCold
		if hotkey != nw.gwKey.Address() {
			coldkey = n.Fund(t, 1_000*types.RaoPerTAO)
		}
		if _, _, err := c.Register(ctx, coldkey, netuid, hotkey, 0); err != nil {
			errs <- fmt.Errorf("registering %s: %w", hotkey, err)
			return
		}
		if stake > 0 {
			if _, _, err := c.AddStake(ctx, coldkey, hotkey, netuid, stake, chain.NoLimit); err != nil {
				errs <- fmt.Errorf("staking to %s: %w", hotkey, err)
			}
		}
	}
	for _, k := range append(honestKeys, brokenKey, cheatKey) {
		wg.Add(1)
		go register(k.Address(), 0)
	}
	wg.Add(1)
	go register(nw.gwKey.Address(), 200*types.RaoPerTAO)
	wg.Wait()
	close(errs)
	for err := range errs {
		return nil, err
	}
	miners := make([]neuron.SubnetMiner, len(honestKeys))
	for i, k := range honestKeys {
		miners[i] = neuron.SubnetMiner{Hotkey: k, Behaviour: miner.HonestFast, Capacity: 8}
	}
	nw.subnet, err = neuron.StartSubnet(neuron.SubnetConfig{Chain: c, Netuid: netuid, ModelPath: shippedModel, Miners: miners,
		SyncInterval: 100 * time.Millisecond, Logger: logger()})
	if err != nil {
		return nil, err
	}
	nw.honest = nw.subnet.Miners()
	nw.graph = metagraph.NewSyncer(c, netuid, metagraph.Options{Interval: 100 * time.Millisecond, Logger: logger()})
	if err := nw.graph.Start(); err != nil {
		return nil, err
	}
	nw.broken, err = neuron.NewMiner(neuron.MinerConfig{Chain: c, Hotkey: brokenKey, Netuid: netuid,
		Backend: &brokenAfter{Backend: miner.NewLocal(lm), tokens: 2}, ListenAddr: "127.0.0.1:0", Metagraph: nw.graph, Logger: logger()})
	if err == nil {
		err = nw.broken.Start()
	}
	if err != nil {
		return nil, err
	}
	inflate, err := miner.Behave(miner.Inflate, miner.Deps{LM: lm})
	if err != nil {
		return nil, err
	}
	nw.cheat, err = neuron.NewMiner(neuron.MinerConfig{Chain: c, Hotkey: cheatKey, Netuid: netuid,
		Backend: inflate, ListenAddr: "127.0.0.1:0", Metagraph: nw.graph, Logger: logger()})
	if err == nil {
		err = nw.cheat.Start()
	}
	if err != nil {
		return nil, err
	}
	nw.cheatV = view{src: nw.graph, allow: map[string]bool{cheatKey.Address(): true, honestKeys[1].Address(): true}}
	nw.honestV = view{src: nw.graph, allow: map[string]bool{}}
	for _, k := range honestKeys {
		nw.honestV.allow[k.Address()] = true
	}
	nw.brokenV = view{src: nw.graph, allow: map[string]bool{brokenKey.Address(): true}}
	// Ready: every miner's axon on chain, and the gateway's permit (an epoch
	// after its stake).
	deadline := time.Now().Add(30 * time.Second)
	for {
		m := nw.graph.Current()
		if m != nil {
			_, axons := m.Serving()
			uid, ok := m.UID(nw.gwKey.Address())
			if len(axons) == 5 && ok && m.ValidatorPermit[uid] {
				return nw, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the network was not ready in 30s: %v", m)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// front is a gateway over the network (or part of it) served by httptest,
// counting the HTTP requests it receives.
type front struct {
	g     *gateway.Gateway
	keys  *gateway.Keys
	srv   *httptest.Server
	hits  atomic.Int64
	url   string
	key   string
	keyID int64
}

func newFront(t testing.TB, nw *network, mg gateway.Metagraph, mutate func(*gateway.Config)) *front {
	keys, err := gateway.OpenKeys(filepath.Join(t.TempDir(), "gateway.db"))
	require.NoError(t, err)
	t.Cleanup(func() { keys.Close() })
	cfg := gateway.Config{ChainID: nw.chain.ChainID(), Hotkey: nw.gwKey, Keys: keys,
		Subnets: []gateway.Subnet{{Netuid: nw.netuid, Model: model, Metagraph: mg, Reference: nw.lm}},
		Logger:  logger(), FirstTokenTimeout: 5 * time.Second, RequestTimeout: 30 * time.Second}
	if mutate != nil {
		mutate(&cfg)
	}
	g, err := gateway.New(cfg)
	require.NoError(t, err)
	f := &front{g: g, keys: keys}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		g.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(func() { f.srv.Close(); require.NoError(t, g.Stop()) })
	f.url = f.srv.URL + "/v1"
	secret, key, err := keys.Add(context.Background(), "test", gateway.Limits{})
	require.NoError(t, err)
	f.key, f.keyID = secret, key.ID
	return f
}

func (f *front) client(key string, retries int) *openai.Client {
	c := openai.NewClient(option.WithBaseURL(f.url), option.WithAPIKey(key), option.WithMaxRetries(retries))
	return &c
}

func (f *front) usage(t *testing.T, name string) gateway.Usage {
	all, err := f.keys.List(context.Background())
	require.NoError(t, err)
	for _, k := range all {
		if k.Name == name {
			return k.Usage
		}
	}
	t.Fatalf("no key %q", name)
	return gateway.Usage{}
}

func apiError(t *testing.T, err error) *openai.Error {
	t.Helper()
	var e *openai.Error
	require.ErrorAs(t, err, &e)
	return e
}

func chatParams(maxTokens int64) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{Model: model, MaxTokens: openai.Int(maxTokens),
		Messages: []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("Speak as the KJV."), openai.UserMessage("In the beginning")}}
}

// The official client against real miners: models, plain and streamed chat
// and completions, usage charged to the key.
func TestOpenAIClient(t *testing.T) {
	nw := startNetwork(t)
	f := newFront(t, nw, nw.honestV, nil)
	ctx := context.Background()
	c := f.client(f.key, 0)

	page, err := c.Models.List(ctx)
	require.NoError(t, err)
	require.Len(t, page.Data, 1)
	require.Equal(t, model, page.Data[0].ID)
	require.Equal(t, fmt.Sprintf("gotensor-subnet-%d", nw.netuid), page.Data[0].OwnedBy)

	chat, err := c.Chat.Completions.New(ctx, chatParams(6))
	require.NoError(t, err)
	require.Len(t, chat.Choices, 1)
	require.NotEmpty(t, chat.Choices[0].Message.Content)
	require.Contains(t, []string{"stop", "length"}, chat.Choices[0].FinishReason)
	require.Positive(t, chat.Usage.PromptTokens)
	require.LessOrEqual(t, chat.Usage.CompletionTokens, int64(6))
	require.Equal(t, chat.Usage.PromptTokens+chat.Usage.CompletionTokens, chat.Usage.TotalTokens)
	require.Equal(t, model, chat.Model)

	// Streamed, with usage: the accumulated text is the answer.
	p := chatParams(8)
	p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	stream := c.Chat.Completions.NewStreaming(ctx, p)
	var acc openai.ChatCompletionAccumulator
	chunks := 0
	for stream.Next() {
		require.True(t, acc.AddChunk(stream.Current()))
		chunks++
	}
	require.NoError(t, stream.Err())
	require.Greater(t, chunks, 2, "role, text, finish and usage chunks")
	require.NotEmpty(t, acc.Choices[0].Message.Content)
	require.Positive(t, acc.Usage.CompletionTokens)
	require.Equal(t, acc.Usage.PromptTokens+acc.Usage.CompletionTokens, acc.Usage.TotalTokens)

	// Legacy completions, plain and streamed; the same seed gives the same text.
	cp := openai.CompletionNewParams{Model: openai.CompletionNewParamsModel(model), MaxTokens: openai.Int(6), Seed: openai.Int(7),
		Prompt: openai.CompletionNewParamsPromptUnion{OfString: openai.String("And God said")}}
	done, err := c.Completions.New(ctx, cp)
	require.NoError(t, err)
	require.Equal(t, "text_completion", string(done.Object))
	require.NotEmpty(t, done.Choices[0].Text)
	cs := c.Completions.NewStreaming(ctx, cp)
	var text strings.Builder
	for cs.Next() {
		for _, ch := range cs.Current().Choices {
			text.WriteString(ch.Text)
		}
	}
	require.NoError(t, cs.Err())
	require.Equal(t, done.Choices[0].Text, text.String(), "seeded: plain and streamed agree")

	u := f.usage(t, "test")
	require.EqualValues(t, 4, u.Requests, "four generations served")
	require.GreaterOrEqual(t, u.PromptTokens, chat.Usage.PromptTokens+acc.Usage.PromptTokens)
}

// Errors as clients see them: 401, 404, 429 (a rate limit the client
// retries through, a quota it does not), and a stream that fails mid-way.
func TestOpenAIClientErrors(t *testing.T) {
	nw := startNetwork(t)
	f := newFront(t, nw, nw.honestV, nil)
	ctx := context.Background()

	_, err := f.client("gt-not-a-key-at-all-0000000000", 0).Models.List(ctx)
	e := apiError(t, err)
	require.Equal(t, http.StatusUnauthorized, e.StatusCode)
	require.Equal(t, "invalid_api_key", e.Code)

	p := chatParams(4)
	p.Model = "gpt-4o"
	_, err = f.client(f.key, 0).Chat.Completions.New(ctx, p)
	e = apiError(t, err)
	require.Equal(t, http.StatusNotFound, e.StatusCode)
	require.Equal(t, "model_not_found", e.Code)
	require.Equal(t, "model", e.Param)
	require.Contains(t, e.Message, model, "the message lists the served models")

	// 60 requests a minute: the 61st waits a second, and the client's retry
	// gets through.
	secret, _, err := f.keys.Add(ctx, "limited", gateway.Limits{RequestsPerMinute: 60})
	require.NoError(t, err)
	for range 60 {
		_, err := f.client(secret, 0).Models.List(ctx)
		require.NoError(t, err)
	}
	_, err = f.client(secret, 0).Models.List(ctx)
	e = apiError(t, err)
	require.Equal(t, http.StatusTooManyRequests, e.StatusCode)
	require.Equal(t, "rate_limit_exceeded", e.Code)
	require.Equal(t, "1", e.Response.Header.Get("Retry-After"))
	before := f.hits.Load()
	_, err = f.client(secret, 2).Models.List(ctx)
	require.NoError(t, err, "retried after Retry-After")
	require.GreaterOrEqual(t, f.hits.Load()-before, int64(2))

	// 10 tokens a minute: the first answer spends them (and more: what was
	// served is charged), the next request waits for the bucket to refill.
	secret, _, err = f.keys.Add(ctx, "tpm", gateway.Limits{TokensPerMinute: 10})
	require.NoError(t, err)
	_, err = f.client(secret, 0).Chat.Completions.New(ctx, chatParams(4))
	require.NoError(t, err)
	_, err = f.client(secret, 0).Chat.Completions.New(ctx, chatParams(4))
	e = apiError(t, err)
	require.Equal(t, http.StatusTooManyRequests, e.StatusCode)
	require.Contains(t, e.Message, "tokens per minute")
	wait, err := strconv.Atoi(e.Response.Header.Get("Retry-After"))
	require.NoError(t, err)
	require.True(t, wait >= 1 && wait <= 6, "one token at 10 a minute takes up to 6 s, not %d", wait)

	// A quota spent: 429 with x-should-retry: false, asked once.
	secret, _, err = f.keys.Add(ctx, "quota", gateway.Limits{QuotaTokens: 1})
	require.NoError(t, err)
	_, err = f.client(secret, 0).Chat.Completions.New(ctx, chatParams(2))
	require.NoError(t, err, "the first request may exceed the quota; the next is refused")
	before = f.hits.Load()
	_, err = f.client(secret, 2).Chat.Completions.New(ctx, chatParams(2))
	e = apiError(t, err)
	require.Equal(t, http.StatusTooManyRequests, e.StatusCode)
	require.Equal(t, "insufficient_quota", e.Code)
	require.Equal(t, int64(1), f.hits.Load()-before, "x-should-retry: false stops the client's retries")

	// A miner that breaks after two tokens: the stream began, so the client
	// gets an error event, not a silent end.
	bf := newFront(t, nw, nw.brokenV, nil)
	stream := bf.client(bf.key, 0).Chat.Completions.NewStreaming(ctx, chatParams(16))
	got := 0
	for stream.Next() {
		got++
	}
	require.Error(t, stream.Err())
	require.Contains(t, stream.Err().Error(), "miner_failed")
	require.Positive(t, got, "the stream had begun")
	require.Zero(t, bf.usage(t, "test").Requests, "a failed answer is not charged")
	// Not streamed, the same miner fails before the first byte: 503 after
	// trying every miner there is.
	_, err = bf.client(bf.key, 0).Chat.Completions.New(ctx, chatParams(16))
	e = apiError(t, err)
	require.Equal(t, http.StatusServiceUnavailable, e.StatusCode)
	require.Equal(t, "no_miner_available", e.Code)
}

// post sends a raw request and decodes the OpenAI error object.
func post(t *testing.T, f *front, path, key string, body []byte) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.url+path, bytes.NewReader(body))
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out struct {
		Error map[string]any `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, resp.Header, out.Error
}

// Bad input: each refusal is an OpenAI error naming what is wrong, no miner
// is asked and nothing is charged.
func TestBadInput(t *testing.T) {
	nw := startNetwork(t)
	f := newFront(t, nw, nw.honestV, nil)
	chat := func(fields string) []byte {
		return []byte(`{"model":"` + model + `","messages":[{"role":"user","content":"hi"}]` + fields + `}`)
	}
	cases := []struct {
		name, path, key string
		body            []byte
		status          int
		code, param     string
		says            string
	}{
		{"malformed JSON", "/chat/completions", f.key, []byte(`{"model":`), 400, "invalid_json", "", "not valid JSON"},
		{"huge body", "/chat/completions", f.key, chat(`,"user":"` + strings.Repeat("x", 2<<20) + `"`), 413, "request_too_large", "", "exceeds 1048576 bytes"},
		{"absurd max_tokens", "/chat/completions", f.key, chat(`,"max_tokens":1000000`), 400, "invalid_value", "max_tokens", "1..256"},
		{"zero max_completion_tokens", "/chat/completions", f.key, chat(`,"max_completion_tokens":0`), 400, "invalid_value", "max_completion_tokens", "is 0"},
		{"hot", "/chat/completions", f.key, chat(`,"temperature":7`), 400, "invalid_value", "temperature", "temperature is 7"},
		{"n", "/chat/completions", f.key, chat(`,"n":3`), 400, "invalid_value", "n", "one choice"},
		{"stop", "/chat/completions", f.key, chat(`,"stop":5`), 400, "invalid_value", "stop", "string or an array"},
		{"no messages", "/chat/completions", f.key, []byte(`{"model":"` + model + `","messages":[]}`), 400, "invalid_value", "messages", "at least one"},
		{"tool role", "/chat/completions", f.key, []byte(`{"model":"` + model + `","messages":[{"role":"tool","content":"x"}]}`), 400, "invalid_value", "", `role "tool"`},
		{"image", "/chat/completions", f.key, []byte(`{"model":"` + model + `","messages":[{"role":"user","content":[{"type":"image_url"}]}]}`), 400, "invalid_value", "messages[0].content[0].type", "text only"},
		{"unknown model", "/chat/completions", f.key, []byte(`{"model":"gpt-5","messages":[{"role":"user","content":"hi"}]}`), 404, "model_not_found", "model", "does not exist"},
		{"no model", "/completions", f.key, []byte(`{"prompt":"hi"}`), 400, "invalid_value", "model", "model is required"},
		{"token prompt", "/completions", f.key, []byte(`{"model":"` + model + `","prompt":[1,2,3]}`), 400, "invalid_value", "prompt", "token arrays"},
		{"invalid key", "/chat/completions", "gt-wrong-wrong-wrong-wrong", chat(""), 401, "invalid_api_key", "", "unknown or revoked"},
		{"no key", "/chat/completions", "", chat(""), 401, "invalid_api_key", "", "no API key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, header, e := post(t, f, tc.path, tc.key, tc.body)
			require.Equal(t, tc.status, status)
			require.Equal(t, tc.code, e["code"])
			require.Contains(t, e["message"], tc.says)
			require.NotEmpty(t, e["type"])
			if tc.param != "" {
				require.Equal(t, tc.param, e["param"])
			}
			require.NotEmpty(t, header.Get("x-request-id"))
		})
	}
	// A revoked key is refused from then on.
	require.NoError(t, f.keys.Revoke(context.Background(), "test"))
	status, _, e := post(t, f, "/completions", f.key, []byte(`{"model":"`+model+`","prompt":"hi"}`))
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, "invalid_api_key", e["code"])
	require.Equal(t, gateway.Usage{}, f.usage(t, "test"), "nothing charged")
	metrics := get(t, f.srv.URL+"/metrics")
	require.NotContains(t, metrics, "gateway_miner_requests_total", "no miner was asked")
	require.Contains(t, metrics, `gateway_requests_total{code="400",endpoint="chat"}`)
}

func get(t *testing.T, url string) string {
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// Organic verification: with every answer verified, honest miners' answers
// pass and land on the gateway's scoreboard.
func TestOrganicVerification(t *testing.T) {
	nw := startNetwork(t)
	f := newFront(t, nw, nw.honestV, func(c *gateway.Config) { c.VerifyShare = 1 })
	c := f.client(f.key, 0)
	for range 3 {
		_, err := c.Chat.Completions.New(context.Background(), chatParams(6))
		require.NoError(t, err)
		time.Sleep(50 * time.Millisecond) // verifications run beside serving, two at a time
	}
	require.Eventually(t, func() bool {
		n := 0
		for _, s := range f.g.Standings(model) {
			n += s.Verified + s.Refused
		}
		return n >= 3
	}, 20*time.Second, 50*time.Millisecond)
	for _, s := range f.g.Standings(model) {
		require.Zero(t, s.Refused, "honest miner %s refused: %v", s.Hotkey, s.Checks)
	}
	require.Contains(t, get(t, f.srv.URL+"/metrics"), `gateway_verifications_total{verdict="verified"}`)

	// A miner inflating its usage is caught on organic traffic, scored as on
	// a challenge, and left out: the requests after go to the honest one.
	cf := newFront(t, nw, nw.cheatV, func(c *gateway.Config) { c.VerifyShare = 1 })
	cc := cf.client(cf.key, 0)
	caught := func() bool {
		for _, s := range cf.g.Standings(model) {
			if s.Hotkey == nw.cheat.Hotkey() && s.Refused > 0 {
				return s.Checks["usage"] > 0
			}
		}
		return false
	}
	for i := 0; !caught(); i++ {
		require.Less(t, i, 40, "the cheat was never drawn, or never caught")
		_, err := cc.Chat.Completions.New(context.Background(), chatParams(4))
		require.NoError(t, err)
		time.Sleep(20 * time.Millisecond)
	}
	require.Eventually(t, func() bool { return cf.g.Verifying() == 0 }, 10*time.Second, 10*time.Millisecond)
	for range 10 {
		var resp *http.Response
		_, err := cc.Chat.Completions.New(context.Background(), chatParams(2), option.WithResponseInto(&resp))
		require.NoError(t, err)
		require.Equal(t, nw.honest[1].Hotkey(), resp.Header.Get("x-gotensor-miner"))
	}
}

func readAll(paths ...string) (string, error) {
	var b strings.Builder
	for _, p := range paths {
		for _, suffix := range []string{"", "-wal"} {
			data, err := os.ReadFile(p + suffix)
			if err != nil && !os.IsNotExist(err) {
				return "", err
			}
			b.Write(data)
		}
	}
	return b.String(), nil
}

// What a local network runs: the development key works with the lines it
// prints, the key survives a restart on the same database.
func TestStartLocal(t *testing.T) {
	nw := startNetwork(t)
	db := filepath.Join(t.TempDir(), "local.db")
	cfg := gateway.Config{ChainID: nw.chain.ChainID(), Hotkey: nw.gwKey, ListenAddr: "127.0.0.1:0", Logger: logger(),
		Subnets: []gateway.Subnet{{Netuid: nw.netuid, Model: model, Metagraph: nw.honestV, Reference: nw.lm}}}
	for range 2 {
		l, err := gateway.StartLocal(cfg, db)
		require.NoError(t, err)
		lines := l.Lines()
		require.Len(t, lines, 3)
		base, ok := strings.CutPrefix(lines[0], "OPENAI_BASE_URL=")
		require.True(t, ok)
		key, ok := strings.CutPrefix(lines[1], "OPENAI_API_KEY=")
		require.True(t, ok)
		require.Equal(t, gateway.DevKey, key)
		require.Contains(t, lines[2], "curl -s "+base+"/chat/completions")
		c := openai.NewClient(option.WithBaseURL(base), option.WithAPIKey(key), option.WithMaxRetries(0))
		chat, err := c.Chat.Completions.New(context.Background(), chatParams(3))
		require.NoError(t, err)
		require.NotEmpty(t, chat.Choices[0].Message.Content)
		require.NoError(t, l.Stop())
	}
	_, err := gateway.StartLocal(gateway.Config{Keys: &gateway.Keys{}}, db)
	require.ErrorContains(t, err, "leave Keys unset")
}
