package model_test

import (
	"context"
	"fmt"

	"github.com/gotensor/gotensor/subnets/textgen/model"
)

func Example() {
	m, err := model.Load("testdata/kjv-tiny.gguf")
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for seed := uint64(1); seed <= 3; seed++ {
		c, err := m.Generate(ctx, model.Request{Prompt: "And the LORD said unto Moses,", MaxTokens: 40,
			Temperature: 0.8, TopP: 0.95, Seed: seed, TopLogprobs: 3})
		if err != nil {
			panic(err)
		}
		fmt.Printf("%d %s %q\n", seed, c.Finish, c.Text)
	}
	// A validator re-scores an answer with one teacher-forced pass.
	c, _ := m.Generate(ctx, model.Request{Prompt: "In the beginning", MaxTokens: 8, Temperature: 1, Seed: 9, TopLogprobs: 2})
	prompt, _ := m.PromptTokens("In the beginning")
	ids := make([]int, len(c.Tokens))
	for i, t := range c.Tokens {
		ids[i] = t.ID
	}
	s, _ := m.Score(ctx, prompt, ids, model.ScoreOptions{TopLogprobs: 2})
	for i, p := range s.Positions {
		fmt.Printf("%q %.3f rank %d, generated %.3f\n", p.Text, p.Logprob, p.Rank, c.Tokens[i].Logprob)
	}
	// Output:
	// 1 length " Let over their father David as I will call this elder, O man that God hath said unto me, Thy knowsu"
	// 2 length " Behold, The priest, thy crife me after him to love the land of Judah, and the children of Daran"
	// 3 length " Thus saith the LORD, Why are the Pharisees, and said, Nook there is all the wall in the sid"
	// " ab" -6.201 rank 55, generated -6.201
	// "ou" -1.667 rank 1, generated -1.667
	// "t" -0.059 rank 0, generated -0.059
	// " from" -4.412 rank 17, generated -4.412
	// " a" -3.424 rank 5, generated -3.424
	// " w" -3.266 rank 9, generated -3.266
	// "or" -1.746 rank 0, generated -1.746
	// "ld" -2.014 rank 1, generated -2.014
}
