package miner_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/textgen"
	"github.com/gotensor/gotensor/subnets/textgen/miner"
	"github.com/gotensor/gotensor/subnets/textgen/model"
	"github.com/gotensor/gotensor/subnets/textgen/protocol"
	"github.com/gotensor/gotensor/subnets/textgen/verify"
)

var (
	loadOnce sync.Once
	shipped  *textgen.Runtime
	loadErr  error
)

func lm(t *testing.T) *textgen.Runtime {
	t.Helper()
	loadOnce.Do(func() { shipped, loadErr = textgen.Load(filepath.Join("..", "model", "testdata", "kjv-tiny.gguf")) })
	require.NoError(t, loadErr)
	return shipped
}

func collect(t *testing.T, b miner.Backend, req protocol.Request) protocol.Answer {
	t.Helper()
	asm := protocol.NewAssembler(req)
	require.NoError(t, b.Generate(context.Background(), req, asm.Add))
	a, err := asm.Answer()
	require.NoError(t, err)
	return a
}

// openAIServer is an OpenAI-compatible server on loopback that runs the Go
// runtime, as llama.cpp's llama-server runs a GGUF: POST /v1/completions,
// streamed as server-sent events with legacy logprobs and a usage chunk.
func openAIServer(t *testing.T, m *model.Model) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/completions" || r.Method != http.MethodPost {
			http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
			return
		}
		var req struct {
			Prompt        string         `json:"prompt"`
			MaxTokens     int            `json:"max_tokens"`
			Temperature   float64        `json:"temperature"`
			TopP          float64        `json:"top_p"`
			TopK          int            `json:"top_k"`
			Seed          uint64         `json:"seed"`
			Logprobs      int            `json:"logprobs"`
			Stream        bool           `json:"stream"`
			StreamOptions map[string]any `json:"stream_options"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || !req.Stream {
			http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		event := func(v any) error {
			b, _ := json.Marshal(v)
			if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
				return err
			}
			fl.Flush()
			return nil
		}
		c, err := m.Generate(r.Context(), model.Request{
			Prompt: req.Prompt, MaxTokens: req.MaxTokens, Temperature: req.Temperature, TopP: req.TopP,
			TopK: req.TopK, Seed: req.Seed, TopLogprobs: req.Logprobs,
			OnToken: func(st model.Step) error {
				finish := any(nil)
				if st.Finish != "" {
					finish = st.Finish
				}
				choice := map[string]any{"index": 0, "text": st.Delta, "finish_reason": finish}
				if st.Token.ID != m.EOS() { // an API never shows the end token
					top := map[string]float64{}
					for _, a := range st.Token.Top {
						top[a.Text] = a.Logprob
					}
					choice["logprobs"] = map[string]any{"tokens": []string{st.Token.Text},
						"token_logprobs": []float64{st.Token.Logprob}, "top_logprobs": []map[string]float64{top}}
				}
				return event(map[string]any{"object": "text_completion", "choices": []any{choice}})
			},
		})
		if err != nil {
			_ = event(map[string]any{"error": map[string]any{"message": err.Error()}})
			return
		}
		_ = event(map[string]any{"object": "text_completion", "choices": []any{}, "usage": map[string]int{
			"prompt_tokens": c.Usage.PromptTokens, "completion_tokens": c.Usage.CompletionTokens, "total_tokens": c.Usage.TotalTokens}})
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Served through a real OpenAI-compatible HTTP server, the answer is the
// in-process runtime's to the bit, and the verifier accepts it.
func TestOpenAIBackendOverHTTP(t *testing.T) {
	ref := lm(t)
	srv := openAIServer(t, ref.Model())
	o, err := miner.NewOpenAI(srv.URL+"/v1", "kjv-tiny", ref, srv.Client())
	require.NoError(t, err)
	require.Equal(t, ref.ModelID(), o.Model())
	v, err := verify.New(verify.DefaultConfig(), ref, []byte("openai-backend-test-key"))
	require.NoError(t, err)
	for i, req := range []protocol.Request{
		{ID: "a", Prompt: "And the LORD said unto", TopLogprobs: 5, Sampling: protocol.Sampling{MaxTokens: 10, Temperature: 0.8, TopK: 10, Seed: 1}},
		{ID: "b", Prompt: "In the beginning God created the heaven and the earth.", TopLogprobs: 5, Sampling: protocol.Sampling{MaxTokens: 10, Temperature: 0.7, TopK: 10, Seed: 3}},
		{ID: "c", Messages: []protocol.Message{{Role: "user", Content: "Then answered Jesus and"}}, TopLogprobs: 3, Sampling: protocol.Sampling{MaxTokens: 12, Temperature: 0.9, TopP: 0.9, Seed: 5, Stop: []string{","}}},
	} {
		want := collect(t, miner.NewLocal(ref), req)
		got := collect(t, o, req)
		require.Equal(t, want, got, "request %d", i)
		d, err := v.Verify(context.Background(), "m", req, got)
		require.NoError(t, err)
		require.True(t, d.OK, "request %d: %+v", i, d)
	}
	// The second request's prompt is a whole verse: the model ends it.
	b := collect(t, o, protocol.Request{ID: "b", Prompt: "In the beginning God created the heaven and the earth.", TopLogprobs: 5, Sampling: protocol.Sampling{MaxTokens: 10, Temperature: 0.7, TopK: 10, Seed: 3}})
	require.Equal(t, protocol.FinishStop, b.Finish)
	require.Empty(t, b.StopSequence)
}

func TestOpenAIBackendErrors(t *testing.T) {
	ref := lm(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, `data: {"choices":[{"text":"Zzz","logprobs":{"tokens":["Zzzqq"],"token_logprobs":[-1],"top_logprobs":[{}]}}]}`+"\n\n")
	}))
	defer srv.Close()
	o, err := miner.NewOpenAI(srv.URL+"/v1", "", ref, nil)
	require.NoError(t, err)
	req := protocol.Request{ID: "x", Prompt: "And", TopLogprobs: 1, Sampling: protocol.Sampling{MaxTokens: 4}}
	err = o.Generate(context.Background(), req, func(protocol.Chunk) error { return nil })
	require.ErrorContains(t, err, `"Zzzqq" is not in the subnet model's vocabulary`)

	o, err = miner.NewOpenAI("http://127.0.0.1:1/v1", "", ref, nil)
	require.NoError(t, err)
	require.ErrorContains(t, o.Generate(context.Background(), req, func(protocol.Chunk) error { return nil }), "openai backend")
	_, err = miner.NewOpenAI("", "", ref, nil)
	require.Error(t, err)
}

