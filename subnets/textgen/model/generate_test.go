package model

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/gotensor/gotensor/subnets/textgen/model/gguf"
)

func tinyModel(t testing.TB) *Model {
	t.Helper()
	m, err := FromGGUF(tinyFile(t, tiny, newTinyWeights(1, tiny, false), gguf.F32))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var samplings = map[string]Request{
	"greedy":         {Temperature: 0},
	"temperature":    {Temperature: 1.2},
	"top-p":          {Temperature: 0.8, TopP: 0.7},
	"top-k":          {Temperature: 1.5, TopK: 3},
	"scaled logprob": {Temperature: 0.6, TopK: 5, TopP: 0.95, ScaledLogprobs: true},
}

// The same seed gives the same tokens and logprobs, however many CPUs share
// the work; another seed gives another completion.
func TestDeterminism(t *testing.T) {
	m := tinyModel(t)
	ctx := context.Background()
	req := Request{PromptIDs: []int{2, 4}, MaxTokens: 12, Temperature: 1, TopLogprobs: 3, Seed: 42}
	a, err := m.Generate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 3, 8} {
		runtime.GOMAXPROCS(procs)
		b, err := m.Generate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("GOMAXPROCS %d changed the completion:\n%+v\n%+v", procs, a, b)
		}
	}
	differ := 0
	for seed := uint64(1); seed <= 5; seed++ {
		req.Seed = seed
		b, err := m.Generate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a.Tokens, b.Tokens) {
			differ++
		}
	}
	if differ < 4 {
		t.Fatalf("only %d of 5 other seeds changed the tokens", differ)
	}
}

