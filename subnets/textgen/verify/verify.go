package verify

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/gotensor/gotensor/subnets/textgen/protocol"
)

// Check names the verification step that refused an answer.
type Check string

// The checks, in the order they run (see the package doc).
const (
	CheckModel       Check = "model"
	CheckUsage       Check = "usage"
	CheckLength      Check = "length"
	CheckText        Check = "text"
	CheckRank        Check = "rank"
	CheckImprobable  Check = "improbable"
	CheckEndSkipped  Check = "end-skipped"
	CheckEndUnlikely Check = "end-unlikely"
	CheckEndRate     Check = "end-rate"
	CheckLogprobs    Check = "logprobs"
	CheckTopTokens   Check = "top-tokens"
	CheckTooPerfect  Check = "too-perfect"
	CheckReplay      Check = "replay"
	CheckRelay       Check = "relay"
)

// Verdict is what the verifier concluded about one answer.
type Verdict struct {
	// OK is true when the answer passed every check; otherwise Check names
	// the one that refused it and Detail says why.
	OK     bool   `json:"ok"`
	Check  Check  `json:"check,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Quality is the fine logprob check's score, 0.5..1 for a verified
	// answer (0 when refused).
	Quality float64 `json:"quality"`
	// Tokens is how many completion tokens the answer carries, without the
	// end-of-text token: the volume it served if verified.
	Tokens int `json:"tokens"`
	// Misses counts tokens outside the reference's top TopRank, MeanDelta is
	// the fine check's mean probability distance, and LogProb the natural
	// log of the answer's probability under the request's sampling.
	Misses    int     `json:"misses"`
	MeanDelta float64 `json:"mean_delta"`
	// Cosine is the mean similarity of the miner's top alternatives to the
	// reference's.
	Cosine  float64 `json:"cosine"`
	LogProb float64 `json:"log_prob"`
	// StopEvidence is the natural log of this answer's e-value against
	// honest ending (see stopEvidence), and StopScore the miner's running
	// evidence after it (see Config.StopAlpha).
	StopEvidence float64 `json:"stop_evidence"`
	StopScore    float64 `json:"stop_score"`
}

func refuse(c Check, format string, args ...any) Verdict {
	return Verdict{Check: c, Detail: fmt.Sprintf(format, args...)}
}

// Verifier checks answers against the reference model. It is safe for
// concurrent use; answers whose order matters (a relay is the later of two
// copies) should be verified in the order they were finished.
type Verifier struct {
	cfg Config
	ref Reference
	key [32]byte

	mu    sync.Mutex
	seen  map[[32]byte]sighting
	queue [][32]byte // seen's keys, oldest first
	// stops is each miner's running stop evidence (see observeStops).
	stops map[string]float64
}

// sighting is a remembered answer.
type sighting struct {
	miner  string
	prompt [32]byte
	seed   uint64
}

// New returns a verifier. key (at least 16 bytes, the validator's secret)
// draws the positions of the fine check, so a miner cannot know which of
// its logprobs will be compared.
func New(cfg Config, ref Reference, key []byte) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if ref == nil {
		return nil, fmt.Errorf("%w: no reference model", ErrConfig)
	}
	if len(key) < 16 {
		return nil, fmt.Errorf("%w: key has %d bytes, want at least 16", ErrConfig, len(key))
	}
	v := &Verifier{cfg: cfg, ref: ref, seen: map[[32]byte]sighting{}, stops: map[string]float64{}}
	v.key = sha256.Sum256(append([]byte("textgen/verify/positions\x00"), key...))
	return v, nil
}

// Config is the verifier's configuration.
func (v *Verifier) Config() Config { return v.cfg }

// Verify checks one answer of miner (its hotkey) to req. The error is the
// reference's own failure (the answer is then neither verified nor
// refused); everything wrong with the answer is in the Verdict.
func (v *Verifier) Verify(ctx context.Context, miner string, req protocol.Request, ans protocol.Answer) (Verdict, error) {
	prompt, err := v.ref.EncodePrompt(req.Text())
	if err != nil {
		return Verdict{}, fmt.Errorf("verify: encoding the prompt: %w", err)
	}
	eos := v.ref.EOS()
	ids := ans.IDs()
	n := len(ids)
	// An answer the model ended carries no end-of-text token (OpenAI's
	// convention); the pass appends it, to check the model wanted to end.
	ended := ans.Finish == protocol.FinishStop && ans.StopSequence == ""
	forced := ids
	if ended {
		forced = append(ids[:n:n], eos)
	}
	if d, ok := v.checkShape(req, ans, ids, len(prompt)); !ok {
		return d, nil
	}

	rows, err := v.ref.TeacherForce(ctx, prompt, forced)
	if err != nil {
		return Verdict{}, fmt.Errorf("verify: teacher-forced pass: %w", err)
	}
	if len(rows) != len(forced) {
		return Verdict{}, fmt.Errorf("verify: the reference returned %d rows for %d tokens", len(rows), len(forced))
	}
	evidence := v.stopEvidence(req.Sampling, rows, n, ended)
	score, flagged := v.observeStops(miner, evidence)
	d := v.judge(miner, req, ans, ids, rows, ended)
	if d.OK && ended && flagged {
		d = refuse(CheckEndRate, "the miner's answers ended where the model rarely ends far more often than an honest sampler can (evidence e^%.1f ≥ 1/%v); its answers that end are refused until that evidence fades", score, v.cfg.StopAlpha)
	}
	d.StopEvidence, d.StopScore = evidence, score
	return d, nil
}

// judge runs the checks on the reference's rows for the answer's tokens
// (and the end-of-text token appended when ended).
func (v *Verifier) judge(miner string, req protocol.Request, ans protocol.Answer, ids []int, rows [][]float32, ended bool) Verdict {
	n, eos := len(ids), v.ref.EOS()
	c := v.cfg
	d := Verdict{Tokens: n}
	unlikely, allTop := 0, true
	endAvoid := math.Log(c.EndAvoidRatio)
	for j, id := range ids {
		row := rows[j]
		lp := float64(row[id])
		// A miss is a token the request's own cuts (top_k, top_p) would not
		// have kept, or, for a request without cuts, one outside the
		// reference's top TopRank: a request for top_k 40 lets an honest
		// miner draw rank 30, one for top_k 5 does not let it draw rank 6.
		r := rank(row, id)
		uncut := req.TopK == 0 && (req.TopP == 0 || req.TopP == 1)
		if !sampleable(row, id, req.Sampling) || (uncut && r >= c.TopRank) {
			d.Misses++
		} else if r > 0 {
			allTop = false
		}
		d.LogProb += math.Log(sampleProb(row, id, req.Sampling))
		if lp <= c.ImprobableLogprob {
			return refuse(CheckImprobable, "token %d (id %d) has reference logprob %.2f ≤ %v", j, id, lp, c.ImprobableLogprob)
		}
		if lp <= c.UnlikelyLogprob {
			unlikely++
		}
		if float64(row[eos])-lp > endAvoid {
			return refuse(CheckEndSkipped, "token %d (id %d): the reference put the end %.0f times above it", j, id, math.Exp(float64(row[eos])-lp))
		}
	}
	if d.Misses > c.MaxMisses {
		return refuse(CheckRank, "%d of %d tokens outside the reference's top %d (at most %d allowed)", d.Misses, n, c.TopRank, c.MaxMisses)
	}
	if unlikely > c.MaxUnlikely {
		return refuse(CheckImprobable, "%d tokens with reference logprob ≤ %v (at most %d allowed)", unlikely, c.UnlikelyLogprob, c.MaxUnlikely)
	}
	if ended {
		if !sampleable(rows[n], eos, req.Sampling) {
			return refuse(CheckEndUnlikely, "the answer ends after %d tokens where the request's top_k %d / top_p %v leave the end out", n, req.TopK, req.TopP)
		}
		if p := sampleProb(rows[n], eos, req.Sampling); p < c.MinEndProb {
			return refuse(CheckEndUnlikely, "the answer ends after %d tokens where the request's sampling ends with probability %.2g < %v", n, p, c.MinEndProb)
		}
	}
	if n == 0 {
		d.OK, d.Quality = true, 1 // the model ended at once, as the reference allows
		return d
	}
	d.MeanDelta = v.fineDelta(miner, req, ans.Tokens, rows)
	switch {
	case d.MeanDelta > c.FineMax:
		return refuse(CheckLogprobs, "mean |Δp| %.3f over the checked positions exceeds %v", d.MeanDelta, c.FineMax)
	case d.MeanDelta <= c.FineFull:
		d.Quality = 1
	default:
		d.Quality = 1 - 0.5*(d.MeanDelta-c.FineFull)/(c.FineMax-c.FineFull)
	}
	for j, t := range ans.Tokens {
		d.Cosine += cosine(t.Top, rows[j])
	}
	d.Cosine /= float64(n)
	if d.Cosine < c.MinCosine {
		return refuse(CheckTopTokens, "the alternatives match the reference's with mean cosine %.3f < %v", d.Cosine, c.MinCosine)
	}
	if req.Temperature > 0 && allTop && d.Misses == 0 && len(ids) >= c.PerfectMinTokens && d.LogProb < math.Log(c.PerfectMaxProb) {
		return refuse(CheckTooPerfect, "all %d tokens are the reference's most likely, a sequence of probability %.2g at temperature %v", len(ids), math.Exp(d.LogProb), req.Temperature)
	}
	if ref, ok := v.remember(miner, req, ids, d.LogProb); !ok {
		if ref.miner == miner {
			return refuse(CheckReplay, "the same %d tokens (probability %.2g) answered an earlier request", len(ids), math.Exp(d.LogProb))
		}
		return refuse(CheckRelay, "the same %d tokens (probability %.2g) came earlier from %s under another seed", len(ids), math.Exp(d.LogProb), ref.miner)
	}
	d.OK = true
	return d
}

// checkShape runs the checks that need no model pass.
func (v *Verifier) checkShape(req protocol.Request, ans protocol.Answer, ids []int, promptTokens int) (Verdict, bool) {
	n := len(ids)
	c, eos := v.cfg, v.ref.EOS()
	model := v.ref.ModelID()
	switch {
	case ans.Model != model:
		return refuse(CheckModel, "answer names model %q, the subnet's is %q", ans.Model, model), false
	case req.Model != "" && req.Model != model:
		return refuse(CheckModel, "request asks for model %q, the subnet's is %q", req.Model, model), false
	}
	u := ans.Usage
	ratio := float64(u.PromptTokens) / float64(max(promptTokens, 1))
	switch {
	case u.CompletionTokens != n:
		return refuse(CheckUsage, "usage claims %d completion tokens, the answer carries %d", u.CompletionTokens, n), false
	case ratio < c.UsageMin || ratio > c.UsageMax:
		return refuse(CheckUsage, "usage claims %d prompt tokens, the reference counts %d", u.PromptTokens, promptTokens), false
	case u.TotalTokens != u.PromptTokens+u.CompletionTokens:
		return refuse(CheckUsage, "usage total %d is not %d prompt + %d completion tokens", u.TotalTokens, u.PromptTokens, u.CompletionTokens), false
	}
	vocab := v.ref.VocabSize()
	for j, t := range ans.Tokens {
		if t.ID >= vocab {
			return refuse(CheckText, "token %d has id %d, the vocabulary has %d", j, t.ID, vocab), false
		}
		if t.ID == eos {
			return refuse(CheckText, "token %d is the end-of-text token, which answers never carry (finish %q says the model ended)", j, protocol.FinishStop), false
		}
		if protocol.JSONText(t.Text) != protocol.JSONText(v.ref.TokenText(t.ID)) {
			return refuse(CheckText, "token %d says %q, id %d is %q", j, t.Text, t.ID, v.ref.TokenText(t.ID)), false
		}
	}
	switch {
	case n > req.MaxTokens:
		return refuse(CheckLength, "%d tokens, max_tokens is %d", n, req.MaxTokens), false
	case ans.Finish == protocol.FinishLength && n != req.MaxTokens:
		return refuse(CheckLength, "finish %q after %d tokens of %d", ans.Finish, n, req.MaxTokens), false
	case ans.Finish == protocol.FinishStop && ans.StopSequence != "":
		if !contains(req.Stop, ans.StopSequence) {
			return refuse(CheckLength, "stopped at %q, which the request did not ask for", ans.StopSequence), false
		}
		var text strings.Builder
		for _, id := range ids {
			text.WriteString(v.ref.TokenText(id))
		}
		full := text.String()
		last := 0
		if len(ids) > 0 {
			last = len(v.ref.TokenText(ids[len(ids)-1]))
		}
		i := strings.Index(full, ans.StopSequence)
		if i < 0 || i+len(ans.StopSequence) <= len(full)-last {
			return refuse(CheckLength, "stop sequence %q does not end the answer's last token", ans.StopSequence), false
		}
	case ans.Finish != protocol.FinishStop && ans.Finish != protocol.FinishLength:
		return refuse(CheckLength, "finish reason %q", ans.Finish), false
	}
	return Verdict{}, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// fineDelta is the mean |exp(ref) − exp(miner)| over the first and the last
// position and FineChecks−2 others drawn from the verifier's key, the miner
// and the request (distinct where the answer is long enough).
func (v *Verifier) fineDelta(miner string, req protocol.Request, tokens []protocol.Token, rows [][]float32) float64 {
	n := len(tokens)
	picks := []int{0}
	if n > 1 {
		picks = append(picks, n-1)
	}
	if inner := n - 2; inner > 0 {
		h := sha256.New()
		h.Write(v.key[:])
		h.Write([]byte(miner + "\x00" + req.ID + "\x00"))
		binary.Write(h, binary.BigEndian, req.Seed)
		var seed [32]byte
		copy(seed[:], h.Sum(nil))
		r := rand.New(rand.NewChaCha8(seed))
		perm := r.Perm(inner)
		for i := 0; i < min(inner, v.cfg.FineChecks-2); i++ {
			picks = append(picks, 1+perm[i])
		}
	}
	var sum float64
	for _, j := range picks {
		sum += math.Abs(math.Exp(float64(rows[j][tokens[j].ID])) - math.Exp(tokens[j].Logprob))
	}
	return sum / float64(len(picks))
}

// remember records an improbable answer and reports the earlier sighting of
// the same tokens if there was one under another prompt or seed (ok false).
// Probable answers are neither remembered nor compared: two honest samples
// may well coincide.
func (v *Verifier) remember(miner string, req protocol.Request, ids []int, logProb float64) (sighting, bool) {
	if v.cfg.Memory == 0 || logProb >= math.Log(v.cfg.DuplicateMaxProb) {
		return sighting{}, true
	}
	h := sha256.New()
	for _, id := range ids {
		binary.Write(h, binary.BigEndian, uint32(id))
	}
	var key [32]byte
	copy(key[:], h.Sum(nil))
	s := sighting{miner: miner, prompt: sha256.Sum256([]byte(req.Text())), seed: req.Seed}
	v.mu.Lock()
	defer v.mu.Unlock()
	if prev, ok := v.seen[key]; ok {
		if prev.prompt != s.prompt || prev.seed != s.seed {
			return prev, false
		}
		// The same prompt under the same seed: a seeded sampler repeats
		// itself (a retry, or one request sent to two miners), no copy.
		return sighting{}, true
	}
	v.seen[key] = s
	v.queue = append(v.queue, key)
	if len(v.queue) > v.cfg.Memory {
		delete(v.seen, v.queue[0])
		v.queue = v.queue[1:]
	}
	return sighting{}, true
}

// cosine is the similarity of the miner's alternatives at a position and
// the reference's as many most likely tokens, as probability vectors over
// the ids of both lists (SN1's LogitsRewardModel).
func cosine(top []protocol.Alternative, row []float32) float64 {
	if len(top) == 0 {
		return 0
	}
	ref := topIDs(row, len(top))
	miner := make(map[int]float64, len(top))
	for _, a := range top {
		if a.ID >= 0 && a.ID < len(row) {
			miner[a.ID] = math.Exp(a.Logprob)
		}
	}
	var dot, na, nb float64
	for _, p := range miner {
		na += p * p
	}
	for _, id := range ref {
		q := math.Exp(float64(row[id]))
		nb += q * q
		dot += miner[id] * q
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// topIDs is the k most likely ids of row, most likely first.
func topIDs(row []float32, k int) []int {
	top := make([]int, 0, k+1)
	for id, v := range row {
		if len(top) == k && v <= row[top[k-1]] {
			continue
		}
		at := len(top)
		for at > 0 && row[top[at-1]] < v {
			at--
		}
		top = append(top, 0)
		copy(top[at+1:], top[at:])
		top[at] = id
		if len(top) > k {
			top = top[:k]
		}
	}
	return top
}

// stopEvidence is the natural log of an e-value against "this answer's
// ends were drawn by an honest sampler": at every position j the answer
// reached, the request's sampling over the reference ends with probability
// p_j (the end-unlikely check's figure), and X_j is 1 where the answer
// ended, else 0. Each factor 1 + λ(X_j − p_j), λ = StopBet, has expectation
// exactly 1 under honest sampling given everything before it, so their
// product over the answer is an e-value (expectation ≤ 1) whatever the
// prompt. A truncation, an end where p_j is small, multiplies it by about
// 1 + λ; an honest answer's log drifts down by about λ²p(1−p)/2 a position.
// Answers that finish by length or by a stop sequence contribute only the
// non-ends.
func (v *Verifier) stopEvidence(s protocol.Sampling, rows [][]float32, n int, ended bool) float64 {
	eos, bet := v.ref.EOS(), v.cfg.StopBet
	var e float64
	for j := 0; j < n; j++ {
		e += math.Log1p(-bet * sampleProb(rows[j], eos, s))
	}
	if ended {
		e += math.Log1p(bet * (1 - sampleProb(rows[n], eos, s)))
	}
	return e
}

// observeStops adds one answer's stop evidence to the miner's running score
// S ← max(0, S + evidence) and reports S and whether it reached
// log(1/StopAlpha). This is the CUSUM e-detector of Shin, Ramdas and
// Rinaldo (2023, "E-detectors: a nonparametric framework for sequential
// change detection"): for a miner that samples honestly the mean number of
// answers before a false alarm is at least 1/StopAlpha, and a miner that
// starts truncating at any time is flagged after about log(1/StopAlpha)
// divided by its evidence per answer, however plausible each single end
// looks. It catches what the per-answer end-unlikely check cannot: a cut
// where the model itself ends with probability 0.2 is a plausible end once,
// not dozens of times over answers that an honest sampler would mostly
// have continued.
func (v *Verifier) observeStops(miner string, evidence float64) (float64, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	s := max(0, v.stops[miner]+evidence)
	v.stops[miner] = s
	return s, s >= -math.Log(v.cfg.StopAlpha)
}
