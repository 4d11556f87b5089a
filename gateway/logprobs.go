package gateway

import (
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/gotensor/gotensor/subnets/textgen/protocol"
)

// The response bodies are this package's own types rather than
// go-openai's: go-openai writes a token's bytes as base64 (OpenAI sends an
// array of integers), omits a logprob of 0 in streamed chunks, and writes
// a completion's unset finish reason as "" (OpenAI sends null).

// chatCompletion is a chat answer: whole (chat.completion) or one streamed
// chunk (chat.completion.chunk).
type chatCompletion struct {
	ID      string        `json:"id"`
	Object  string        `json:"object"`
	Created int64         `json:"created"`
	Model   string        `json:"model"`
	Choices []chatChoice  `json:"choices"`
	Usage   *openai.Usage `json:"usage,omitempty"`
}

type chatChoice struct {
	Index        int               `json:"index"`
	Message      *assistantMessage `json:"message,omitempty"`
	Delta        *chatDelta        `json:"delta,omitempty"`
	Logprobs     *chatLogprobs     `json:"logprobs"`
	FinishReason *string           `json:"finish_reason"`
}

type assistantMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatDelta struct {
	Role    string `json:"role,omitempty"`
	Content string `json:"content,omitempty"`
}

// chatLogprobs are a chat choice's logprobs, one entry per token.
type chatLogprobs struct {
	Content []tokenLogprob `json:"content"`
}

type tokenLogprob struct {
	Token       string       `json:"token"`
	Logprob     float64      `json:"logprob"`
	Bytes       []int        `json:"bytes"`
	TopLogprobs []topLogprob `json:"top_logprobs"`
}

type topLogprob struct {
	Token   string  `json:"token"`
	Logprob float64 `json:"logprob"`
	Bytes   []int   `json:"bytes"`
}

// textCompletion is a legacy completion, whole or one streamed chunk (both
// text_completion).
type textCompletion struct {
	ID      string        `json:"id"`
	Object  string        `json:"object"`
	Created int64         `json:"created"`
	Model   string        `json:"model"`
	Choices []textChoice  `json:"choices"`
	Usage   *openai.Usage `json:"usage,omitempty"`
}

type textChoice struct {
	Text         string              `json:"text"`
	Index        int                 `json:"index"`
	Logprobs     *completionLogprobs `json:"logprobs"`
	FinishReason *string             `json:"finish_reason"`
}

// completionLogprobs are a legacy completion's logprobs: TextOffset is
// each token's offset, in characters, in the prompt followed by the
// completion (OpenAI's convention).
type completionLogprobs struct {
	Tokens        []string             `json:"tokens"`
	TokenLogprobs []float64            `json:"token_logprobs"`
	TopLogprobs   []map[string]float64 `json:"top_logprobs"`
	TextOffset    []int                `json:"text_offset"`
}

func finishOf(reason string) *string {
	if reason == "" {
		return nil
	}
	return &reason
}

// logprobsAsked is what a request asked for: none, or each token's
// logprob with top alternatives.
type logprobsAsked struct {
	on  bool
	top int
}

func bytesOf(s string) []int {
	out := make([]int, len(s))
	for i := range len(s) {
		out[i] = int(s[i])
	}
	return out
}

// chatEntries are the tokens' chat logprobs, each with its top alternatives.
func (a logprobsAsked) chatEntries(tokens []protocol.Token) []tokenLogprob {
	out := make([]tokenLogprob, len(tokens))
	for i, t := range tokens {
		e := tokenLogprob{Token: protocol.JSONText(t.Text), Logprob: t.Logprob, Bytes: bytesOf(t.Text), TopLogprobs: []topLogprob{}}
		for _, alt := range t.Top[:min(a.top, len(t.Top))] {
			e.TopLogprobs = append(e.TopLogprobs, topLogprob{Token: protocol.JSONText(alt.Text), Logprob: alt.Logprob, Bytes: bytesOf(alt.Text)})
		}
		out[i] = e
	}
	return out
}

// completionEntries are the tokens' legacy logprobs; offset is the
// character offset of the first token.
func (a logprobsAsked) completionEntries(tokens []protocol.Token, offset int) *completionLogprobs {
	out := &completionLogprobs{Tokens: []string{}, TokenLogprobs: []float64{}, TopLogprobs: []map[string]float64{}, TextOffset: []int{}}
	for _, t := range tokens {
		text := protocol.JSONText(t.Text)
		top := map[string]float64{}
		for _, alt := range t.Top[:min(a.top, len(t.Top))] {
			if _, seen := top[protocol.JSONText(alt.Text)]; !seen { // two byte tokens may print alike
				top[protocol.JSONText(alt.Text)] = alt.Logprob
			}
		}
		out.Tokens = append(out.Tokens, text)
		out.TokenLogprobs = append(out.TokenLogprobs, t.Logprob)
		out.TopLogprobs = append(out.TopLogprobs, top)
		out.TextOffset = append(out.TextOffset, offset)
		offset += utf8.RuneCountInString(text)
	}
	return out
}

// shown are the tokens whose text begins within the first n bytes of the
// answer: those the user reads (a stop sequence and what follows it are
// cut).
func shown(tokens []protocol.Token, n int) []protocol.Token {
	at := 0
	for i, t := range tokens {
		if at >= n {
			return tokens[:i]
		}
		at += len(t.Text)
	}
	return tokens
}
