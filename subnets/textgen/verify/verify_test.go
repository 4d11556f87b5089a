package verify_test

import (
	"context"
	"math"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/textgen"
	"github.com/gotensor/gotensor/subnets/textgen/miner"
	"github.com/gotensor/gotensor/subnets/textgen/protocol"
	"github.com/gotensor/gotensor/subnets/textgen/verify"
)

var (
	loadOnce sync.Once
	shipped  *textgen.Runtime
	loadErr  error
)

// lm is the subnet's shipped model: the reference of every test here.
func lm(t *testing.T) *textgen.Runtime {
	t.Helper()
	loadOnce.Do(func() { shipped, loadErr = textgen.Load(filepath.Join("..", "model", "testdata", "kjv-tiny.gguf")) })
	require.NoError(t, loadErr)
	return shipped
}

var key = []byte("verify-test-validator-secret")

func request(id string, seed uint64) protocol.Request {
	return protocol.Request{ID: id, Prompt: "And the LORD said unto", TopLogprobs: 5,
		Sampling: protocol.Sampling{MaxTokens: 12, Temperature: 0.8, TopK: 10, Seed: seed}}
}

// answer runs a backend on req and adds up its chunks.
func answer(t *testing.T, b miner.Backend, req protocol.Request) protocol.Answer {
	t.Helper()
	asm := protocol.NewAssembler(req)
	require.NoError(t, b.Generate(context.Background(), req, asm.Add))
	a, err := asm.Answer()
	require.NoError(t, err)
	return a
}

func newVerifier(t *testing.T) *verify.Verifier {
	v, err := verify.New(verify.DefaultConfig(), lm(t), key)
	require.NoError(t, err)
	return v
}

func clone(a protocol.Answer) protocol.Answer {
	b := a
	b.Tokens = make([]protocol.Token, len(a.Tokens))
	for i, t := range a.Tokens {
		b.Tokens[i] = t
		b.Tokens[i].Top = append([]protocol.Alternative(nil), t.Top...)
	}
	return b
}

// rows is the reference's distribution at every token of a.
func rows(t *testing.T, req protocol.Request, a protocol.Answer) [][]float32 {
	prompt, err := lm(t).EncodePrompt(req.Text())
	require.NoError(t, err)
	r, err := lm(t).TeacherForce(context.Background(), prompt, a.IDs())
	require.NoError(t, err)
	return r
}

// byRank is the id the row ranks r-th.
func byRank(row []float32, r int) int {
	ids := make([]int, len(row))
	for i := range ids {
		ids[i] = i
	}
	for i := 0; i <= r; i++ { // partial selection sort: enough for small r
		best := i
		for j := i + 1; j < len(ids); j++ {
			if row[ids[j]] > row[ids[best]] {
				best = j
			}
		}
		ids[i], ids[best] = ids[best], ids[i]
	}
	return ids[r]
}

func least(row []float32) int {
	id := 0
	for i, v := range row {
		if v < row[id] {
			id = i
		}
	}
	return id
}

