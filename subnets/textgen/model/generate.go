package model

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf8"
)

// Finish reasons, as OpenAI's API names them.
const (
	FinishStop   = "stop"   // the model's end token, or a stop sequence
	FinishLength = "length" // MaxTokens reached, or the model's context is full
)

// MaxTopLogprobs bounds the alternatives reported per token (OpenAI's limit).
const MaxTopLogprobs = 20

// Alternative is one of the most likely tokens at a position.
type Alternative struct {
	ID      int
	Text    string
	Logprob float64
}

// Token is one token with its log-probability and the TopLogprobs most
// likely tokens at its position, most likely first (lower id first on a
// tie). Text is the token's bytes (empty for control tokens such as EOS); a
// byte-level token may hold part of a UTF-8 sequence.
type Token struct {
	ID      int
	Text    string
	Logprob float64
	Top     []Alternative
}

// Usage counts tokens as OpenAI's API does: the prompt (BOS included) and
// the completion without the end token.
type Usage struct {
	PromptTokens     int
	CompletionTokens int
	TotalTokens      int
}

// Request is one completion to generate.
type Request struct {
	// Prompt is the text to continue, tokenized by PromptTokens (with BOS
	// when the model wants it). Ignored when PromptIDs is set.
	Prompt string
	// PromptIDs is the prompt as token ids, used as given.
	PromptIDs []int
	// MaxTokens bounds the completion (the end token not counted); it must
	// be positive. Generation also stops when the model's context is full.
	MaxTokens int
	// Temperature divides the logits before sampling; 0 is greedy
	// (the most likely token, the lowest id on a tie).
	Temperature float64
	// TopK keeps the K most likely tokens (0: all).
	TopK int
	// TopP keeps the smallest set of most likely tokens whose probability
	// (after temperature and TopK) reaches TopP (0 or 1: all).
	TopP float64
	// Seed drives the sampler: the same model, request and seed give the
	// same tokens and logprobs.
	Seed uint64
	// Stop ends the completion at the first occurrence of any of these
	// strings in its text.
	Stop []string
	// TopLogprobs is how many alternatives each token reports (0 to 20).
	TopLogprobs int
	// ScaledLogprobs reports logprobs of the distribution after temperature
	// (vLLM's "processed" logprobs); otherwise of the model's own
	// distribution. TopK and TopP never change the reported logprobs.
	ScaledLogprobs bool
	// IgnoreEOS never samples the end token (for benchmarks and fixed-length
	// answers); its logprob is still reported.
	IgnoreEOS bool
	// OnToken, when set, is called with every token as it is generated; an
	// error it returns stops generation and is returned.
	OnToken func(Step) error
}

// Step is one streamed token.
type Step struct {
	Index int   // the token's index in the completion
	Token Token // as it will appear in Completion.Tokens
	// Delta is the text safe to show now: the text so far minus what was
	// shown before, holding back an incomplete UTF-8 sequence and any tail
	// that could be the start of a stop sequence until it is decided. The
	// deltas of a completion add up to its Text.
	Delta string
	// Finish is set on the last step only.
	Finish string
}

// Completion is a generated answer.
type Completion struct {
	// Tokens are every sampled token: the end token when the model ended
	// the text, and all of a stop sequence's tokens, so that Score can
	// re-check each one.
	Tokens []Token
	// Text is what a user reads: the tokens' text, cut before the stop
	// sequence that ended it.
	Text         string
	Finish       string
	StopSequence string // the stop sequence that ended it, if one did
	Usage        Usage
}

// Validate checks a request's sampling settings.
func (r *Request) Validate() error {
	switch {
	case r.MaxTokens <= 0:
		return fmt.Errorf("max tokens %d, want at least 1", r.MaxTokens)
	case !(r.Temperature >= 0) || r.Temperature > 100:
		return fmt.Errorf("temperature %v, want 0 to 100", r.Temperature)
	case r.TopK < 0:
		return fmt.Errorf("top-k %d, want 0 (off) or more", r.TopK)
	case !(r.TopP >= 0 && r.TopP <= 1):
		return fmt.Errorf("top-p %v, want 0 to 1", r.TopP)
	case r.TopLogprobs < 0 || r.TopLogprobs > MaxTopLogprobs:
		return fmt.Errorf("top logprobs %d, want 0 to %d", r.TopLogprobs, MaxTopLogprobs)
	}
	for _, s := range r.Stop {
		if s == "" {
			return errors.New("an empty stop sequence")
		}
	}
	return nil
}

