package miner

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gotensor/gotensor/subnets/textgen/protocol"
)

// Backend generates one answer, streaming it as chunks: tokens first, then
// one last chunk with the finish reason, usage and model id.
type Backend interface {
	// Model is the id of the model the backend serves (the subnet's model
	// id, e.g. its GGUF's SHA-256).
	Model() string
	// Generate answers req. The request was validated. An error from emit
	// ends generation and is returned.
	Generate(ctx context.Context, req protocol.Request, emit func(protocol.Chunk) error) error
}

// Tokenizer is the subnet's model's vocabulary: what a backend that is not
// the model itself needs to speak the subnet's protocol.
type Tokenizer interface {
	ModelID() string
	EOS() int
	VocabSize() int
	// TokenText is the text of one token (raw bytes).
	TokenText(id int) string
	// EncodePrompt tokenizes a prompt as the model reads it.
	EncodePrompt(text string) ([]int, error)
}

// LM is a language model run in process, such as the Go runtime's.
type LM interface {
	Tokenizer
	// Generate draws up to s.MaxTokens tokens after prompt following s
	// (temperature, top-k, top-p, seed; stop sequences are the caller's),
	// calling emit with each as it is drawn, with its log-probability under
	// the model (before temperature) and the topLogprobs most likely
	// alternatives. It reports ended when the model drew its end-of-text
	// token (which is not emitted). An error from emit is returned.
	Generate(ctx context.Context, prompt []int, s protocol.Sampling, topLogprobs int, emit func(protocol.Token) error) (ended bool, err error)
}

// Local serves an in-process model.
type Local struct{ lm LM }

// NewLocal serves lm.
func NewLocal(lm LM) *Local { return &Local{lm: lm} }

// Model is the model's id.
func (l *Local) Model() string { return l.lm.ModelID() }

// errStopped ends generation once a stop sequence matched.
var errStopped = errors.New("stop sequence matched")

// Generate runs the model and applies the request's stop sequences.
func (l *Local) Generate(ctx context.Context, req protocol.Request, emit func(protocol.Chunk) error) error {
	prompt, err := l.lm.EncodePrompt(req.Text())
	if err != nil {
		return fmt.Errorf("encoding the prompt: %w", err)
	}
	st := newStopper(req.Stop)
	n := 0
	ended, err := l.lm.Generate(ctx, prompt, req.Sampling, req.TopLogprobs, func(t protocol.Token) error {
		n++
		if err := emit(protocol.Chunk{Tokens: []protocol.Token{t}}); err != nil {
			return err
		}
		if st.add(t.Text) {
			return errStopped
		}
		return nil
	})
	stopped := errors.Is(err, errStopped)
	if err != nil && !stopped {
		return err
	}
	return emit(finalChunk(l.Model(), len(prompt), n, ended, st.matched))
}

// finalChunk is the chunk that ends an answer of n tokens.
func finalChunk(model string, promptTokens, n int, ended bool, stop string) protocol.Chunk {
	finish := protocol.FinishLength
	if ended || stop != "" {
		finish = protocol.FinishStop
	}
	return protocol.Chunk{
		Finish: finish, StopSequence: stop, Model: model,
		Usage: &protocol.Usage{PromptTokens: promptTokens, CompletionTokens: n, TotalTokens: promptTokens + n},
	}
}

// stopper watches an answer's text for the request's stop sequences.
type stopper struct {
	stops   []string
	longest int
	text    strings.Builder
	matched string
}

func newStopper(stops []string) *stopper {
	s := &stopper{stops: stops}
	for _, st := range stops {
		s.longest = max(s.longest, len(st))
	}
	return s
}

// add appends one token's text and reports whether a stop sequence now
// ends within it (the first such sequence is kept in matched).
func (s *stopper) add(piece string) bool {
	if len(s.stops) == 0 {
		return false
	}
	s.text.WriteString(piece)
	text := s.text.String()
	// Only a sequence that ends inside this token is new.
	from := max(0, len(text)-len(piece)-s.longest+1)
	tail := text[from:]
	best := -1
	for _, st := range s.stops {
		if i := strings.Index(tail, st); i >= 0 && (best < 0 || i < best) {
			best, s.matched = i, st
		}
	}
	return best >= 0
}
