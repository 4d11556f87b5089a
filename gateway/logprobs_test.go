package gateway_test

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/openai/openai-go/v3"
	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/textgen/protocol"
)

// idsOf finds the model's token ids for tokens given as bytes; it fails
// on a text two ids share.
func idsOf(t *testing.T, nw *network, tokens [][]byte) []int {
	byText := map[string]int{}
	shared := map[string]bool{}
	for id := range nw.lm.VocabSize() {
		text := nw.lm.TokenText(id)
		if _, dup := byText[text]; dup {
			shared[text] = true
		}
		byText[text] = id
	}
	ids := make([]int, len(tokens))
	for i, b := range tokens {
		id, ok := byText[string(b)]
		require.True(t, ok && !shared[string(b)], "token %q is not one token of the model", b)
		ids[i] = id
	}
	return ids
}

// Logprobs as OpenAI serves them: the official client reads each token's
// logprob and top alternatives; the values are the subnet model's own,
// recomputed here by teacher forcing; streamed and legacy completions carry
// the same.
func TestLogprobs(t *testing.T) {
	nw := startNetwork(t)
	f := newFront(t, nw, nw.honestV, nil)
	ctx := context.Background()
	c := f.client(f.key, 0)

	p := chatParams(8)
	p.Seed = openai.Int(3)
	p.Logprobs = openai.Bool(true)
	p.TopLogprobs = openai.Int(3)
	chat, err := c.Chat.Completions.New(ctx, p)
	require.NoError(t, err)
	lps := chat.Choices[0].Logprobs.Content
	require.NotEmpty(t, lps)
	var text []byte
	tokens := make([][]byte, len(lps))
	for i, lp := range lps {
		tokens[i] = make([]byte, len(lp.Bytes))
		for j, b := range lp.Bytes {
			tokens[i][j] = byte(b)
		}
		text = append(text, tokens[i]...)
		require.Len(t, lp.TopLogprobs, 3)
		for j := 1; j < 3; j++ {
			require.GreaterOrEqual(t, lp.TopLogprobs[j-1].Logprob, lp.TopLogprobs[j].Logprob, "alternatives most likely first")
		}
		require.GreaterOrEqual(t, lp.TopLogprobs[0].Logprob, lp.Logprob, "none is likelier than the most likely")
	}
	require.Equal(t, chat.Choices[0].Message.Content, protocol.JSONText(string(text)), "the tokens spell the answer")

	// The subnet model's own log-probabilities of those tokens.
	req := protocol.Request{Messages: []protocol.Message{{Role: "system", Content: "Speak as the KJV."}, {Role: "user", Content: "In the beginning"}}}
	prompt, err := nw.lm.EncodePrompt(req.Text())
	require.NoError(t, err)
	ids := idsOf(t, nw, tokens)
	rows, err := nw.lm.TeacherForce(ctx, prompt, ids)
	require.NoError(t, err)
	for i, lp := range lps {
		require.InDelta(t, float64(rows[i][ids[i]]), lp.Logprob, 1e-4, "token %d (%q)", i, lp.Token)
		best := math.Inf(-1)
		for _, v := range rows[i] {
			best = math.Max(best, float64(v))
		}
		require.InDelta(t, best, lp.TopLogprobs[0].Logprob, 1e-4, "token %d's most likely alternative", i)
	}

	// Streamed with the same seed: the same tokens and logprobs, chunk by chunk.
	stream := c.Chat.Completions.NewStreaming(ctx, p)
	var streamed []openai.ChatCompletionTokenLogprob
	for stream.Next() {
		for _, ch := range stream.Current().Choices {
			streamed = append(streamed, ch.Logprobs.Content...)
		}
	}
	require.NoError(t, stream.Err())
	require.Len(t, streamed, len(lps))
	for i := range lps {
		require.Equal(t, lps[i].Token, streamed[i].Token)
		require.Equal(t, lps[i].Logprob, streamed[i].Logprob)
		require.Len(t, streamed[i].TopLogprobs, 3)
	}

	// Legacy completions: logprobs 2, offsets after the prompt.
	prompt0 := "And God said"
	cp := openai.CompletionNewParams{Model: openai.CompletionNewParamsModel(model), MaxTokens: openai.Int(6), Seed: openai.Int(7), Logprobs: openai.Int(2),
		Prompt: openai.CompletionNewParamsPromptUnion{OfString: openai.String(prompt0)}}
	done, err := c.Completions.New(ctx, cp)
	require.NoError(t, err)
	l := done.Choices[0].Logprobs
	require.Equal(t, done.Choices[0].Text, strings.Join(l.Tokens, ""))
	require.Len(t, l.TokenLogprobs, len(l.Tokens))
	offset := utf8.RuneCountInString(prompt0)
	for i, tok := range l.Tokens {
		require.EqualValues(t, offset, l.TextOffset[i])
		offset += utf8.RuneCountInString(tok)
		require.Len(t, l.TopLogprobs[i], 2)
		require.LessOrEqual(t, l.TokenLogprobs[i], 0.0)
	}

	// Asked wrongly: a clear 400.
	for _, tc := range []struct{ path, body, param, says string }{
		{"/chat/completions", `{"model":"` + model + `","messages":[{"role":"user","content":"hi"}],"top_logprobs":2}`, "top_logprobs", "needs logprobs: true"},
		{"/chat/completions", `{"model":"` + model + `","messages":[{"role":"user","content":"hi"}],"logprobs":true,"top_logprobs":21}`, "top_logprobs", "want 0..20"},
		{"/completions", `{"model":"` + model + `","prompt":"hi","logprobs":-1}`, "logprobs", "want 0..20"},
	} {
		status, _, e := post(t, f, tc.path, f.key, []byte(tc.body))
		require.Equal(t, http.StatusBadRequest, status)
		require.Equal(t, tc.param, e["param"])
		require.Contains(t, e["message"], tc.says)
	}
	// Not asked: null, as OpenAI sends it.
	status, raw := postJSON(t, f, "/chat/completions", map[string]any{"model": model, "max_tokens": 2, "messages": []map[string]string{{"role": "user", "content": "hi"}}})
	require.Equal(t, http.StatusOK, status)
	var plain struct {
		Choices []map[string]json.RawMessage `json:"choices"`
	}
	require.NoError(t, json.Unmarshal(raw, &plain))
	require.Equal(t, "null", string(plain.Choices[0]["logprobs"]))
}