// The honest answer passes with full quality; each check refuses the
// answer doctored the way it exists to catch, and only that check.
func TestEachCheckRefusesItsCheat(t *testing.T) {
	ref := lm(t)
	honestReq := request("r1", 7)
	honest := answer(t, miner.NewLocal(ref), honestReq)
	require.Equal(t, protocol.FinishLength, honest.Finish, "the prompt stops mid-verse: 12 tokens")
	d, err := newVerifier(t).Verify(context.Background(), "m1", honestReq, honest)
	require.NoError(t, err)
	require.True(t, d.OK, "%+v", d)
	require.Equal(t, 1.0, d.Quality)
	require.Equal(t, 12, d.Tokens)
	require.InDelta(t, 1, d.Cosine, 1e-9)
	require.InDelta(t, 0, d.MeanDelta, 1e-6, "the Go runtime is exact (the reference's rows are float32)")
	rs := rows(t, honestReq, honest)

	swap := func(a *protocol.Answer, j, id int) {
		a.Tokens[j].ID, a.Tokens[j].Text = id, ref.TokenText(id)
		a.Tokens[j].Logprob = float64(rs[j][id]) // as if the miner's logprob were right
	}
	cases := []struct {
		name   string
		check  verify.Check
		mutate func(a *protocol.Answer, req *protocol.Request)
	}{
		{"other model", verify.CheckModel, func(a *protocol.Answer, _ *protocol.Request) { a.Model = "llama-3-8b" }},
		{"inflated completion", verify.CheckUsage, func(a *protocol.Answer, _ *protocol.Request) {
			a.Usage.CompletionTokens *= 3
			a.Usage.TotalTokens = a.Usage.PromptTokens + a.Usage.CompletionTokens
		}},
		{"inflated prompt", verify.CheckUsage, func(a *protocol.Answer, _ *protocol.Request) {
			a.Usage.PromptTokens *= 3
			a.Usage.TotalTokens = a.Usage.PromptTokens + a.Usage.CompletionTokens
		}},
		{"short length", verify.CheckLength, func(a *protocol.Answer, _ *protocol.Request) {
			a.Tokens = a.Tokens[:6]
			a.Usage.CompletionTokens, a.Usage.TotalTokens = 6, a.Usage.PromptTokens+6
		}},
		{"unrequested stop", verify.CheckLength, func(a *protocol.Answer, _ *protocol.Request) {
			a.Finish, a.StopSequence = protocol.FinishStop, a.Tokens[11].Text
		}},
		{"text not its id's", verify.CheckText, func(a *protocol.Answer, _ *protocol.Request) { a.Tokens[3].Text = " Pharaoh" }},
		{"end token carried", verify.CheckText, func(a *protocol.Answer, _ *protocol.Request) { a.Tokens[11].ID = ref.EOS() }},
		{"tokens outside top-k", verify.CheckRank, func(a *protocol.Answer, _ *protocol.Request) {
			for j := range 4 {
				swap(a, j+2, byRank(rs[j+2], 12))
			}
		}},
		{"improbable token", verify.CheckImprobable, func(a *protocol.Answer, _ *protocol.Request) { swap(a, 5, least(rs[5])) }},
		{"logprobs made up", verify.CheckLogprobs, func(a *protocol.Answer, _ *protocol.Request) {
			for j := range a.Tokens {
				a.Tokens[j].Logprob = math.Log(0.999)
			}
		}},
		{"alternatives made up", verify.CheckTopTokens, func(a *protocol.Answer, _ *protocol.Request) {
			for j := range a.Tokens {
				for k := range a.Tokens[j].Top {
					id := least(rs[j]) - k
					a.Tokens[j].Top[k] = protocol.Alternative{ID: id, Text: ref.TokenText(id), Logprob: math.Log(0.5)}
				}
			}
		}},
		{"truncated", verify.CheckEndUnlikely, func(a *protocol.Answer, _ *protocol.Request) {
			a.Tokens = a.Tokens[:5]
			a.Finish = protocol.FinishStop
			a.Usage.CompletionTokens, a.Usage.TotalTokens = 5, a.Usage.PromptTokens+5
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, req := clone(honest), honestReq
			tc.mutate(&a, &req)
			d, err := newVerifier(t).Verify(context.Background(), "m1", req, a)
			require.NoError(t, err)
			require.False(t, d.OK)
			require.Equal(t, tc.check, d.Check, "%s", d.Detail)
		})
	}
}