// Generate continues a prompt.
func (m *Model) Generate(ctx context.Context, req Request) (*Completion, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	prompt := req.PromptIDs
	if prompt == nil {
		var err error
		if prompt, err = m.PromptTokens(req.Prompt); err != nil {
			return nil, err
		}
	}
	if len(prompt) == 0 {
		return nil, errors.New("an empty prompt (and the model starts none with BOS)")
	}
	if len(prompt) >= m.Context {
		return nil, fmt.Errorf("a prompt of %d tokens leaves no room in the model's context of %d", len(prompt), m.Context)
	}
	s := m.NewSession()
	logits, err := s.Feed(prompt, []int{len(prompt) - 1})
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(req.Seed, 0x6a09e667f3bcc909))
	c := &Completion{Usage: Usage{PromptTokens: len(prompt)}}
	var text strings.Builder
	shown, longestStop := 0, 0
	for _, st := range req.Stop {
		longestStop = max(longestStop, len(st))
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l := logits[0]
		pick := l
		if req.IgnoreEOS && m.tok.eos >= 0 {
			pick = slices.Clone(l)
			pick[m.tok.eos] = float32(math.Inf(-1))
		}
		id := sample(pick, req, rng)
		tok := m.token(logSoftmax(l, logprobTemperature(req)), id, req.TopLogprobs)
		c.Tokens = append(c.Tokens, tok)
		if id == m.tok.eos {
			c.Finish = FinishStop
		} else {
			c.Usage.CompletionTokens++
			from := max(0, text.Len()-longestStop+1)
			text.WriteString(tok.Text)
			if at, st := firstStop(text.String(), from, req.Stop); at >= 0 {
				c.Finish, c.StopSequence, c.Text = FinishStop, st, text.String()[:at]
			} else if c.Usage.CompletionTokens == req.MaxTokens || s.Pos()+1 == m.Context {
				c.Finish = FinishLength
			}
		}
		if c.Finish != "" && c.StopSequence == "" {
			c.Text = text.String()
		}
		if req.OnToken != nil {
			step := Step{Index: len(c.Tokens) - 1, Token: tok, Finish: c.Finish}
			end := len(c.Text)
			if c.Finish == "" {
				end = safeEnd(text.String(), req.Stop)
			}
			if end > shown {
				src := c.Text
				if c.Finish == "" {
					src = text.String()
				}
				step.Delta = src[shown:end]
				shown = end
			}
			if err := req.OnToken(step); err != nil {
				return nil, err
			}
		}
		if c.Finish != "" {
			break
		}
		if logits, err = s.Feed([]int{id}, []int{0}); err != nil {
			return nil, err
		}
	}
	c.Usage.TotalTokens = c.Usage.PromptTokens + c.Usage.CompletionTokens
	return c, nil
}

func logprobTemperature(req Request) float64 {
	if req.ScaledLogprobs && req.Temperature > 0 {
		return req.Temperature
	}
	return 1
}

// firstStop is the earliest stop sequence in text starting at or after
// from (the text before from was searched already).
func firstStop(text string, from int, stops []string) (int, string) {
	at, which := -1, ""
	for _, st := range stops {
		if i := strings.Index(text[from:], st); i >= 0 && (at < 0 || from+i < at) {
			at, which = from+i, st
		}
	}
	return at, which
}

// safeEnd is how much of text can be shown before the completion is
// decided: not an incomplete UTF-8 sequence at the end, nor a tail that a
// stop sequence starts with.
func safeEnd(text string, stops []string) int {
	end := len(text)
	for _, st := range stops {
		for n := min(len(st)-1, len(text)); n > 0; n-- {
			if strings.HasSuffix(text, st[:n]) {
				end = min(end, len(text)-n)
				break
			}
		}
	}
	// hold back a rune whose last bytes have not arrived
	for i := end - 1; i >= 0 && i >= end-3; i-- {
		if utf8.RuneStart(text[i]) {
			if !utf8.FullRuneInString(text[i:end]) {
				end = i
			}
			break
		}
	}
	return end
}

// sample picks the next token. Candidates are ordered by logit, then id;
// TopK and TopP cut that list; one uniform draw from rng walks the
// renormalised probabilities in that order.
func sample(logits []float32, req Request, rng *rand.Rand) int {
	if req.Temperature == 0 {
		best := 0
		for i, v := range logits {
			if v > logits[best] {
				best = i
			}
		}
		return best
	}
	cand := make([]int, len(logits))
	for i := range cand {
		cand[i] = i
	}
	slices.SortFunc(cand, func(a, b int) int {
		if logits[a] != logits[b] {
			if logits[a] > logits[b] {
				return -1
			}
			return 1
		}
		return a - b
	})
	if req.TopK > 0 && req.TopK < len(cand) {
		cand = cand[:req.TopK]
	}
	top := float64(logits[cand[0]])
	probs := make([]float64, len(cand))
	var sum float64
	for i, id := range cand {
		probs[i] = math.Exp((float64(logits[id]) - top) / req.Temperature)
		sum += probs[i]
	}
	if req.TopP > 0 && req.TopP < 1 {
		var cum float64
		for i, p := range probs {
			cum += p / sum
			if cum >= req.TopP {
				probs, cand = probs[:i+1], cand[:i+1]
				break
			}
		}
		sum = 0
		for _, p := range probs {
			sum += p
		}
	}
	u := float64(rng.Uint64()>>11) / (1 << 53) * sum
	var cum float64
	for i, p := range probs {
		cum += p
		if u < cum {
			return cand[i]
		}
	}
	return cand[len(cand)-1]
}

