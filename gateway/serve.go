package gateway

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/textgen"
	"github.com/gotensor/gotensor/subnets/textgen/protocol"
)

// recorder remembers the status a handler wrote.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// call is one API request being served.
type call struct {
	id    string
	key   Key
	limit *keyLimiter
	miner string
	usage protocol.Usage
}

// api wraps an endpoint: request id, authentication, rate limits, metrics
// and one log line (without prompt or answer text).
func (g *Gateway) api(endpoint string, h func(w http.ResponseWriter, r *http.Request, c *call) *apiError) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w := &recorder{ResponseWriter: rw}
		c := &call{id: newID()}
		w.Header().Set("x-request-id", c.id)
		e := g.authenticate(r, c)
		if e == nil {
			e = h(w, r, c)
		}
		if e != nil {
			if w.status == 0 {
				writeError(w, e)
			}
			g.metrics.refusals.WithLabelValues(e.Code).Inc()
		}
		elapsed := time.Since(start)
		g.metrics.requests.WithLabelValues(endpoint, strconv.Itoa(w.status)).Inc()
		g.metrics.latency.WithLabelValues(endpoint).Observe(elapsed.Seconds())
		attrs := []any{"request", c.id, "endpoint", endpoint, "status", w.status, "key", c.key.Name, "seconds", elapsed.Seconds()}
		if c.miner != "" {
			attrs = append(attrs, "miner", c.miner, "prompt_tokens", c.usage.PromptTokens, "completion_tokens", c.usage.CompletionTokens)
		}
		if e != nil {
			attrs = append(attrs, "error", e.Code)
		}
		g.log.Info("gateway request", attrs...)
	}
}

func newID() string {
	b := make([]byte, 12)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}

// authenticate finds the caller's key and admits the request under its
// limits and quota.
func (g *Gateway) authenticate(r *http.Request, c *call) *apiError {
	auth := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || secret == "" {
		return &apiError{Status: http.StatusUnauthorized, Type: typeAuthentication, Code: "invalid_api_key",
			Message: "no API key: send Authorization: Bearer gt-… (keys are made with `gotensor gateway keys add`)"}
	}
	key, ok, err := g.cfg.Keys.Authenticate(r.Context(), strings.TrimSpace(secret))
	if err != nil {
		g.log.Error("gateway: key database", "err", err)
		return &apiError{Status: http.StatusInternalServerError, Type: typeServer, Code: "internal_error", Message: "the gateway could not read its key database"}
	}
	if !ok {
		return &apiError{Status: http.StatusUnauthorized, Type: typeAuthentication, Code: "invalid_api_key", Message: "invalid API key: unknown or revoked"}
	}
	c.key = key
	if q := key.Limits.QuotaTokens; q > 0 && key.Usage.Tokens() >= q {
		return &apiError{Status: http.StatusTooManyRequests, Type: typeQuota, Code: "insufficient_quota", NoRetry: true,
			Message: fmt.Sprintf("key %q has used its quota of %d tokens", key.Name, q)}
	}
	c.limit = g.limits.get(key)
	if ok, wait, what := c.limit.admit(time.Now()); !ok {
		return &apiError{Status: http.StatusTooManyRequests, Type: typeRateLimit, Code: "rate_limit_exceeded", RetryAfter: wait,
			Message: fmt.Sprintf("key %q is over its %s limit; retry after %.1fs", key.Name, what, wait.Seconds())}
	}
	return nil
}

