package verify_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/textgen/miner"
	"github.com/gotensor/gotensor/subnets/textgen/protocol"
	"github.com/gotensor/gotensor/subnets/textgen/verify"
)

// BenchmarkVerify is the verifier's cost per answer: one teacher-forced
// pass of the shipped model over a 6-token prompt and a 16-token answer,
// and every check. The memory of improbable answers is off, so each
// iteration verifies the same answer afresh.
func BenchmarkVerify(b *testing.B) {
	t := &testing.T{}
	ref := lm(t)
	req := protocol.Request{ID: "b", Prompt: "And the LORD said unto", TopLogprobs: 5,
		Sampling: protocol.Sampling{MaxTokens: 16, Temperature: 0.8, TopK: 10, Seed: 1}}
	a := answer(t, miner.NewLocal(ref), req)
	cfg := verify.DefaultConfig()
	cfg.Memory = 0
	v, err := verify.New(cfg, ref, key)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		d, err := v.Verify(context.Background(), "m", req, a)
		if err != nil || !d.OK {
			b.Fatalf("%v %+v", err, d)
		}
	}
	b.ReportMetric(float64(len(a.Tokens)), "tokens/answer")
}
