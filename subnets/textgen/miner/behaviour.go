package miner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/gotensor/gotensor/subnets/textgen/protocol"
)

// The behaviours a miner can be run with: two honest speeds and every way
// of cheating the subnet must catch. Their names are part of the localnet's
// JSON summary.
const (
	HonestFast = "honest-fast" // the subnet's model, as fast as it runs
	HonestSlow = "honest-slow" // the subnet's model, Deps.Delay before each token
	WrongModel = "wrong-model" // another (smaller, cheaper) model, claiming to be the subnet's
	Random     = "random"      // uniformly random tokens with made-up logprobs
	Truncate   = "truncate"    // the subnet's model, stopped after half of max_tokens as if it had ended
	Replay     = "replay"      // answers cached earlier, served again instead of generating
	Inflate    = "inflate"     // honest tokens, usage claiming three times as many
	Relay      = "relay"       // another miner's answer to the same prompt, copied
)

// Behaviours lists every behaviour, honest first.
var Behaviours = []string{HonestFast, HonestSlow, WrongModel, Random, Truncate, Replay, Inflate, Relay}

// IsHonest reports whether a behaviour serves the subnet's model honestly.
func IsHonest(name string) bool { return name == HonestFast || name == HonestSlow }

// Deps is what the behaviours are built from.
type Deps struct {
	// LM is the subnet's model in process. Required.
	LM LM
	// Wrong is another model, for wrong-model.
	Wrong LM
	// Delay is honest-slow's pause before each token (default 50ms).
	Delay time.Duration
	// Exchange is where relay finds the answers it copies (see Exchange),
	// waiting at most RelayWait (default 1s) for one.
	Exchange  *Exchange
	RelayWait time.Duration
	// Seed seeds random's draws.
	Seed uint64
	// Cheated, if set, is called with the request id each time a cheating
	// behaviour actually cheats (truncate cuts an answer, replay serves a
	// cached one, ...), so that catch rates count only cheating answers.
	Cheated func(requestID string)
}

// Behave builds the backend of a named behaviour.
func Behave(name string, d Deps) (Backend, error) {
	if d.LM == nil {
		return nil, errors.New("miner: behaviours need the subnet's model")
	}
	if d.Cheated == nil {
		d.Cheated = func(string) {}
	}
	honest := NewLocal(d.LM)
	switch name {
	case HonestFast:
		return honest, nil
	case HonestSlow:
		if d.Delay == 0 {
			d.Delay = 50 * time.Millisecond
		}
		return &slow{Backend: honest, delay: d.Delay}, nil
	case WrongModel:
		if d.Wrong == nil {
			return nil, errors.New("miner: wrong-model needs another model (Deps.Wrong)")
		}
		return &relabel{Backend: NewLocal(d.Wrong), model: d.LM.ModelID(), cheated: d.Cheated}, nil
	case Random:
		return &random{tok: d.LM, r: rand.New(rand.NewPCG(d.Seed, 0x72616e646f6d)), cheated: d.Cheated}, nil
	case Truncate:
		return &truncate{Local: honest, cheated: d.Cheated}, nil
	case Replay:
		return &replay{Backend: honest, tok: d.LM, cache: map[string][]protocol.Chunk{}, cheated: d.Cheated}, nil
	case Inflate:
		return &inflate{Backend: honest, cheated: d.Cheated}, nil
	case Relay:
		if d.Exchange == nil {
			return nil, errors.New("miner: relay needs an Exchange to copy answers from")
		}
		if d.RelayWait == 0 {
			d.RelayWait = time.Second
		}
		return &relay{model: d.LM.ModelID(), ex: d.Exchange, wait: d.RelayWait, cheated: d.Cheated}, nil
	}
	return nil, fmt.Errorf("miner: no behaviour %q (want one of %v)", name, Behaviours)
}

// slow is honest, with a pause before each token.
type slow struct {
	Backend
	delay time.Duration
}