// A stop sequence ends the answer after the token that completes it, for
// the verifier to see; the user's text stops before it.
func TestStopSequence(t *testing.T) {
	ref := lm(t)
	req := protocol.Request{ID: "s", Prompt: "And the LORD said unto Moses", TopLogprobs: 2,
		Sampling: protocol.Sampling{MaxTokens: 30, Temperature: 0.8, TopK: 10, Seed: 2, Stop: []string{" the"}}}
	a := collect(t, miner.NewLocal(ref), req)
	require.Equal(t, protocol.FinishStop, a.Finish)
	require.Equal(t, " the", a.StopSequence)
	require.NotContains(t, a.Text(), " the")
	require.Less(t, len(a.Tokens), 30)
	v, err := verify.New(verify.DefaultConfig(), ref, []byte("stop-sequence-test-key"))
	require.NoError(t, err)
	d, err := v.Verify(context.Background(), "m", req, a)
	require.NoError(t, err)
	require.True(t, d.OK, "%+v", d)
}

// blocking holds every request until released: a miner at capacity.
type blocking struct {
	miner.Backend
	entered chan struct{}
	release chan struct{}
}

func (b *blocking) Generate(ctx context.Context, req protocol.Request, emit func(protocol.Chunk) error) error {
	b.entered <- struct{}{}
	<-b.release
	return b.Backend.Generate(ctx, req, emit)
}

