package verify

import (
	"errors"
	"fmt"
	"math"
)

// ErrConfig reports a threshold out of range.
var ErrConfig = errors.New("verify config")

// Config holds the verification thresholds. Each default is the value the
// subnet named beside it used (Bittensor's inference subnets: Nineteen, Targon, Apex).
type Config struct {
	// TopRank: a token whose rank in the reference is TopRank or worse is a
	// miss. SN19 vision-workers text.py: top-10 (prompt_logprobs 10).
	TopRank int `json:"top_rank"`
	// MaxMisses is how many misses an answer may have. SN19: more than 3 fail.
	MaxMisses int `json:"max_misses"`
	// ImprobableLogprob: any token at or below it fails. Targon v5
	// verifier.py: −13.
	ImprobableLogprob float64 `json:"improbable_logprob"`
	// UnlikelyLogprob and MaxUnlikely: more than MaxUnlikely tokens at or
	// below UnlikelyLogprob fail. Targon v5: five or more at ≤ −8.
	UnlikelyLogprob float64 `json:"unlikely_logprob"`
	MaxUnlikely     int     `json:"max_unlikely"`
	// EndAvoidRatio: P(end)/P(token) above it at any position fails. SN19:
	// 100 ("You really went out your way to avoid stopping!").
	EndAvoidRatio float64 `json:"end_avoid_ratio"`
	// MinEndProb: an answer ending with the end-of-text token where the
	// request's sampling (temperature, cuts) over the reference gives it
	// less fails. Ours: an honest sampler ends at such a position with
	// probability below MinEndProb per position. On the shipped model 0.05
	// caught 98.9 % of answers cut at half their length and refused 0.4–0.6 %
	// of honest ones (BENCHMARKS.md); 1e-3 caught 97.4 % and refused 0.
	// The cuts it lets through, at ends the model itself often makes, are
	// the miner-level end-rate check's (StopAlpha).
	MinEndProb float64 `json:"min_end_prob"`
	// StopAlpha and StopBet run the miner-level end check (end-rate): each
	// answer's ends are scored as an e-value with bet StopBet against
	// honest sampling, and a miner whose running CUSUM of their logs
	// reaches log(1/StopAlpha) has its answers that end refused until the
	// score falls back below (see Verifier.observeStops). An honest miner
	// is falsely flagged after 1/StopAlpha answers on average at the
	// soonest. StopBet < 1 keeps a miner whose backend's end probabilities
	// run up to about (1+StopBet/2)× the reference's from drifting upward
	// (first order: the drift λ(q−p) − λ²p/2 stays negative). Ours.
	StopAlpha float64 `json:"stop_alpha"`
	StopBet   float64 `json:"stop_bet"`
	// FineChecks positions (first, last, the rest drawn) compare the miner's
	// logprobs with the reference's. SN19: 5.
	FineChecks int `json:"fine_checks"`
	// FineFull and FineMax bound the mean |exp(ref) − exp(miner)|: at most
	// FineFull scores quality 1, linearly to 0.5 at FineMax, beyond fails.
	// SN19: 0.125 and 0.25.
	FineFull float64 `json:"fine_full"`
	FineMax  float64 `json:"fine_max"`
	// MinCosine: the mean over every position of the cosine similarity
	// between the miner's top alternatives and the reference's (as
	// probabilities, a token missing from one list counting 0) must reach
	// it. SN1 prompting exact_match.py: 0.9.
	MinCosine float64 `json:"min_cosine"`
	// UsageMin and UsageMax bound claimed prompt tokens over the
	// reference's count. Targon v5: ×0.5–2.
	UsageMin float64 `json:"usage_min"`
	UsageMax float64 `json:"usage_max"`
	// PerfectMinTokens and PerfectMaxProb define a too-perfect answer (see
	// the package doc). Ours.
	PerfectMinTokens int     `json:"perfect_min_tokens"`
	PerfectMaxProb   float64 `json:"perfect_max_prob"`
	// DuplicateMaxProb: answers whose tokens had at most this probability
	// under the request's sampling are remembered, and a second copy under
	// another prompt or seed is a replay or a relay. Ours: two honest
	// samples coincide with about that probability.
	DuplicateMaxProb float64 `json:"duplicate_max_prob"`
	// Memory is how many such answers are remembered.
	Memory int `json:"memory"`
}

// DefaultConfig is SN19's and Targon's thresholds, with ours where they
// had none.
func DefaultConfig() Config {
	return Config{
		TopRank: 10, MaxMisses: 3,
		ImprobableLogprob: -13, UnlikelyLogprob: -8, MaxUnlikely: 4,
		EndAvoidRatio: 100, MinEndProb: 0.05,
		StopAlpha: 1e-6, StopBet: 0.5,
		FineChecks: 5, FineFull: 0.125, FineMax: 0.25, MinCosine: 0.9,
		UsageMin: 0.5, UsageMax: 2,
		PerfectMinTokens: 8, PerfectMaxProb: 1e-3,
		DuplicateMaxProb: 1e-4, Memory: 4096,
	}
}

// Validate reports the first threshold out of range.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
	}
	prob := func(p float64) bool { return p > 0 && p < 1 }
	switch {
	case c.TopRank < 1:
		return bad("top_rank is %d, want ≥ 1", c.TopRank)
	case c.MaxMisses < 0 || c.MaxUnlikely < 0:
		return bad("max_misses %d and max_unlikely %d must be ≥ 0", c.MaxMisses, c.MaxUnlikely)
	case !(c.ImprobableLogprob < 0) || !(c.UnlikelyLogprob < 0) || math.IsInf(c.ImprobableLogprob, 0) || math.IsInf(c.UnlikelyLogprob, 0):
		return bad("improbable_logprob %v and unlikely_logprob %v must be finite and negative", c.ImprobableLogprob, c.UnlikelyLogprob)
	case !(c.EndAvoidRatio > 1) || math.IsInf(c.EndAvoidRatio, 0):
		return bad("end_avoid_ratio is %v, want a finite value > 1", c.EndAvoidRatio)
	case !prob(c.MinEndProb) || !prob(c.PerfectMaxProb) || !prob(c.DuplicateMaxProb):
		return bad("min_end_prob %v, perfect_max_prob %v and duplicate_max_prob %v must be in (0, 1)", c.MinEndProb, c.PerfectMaxProb, c.DuplicateMaxProb)
	case !prob(c.StopAlpha) || !prob(c.StopBet):
		return bad("stop_alpha %v and stop_bet %v must be in (0, 1)", c.StopAlpha, c.StopBet)
	case c.FineChecks < 2:
		return bad("fine_checks is %d, want ≥ 2 (the first and the last position)", c.FineChecks)
	case !(c.FineFull > 0 && c.FineFull < c.FineMax && c.FineMax <= 1):
		return bad("fine_full %v and fine_max %v: want 0 < fine_full < fine_max ≤ 1", c.FineFull, c.FineMax)
	case !(c.UsageMin > 0 && c.UsageMin <= 1 && c.UsageMax >= 1) || math.IsInf(c.UsageMax, 0):
		return bad("usage_min %v and usage_max %v: want 0 < usage_min ≤ 1 ≤ usage_max", c.UsageMin, c.UsageMax)
	case c.PerfectMinTokens < 1:
		return bad("perfect_min_tokens is %d, want ≥ 1", c.PerfectMinTokens)
	case !(c.MinCosine >= 0 && c.MinCosine <= 1):
		return bad("min_cosine is %v, want 0..1", c.MinCosine)
	case c.Memory < 0:
		return bad("memory is %d, want ≥ 0", c.Memory)
	}
	return nil
}
