package protocol

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Finish reasons, as OpenAI's API names them.
const (
	FinishStop   = "stop"   // the model ended (its end-of-text token) or a stop sequence matched
	FinishLength = "length" // max_tokens were generated
)

// Alternative is one of the most likely tokens at a position.
type Alternative struct {
	ID      int     `json:"id"`
	Text    string  `json:"text"`
	Logprob float64 `json:"logprob"`
}

// Token is one generated token: its id in the subnet's model, its text, its
// log-probability under the model (after temperature, before any top-k or
// top-p cut, as vLLM and llama.cpp report them) and the most likely
// alternatives at its position, most likely first.
type Token struct {
	ID      int           `json:"id"`
	Text    string        `json:"text"`
	Logprob float64       `json:"logprob"`
	Top     []Alternative `json:"top"`
}

// Usage counts tokens as OpenAI's API does.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Chunk is one streamed piece of an answer. Every chunk but the last
// carries tokens; the last carries Finish and Usage (and may carry tokens
// too).
type Chunk struct {
	Tokens []Token `json:"tokens,omitempty"`
	// Finish is set on the last chunk only.
	Finish string `json:"finish_reason,omitempty"`
	// StopSequence is the stop sequence that ended the answer, if one did.
	StopSequence string `json:"stop_sequence,omitempty"`
	Usage        *Usage `json:"usage,omitempty"`
	// Model is the id of the model that generated the answer (last chunk).
	Model string `json:"model,omitempty"`
}

// Answer is a whole answer, the chunks added up. Tokens never include the
// end-of-text token: finish "stop" without a stop sequence says the model
// ended, and a verifier appends the token itself to check the model wanted
// to end there (as SN19 does). They do include the tokens that completed a
// stop sequence, so that the stop can be checked, while Text (what a user
// reads) stops before it.
type Answer struct {
	Tokens       []Token `json:"tokens"`
	Finish       string  `json:"finish_reason"`
	StopSequence string  `json:"stop_sequence,omitempty"`
	Usage        Usage   `json:"usage"`
	Model        string  `json:"model"`
}

// Text is the answer as a user reads it: the tokens' text up to the stop
// sequence, without it (OpenAI's convention).
func (a Answer) Text() string {
	var b strings.Builder
	for _, t := range a.Tokens {
		b.WriteString(t.Text)
	}
	s := b.String()
	if a.StopSequence != "" {
		if i := strings.Index(s, a.StopSequence); i >= 0 {
			s = s[:i]
		}
	}
	return s
}

// IDs are the answer's token ids.
func (a Answer) IDs() []int {
	ids := make([]int, len(a.Tokens))
	for i, t := range a.Tokens {
		ids[i] = t.ID
	}
	return ids
}

// Assembler adds up a stream of chunks into an Answer, refusing a stream
// that breaks the protocol as soon as it does (more tokens than asked for, a
// chunk after the last one), so that a validator can stop reading a
// misbehaving miner early.
type Assembler struct {
	req    Request
	answer Answer
	done   bool
}

// NewAssembler starts an answer to req.
func NewAssembler(req Request) *Assembler { return &Assembler{req: req} }

// Add takes the next chunk.
func (s *Assembler) Add(c Chunk) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidAnswer}, args...)...)
	}
	if s.done {
		return bad("a chunk after the last one")
	}
	for _, t := range c.Tokens {
		if err := checkToken(t, s.req.TopLogprobs); err != nil {
			return bad("token %d: %v", len(s.answer.Tokens), err)
		}
		s.answer.Tokens = append(s.answer.Tokens, t)
	}
	if n := len(s.answer.Tokens); n > s.req.MaxTokens {
		return bad("%d tokens, max_tokens is %d", n, s.req.MaxTokens)
	}
	if c.Finish == "" {
		if c.Usage != nil {
			return bad("usage on a chunk that does not finish the answer")
		}
		return nil
	}
	s.done = true
	switch c.Finish {
	case FinishStop, FinishLength:
	default:
		return bad("finish_reason %q, want %q or %q", c.Finish, FinishStop, FinishLength)
	}
	if c.Usage == nil {
		return bad("the last chunk carries no usage")
	}
	s.answer.Finish, s.answer.StopSequence, s.answer.Usage, s.answer.Model = c.Finish, c.StopSequence, *c.Usage, c.Model
	return nil
}

// Answer returns the answer once the last chunk was added.
func (s *Assembler) Answer() (Answer, error) {
	if !s.done {
		return Answer{}, fmt.Errorf("%w: the stream ended without its last chunk (%d tokens so far)", ErrInvalidAnswer, len(s.answer.Tokens))
	}
	return s.answer, nil
}

// Tokens is how many tokens were added so far.
func (s *Assembler) Tokens() int { return len(s.answer.Tokens) }

func checkToken(t Token, topLogprobs int) error {
	if t.ID < 0 {
		return fmt.Errorf("id %d is negative", t.ID)
	}
	if !(t.Logprob <= 0) || math.IsInf(t.Logprob, -1) {
		return fmt.Errorf("logprob %v, want a finite value ≤ 0", t.Logprob)
	}
	if len(t.Top) < topLogprobs {
		return fmt.Errorf("%d alternatives, %d asked for", len(t.Top), topLogprobs)
	}
	for i, a := range t.Top {
		if a.ID < 0 || !(a.Logprob <= 0) || math.IsInf(a.Logprob, -1) {
			return fmt.Errorf("alternative %d has id %d and logprob %v", i, a.ID, a.Logprob)
		}
	}
	return nil
}

// JSONText is s as a JSON round trip leaves it: each byte that is not part
// of valid UTF-8 becomes U+FFFD. A byte-level token's text may hold part of
// a character, so token texts are compared in this form.
func JSONText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, s[i:i+n]...)
		}
		i += n
	}
	return string(out)
}