// A miner that will not stop where the model wants to is refused; the
// model's own answer to the same prompt ends there and passes.
func TestEndSkipped(t *testing.T) {
	ref := lm(t)
	req := protocol.Request{ID: "r", Prompt: "In the beginning God created the heaven and the earth.", TopLogprobs: 5,
		Sampling: protocol.Sampling{MaxTokens: 1, Temperature: 0.7, TopK: 10, Seed: 3}}
	prompt, err := ref.EncodePrompt(req.Text())
	require.NoError(t, err)
	row, err := ref.TeacherForce(context.Background(), prompt, []int{0})
	require.NoError(t, err)
	require.Equal(t, ref.EOS(), byRank(row[0], 0), "the verse is over: the model wants to end")
	id := byRank(row[0], 9) // within top_k 10, but far below the end
	require.Greater(t, float64(row[0][ref.EOS()]-row[0][id]), math.Log(100))
	tok := protocol.Token{ID: id, Text: ref.TokenText(id), Logprob: float64(row[0][id])}
	for r := range 5 {
		alt := byRank(row[0], r)
		tok.Top = append(tok.Top, protocol.Alternative{ID: alt, Text: ref.TokenText(alt), Logprob: float64(row[0][alt])})
	}
	a := protocol.Answer{Tokens: []protocol.Token{tok}, Finish: protocol.FinishLength, Model: ref.ModelID(),
		Usage: protocol.Usage{PromptTokens: len(prompt), CompletionTokens: 1, TotalTokens: len(prompt) + 1}}
	d, err := newVerifier(t).Verify(context.Background(), "m", req, a)
	require.NoError(t, err)
	require.Equal(t, verify.CheckEndSkipped, d.Check, "%s", d.Detail)

	honest := answer(t, miner.NewLocal(ref), req)
	d, err = newVerifier(t).Verify(context.Background(), "m", req, honest)
	require.NoError(t, err)
	require.True(t, d.OK, "%+v", d)
}

// The greedy answer passed off as a sample at temperature 1 is too perfect;
// asked for greedily, it passes.
func TestTooPerfect(t *testing.T) {
	ref := lm(t)
	greedy := protocol.Request{ID: "g", Prompt: "And the LORD said unto", TopLogprobs: 5, Sampling: protocol.Sampling{MaxTokens: 16}}
	a := answer(t, miner.NewLocal(ref), greedy)
	require.Len(t, a.Tokens, 16)
	d, err := newVerifier(t).Verify(context.Background(), "m", greedy, a)
	require.NoError(t, err)
	require.True(t, d.OK, "%+v", d)

	sampled := greedy
	sampled.Temperature, sampled.Seed = 1, 99
	d, err = newVerifier(t).Verify(context.Background(), "m", sampled, a)
	require.NoError(t, err)
	require.Equal(t, verify.CheckTooPerfect, d.Check, "%s", d.Detail)
}

// The same improbable answer again from the same miner is a replay, from
// another miner a relay; the same request answered again alike is neither.
func TestReplayAndRelay(t *testing.T) {
	ref := lm(t)
	v := newVerifier(t)
	req := request("r1", 11)
	req.TopK, req.Temperature = 40, 1
	a := answer(t, miner.NewLocal(ref), req)
	d, err := v.Verify(context.Background(), "m1", req, a)
	require.NoError(t, err)
	require.True(t, d.OK, "%+v", d)
	require.Less(t, d.LogProb, math.Log(verify.DefaultConfig().DuplicateMaxProb), "improbable enough to remember")

	d, err = v.Verify(context.Background(), "m1", req, a)
	require.NoError(t, err)
	require.True(t, d.OK, "the same request and seed: a seeded sampler repeats itself")

	again := req
	again.ID, again.Seed = "r2", 12
	d, err = v.Verify(context.Background(), "m1", again, a)
	require.NoError(t, err)
	require.Equal(t, verify.CheckReplay, d.Check, "%s", d.Detail)

	d, err = v.Verify(context.Background(), "m2", again, a)
	require.NoError(t, err)
	require.Equal(t, verify.CheckRelay, d.Check, "%s", d.Detail)
}