// Score's teacher-forced pass reports exactly (to the bit) the logprobs and
// alternatives Generate reported, under every sampling setting.
func TestScoreAgreesWithGenerate(t *testing.T) {
	m := tinyModel(t)
	ctx := context.Background()
	for name, s := range samplings {
		for seed := uint64(0); seed < 4; seed++ {
			req := s
			req.PromptIDs, req.MaxTokens, req.TopLogprobs, req.Seed = []int{1, 7, 3}, 10, 4, seed
			c, err := m.Generate(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			ids := make([]int, len(c.Tokens))
			for i, tok := range c.Tokens {
				ids[i] = tok.ID
			}
			opt := ScoreOptions{TopLogprobs: 4}
			if req.ScaledLogprobs {
				opt.Temperature = req.Temperature
			}
			sc, err := m.Score(ctx, req.PromptIDs, ids, opt)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range sc.Positions {
				if !reflect.DeepEqual(p.Token, c.Tokens[i]) {
					t.Fatalf("%s seed %d token %d: scored %+v, generated %+v", name, seed, i, p.Token, c.Tokens[i])
				}
				if name == "greedy" && p.Rank != 0 {
					t.Fatalf("greedy token %d has rank %d", i, p.Rank)
				}
				if p.EOSLogprob != scoreLogprob(t, m, append(req.PromptIDs, ids[:i]...), m.EOS(), opt) {
					t.Fatalf("%s token %d: EOS logprob %v", name, i, p.EOSLogprob)
				}
			}
			if sc.Next.ID != -1 || len(sc.Next.Top) != 4 {
				t.Fatalf("Next = %+v", sc.Next)
			}
		}
	}
}

func scoreLogprob(t *testing.T, m *Model, prefix []int, id int, opt ScoreOptions) float64 {
	sc, err := m.Score(context.Background(), prefix, []int{id}, opt)
	if err != nil {
		t.Fatal(err)
	}
	return sc.Positions[0].Logprob
}

// Sampled tokens obey top-k and top-p as Score ranks them, and greedy takes
// the most likely token.
func TestSamplingCutsHold(t *testing.T) {
	m := tinyModel(t)
	ctx := context.Background()
	for seed := uint64(0); seed < 30; seed++ {
		for _, req := range []Request{{Temperature: 2, TopK: 2}, {Temperature: 1.5, TopP: 0.5}} {
			req.PromptIDs, req.MaxTokens, req.Seed = []int{5}, 8, seed
			c, err := m.Generate(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			prefix := []int{5}
			for _, tok := range c.Tokens {
				sc, err := m.Score(ctx, prefix, []int{tok.ID}, ScoreOptions{TopLogprobs: tiny.vocab})
				if err != nil {
					t.Fatal(err)
				}
				p := sc.Positions[0]
				if req.TopK > 0 && p.Rank >= req.TopK {
					t.Fatalf("top-k %d sampled a token of rank %d", req.TopK, p.Rank)
				}
				if req.TopP > 0 {
					// at temperature T the probabilities are softmax(logprob/T)
					var z, above float64
					for _, a := range p.Top {
						w := math.Exp(a.Logprob / req.Temperature)
						z += w
						if a.Logprob > p.Logprob {
							above += w
						}
					}
					if above/z >= req.TopP {
						t.Fatalf("top-p %v sampled a token with %.3f of the mass above it", req.TopP, above/z)
					}
				}
				prefix = append(prefix, tok.ID)
			}
		}
	}
}

// The sampler's draws follow the cut and renormalised distribution.
func TestSampleDistribution(t *testing.T) {
	probs := []float64{0.5, 0.3, 0.15, 0.05}
	logits := make([]float32, len(probs))
	for i, p := range probs {
		logits[i] = float32(math.Log(p))
	}
	draw := func(req Request, n int) []float64 {
		rng := rand.New(rand.NewPCG(7, 7))
		freq := make([]float64, len(probs))
		for i := 0; i < n; i++ {
			freq[sample(logits, req, rng)] += 1 / float64(n)
		}
		return freq
	}
	const n = 40000
	near := func(got, want []float64) bool {
		for i := range want {
			if math.Abs(got[i]-want[i]) > 4*math.Sqrt(want[i]*(1-want[i])/n)+1e-12 {
				return false
			}
		}
		return true
	}
	if f := draw(Request{Temperature: 1}, n); !near(f, probs) {
		t.Fatalf("temperature 1: %v", f)
	}
	if f := draw(Request{Temperature: 1, TopP: 0.8}, n); !near(f, []float64{0.5 / 0.8, 0.3 / 0.8, 0, 0}) {
		t.Fatalf("top-p 0.8: %v", f)
	}
	if f := draw(Request{Temperature: 1, TopK: 3}, n); !near(f, []float64{0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0}) {
		t.Fatalf("top-k 3: %v", f)
	}
	// temperature 2 flattens: p ∝ √p
	var z float64
	for _, p := range probs {
		z += math.Sqrt(p)
	}
	want := make([]float64, len(probs))
	for i, p := range probs {
		want[i] = math.Sqrt(p) / z
	}
	if f := draw(Request{Temperature: 2}, n); !near(f, want) {
		t.Fatalf("temperature 2: %v, want %v", f, want)
	}
	if got := sample([]float32{1, 3, 3, 2}, Request{}, nil); got != 1 {
		t.Fatalf("greedy picked %d, want the lower id of a tie", got)
	}
}

// A stop sequence ends the text before it and keeps its tokens; streamed
// deltas add up to the text and never show the stop sequence; max tokens and
// the context bound the completion.
func TestStopsAndStreaming(t *testing.T) {
	m := tinyModel(t)
	ctx := context.Background()
	base := Request{PromptIDs: []int{0}, MaxTokens: 14, Temperature: 1.3, Seed: 3}
	free, err := m.Generate(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	if free.Finish != FinishLength || free.Usage != (Usage{1, 14, 15}) || len(free.Text) != 14 {
		t.Fatalf("free run: %q %s %+v", free.Text, free.Finish, free.Usage)
	}
	stop := free.Text[5:7]
	cut := strings.Index(free.Text, stop)
	req := base
	req.Stop = []string{"zz", stop}
	var streamed strings.Builder
	steps := 0
	req.OnToken = func(s Step) error {
		if s.Index != steps {
			t.Fatalf("step %d reported index %d", steps, s.Index)
		}
		steps++
		streamed.WriteString(s.Delta)
		if strings.Contains(streamed.String(), stop) {
			t.Fatalf("the stop sequence was streamed: %q", streamed.String())
		}
		return nil
	}
	c, err := m.Generate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if c.Finish != FinishStop || c.StopSequence != stop || c.Text != free.Text[:cut] {
		t.Fatalf("with stop %q: %q (%s, %q), want %q", stop, c.Text, c.Finish, c.StopSequence, free.Text[:cut])
	}
	if !reflect.DeepEqual(c.Tokens, free.Tokens[:cut+len(stop)]) {
		t.Fatal("the stop sequence changed the tokens sampled before it")
	}
	if streamed.String() != c.Text || steps != len(c.Tokens) {
		t.Fatalf("streamed %q in %d steps, text %q in %d tokens", streamed.String(), steps, c.Text, len(c.Tokens))
	}
	// The context bounds a completion: two positions left, two tokens.
	long := make([]int, tiny.ctx-2)
	c, err = m.Generate(ctx, Request{PromptIDs: long, MaxTokens: 10, Temperature: 0})
	if err != nil {
		t.Fatal(err)
	}
	if c.Finish != FinishLength || len(c.Tokens) != 2 {
		t.Fatalf("at the context's end: %d tokens, %s", len(c.Tokens), c.Finish)
	}
	// A callback's error stops generation.
	req.OnToken = func(Step) error { return context.Canceled }
	if _, err := m.Generate(ctx, req); err != context.Canceled {
		t.Fatalf("callback error: %v", err)
	}
}

// Concurrent generations on one model give what each gives alone.
func TestConcurrentGenerate(t *testing.T) {
	m := tinyModel(t)
	want := make([]*Completion, 8)
	for i := range want {
		c, err := m.Generate(context.Background(), Request{PromptIDs: []int{i}, MaxTokens: 10, Temperature: 1, Seed: uint64(i), TopLogprobs: 2})
		if err != nil {
			t.Fatal(err)
		}
		want[i] = c
	}
	got := make([]*Completion, len(want))
	errs := make([]error, len(want))
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = m.Generate(context.Background(), Request{PromptIDs: []int{i}, MaxTokens: 10, Temperature: 1, Seed: uint64(i), TopLogprobs: 2})
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("generation %d differed when run concurrently (%v)", i, errs[i])
		}
	}
}

// The end token ends a completion, is kept in Tokens (so a verifier sees
// the model chose it), adds no text and is not counted in usage.
func TestEndToken(t *testing.T) {
	m := tinyModel(t)
	for seed := uint64(0); seed < 200; seed++ {
		c, err := m.Generate(context.Background(), Request{PromptIDs: []int{9}, MaxTokens: 12, Temperature: 2, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		last := c.Tokens[len(c.Tokens)-1]
		if last.ID != m.EOS() {
			continue
		}
		if c.Finish != FinishStop || c.Usage.CompletionTokens != len(c.Tokens)-1 || last.Text != "" || len(c.Text) != len(c.Tokens)-1 {
			t.Fatalf("ended by EOS: %+v", c)
		}
		return
	}
	t.Fatal("no seed ended with the end token")
}

func TestIgnoreEOS(t *testing.T) {
	m := tinyModel(t)
	for seed := uint64(0); seed < 50; seed++ {
		c, err := m.Generate(context.Background(), Request{PromptIDs: []int{9}, MaxTokens: 12, Temperature: 2, Seed: seed, IgnoreEOS: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Tokens) != 12 || c.Finish != FinishLength {
			t.Fatalf("seed %d: %d tokens, %s", seed, len(c.Tokens), c.Finish)
		}
		for _, tok := range c.Tokens {
			if tok.ID == m.EOS() {
				t.Fatal("the end token was sampled")
			}
		}
	}
}

func TestSafeEnd(t *testing.T) {
	for _, tc := range []struct {
		text  string
		stops []string
		want  int
	}{
		{"hello", nil, 5},
		{"hello wo", []string{"world"}, 6},
		{"hello w", []string{"xyz", "w!"}, 6},
		{"caf\xc3", nil, 3},
		{"caf\xc3\xa9", nil, 5},
		{"\xe2\x82", nil, 0},
		{"a\xe2\x82\xac", nil, 4},
	} {
		if got := safeEnd(tc.text, tc.stops); got != tc.want {
			t.Errorf("safeEnd(%q, %q) = %d, want %d", tc.text, tc.stops, got, tc.want)
		}
	}
}

func TestRequestValidation(t *testing.T) {
	m := tinyModel(t)
	for name, req := range map[string]Request{
		"no max":       {PromptIDs: []int{1}},
		"temperature":  {PromptIDs: []int{1}, MaxTokens: 1, Temperature: -1},
		"nan":          {PromptIDs: []int{1}, MaxTokens: 1, Temperature: math.NaN()},
		"top-p":        {PromptIDs: []int{1}, MaxTokens: 1, TopP: 1.5},
		"top-k":        {PromptIDs: []int{1}, MaxTokens: 1, TopK: -2},
		"logprobs":     {PromptIDs: []int{1}, MaxTokens: 1, TopLogprobs: 21},
		"empty stop":   {PromptIDs: []int{1}, MaxTokens: 1, Stop: []string{""}},
		"empty prompt": {PromptIDs: []int{}, MaxTokens: 1},
		"bad token":    {PromptIDs: []int{11}, MaxTokens: 1},
		"full context": {PromptIDs: make([]int, tiny.ctx), MaxTokens: 1},
	} {
		if _, err := m.Generate(context.Background(), req); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for _, opt := range []ScoreOptions{{TopLogprobs: -1}, {TopLogprobs: 21}, {Temperature: math.NaN()}, {Temperature: math.Inf(1)}} {
		if _, err := m.Score(context.Background(), []int{1}, []int{2}, opt); err == nil {
			t.Errorf("score options %+v accepted", opt)
		}
	}
	if _, err := m.Score(context.Background(), nil, []int{2}, ScoreOptions{}); err == nil {
		t.Error("scoring without a prompt accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Generate(ctx, Request{PromptIDs: []int{1}, MaxTokens: 3}); err != context.Canceled {
		t.Fatalf("cancelled context: %v", err)
	}
}
