package textgen_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/textgen"
	"github.com/gotensor/gotensor/subnets/textgen/miner"
	"github.com/gotensor/gotensor/subnets/textgen/protocol"
)

var shippedModel = filepath.Join("model", "testdata", "kjv-tiny.gguf")

var (
	loadOnce sync.Once
	shipped  *textgen.Runtime
	loadErr  error
)

func lm(t *testing.T) *textgen.Runtime {
	t.Helper()
	loadOnce.Do(func() { shipped, loadErr = textgen.Load(shippedModel) })
	require.NoError(t, loadErr)
	return shipped
}

// The catch-rate trial: every behaviour answers the same number of
// challenges and the validator verifies them all. Honest answers are
// refused at most 1 % of the time (none in the short run); every cheat is
// caught nearly always. TEXTGEN_TRIAL_ROUNDS sets
// the rounds (BENCHMARKS.md runs 1000); the default keeps the test short.
func TestTrial(t *testing.T) {
	rounds := 25
	if s := os.Getenv("TEXTGEN_TRIAL_ROUNDS"); s != "" {
		var err error
		rounds, err = strconv.Atoi(s)
		require.NoError(t, err)
	}
	wrong, err := textgen.Shallow(shippedModel, 2)
	require.NoError(t, err)
	reports, err := textgen.Trial(context.Background(), lm(t), wrong, textgen.TrialConfig{Validator: textgen.DefaultValidatorConfig(), Rounds: rounds})
	require.NoError(t, err)
	require.Len(t, reports, len(miner.Behaviours))
	var table strings.Builder
	fmt.Fprintf(&table, "%-12s %8s %7s %7s %7s %9s %14s  %s\n", "behaviour", "answers", "failed", "cheats", "caught", "catch", "false-refusal", "refused by")
	for _, r := range reports {
		fmt.Fprintf(&table, "%-12s %8d %7d %7d %7d %9.4f %14.4f  %v\n", r.Behaviour, r.Answers, r.Failed, r.Cheats, r.Caught, r.CatchRate(), r.FalseRefusalRate(), r.Checks)
	}
	t.Logf("%d rounds:\n%s", rounds, table.String())
	for _, r := range reports {
		if miner.IsHonest(r.Behaviour) {
			require.Zero(t, r.Cheats)
			require.LessOrEqual(t, r.FalseRefusalRate(), 0.01, "%s: honest answers refused: %v", r.Behaviour, r.Checks)
			continue
		}
		require.Positive(t, r.Cheats, r.Behaviour)
		require.GreaterOrEqual(t, r.CatchRate(), 0.9, "%s: %+v", r.Behaviour, r)
	}
}

// Challenges are valid requests, each with its own prompt cut mid-verse, id
// and seed.
func TestChallenges(t *testing.T) {
	v, err := textgen.NewValidator(textgen.DefaultValidatorConfig(), lm(t), []byte("challenge-test-secret-key"))
	require.NoError(t, err)
	seen := map[string]bool{}
	chats := 0
	for range 200 {
		r := v.NextRequest()
		require.NoError(t, r.Validate())
		require.False(t, seen[r.ID])
		seen[r.ID] = true
		text := r.Text()
		require.NotEmpty(t, text)
		require.NotContains(t, ".,;:", text[len(text)-1:], "cut after a word: %q", text)
		if r.Chat() {
			chats++
		}
	}
	require.InDelta(t, 50, chats, 25, "a quarter are chats")

	cfg := textgen.DefaultValidatorConfig()
	cfg.Challenge.TopKs = nil
	_, err = textgen.NewValidator(cfg, lm(t), []byte("challenge-test-secret-key"))
	require.ErrorIs(t, err, textgen.ErrConfig)
	_, err = textgen.NewValidator(textgen.DefaultValidatorConfig(), lm(t), []byte("short"))
	require.ErrorContains(t, err, "secret has 5 bytes")
}

// The shallow copy is a real, different model: it loads, reads the same
// vocabulary, and ranks the next token differently.
func TestShallow(t *testing.T) {
	wrong, err := textgen.Shallow(shippedModel, 2)
	require.NoError(t, err)
	require.Equal(t, 2, wrong.Model().Layers)
	require.Equal(t, lm(t).VocabSize(), wrong.VocabSize())
	prompt, err := lm(t).EncodePrompt("And the LORD said unto")
	require.NoError(t, err)
	a, err := lm(t).TeacherForce(context.Background(), prompt, []int{0})
	require.NoError(t, err)
	b, err := wrong.TeacherForce(context.Background(), prompt, []int{0})
	require.NoError(t, err)
	require.NotEqual(t, a[0], b[0])
	_, err = textgen.Shallow(shippedModel, lm(t).Model().Layers)
	require.ErrorContains(t, err, "drops at least one")
}

// The runtime's stream through the Local backend is seeded: the same
// request gives the same answer, another seed another.
func TestRuntimeDeterminism(t *testing.T) {
	b := miner.NewLocal(lm(t))
	req := protocol.Request{ID: "d", Prompt: "Blessed are the", TopLogprobs: 2, Sampling: protocol.Sampling{MaxTokens: 8, Temperature: 1, Seed: rand.Uint64()}}
	run := func(r protocol.Request) protocol.Answer {
		asm := protocol.NewAssembler(r)
		require.NoError(t, b.Generate(context.Background(), r, asm.Add))
		a, err := asm.Answer()
		require.NoError(t, err)
		return a
	}
	first := run(req)
	require.Equal(t, first, run(req))
	other := req
	other.Seed++
	require.NotEqual(t, first.IDs(), run(other).IDs())
}