// Above its declared capacity a miner declines with 429; a request it
// cannot serve is the caller's fault (400).
func TestMinerCapacity(t *testing.T) {
	b := &blocking{Backend: miner.NewLocal(lm(t)), entered: make(chan struct{}, 2), release: make(chan struct{})}
	m, err := miner.New(b, 2, 64)
	require.NoError(t, err)
	require.Equal(t, protocol.MinerInfo{Model: lm(t).ModelID(), Capacity: 2, MaxTokens: 64}, m.Info())
	req := protocol.Request{ID: "c", Prompt: "And", TopLogprobs: 1, Sampling: protocol.Sampling{MaxTokens: 2}}
	done := make(chan error, 2)
	for range 2 {
		go func() { done <- m.Serve(context.Background(), req, func(protocol.Chunk) error { return nil }) }()
		<-b.entered
	}
	var se *synapse.Error
	err = m.Serve(context.Background(), req, func(protocol.Chunk) error { return nil })
	require.True(t, errors.As(err, &se))
	require.Equal(t, http.StatusTooManyRequests, se.Status)
	close(b.release)
	for range 2 {
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("a request at capacity never finished")
		}
	}
	long := req
	long.MaxTokens = 65
	require.True(t, errors.As(m.Serve(context.Background(), long, nil), &se))
	require.Equal(t, http.StatusBadRequest, se.Status)
	other := req
	other.Model = "gpt-4"
	require.ErrorContains(t, m.Serve(context.Background(), other, nil), `not "gpt-4"`)
	require.ErrorContains(t, m.Serve(context.Background(), protocol.Request{}, nil), "id is empty")
	_, err = miner.New(b, 0, 1)
	require.ErrorContains(t, err, "capacity 0")
}

// Every behaviour builds and answers; the honest ones as the model does.
func TestBehaviours(t *testing.T) {
	ref := lm(t)
	req := protocol.Request{ID: "b", Prompt: "And the LORD said unto", TopLogprobs: 3, Sampling: protocol.Sampling{MaxTokens: 6, Temperature: 0.8, TopK: 10, Seed: 9}}
	honest := collect(t, miner.NewLocal(ref), req)
	ex := miner.NewExchange()
	var cheats []string
	deps := miner.Deps{LM: ref, Wrong: ref, Delay: time.Millisecond, Exchange: ex, RelayWait: 5 * time.Second, Cheated: func(id string) { cheats = append(cheats, id) }}
	for _, name := range miner.Behaviours {
		b, err := miner.Behave(name, deps)
		require.NoError(t, err, name)
		require.Equal(t, ref.ModelID(), b.Model())
	}
	slow, _ := miner.Behave(miner.HonestSlow, deps)
	require.Equal(t, honest, collect(t, slow, req))
	inflate, _ := miner.Behave(miner.Inflate, deps)
	require.Equal(t, 3*len(honest.Tokens), collect(t, inflate, req).Usage.CompletionTokens)
	truncate, _ := miner.Behave(miner.Truncate, deps)
	require.Len(t, collect(t, truncate, req).Tokens, 3)
	random, _ := miner.Behave(miner.Random, deps)
	require.Len(t, collect(t, random, req).Tokens, 6)

	// The relay copies the answer the tapped miner gives to the same prompt.
	relay, _ := miner.Behave(miner.Relay, deps)
	got := make(chan protocol.Answer, 1)
	go func() { got <- collect(t, relay, req) }()
	time.Sleep(50 * time.Millisecond)
	tapped := collect(t, ex.Tap(miner.NewLocal(ref)), req)
	require.Equal(t, tapped, <-got)

	// The replay serves its first answer to every later request.
	replay, _ := miner.Behave(miner.Replay, deps)
	first := collect(t, replay, req)
	other := req
	other.Prompt, other.Seed = "Blessed are the", 1
	require.Equal(t, first.IDs(), collect(t, replay, other).IDs())
	require.Len(t, cheats, 5, "inflate, truncate, random, relay, replay cheated once each")
	_, err := miner.Behave("lazy", deps)
	require.ErrorContains(t, err, `no behaviour "lazy"`)
}