func (s *slow) Generate(ctx context.Context, req protocol.Request, emit func(protocol.Chunk) error) error {
	return s.Backend.Generate(ctx, req, func(c protocol.Chunk) error {
		if len(c.Tokens) > 0 {
			select {
			case <-time.After(s.delay):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return emit(c)
	})
}

// relabel serves another model under the subnet's model id.
type relabel struct {
	Backend
	model   string
	cheated func(string)
}

func (r *relabel) Model() string { return r.model }

func (r *relabel) Generate(ctx context.Context, req protocol.Request, emit func(protocol.Chunk) error) error {
	r.cheated(req.ID)
	return r.Backend.Generate(ctx, req, func(c protocol.Chunk) error {
		if c.Finish != "" {
			c.Model = r.model
		}
		return emit(c)
	})
}

// random draws tokens uniformly, none of them the end, and claims each was
// likely.
type random struct {
	tok     Tokenizer
	mu      sync.Mutex
	r       *rand.Rand
	cheated func(string)
}

func (r *random) Model() string { return r.tok.ModelID() }

func (r *random) Generate(ctx context.Context, req protocol.Request, emit func(protocol.Chunk) error) error {
	r.cheated(req.ID)
	prompt, err := r.tok.EncodePrompt(req.Text())
	if err != nil {
		return err
	}
	r.mu.Lock()
	ids := make([]int, req.MaxTokens*(1+req.TopLogprobs))
	for i := range ids {
		for ids[i] = r.r.IntN(r.tok.VocabSize()); ids[i] == r.tok.EOS(); ids[i] = r.r.IntN(r.tok.VocabSize()) {
		}
	}
	r.mu.Unlock()
	lp := -math.Log(float64(req.TopLogprobs + 1))
	for i := range req.MaxTokens {
		row := ids[i*(1+req.TopLogprobs) : (i+1)*(1+req.TopLogprobs)]
		t := protocol.Token{ID: row[0], Text: r.tok.TokenText(row[0]), Logprob: lp}
		for _, a := range row[:req.TopLogprobs] {
			t.Top = append(t.Top, protocol.Alternative{ID: a, Text: r.tok.TokenText(a), Logprob: lp})
		}
		if err := emit(protocol.Chunk{Tokens: []protocol.Token{t}}); err != nil {
			return err
		}
	}
	return emit(finalChunk(r.Model(), len(prompt), req.MaxTokens, false, ""))
}

// truncate generates half of max_tokens (rounded up) and says the model
// ended there. An answer the model ends sooner goes out whole: honest.
type truncate struct {
	*Local
	cheated func(string)
}

var errCut = errors.New("cut")

func (t *truncate) Generate(ctx context.Context, req protocol.Request, emit func(protocol.Chunk) error) error {
	if req.MaxTokens < 2 {
		return t.Local.Generate(ctx, req, emit)
	}
	cut := (req.MaxTokens + 1) / 2
	prompt, err := t.lm.EncodePrompt(req.Text())
	if err != nil {
		return err
	}
	n := 0
	ended, err := t.lm.Generate(ctx, prompt, req.Sampling, req.TopLogprobs, func(tok protocol.Token) error {
		if n == cut {
			return errCut
		}
		n++
		return emit(protocol.Chunk{Tokens: []protocol.Token{tok}})
	})
	switch {
	case errors.Is(err, errCut):
		t.cheated(req.ID)
		ended = true
	case err != nil:
		return err
	}
	return emit(finalChunk(t.Model(), len(prompt), n, ended, ""))
}

// replay serves the answer it cached for the same prompt, else the last
// answer it cached, and generates only when it has none; it recounts the
// prompt's tokens so that usage looks right.
type replay struct {
	Backend
	tok     Tokenizer
	mu      sync.Mutex
	cache   map[string][]protocol.Chunk
	last    []protocol.Chunk
	cheated func(string)
}

func (r *replay) Generate(ctx context.Context, req protocol.Request, emit func(protocol.Chunk) error) error {
	text := req.Text()
	r.mu.Lock()
	chunks, ok := r.cache[text]
	if !ok {
		chunks = r.last
	}
	r.mu.Unlock()
	if chunks == nil {
		var got []protocol.Chunk
		err := r.Backend.Generate(ctx, req, func(c protocol.Chunk) error {
			got = append(got, c)
			return emit(c)
		})
		if err == nil {
			r.mu.Lock()
			r.cache[text], r.last = got, got
			r.mu.Unlock()
		}
		return err
	}
	r.cheated(req.ID)
	prompt, err := r.tok.EncodePrompt(text)
	if err != nil {
		return err
	}
	for _, c := range chunks {
		if c.Usage != nil {
			u := *c.Usage
			u.PromptTokens, u.TotalTokens = len(prompt), len(prompt)+u.CompletionTokens
			c.Usage = &u
		}
		if err := emit(c); err != nil {
			return err
		}
	}
	return nil
}

// inflate reports three times the completion tokens it generated.
type inflate struct {
	Backend
	cheated func(string)
}

func (f *inflate) Generate(ctx context.Context, req protocol.Request, emit func(protocol.Chunk) error) error {
	return f.Backend.Generate(ctx, req, func(c protocol.Chunk) error {
		if c.Usage != nil && c.Usage.CompletionTokens > 0 {
			f.cheated(req.ID)
			u := *c.Usage
			u.CompletionTokens *= 3
			u.TotalTokens = u.PromptTokens + u.CompletionTokens
			c.Usage = &u
		}
		return emit(c)
	})
}

// relay copies the answer another miner gave to the same prompt.
type relay struct {
	model   string
	ex      *Exchange
	wait    time.Duration
	cheated func(string)
}

func (r *relay) Model() string { return r.model }

func (r *relay) Generate(ctx context.Context, req protocol.Request, emit func(protocol.Chunk) error) error {
	r.cheated(req.ID) // it never generates: what it sends, if anything, is a copy
	ctx, cancel := context.WithTimeout(ctx, r.wait)
	defer cancel()
	chunks, err := r.ex.wait(ctx, req.Text())
	if err != nil {
		return err
	}
	for _, c := range chunks {
		if err := emit(c); err != nil {
			return err
		}
	}
	return nil
}

// Exchange is how a relay gets its answers: the miner it copies from runs
// behind Tap, which publishes every answer by prompt, and the relay waits
// for the answer to the prompt it was asked. It models a miner with a line
// into another's output (colluding, or reading its public endpoint's
// answers), which serves without running a model.
type Exchange struct {
	mu      sync.Mutex
	recent  map[string]published
	waiters map[string][]chan []protocol.Chunk
}

// published is an answer on the exchange and when it came.
type published struct {
	chunks []protocol.Chunk
	at     time.Time
}

// exchangeWindow is how old an answer a relay still copies: one to a
// request sent at about the same time as its own.
const exchangeWindow = 2 * time.Second

// NewExchange returns an empty exchange.
func NewExchange() *Exchange {
	return &Exchange{recent: map[string]published{}, waiters: map[string][]chan []protocol.Chunk{}}
}

// Tap publishes every whole answer b gives on the exchange.
func (x *Exchange) Tap(b Backend) Backend { return &tap{Backend: b, ex: x} }

type tap struct {
	Backend
	ex *Exchange
}

func (t *tap) Generate(ctx context.Context, req protocol.Request, emit func(protocol.Chunk) error) error {
	var got []protocol.Chunk
	err := t.Backend.Generate(ctx, req, func(c protocol.Chunk) error {
		got = append(got, c)
		return emit(c)
	})
	if err == nil {
		t.ex.publish(req.Text(), got)
	}
	return err
}

func (x *Exchange) publish(prompt string, chunks []protocol.Chunk) {
	x.mu.Lock()
	defer x.mu.Unlock()
	now := time.Now()
	for p, a := range x.recent {
		if now.Sub(a.at) > exchangeWindow {
			delete(x.recent, p)
		}
	}
	x.recent[prompt] = published{chunks: chunks, at: now}
	for _, w := range x.waiters[prompt] {
		w <- chunks
	}
	delete(x.waiters, prompt)
}

// wait returns an answer to prompt published within exchangeWindow, or the
// next one published.
func (x *Exchange) wait(ctx context.Context, prompt string) ([]protocol.Chunk, error) {
	ch := make(chan []protocol.Chunk, 1)
	x.mu.Lock()
	if a, ok := x.recent[prompt]; ok && time.Since(a.at) <= exchangeWindow {
		x.mu.Unlock()
		return a.chunks, nil
	}
	x.waiters[prompt] = append(x.waiters[prompt], ch)
	x.mu.Unlock()
	select {
	case c := <-ch:
		return c, nil
	case <-ctx.Done():
		x.mu.Lock()
		defer x.mu.Unlock()
		ws := x.waiters[prompt]
		for i, w := range ws {
			if w == ch {
				x.waiters[prompt] = append(ws[:i], ws[i+1:]...)
				break
			}
		}
		return nil, fmt.Errorf("relay: no answer to copy: %w", ctx.Err())
	}
}