// A known path with the wrong method: 405 naming the method to use, as an
// OpenAI error, with Allow; an unknown path stays 404.
func TestWrongMethod(t *testing.T) {
	nw := startNetwork(t)
	f := newFront(t, nw, nw.honestV, nil)
	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodPost, "/v1/models", "GET, HEAD"},
		{http.MethodDelete, "/v1/models/" + model, "GET, HEAD"},
		{http.MethodGet, "/v1/chat/completions", "POST"},
		{http.MethodPut, "/v1/completions", "POST"},
		{http.MethodGet, "/v1/forecast", "POST"},
		{http.MethodGet, "/v1/nowhere", ""},
	} {
		req, err := http.NewRequest(tc.method, f.srv.URL+tc.path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+f.key)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var e struct{ Error map[string]any }
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
		resp.Body.Close()
		if tc.allow == "" {
			require.Equal(t, http.StatusNotFound, resp.StatusCode)
			require.Equal(t, "unknown_url", e.Error["code"])
			continue
		}
		require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "%s %s", tc.method, tc.path)
		require.Equal(t, tc.allow, resp.Header.Get("Allow"))
		require.Equal(t, "method_not_allowed", e.Error["code"])
		require.Equal(t, "invalid_request_error", e.Error["type"])
		require.Contains(t, e.Error["message"], tc.method+" "+tc.path+" is not served")
	}
}
