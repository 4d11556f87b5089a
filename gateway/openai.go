package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/gotensor/gotensor/subnets/textgen/protocol"
)

// The error types clients map to exceptions (with the HTTP status).
const (
	typeInvalidRequest = "invalid_request_error"
	typeAuthentication = "authentication_error"
	typeRateLimit      = "rate_limit_error"
	typeQuota          = "insufficient_quota"
	typeServer         = "server_error"
)

// apiError is an error as the OpenAI API reports it.
type apiError struct {
	Status  int
	Type    string
	Code    string
	Param   string
	Message string
	// RetryAfter, when set, goes out as Retry-After; NoRetry adds
	// x-should-retry: false (waiting will not help).
	RetryAfter time.Duration
	NoRetry    bool
}

func (e *apiError) body() openai.ErrorResponse {
	ae := &openai.APIError{Message: e.Message, Type: e.Type}
	if e.Code != "" {
		ae.Code = e.Code
	}
	if e.Param != "" {
		p := e.Param
		ae.Param = &p
	}
	return openai.ErrorResponse{Error: ae}
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
		w.Header().Set("retry-after-ms", strconv.FormatInt(e.RetryAfter.Milliseconds(), 10))
	}
	if e.NoRetry {
		w.Header().Set("x-should-retry", "false")
	}
	writeJSON(w, e.Status, e.body())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"message":"encoding the response failed","type":"server_error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func badRequest(param, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: typeInvalidRequest, Param: param, Code: "invalid_value", Message: fmt.Sprintf(format, args...)}
}

// readBody reads a JSON request body of at most limit bytes into v.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, v any) *apiError {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return &apiError{Status: http.StatusRequestEntityTooLarge, Type: typeInvalidRequest, Code: "request_too_large",
			Message: fmt.Sprintf("the request body exceeds %d bytes", limit)}
	case err != nil:
		return badRequest("", "reading the request body: %v", err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		e := badRequest("", "the request body is not valid JSON for this endpoint: %v", err)
		e.Code = "invalid_json"
		return e
	}
	return nil
}