func (g *Gateway) listModels(w http.ResponseWriter, _ *http.Request, _ *call) *apiError {
	out := struct {
		Object string         `json:"object"`
		Data   []openai.Model `json:"data"`
	}{Object: "list"}
	for _, m := range g.models {
		out.Data = append(out.Data, g.model(m))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (g *Gateway) model(m string) openai.Model {
	netuid := uint16(0)
	if s := g.subnets[m]; s != nil {
		netuid = s.Netuid
	} else {
		netuid = g.forecasts[m].Netuid
	}
	return openai.Model{ID: m, Object: "model", CreatedAt: g.created, OwnedBy: fmt.Sprintf("gotensor-subnet-%d", netuid), Root: m}
}

func (g *Gateway) getModel(w http.ResponseWriter, r *http.Request, _ *call) *apiError {
	m := r.PathValue("model")
	if g.subnets[m] == nil && g.forecasts[m] == nil {
		return g.unknownModel(m)
	}
	writeJSON(w, http.StatusOK, g.model(m))
	return nil
}

func (g *Gateway) unknownModel(m string) *apiError {
	return &apiError{Status: http.StatusNotFound, Type: typeInvalidRequest, Code: "model_not_found", Param: "model",
		Message: fmt.Sprintf("the model %q does not exist here; GET /v1/models lists the %d served: %s", m, len(g.models), strings.Join(g.models, ", "))}
}

// job is one generation: what to ask, and how to answer the user.
type job struct {
	sub          *served
	model        string
	req          protocol.Request
	chat         bool
	stream       bool
	includeUsage bool
	logprobs     logprobsAsked
	created      int64
}

// askLogprobs sets what the user asked for; the miners are asked for at
// least the alternatives the verifier needs.
func (j *job) askLogprobs(a logprobsAsked) {
	j.logprobs = a
	j.req.TopLogprobs = max(j.req.TopLogprobs, a.top)
}

func (g *Gateway) chat(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	var body chatRequest
	if e := readBody(w, r, g.cfg.MaxBodyBytes, &body); e != nil {
		return e
	}
	j, e := g.newJob(body.Model, body.sampling, c)
	if e != nil {
		return e
	}
	if len(body.Messages) == 0 {
		return badRequest("messages", "messages is empty: a chat needs at least one message")
	}
	for i, m := range body.Messages {
		text, e := m.text(i)
		if e != nil {
			return e
		}
		j.req.Messages = append(j.req.Messages, protocol.Message{Role: m.Role, Content: text})
	}
	j.chat = true
	a, e := body.logprobsAsked()
	if e != nil {
		return e
	}
	j.askLogprobs(a)
	return g.run(w, r, c, j)
}

func (g *Gateway) completions(w http.ResponseWriter, r *http.Request, c *call) *apiError {
	var body completionRequest
	if e := readBody(w, r, g.cfg.MaxBodyBytes, &body); e != nil {
		return e
	}
	j, e := g.newJob(body.Model, body.sampling, c)
	if e != nil {
		return e
	}
	if j.req.Prompt, e = promptText(body.Prompt); e != nil {
		return e
	}
	if j.req.Prompt == "" {
		return badRequest("prompt", "prompt is empty")
	}
	a, e := body.logprobsAsked()
	if e != nil {
		return e
	}
	j.askLogprobs(a)
	return g.run(w, r, c, j)
}

func (g *Gateway) newJob(model string, s sampling, c *call) (*job, *apiError) {
	if model == "" {
		return nil, badRequest("model", "model is required; GET /v1/models lists the served models")
	}
	sub := g.subnets[model]
	if sub == nil && g.forecasts[model] != nil {
		return nil, &apiError{Status: http.StatusBadRequest, Type: typeInvalidRequest, Code: "model_not_supported", Param: "model",
			Message: fmt.Sprintf("the model %q is a forecasting model: POST /v1/forecast with a series, not a chat or completion", model)}
	}
	if sub == nil {
		return nil, g.unknownModel(model)
	}
	req, e := g.protocolRequest(s, "gw-"+c.id, rand.Uint64())
	if e != nil {
		return nil, e
	}
	req.Model = sub.modelID
	j := &job{sub: sub, model: model, req: req, stream: s.Stream, created: time.Now().Unix()}
	j.includeUsage = s.StreamOptions != nil && s.StreamOptions.IncludeUsage
	return j, nil
}

// run validates the subnet request, then serves it from the miners.
func (g *Gateway) run(w http.ResponseWriter, r *http.Request, c *call, j *job) *apiError {
	if err := j.req.Validate(); err != nil {
		return subnetError(err)
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.cfg.RequestTimeout)
	defer cancel()
	var out output
	if j.stream {
		out = newSSE(w, j, c.id)
	} else {
		out = &collected{}
	}
	ans, e := g.generate(ctx, c, j, out)
	if e != nil {
		if out.started() {
			out.fail(e)
			return nil
		}
		return e
	}
	g.served(c, j, ans)
	if err := out.finish(ans); err != nil {
		g.log.Debug("gateway: client went away at the end", "request", c.id, "err", err)
	}
	if !j.stream {
		g.writeWhole(w, c, j, ans)
	}
	return nil
}

// served accounts for a served answer: usage, metrics, maybe verification.
func (g *Gateway) served(c *call, j *job, ans attemptResult) {
	u := ans.answer.Usage
	c.usage = u
	g.metrics.tokens.WithLabelValues("prompt").Add(float64(u.PromptTokens))
	g.metrics.tokens.WithLabelValues("completion").Add(float64(u.CompletionTokens))
	c.limit.charge(time.Now(), u.PromptTokens+u.CompletionTokens)
	if err := g.cfg.Keys.Charge(context.Background(), c.key.ID, u.PromptTokens, u.CompletionTokens); err != nil {
		g.log.Error("gateway: usage not recorded", "request", c.id, "key", c.key.Name, "err", err)
	}
	g.maybeVerify(j, ans)
}

// candidates are the subnet's miners serving an axon, but the gateway's
// own hotkey.
func (g *Gateway) candidates(sub *served) []candidate {
	m := sub.Metagraph.Current()
	if m == nil {
		return nil
	}
	return g.candidatesOf(m, g.cfg.Hotkey.Address())
}

// attemptResult is one miner's whole answer.
type attemptResult struct {
	uid            uint16
	hotkey         string
	answer         protocol.Answer
	start          time.Time
	ttft, duration time.Duration
}

// errNoMiner: every attempt failed before the first byte, or none could
// be made.
func noMiner(model string, tried int, last error) *apiError {
	msg := fmt.Sprintf("no miner of %s is serving now", model)
	if tried > 0 {
		msg = fmt.Sprintf("no miner of %s answered (%d tried; last: %v)", model, tried, last)
	}
	return &apiError{Status: http.StatusServiceUnavailable, Type: typeServer, Code: "no_miner_available", RetryAfter: time.Second, Message: msg}
}

// generate tries up to Attempts miners until one answers whole; once out
// has sent the user anything, it tries no other.
func (g *Gateway) generate(ctx context.Context, c *call, j *job, out output) (attemptResult, *apiError) {
	tried := map[string]bool{}
	var last error
	for n := 0; n < g.cfg.Attempts; n++ {
		cand, ok := g.router.pick(g.candidates(j.sub), tried, time.Now())
		if !ok {
			break
		}
		tried[cand.Axon.Hotkey] = true
		if n > 0 {
			g.metrics.failovers.Inc()
		}
		c.miner = cand.Axon.Hotkey
		res, busy, err := g.attempt(ctx, j, cand, out)
		switch {
		case err == nil:
			g.router.succeeded(cand.Axon.Hotkey, res.ttft)
			g.metrics.miner.WithLabelValues(cand.Axon.Hotkey, "ok").Inc()
			g.metrics.ttft.Observe(res.ttft.Seconds())
			return res, nil
		case ctx.Err() != nil:
			// The user left or the request ran out of time: nobody's fault.
			return res, &apiError{Status: http.StatusGatewayTimeout, Type: typeServer, Code: "timeout", Message: "the request ran out of time or was cancelled"}
		case clientGone(out):
			// The user stopped reading mid-stream: the miner did nothing wrong.
			return res, &apiError{Status: 499, Type: typeInvalidRequest, Code: "client_closed", Message: "the client closed the stream"}
		case busy:
			g.metrics.miner.WithLabelValues(cand.Axon.Hotkey, "busy").Inc()
		default:
			g.router.failed(cand.Axon.Hotkey, time.Now())
			g.metrics.miner.WithLabelValues(cand.Axon.Hotkey, "failed").Inc()
			g.log.Debug("gateway: miner failed", "request", c.id, "miner", cand.Axon.Hotkey, "err", err)
		}
		last = err
		if out.started() {
			return res, &apiError{Status: http.StatusBadGateway, Type: typeServer, Code: "miner_failed",
				Message: fmt.Sprintf("the miner serving this stream failed after it began: %v", err)}
		}
	}
	return attemptResult{}, noMiner(j.model, len(tried), last)
}

// clientGone reports whether writing to the user's stream failed.
func clientGone(out output) bool {
	s, ok := out.(*sse)
	return ok && s.err != nil
}

// attempt streams the request from one miner into out.
func (g *Gateway) attempt(ctx context.Context, j *job, cand candidate, out output) (attemptResult, bool, error) {
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	var timedOut atomic.Bool
	timer := time.AfterFunc(g.cfg.FirstTokenTimeout, func() { timedOut.Store(true); cancel() })
	defer timer.Stop()
	res := attemptResult{uid: cand.UID, hotkey: cand.Axon.Hotkey, start: time.Now()}
	if s, ok := out.(*sse); ok {
		s.miner = cand.Axon.Hotkey
	}
	asm := protocol.NewAssembler(j.req)
	sr := dendrite.Stream(actx, j.sub.d, protocol.Complete, cand.Axon, j.req, func(ch protocol.Chunk) error {
		if res.ttft == 0 {
			timer.Stop()
			res.ttft = time.Since(res.start)
		}
		if err := asm.Add(ch); err != nil {
			return err
		}
		return out.chunk(ch)
	})
	res.duration = time.Since(res.start)
	if res.ttft == 0 {
		res.ttft = res.duration
	}
	if !sr.OK() {
		busy := sr.Status == http.StatusTooManyRequests || sr.Status == http.StatusServiceUnavailable && sr.Reason == synapse.ReasonBusy
		if timedOut.Load() && ctx.Err() == nil {
			return res, false, fmt.Errorf("no first chunk within %s", g.cfg.FirstTokenTimeout)
		}
		return res, busy, sr.Err
	}
	a, err := asm.Answer()
	if err != nil {
		return res, false, err
	}
	res.answer = a
	return res, false, nil
}

// output is where a generation's chunks go: the user's stream, or a
// buffer for a whole response.
type output interface {
	chunk(protocol.Chunk) error
	started() bool // whether the user has received anything
	finish(attemptResult) error
	fail(*apiError)
}

// collected keeps nothing: the assembler has the answer.
type collected struct{}

func (*collected) chunk(protocol.Chunk) error { return nil }
func (*collected) started() bool              { return false }
func (*collected) finish(attemptResult) error { return nil }
func (*collected) fail(*apiError)             {}

func usageOf(u protocol.Usage) openai.Usage {
	return openai.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
}

func objectName(chat, stream bool) string {
	switch {
	case chat && stream:
		return "chat.completion.chunk"
	case chat:
		return "chat.completion"
	default:
		return "text_completion"
	}
}

// writeWhole writes a non-streamed answer.
func (g *Gateway) writeWhole(w http.ResponseWriter, c *call, j *job, ans attemptResult) {
	w.Header().Set("x-gotensor-miner", ans.hotkey)
	raw := ans.answer.Text()
	text, toks := protocol.JSONText(raw), shown(ans.answer.Tokens, len(raw))
	u := usageOf(ans.answer.Usage)
	if j.chat {
		ch := chatChoice{Index: 0, Message: &assistantMessage{Role: "assistant", Content: text}, FinishReason: finishOf(ans.answer.Finish)}
		if j.logprobs.on {
			ch.Logprobs = &chatLogprobs{Content: j.logprobs.chatEntries(toks)}
		}
		writeJSON(w, http.StatusOK, chatCompletion{ID: "chatcmpl-" + c.id, Object: objectName(j.chat, false), Created: j.created, Model: j.model,
			Choices: []chatChoice{ch}, Usage: &u})
		return
	}
	ch := textChoice{Text: text, Index: 0, FinishReason: finishOf(ans.answer.Finish)}
	if j.logprobs.on {
		ch.Logprobs = j.logprobs.completionEntries(toks, utf8.RuneCountInString(j.req.Prompt))
	}
	writeJSON(w, http.StatusOK, textCompletion{ID: "cmpl-" + c.id, Object: objectName(j.chat, false), Created: j.created, Model: j.model,
		Choices: []textChoice{ch}, Usage: &u})
}

// sse streams an answer as server-sent events, holding back text that may
// yet turn out to be a stop sequence or part of a UTF-8 character.
type sse struct {
	w       http.ResponseWriter
	j       *job
	id      string
	began   bool
	miner   string // the hotkey answering, sent as x-gotensor-miner
	pending string // text received but not yet sent
	hold    int    // bytes of pending to hold back (longest stop − 1)
	err     error  // the first write error: the user went away
	// With logprobs: the tokens received whose logprobs are not yet sent,
	// the byte offset of the first in the answer, the bytes of the answer
	// sent, and (legacy completions) the character offset of the first.
	toks   []protocol.Token
	tokAt  int
	sent   int
	offset int
}

func newSSE(w http.ResponseWriter, j *job, id string) *sse {
	s := &sse{w: w, j: j, id: id, offset: utf8.RuneCountInString(j.req.Prompt)}
	for _, stop := range j.req.Stop {
		s.hold = max(s.hold, len(stop)-1)
	}
	if j.chat {
		s.id = "chatcmpl-" + id
	} else {
		s.id = "cmpl-" + id
	}
	return s
}

func (s *sse) started() bool { return s.began }

func (s *sse) event(v any) error {
	if s.err != nil {
		return s.err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(s.w, "data: %s\n\n", b); err != nil {
		s.err = err
		return err
	}
	if f, ok := s.w.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}

// begin sends the headers and, for a chat, the delta that names the role.
func (s *sse) begin(miner string) error {
	if s.began {
		return nil
	}
	s.began = true
	h := s.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("x-gotensor-miner", miner)
	s.w.WriteHeader(http.StatusOK)
	if s.j.chat {
		return s.event(s.chatChunk(chatChoice{Delta: &chatDelta{Role: "assistant"}}))
	}
	return nil
}

func (s *sse) chatChunk(ch chatChoice) chatCompletion {
	return chatCompletion{ID: s.id, Object: objectName(true, true), Created: s.j.created, Model: s.j.model, Choices: []chatChoice{ch}}
}

// text sends t, the logprobs of the tokens that begin in it, and finish.
func (s *sse) text(t, finish string) error {
	if t == "" && finish == "" {
		return nil
	}
	s.sent += len(t)
	var toks []protocol.Token
	for len(s.toks) > 0 && s.tokAt < s.sent {
		toks = append(toks, s.toks[0])
		s.tokAt += len(s.toks[0].Text)
		s.toks = s.toks[1:]
	}
	t = protocol.JSONText(t)
	if s.j.chat {
		ch := chatChoice{Delta: &chatDelta{Content: t}, FinishReason: finishOf(finish)}
		if s.j.logprobs.on && len(toks) > 0 {
			ch.Logprobs = &chatLogprobs{Content: s.j.logprobs.chatEntries(toks)}
		}
		return s.event(s.chatChunk(ch))
	}
	ch := textChoice{Text: t, FinishReason: finishOf(finish)}
	if s.j.logprobs.on && len(toks) > 0 {
		ch.Logprobs = s.j.logprobs.completionEntries(toks, s.offset)
		for _, tok := range toks {
			s.offset += utf8.RuneCountInString(protocol.JSONText(tok.Text))
		}
	}
	return s.event(textCompletion{ID: s.id, Object: objectName(false, true), Created: s.j.created, Model: s.j.model, Choices: []textChoice{ch}})
}

func (s *sse) chunk(ch protocol.Chunk) error {
	if len(ch.Tokens) == 0 {
		return s.err
	}
	if err := s.begin(s.miner); err != nil {
		return err
	}
	for _, t := range ch.Tokens {
		s.pending += t.Text
	}
	if s.j.logprobs.on {
		s.toks = append(s.toks, ch.Tokens...)
	}
	n := len(s.pending) - s.hold
	for n > 0 && !utf8.ValidString(s.pending[:n]) {
		n-- // a character cut between tokens waits for its other bytes
	}
	if n <= 0 {
		return nil
	}
	out := s.pending[:n]
	s.pending = s.pending[n:]
	return s.text(out, "")
}

// finish sends the held-back text (cut at the stop sequence), the finish
// reason, the usage if asked for, and [DONE].
func (s *sse) finish(ans attemptResult) error {
	if !s.began {
		if err := s.begin(ans.hotkey); err != nil {
			return err
		}
	}
	rest := s.pending
	if stop := ans.answer.StopSequence; stop != "" {
		if i := strings.Index(rest, stop); i >= 0 {
			rest = rest[:i]
		}
	}
	if err := s.text(rest, ans.answer.Finish); err != nil {
		return err
	}
	if s.j.includeUsage {
		u := usageOf(ans.answer.Usage)
		var err error
		if s.j.chat {
			err = s.event(chatCompletion{ID: s.id, Object: objectName(true, true), Created: s.j.created, Model: s.j.model,
				Choices: []chatChoice{}, Usage: &u})
		} else {
			err = s.event(textCompletion{ID: s.id, Object: objectName(false, true), Created: s.j.created, Model: s.j.model,
				Choices: []textChoice{}, Usage: &u})
		}
		if err != nil {
			return err
		}
	}
	if s.err != nil {
		return s.err
	}
	_, err := fmt.Fprint(s.w, "data: [DONE]\n\n")
	if f, ok := s.w.(http.Flusher); ok {
		f.Flush()
	}
	return err
}

// fail reports an error after the stream began: an error event, and no
// [DONE], so that every client raises it.
func (s *sse) fail(e *apiError) { _ = s.event(e.body()) }

// maybeVerify sends a share of the answers to the subnet's verifier, in
// the background; a refused answer bans its miner from routing and is
// scored on the organic scoreboard as a challenge's would be.
func (g *Gateway) maybeVerify(j *job, ans attemptResult) {
	if j.sub.tv == nil || g.cfg.VerifyShare == 0 || rand.Float64() >= g.cfg.VerifyShare {
		return
	}
	g.verifyMu.Lock()
	if g.verifying >= maxVerifying {
		g.verifyMu.Unlock()
		g.metrics.verified.WithLabelValues("skipped").Inc()
		return
	}
	g.verifying++
	g.verifyMu.Unlock()
	g.bg.Add(1)
	go func() {
		defer g.bg.Done()
		defer func() {
			g.verifyMu.Lock()
			g.verifying--
			g.verifyMu.Unlock()
		}()
		a := ans.answer
		results, err := j.sub.tv.Score(context.Background(), []textgen.Response{{
			UID: ans.uid, Hotkey: ans.hotkey, Request: j.req, Answer: &a, Start: ans.start, TTFT: ans.ttft, Duration: ans.duration,
		}})
		switch {
		case err != nil:
			g.metrics.verified.WithLabelValues("error").Inc()
			g.log.Error("gateway: verifying an organic answer", "miner", ans.hotkey, "err", err)
		case !results[0].Verdict.OK:
			g.metrics.verified.WithLabelValues("refused").Inc()
			g.router.caught(ans.hotkey, time.Now())
			g.log.Warn("gateway: a miner's organic answer was refused; left out of routing", "miner", ans.hotkey,
				"check", results[0].Verdict.Check, "detail", results[0].Verdict.Detail)
		default:
			g.metrics.verified.WithLabelValues("verified").Inc()
		}
	}()
}