// logSoftmax is log p for every token at temperature temp, in float64.
func logSoftmax(logits []float32, temp float64) []float64 {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = max(mx, float64(v))
	}
	out := make([]float64, len(logits))
	var sum float64
	for i, v := range logits {
		out[i] = (float64(v) - mx) / temp
		sum += math.Exp(out[i])
	}
	ls := math.Log(sum)
	for i := range out {
		out[i] -= ls
	}
	return out
}

// topAlternatives is the k most likely ids, most likely first, lower id
// first on a tie.
func topAlternatives(lp []float64, k int) []int {
	top := make([]int, 0, k+1)
	for id, v := range lp {
		if len(top) == k && (k == 0 || v <= lp[top[k-1]]) {
			continue
		}
		at := len(top)
		for at > 0 && lp[top[at-1]] < v {
			at--
		}
		top = slices.Insert(top, at, id)
		if len(top) > k {
			top = top[:k]
		}
	}
	return top
}

// token reports id with its logprob and the topK alternatives under lp.
func (m *Model) token(lp []float64, id, topK int) Token {
	var t Token
	if id >= 0 {
		piece, _ := m.tok.Piece(id) // ids here come from the vocabulary
		t = Token{ID: id, Text: piece, Logprob: lp[id]}
	} else {
		t.ID = -1
	}
	for _, a := range topAlternatives(lp, topK) {
		p, _ := m.tok.Piece(a)
		t.Top = append(t.Top, Alternative{ID: a, Text: p, Logprob: lp[a]})
	}
	return t
}

// Position is the model's judgement of one position of a scored
// completion.
type Position struct {
	// Token is the completion's token here with its logprob and the
	// alternatives, exactly as Generate would have reported it (to the
	// bit, for the same model and logprob settings).
	Token
	// Rank is how many tokens the model found strictly more likely.
	Rank int
	// EOSLogprob is the end token's logprob here (-Inf without one).
	EOSLogprob float64
}

// ScoreOptions choose what Score reports.
type ScoreOptions struct {
	TopLogprobs int     // alternatives per position (0 to 20)
	Temperature float64 // logprobs after this temperature (0 or 1: the model's own)
}

// Scored is a teacher-forced pass over a completion.
type Scored struct {
	Positions []Position // one per completion token
	// Next is the distribution after the last completion token: its top
	// alternatives and the end token's logprob (did the model want to
	// stop?). Next.Token.ID is -1.
	Next Position
}

// Score runs prompt and completion through the model in one teacher-forced
// pass and reports, for every completion token, the model's logprob of it,
// its rank and the top alternatives; and the distribution after the last
// token. This is the verifier's check of a generated answer.
func (m *Model) Score(ctx context.Context, prompt, completion []int, opt ScoreOptions) (*Scored, error) {
	if len(prompt) == 0 {
		return nil, errors.New("an empty prompt")
	}
	if opt.TopLogprobs < 0 || opt.TopLogprobs > MaxTopLogprobs {
		return nil, fmt.Errorf("top logprobs %d, want 0 to %d", opt.TopLogprobs, MaxTopLogprobs)
	}
	if !(opt.Temperature >= 0) || opt.Temperature > 100 {
		return nil, fmt.Errorf("temperature %v, want 0 to 100", opt.Temperature)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	temp := opt.Temperature
	if temp == 0 {
		temp = 1
	}
	all := append(slices.Clone(prompt), completion...)
	want := make([]int, len(completion)+1)
	for i := range want {
		want[i] = len(prompt) - 1 + i
	}
	logits, err := m.NewSession().Feed(all, want)
	if err != nil {
		return nil, err
	}
	out := &Scored{Positions: make([]Position, len(completion))}
	for i, l := range logits {
		id := -1 // the position after the completion
		if i < len(completion) {
			id = completion[i]
		}
		lp := logSoftmax(l, temp)
		p := Position{Token: m.token(lp, id, opt.TopLogprobs), EOSLogprob: math.Inf(-1)}
		if m.tok.eos >= 0 {
			p.EOSLogprob = lp[m.tok.eos]
		}
		if id < 0 {
			out.Next = p
			continue
		}
		for _, v := range l {
			if v > l[id] {
				p.Rank++
			}
		}
		out.Positions[i] = p
	}
	return out, nil
}
