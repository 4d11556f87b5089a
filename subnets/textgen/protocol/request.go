package protocol

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Limits keep a request cheap to serve and to verify.
const (
	MaxIDLength    = 128      // bytes in a request id or model id
	MaxPromptBytes = 16 << 10 // bytes of prompt, after a chat is rendered
	MaxMessages    = 64       // messages in a chat
	MaxTokens      = 1024     // tokens a request may ask for
	MaxTopLogprobs = 20       // alternatives per token a request may ask for
	MaxStop        = 4        // stop sequences
	MaxStopBytes   = 32       // bytes in one stop sequence
	MaxTemperature = 2.0      // as OpenAI's API
	chatRolesHelp  = "system, user or assistant"
)

// Message is one turn of a chat.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Sampling is how tokens are drawn. The zero value of each field means the
// default: no top-k cut, top-p 1 (no nucleus cut), seed 0. Temperature 0
// is greedy decoding.
type Sampling struct {
	MaxTokens   int      `json:"max_tokens"`
	Temperature float64  `json:"temperature"`
	TopP        float64  `json:"top_p,omitempty"`
	TopK        int      `json:"top_k,omitempty"`
	Seed        uint64   `json:"seed"`
	Stop        []string `json:"stop,omitempty"`
}

// Request asks a miner for one completion: of Prompt (a completion
// request) or of Messages (a chat request), never both.
type Request struct {
	ID string `json:"id"`
	// Model names the model wanted; empty means the subnet's model.
	Model    string    `json:"model,omitempty"`
	Prompt   string    `json:"prompt,omitempty"`
	Messages []Message `json:"messages,omitempty"`
	Sampling
	// TopLogprobs is how many alternatives each token carries (1..MaxTopLogprobs).
	TopLogprobs int `json:"top_logprobs"`
}

// Chat reports whether the request is a chat.
func (r Request) Chat() bool { return len(r.Messages) > 0 }

// Text is the prompt the model continues: Prompt, or the chat rendered by
// RenderChat.
func (r Request) Text() string {
	if r.Chat() {
		return RenderChat(r.Messages)
	}
	return r.Prompt
}

// RenderChat turns a chat into the prompt the model continues: the
// messages' contents, one per line, the answer continuing the last. The
// subnet's model is a plain language model with no chat template of its
// own (roles mean nothing to it, and a trailing "assistant:" would only
// invite it to end); one fixed rendering keeps a miner and a validator on
// the same tokens.
func RenderChat(messages []Message) string {
	parts := make([]string, len(messages))
	for i, m := range messages {
		parts[i] = m.Content
	}
	return strings.Join(parts, "\n")
}

// Validate reports the first thing that makes the request unservable.
func (r Request) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidRequest}, args...)...)
	}
	switch {
	case r.ID == "":
		return bad("id is empty")
	case len(r.ID) > MaxIDLength:
		return bad("id has %d bytes, at most %d allowed", len(r.ID), MaxIDLength)
	case len(r.Model) > MaxIDLength:
		return bad("model has %d bytes, at most %d allowed", len(r.Model), MaxIDLength)
	case r.Prompt != "" && r.Chat():
		return bad("both prompt and messages are set: a request is a completion or a chat")
	case r.Prompt == "" && !r.Chat():
		return bad("neither prompt nor messages is set")
	case len(r.Messages) > MaxMessages:
		return bad("%d messages, at most %d allowed", len(r.Messages), MaxMessages)
	}
	for i, m := range r.Messages {
		switch m.Role {
		case "system", "user", "assistant":
		default:
			return bad("message %d has role %q, want %s", i, m.Role, chatRolesHelp)
		}
	}
	text := r.Text()
	if len(text) > MaxPromptBytes {
		return bad("prompt has %d bytes, at most %d allowed", len(text), MaxPromptBytes)
	}
	if !utf8.ValidString(text) {
		return bad("prompt is not valid UTF-8")
	}
	if err := r.Sampling.validate(); err != nil {
		return bad("%v", err)
	}
	if r.TopLogprobs < 1 || r.TopLogprobs > MaxTopLogprobs {
		return bad("top_logprobs is %d, want 1..%d: every answer carries its alternatives", r.TopLogprobs, MaxTopLogprobs)
	}
	return nil
}

func (s Sampling) validate() error {
	switch {
	case s.MaxTokens < 1 || s.MaxTokens > MaxTokens:
		return fmt.Errorf("max_tokens is %d, want 1..%d", s.MaxTokens, MaxTokens)
	case !(s.Temperature >= 0 && s.Temperature <= MaxTemperature):
		return fmt.Errorf("temperature is %v, want 0..%v", s.Temperature, MaxTemperature)
	case !(s.TopP >= 0 && s.TopP <= 1) || math.IsNaN(s.TopP):
		return fmt.Errorf("top_p is %v, want 0..1 (0: no nucleus cut)", s.TopP)
	case s.TopK < 0:
		return fmt.Errorf("top_k is %d, want ≥ 0 (0: no cut)", s.TopK)
	case len(s.Stop) > MaxStop:
		return fmt.Errorf("%d stop sequences, at most %d allowed", len(s.Stop), MaxStop)
	}
	for i, st := range s.Stop {
		if st == "" || len(st) > MaxStopBytes || !utf8.ValidString(st) {
			return fmt.Errorf("stop sequence %d is empty, longer than %d bytes or not UTF-8", i, MaxStopBytes)
		}
	}
	return nil
}