func TestConfigValidate(t *testing.T) {
	require.NoError(t, verify.DefaultConfig().Validate())
	c := verify.DefaultConfig()
	c.FineFull, c.FineMax = 0.3, 0.2
	require.ErrorIs(t, c.Validate(), verify.ErrConfig)
	c = verify.DefaultConfig()
	c.MinEndProb = 0
	require.ErrorContains(t, c.Validate(), "min_end_prob 0")
	c = verify.DefaultConfig()
	c.StopBet = 1
	require.ErrorContains(t, c.Validate(), "stop_bet 1")
	_, err := verify.New(verify.DefaultConfig(), lm(t), []byte("short"))
	require.ErrorContains(t, err, "key has 5 bytes")
}

// A miner that cuts answers where the model could plausibly end passes the
// per-answer end check every time (here made lenient so that it does), but
// the end-rate check flags it once its ends pile up beyond what honest
// sampling allows: after about log(1/StopAlpha)/log(1+StopBet) cuts. Then
// its answers that end are refused, its answers that run to max_tokens are
// not, and an honest miner's score stays far from the bar.
func TestEndRate(t *testing.T) {
	cfg := verify.DefaultConfig()
	cfg.MinEndProb = 1e-12 // only the miner-level check judges ends here
	v, err := verify.New(cfg, lm(t), key)
	require.NoError(t, err)
	local := miner.NewLocal(lm(t))
	req := func(i int) protocol.Request {
		r := request("e"+string(rune('A'+i%26))+string(rune('a'+i/26)), uint64(100+i))
		r.TopK = 0 // uncut: the end is always sampleable, so only its probability speaks
		return r
	}
	bar := -math.Log(cfg.StopAlpha)
	flaggedAt := 0
	for i := 0; flaggedAt == 0 && i < 200; i++ {
		r := req(i)
		full := answer(t, local, r)
		if full.Finish != protocol.FinishLength {
			continue // the model ended by itself: no cut to make
		}
		cut := clone(full)
		cut.Tokens = cut.Tokens[:len(cut.Tokens)/2]
		cut.Finish = protocol.FinishStop
		cut.Usage.CompletionTokens = len(cut.Tokens)
		cut.Usage.TotalTokens = cut.Usage.PromptTokens + cut.Usage.CompletionTokens
		d, err := v.Verify(context.Background(), "cutter", r, cut)
		require.NoError(t, err)
		require.Positive(t, d.StopEvidence, "an end the model would mostly not have made is evidence")
		require.LessOrEqual(t, d.StopEvidence, math.Log1p(cfg.StopBet)+1e-12)
		if d.StopScore >= bar {
			require.Equal(t, verify.CheckEndRate, d.Check, "%+v", d)
			flaggedAt = i + 1
			continue
		}
		require.True(t, d.OK, "cut %d passes every per-answer check: %+v", i, d)
	}
	require.Positive(t, flaggedAt, "the cutter was never flagged")
	require.GreaterOrEqual(t, float64(flaggedAt), bar/math.Log1p(cfg.StopBet), "no cut is worth more than log(1+bet)")
	require.Less(t, flaggedAt, 60)

	// Flagged, the cutter's whole answers still count; a cut does not.
	r := req(300)
	full := answer(t, local, r)
	require.Equal(t, protocol.FinishLength, full.Finish)
	d, err := v.Verify(context.Background(), "cutter", r, full)
	require.NoError(t, err)
	require.True(t, d.OK, "%+v", d)
	require.LessOrEqual(t, d.StopEvidence, 0.0, "positions it went on from only lower the score")

	// An honest miner, answers from the same requests: nowhere near the bar.
	honest := 0.0
	for i := range 60 {
		r := req(i)
		d, err := v.Verify(context.Background(), "honest", r, answer(t, local, r))
		require.NoError(t, err)
		// Uncut at 0.8 an honest answer may draw past SN19's top 10 (rank);
		// it never fails on its ends.
		require.NotContains(t, []verify.Check{verify.CheckEndRate, verify.CheckEndUnlikely, verify.CheckEndSkipped}, d.Check, "%+v", d)
		honest = d.StopScore
	}
	require.Less(t, honest, bar/4)
}
