package protocol

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func validRequest() Request {
	return Request{ID: "r1", Prompt: "In the beginning", Sampling: Sampling{MaxTokens: 8, Temperature: 0.8, TopK: 10, Seed: 7}, TopLogprobs: 5}
}

func TestRequestValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Request)
		errMsg string
	}{
		{"valid", func(*Request) {}, ""},
		{"chat", func(r *Request) { r.Prompt, r.Messages = "", []Message{{"user", "hi"}} }, ""},
		{"greedy", func(r *Request) { r.Temperature = 0 }, ""},
		{"no id", func(r *Request) { r.ID = "" }, "id is empty"},
		{"both", func(r *Request) { r.Messages = []Message{{"user", "hi"}} }, "both prompt and messages"},
		{"neither", func(r *Request) { r.Prompt = "" }, "neither prompt nor messages"},
		{"bad role", func(r *Request) { r.Prompt, r.Messages = "", []Message{{"tool", "x"}} }, `role "tool"`},
		{"long prompt", func(r *Request) { r.Prompt = string(make([]byte, MaxPromptBytes+1)) }, "prompt has 16385 bytes"},
		{"not utf8", func(r *Request) { r.Prompt = "\xff" }, "not valid UTF-8"},
		{"no tokens", func(r *Request) { r.MaxTokens = 0 }, "max_tokens is 0"},
		{"too many tokens", func(r *Request) { r.MaxTokens = MaxTokens + 1 }, "max_tokens is 1025"},
		{"hot", func(r *Request) { r.Temperature = 2.5 }, "temperature is 2.5"},
		{"nan temperature", func(r *Request) { r.Temperature = math.NaN() }, "temperature is NaN"},
		{"top_p", func(r *Request) { r.TopP = 1.5 }, "top_p is 1.5"},
		{"top_k", func(r *Request) { r.TopK = -1 }, "top_k is -1"},
		{"empty stop", func(r *Request) { r.Stop = []string{""} }, "stop sequence 0"},
		{"no logprobs", func(r *Request) { r.TopLogprobs = 0 }, "top_logprobs is 0"},
		{"many logprobs", func(r *Request) { r.TopLogprobs = MaxTopLogprobs + 1 }, "top_logprobs is 21"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := validRequest()
			tc.mutate(&r)
			err := r.Validate()
			if tc.errMsg == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidRequest)
			require.ErrorContains(t, err, tc.errMsg)
		})
	}
}

func TestRenderChat(t *testing.T) {
	r := Request{Messages: []Message{{"system", "Speak as the KJV."}, {"user", "Who begat Enos?"}}}
	require.Equal(t, "Speak as the KJV.\nWho begat Enos?", r.Text())
	require.True(t, r.Chat())
	require.Equal(t, "plain", Request{Prompt: "plain"}.Text())
}

func tok(id int, text string) Token {
	return Token{ID: id, Text: text, Logprob: -0.5, Top: []Alternative{{ID: id, Text: text, Logprob: -0.5}}}
}

func TestAssembler(t *testing.T) {
	req := validRequest()
	req.TopLogprobs = 1
	req.MaxTokens = 2
	a := NewAssembler(req)
	require.NoError(t, a.Add(Chunk{Tokens: []Token{tok(5, "And")}}))
	require.NoError(t, a.Add(Chunk{Tokens: []Token{tok(6, " God")}}))
	_, err := a.Answer()
	require.ErrorContains(t, err, "without its last chunk (2 tokens so far)")
	require.NoError(t, a.Add(Chunk{Finish: FinishStop, Usage: &Usage{3, 2, 5}, Model: "m"}))
	ans, err := a.Answer()
	require.NoError(t, err)
	require.Equal(t, []int{5, 6}, ans.IDs())
	require.Equal(t, "And God", ans.Text())
	require.Equal(t, Usage{3, 2, 5}, ans.Usage)
	require.ErrorContains(t, a.Add(Chunk{}), "a chunk after the last one")

	cases := []struct {
		name   string
		chunks []Chunk
		errMsg string
	}{
		{"too long", []Chunk{{Tokens: []Token{tok(1, "a"), tok(2, "b"), tok(3, "c")}}}, "3 tokens, max_tokens is 2"},
		{"no alternatives", []Chunk{{Tokens: []Token{{ID: 1, Text: "a", Logprob: -1}}}}, "0 alternatives, 1 asked for"},
		{"positive logprob", []Chunk{{Tokens: []Token{{ID: 1, Logprob: 0.5, Top: []Alternative{{}}}}}}, "logprob 0.5"},
		{"nan logprob", []Chunk{{Tokens: []Token{{ID: 1, Logprob: math.NaN(), Top: []Alternative{{}}}}}}, "logprob NaN"},
		{"negative id", []Chunk{{Tokens: []Token{{ID: -1, Top: []Alternative{{}}}}}}, "id -1"},
		{"early usage", []Chunk{{Usage: &Usage{}}}, "usage on a chunk that does not finish"},
		{"no usage", []Chunk{{Finish: FinishLength}}, "carries no usage"},
		{"odd finish", []Chunk{{Finish: "tool_calls", Usage: &Usage{}}}, `finish_reason "tool_calls"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAssembler(req)
			var err error
			for _, c := range tc.chunks {
				if err = a.Add(c); err != nil {
					break
				}
			}
			require.ErrorIs(t, err, ErrInvalidAnswer)
			require.ErrorContains(t, err, tc.errMsg)
		})
	}
}

func TestStopSequenceLeavesTheText(t *testing.T) {
	a := Answer{Tokens: []Token{tok(1, "Amen."), tok(2, "\nAnd")}, StopSequence: "\n"}
	require.Equal(t, "Amen.", a.Text())
}

func TestJSONShape(t *testing.T) {
	b, err := json.Marshal(Chunk{Tokens: []Token{tok(5, "And")}})
	require.NoError(t, err)
	require.JSONEq(t, `{"tokens":[{"id":5,"text":"And","logprob":-0.5,"top":[{"id":5,"text":"And","logprob":-0.5}]}]}`, string(b))
	b, err = json.Marshal(validRequest())
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"r1","prompt":"In the beginning","max_tokens":8,"temperature":0.8,"top_k":10,"seed":7,"top_logprobs":5}`, string(b))
	require.Equal(t, "TextComplete", Complete.Name())
	require.Equal(t, "TextInfo", Info.Name())
}

func TestJSONTextIsTheRoundTrip(t *testing.T) {
	for _, s := range []string{"plain", "\xe2\x80", "a\xffb\xe2\x80\x9cc", ""} {
		b, err := json.Marshal(s)
		require.NoError(t, err)
		var back string
		require.NoError(t, json.Unmarshal(b, &back))
		require.Equal(t, back, JSONText(s), "%q", s)
	}
}