// sampling is what chat and legacy completions share. Requests are decoded
// into these types rather than go-openai's (which the responses use):
// go-openai cannot tell temperature 0 (greedy) from none, and refuses stop
// as a single string, both of which the API allows.
type sampling struct {
	Temperature         *float64        `json:"temperature"`
	TopP                *float64        `json:"top_p"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	N                   *int            `json:"n"`
	Seed                *int64          `json:"seed"`
	TopK                *int            `json:"top_k"` // vLLM's extension
	Stop                json.RawMessage `json:"stop"`
	Stream              bool            `json:"stream"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// chatRequest is a chat completion request; unknown fields are ignored.
type chatRequest struct {
	Model string `json:"model"`
	sampling
	Messages    []chatMessage `json:"messages"`
	Logprobs    bool          `json:"logprobs"`
	TopLogprobs *int          `json:"top_logprobs"`
}

// chatMessage takes content as a string or as text parts.
type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// completionRequest is a legacy completion request.
type completionRequest struct {
	Model string `json:"model"`
	sampling
	Prompt   json.RawMessage `json:"prompt"`
	Logprobs *int            `json:"logprobs"`
}

// chatLogprobsAsked reads a chat's logprobs (true or false) and
// top_logprobs (0..MaxTopLogprobs, with logprobs only).
func (b chatRequest) logprobsAsked() (logprobsAsked, *apiError) {
	a := logprobsAsked{on: b.Logprobs}
	if b.TopLogprobs == nil {
		return a, nil
	}
	if !b.Logprobs {
		return a, badRequest("top_logprobs", "top_logprobs needs logprobs: true")
	}
	a.top = *b.TopLogprobs
	if a.top < 0 || a.top > protocol.MaxTopLogprobs {
		return a, badRequest("top_logprobs", "top_logprobs is %d, want 0..%d", a.top, protocol.MaxTopLogprobs)
	}
	return a, nil
}

// logprobsAsked reads a legacy completion's logprobs: how many
// alternatives each token carries (0..MaxTopLogprobs), or null for none.
func (b completionRequest) logprobsAsked() (logprobsAsked, *apiError) {
	if b.Logprobs == nil {
		return logprobsAsked{}, nil
	}
	a := logprobsAsked{on: true, top: *b.Logprobs}
	if a.top < 0 || a.top > protocol.MaxTopLogprobs {
		return a, badRequest("logprobs", "logprobs is %d, want 0..%d alternatives per token", a.top, protocol.MaxTopLogprobs)
	}
	return a, nil
}

func (s sampling) stops() ([]string, *apiError) {
	if len(s.Stop) == 0 || string(s.Stop) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(s.Stop, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(s.Stop, &many); err != nil {
		return nil, badRequest("stop", "stop must be a string or an array of strings")
	}
	return many, nil
}

// DefaultTopK is the top-k cut of a request that names none. OpenAI's API
// has no top_k (its default samples the whole vocabulary), but the
// subnet's verifier counts a token outside the reference's top 10 as a miss
// in an uncut request, so an honest miner sampling at temperature 1 from the
// whole vocabulary is sometimes refused; with a cut, any token the cut keeps
// passes. A request may set its own (top_k, as vLLM accepts it).
const DefaultTopK = 40

// protocolRequest builds the subnet request from the sampling fields, or
// says which field is wrong.
func (g *Gateway) protocolRequest(s sampling, id string, seed uint64) (protocol.Request, *apiError) {
	req := protocol.Request{ID: id, Sampling: protocol.Sampling{Temperature: 1, TopK: DefaultTopK, Seed: seed}, TopLogprobs: 5}
	maxTokens, param := g.cfg.DefaultMaxTokens, "max_tokens"
	if s.MaxCompletionTokens != nil {
		maxTokens, param = *s.MaxCompletionTokens, "max_completion_tokens"
	} else if s.MaxTokens != nil {
		maxTokens = *s.MaxTokens
	}
	if maxTokens < 1 || maxTokens > g.cfg.MaxTokens {
		return req, badRequest(param, "%s is %d; this gateway serves 1..%d tokens per completion", param, maxTokens, g.cfg.MaxTokens)
	}
	req.MaxTokens = maxTokens
	if s.Temperature != nil {
		if !(*s.Temperature >= 0 && *s.Temperature <= protocol.MaxTemperature) {
			return req, badRequest("temperature", "temperature is %v, want 0..%v", *s.Temperature, protocol.MaxTemperature)
		}
		req.Temperature = *s.Temperature
	}
	if s.TopP != nil {
		if !(*s.TopP > 0 && *s.TopP <= 1) {
			return req, badRequest("top_p", "top_p is %v, want a value in (0, 1]", *s.TopP)
		}
		if *s.TopP < 1 {
			req.TopP = *s.TopP
		}
	}
	if s.TopK != nil {
		if *s.TopK < 1 {
			return req, badRequest("top_k", "top_k is %d, want ≥ 1", *s.TopK)
		}
		req.TopK = *s.TopK
	}
	if s.N != nil && *s.N != 1 {
		return req, badRequest("n", "n is %d; this gateway returns one choice per request", *s.N)
	}
	if s.Seed != nil {
		req.Seed = uint64(*s.Seed)
	}
	stops, e := s.stops()
	if e != nil {
		return req, e
	}
	req.Stop = stops
	return req, nil
}

// text is a message's content: a string, or the text of its parts.
func (m chatMessage) text(i int) (string, *apiError) {
	if len(m.Content) == 0 || string(m.Content) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(m.Content, &s) == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(m.Content, &parts); err != nil {
		return "", badRequest(fmt.Sprintf("messages[%d].content", i), "messages[%d].content must be a string or an array of text parts", i)
	}
	var b strings.Builder
	for j, p := range parts {
		if p.Type != "text" {
			return "", badRequest(fmt.Sprintf("messages[%d].content[%d].type", i, j), "content part type %q is not served: text only", p.Type)
		}
		b.WriteString(p.Text)
	}
	return b.String(), nil
}

// promptText is a legacy completion's prompt: a string or a one-string
// array.
func promptText(raw json.RawMessage) (string, *apiError) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil && len(list) == 1 {
		return list[0], nil
	}
	return "", badRequest("prompt", "prompt must be a string (or an array of one string): batches and token arrays are not served")
}

// subnetError names what the subnet's own rules refuse in a request.
func subnetError(err error) *apiError {
	msg := strings.TrimPrefix(err.Error(), protocol.ErrInvalidRequest.Error()+": ")
	return badRequest("", "%s", msg)
}
