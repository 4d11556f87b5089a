package textgen

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gotensor/gotensor/subnets/textgen/miner"
	"github.com/gotensor/gotensor/subnets/textgen/protocol"
	"github.com/gotensor/gotensor/subnets/textgen/scoreboard"
	"github.com/gotensor/gotensor/subnets/textgen/verify"
)

// TrialConfig sets up a trial: every behaviour answers the same challenges,
// without a network, and the validator verifies every answer.
type TrialConfig struct {
	Validator ValidatorConfig
	// Behaviours to run (default miner.Behaviours); relay copies honest-fast,
	// which then runs too.
	Behaviours []string
	// Rounds is how many challenges are sent (each to every behaviour).
	Rounds int
	// Delay is honest-slow's pause per token (default 1ms: speed is not
	// what a trial measures).
	Delay time.Duration
	// Secret keys the validator (default: a fixed trial key).
	Secret []byte
}

// BehaviourReport is what the validator made of one behaviour's answers.
type BehaviourReport struct {
	Behaviour string `json:"behaviour"`
	// Answers were verified or refused; Failed ones never arrived whole.
	Answers int `json:"answers"`
	Failed  int `json:"failed"`
	// Cheats is how many requests were cheated on (an honest behaviour
	// never does; truncate only when the model would have gone on, replay
	// only once it has something cached), and Caught how many of those
	// earned nothing: refused, or broken on arrival.
	Cheats int `json:"cheats"`
	Caught int `json:"caught"`
	// Refused counts every refused answer, and Checks by the check that
	// refused it.
	Refused int                  `json:"refused"`
	Checks  map[verify.Check]int `json:"checks,omitempty"`
}

// CatchRate is the share of cheating answers refused.
func (r BehaviourReport) CatchRate() float64 {
	if r.Cheats == 0 {
		return 0
	}
	return float64(r.Caught) / float64(r.Cheats)
}

// FalseRefusalRate is the share of honest answers (those not cheated on)
// refused.
func (r BehaviourReport) FalseRefusalRate() float64 {
	honest, wronged := r.Answers+r.Failed-r.Cheats, r.Refused+r.Failed-r.Caught
	if honest == 0 {
		return 0
	}
	return float64(wronged) / float64(honest)
}

// Trial runs cfg.Rounds challenges against every behaviour, the subnet's
// model lm serving the honest ones and the validator's reference, and
// wrong (another model) serving wrong-model.
func Trial(ctx context.Context, lm *Runtime, wrong *Runtime, cfg TrialConfig) ([]BehaviourReport, error) {
	if len(cfg.Behaviours) == 0 {
		cfg.Behaviours = miner.Behaviours
	}
	if cfg.Delay == 0 {
		cfg.Delay = time.Millisecond
	}
	if cfg.Secret == nil {
		cfg.Secret = []byte("textgen trial validator secret")
	}
	v, err := NewValidator(cfg.Validator, lm, cfg.Secret)
	if err != nil {
		return nil, err
	}
	names := cfg.Behaviours
	if contains(names, miner.Relay) && !contains(names, miner.HonestFast) {
		names = append([]string{miner.HonestFast}, names...)
	}
	var mu sync.Mutex
	cheated := map[string]bool{}
	ex := miner.NewExchange()
	backends := make([]miner.Backend, len(names))
	for i, name := range names {
		deps := miner.Deps{LM: lm, Delay: cfg.Delay, Exchange: ex, RelayWait: 20 * time.Millisecond, Seed: uint64(i), Cheated: func(id string) {
			mu.Lock()
			cheated[id] = true
			mu.Unlock()
		}}
		if wrong != nil {
			deps.Wrong = wrong
		}
		b, err := miner.Behave(name, deps)
		if err != nil {
			return nil, err
		}
		if name == miner.HonestFast {
			b = ex.Tap(b)
		}
		backends[i] = b
	}
	reports := make([]BehaviourReport, len(names))
	for i, name := range names {
		reports[i] = BehaviourReport{Behaviour: name, Checks: map[verify.Check]int{}}
	}
	for round := range cfg.Rounds {
		responses := make([]Response, len(names))
		var wg sync.WaitGroup
		for i, name := range names {
			hotkey := fmt.Sprintf("trial-%s", name)
			responses[i] = Response{UID: uint16(i), Hotkey: hotkey, Request: v.NextRequest()}
			wg.Add(1)
			go func() {
				defer wg.Done()
				rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				Collect(rctx, backends[i], &responses[i])
			}()
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		results, err := v.Score(ctx, responses)
		if err != nil {
			return nil, fmt.Errorf("round %d: %w", round, err)
		}
		for i, res := range results {
			r := &reports[i]
			cheat := cheated[responses[i].Request.ID]
			if cheat {
				r.Cheats++
			}
			if res.Outcome == scoreboard.Failed || res.Outcome == scoreboard.Busy {
				// A cheat that arrives broken (a replayed answer longer than
				// max_tokens) earns nothing either: caught.
				r.Failed++
				if cheat {
					r.Caught++
				}
				continue
			}
			r.Answers++
			if res.Outcome == scoreboard.Refused {
				r.Refused++
				r.Checks[res.Check]++
				if cheat {
					r.Caught++
				}
			}
		}
	}
	return reports, nil
}

// Collect runs one request on a backend as a validator would receive it,
// chunk by chunk, filling in the response's answer (or error) and timings.
func Collect(ctx context.Context, b miner.Backend, r *Response) {
	start := time.Now()
	r.Start = start
	asm := protocol.NewAssembler(r.Request)
	err := b.Generate(ctx, r.Request, func(c protocol.Chunk) error {
		if r.TTFT == 0 && len(c.Tokens) > 0 {
			r.TTFT = time.Since(start)
		}
		if c.Finish != "" {
			r.Duration = time.Since(start) // when the last chunk arrived
		}
		return asm.Add(c)
	})
	if r.Duration == 0 {
		r.Duration = time.Since(start)
	}
	if err == nil {
		var a protocol.Answer
		if a, err = asm.Answer(); err == nil {
			r.Answer = &a
			return
		}
	}
	r.Err = err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
