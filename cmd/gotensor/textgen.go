package main

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gotensor/gotensor/subnets/textgen"
	"github.com/gotensor/gotensor/subnets/textgen/miner"
	tgneuron "github.com/gotensor/gotensor/subnets/textgen/neuron"
	"github.com/gotensor/gotensor/subnets/textgen/scoreboard"
)

func textgenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "textgen",
		Short: "the text-generation subnet: miners serve a language model, validators verify it",
		Long: `the text-generation subnet: miners stream completions from the subnet's language model (a GGUF
file run by the built-in Go runtime, or any OpenAI-compatible server asked for logprobs); validators
send challenges that look like user traffic, re-score every answer with one teacher-forced pass of
their own copy of the model, refuse answers the model would not have given, and set weights from
verified speed and volume.

the hotkey must be registered on the subnet first (gotensor tx subnet register); the miner and the
validator say how if it is not.`,
	}
	cmd.AddCommand(textgenMinerCmd(), textgenValidatorCmd())
	return cmd
}

func textgenMinerCmd() *cobra.Command {
	f := &neuronFlags{}
	var (
		modelPath, openaiURL, openaiModel, behaviour, listen, externalIP string
		externalPort                                                     uint
		capacity, maxTokens                                              int
		minStake                                                         uint64
	)
	cmd := &cobra.Command{
		Use:   "miner",
		Short: "serve completions from the subnet's model on an axon published on chain",
		Long: `serve the subnet's routes (TextComplete, streamed; TextInfo) on an axon to validators holding a
validator permit. Answers come from --model run in process, or, with --openai-url, from an
OpenAI-compatible server running that model (llama-server, vLLM, SGLang, Ollama), asked for
logprobs; --model is then read for its vocabulary and identity only. Above --capacity requests at
once the miner declines (429), which validators do not penalise. ctrl-c stops.`,
		Example: `  gotensor subnets textgen miner --model kjv-tiny.gguf --wallet alice --hotkey miner1 --netuid 2 --node 127.0.0.1:9090 --listen 127.0.0.1:8092
  gotensor subnets textgen miner --model kjv-tiny.gguf --openai-url http://127.0.0.1:8080/v1 --wallet alice --netuid 2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			errs := []error{f.check()}
			if modelPath == "" {
				errs = append(errs, errors.New("--model is required: the subnet's model, a GGUF file"))
			}
			if !slices.Contains(miner.Behaviours, behaviour) {
				errs = append(errs, fmt.Errorf("--behaviour %q: want one of %s", behaviour, strings.Join(miner.Behaviours, ", ")))
			}
			if openaiURL != "" && behaviour != miner.HonestFast {
				errs = append(errs, errors.New("--behaviour applies to the built-in runtime only, not with --openai-url"))
			}
			if capacity < 1 || maxTokens < 1 {
				errs = append(errs, fmt.Errorf("--capacity (%d) and --max-tokens (%d) must be positive", capacity, maxTokens))
			}
			var ip netip.Addr
			if externalIP != "" {
				var err error
				if ip, err = netip.ParseAddr(externalIP); err != nil {
					errs = append(errs, fmt.Errorf("--external-ip %q is not an IP address", externalIP))
				}
			}
			if externalPort > 65535 {
				errs = append(errs, fmt.Errorf("--external-port must be 1..65535, not %d", externalPort))
			}
			if err := errors.Join(errs...); err != nil {
				return err
			}
			lm, err := textgen.Load(modelPath)
			if err != nil {
				return fmt.Errorf("--model: %w", err)
			}
			var backend miner.Backend
			if openaiURL != "" {
				if backend, err = miner.NewOpenAI(openaiURL, openaiModel, lm, nil); err != nil {
					return err
				}
			} else {
				deps := miner.Deps{LM: lm, Exchange: miner.NewExchange()}
				if behaviour == miner.WrongModel {
					if deps.Wrong, err = textgen.Shallow(modelPath, max(1, lm.Model().Layers/2)); err != nil {
						return err
					}
				}
				if backend, err = miner.Behave(behaviour, deps); err != nil {
					return err
				}
			}
			log := f.logger(cmd.ErrOrStderr())
			conn, err := f.connect(cmd, log)
			if err != nil {
				return err
			}
			defer conn.client.Close()
			m, err := tgneuron.NewMiner(tgneuron.MinerConfig{
				Chain: conn.client, Hotkey: conn.hotkey, Netuid: uint16(f.netuid), Backend: backend,
				Capacity: capacity, MaxTokens: maxTokens,
				ListenAddr: listen, ExternalIP: ip, ExternalPort: uint16(externalPort), MinStake: minStake, Logger: log,
			})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			err = runUntilInterrupted(cmd, "miner", m, func() {
				info, _ := m.ServeInfo()
				fmt.Fprintf(out, "textgen miner: model %s (%s), capacity %d, uid %d on subnet %d of %s, listening on %s, publishing %s; ctrl-c stops\n",
					modelPath, lm.ModelID()[:12], capacity, conn.uid, f.netuid, conn.client.ChainID(), m.Addr(), netip.AddrPortFrom(info.IP, info.Port))
			})
			fmt.Fprintln(out, "textgen miner stopped")
			return err
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&modelPath, "model", "", "the subnet's model, a GGUF file (required)")
	fl.StringVar(&openaiURL, "openai-url", "", "an OpenAI-compatible server running the model, up to /v1 (default: run --model in process)")
	fl.StringVar(&openaiModel, "openai-model", "", "the model's name on that server (default: the server's default)")
	fl.StringVar(&behaviour, "behaviour", miner.HonestFast, "how the miner answers, for test networks: "+strings.Join(miner.Behaviours, ", "))
	fl.IntVar(&capacity, "capacity", tgneuron.DefaultCapacity, "requests served at once; more are declined (429) without penalty")
	fl.IntVar(&maxTokens, "max-tokens", tgneuron.DefaultMaxTokens, "longest completion served")
	fl.StringVar(&listen, "listen", ":8091", "address the axon listens on")
	fl.StringVar(&externalIP, "external-ip", "", "IP address validators reach the axon at (default: the listen address)")
	fl.UintVar(&externalPort, "external-port", 0, "port validators reach the axon at (default: the port listened on)")
	fl.Uint64Var(&minStake, "min-stake", 0, "refuse validators with less stake, in rao (a validator permit is always required)")
	return cmd
}

func textgenValidatorCmd() *cobra.Command {
	f := &neuronFlags{}
	var (
		modelPath                   string
		roundInterval, queryTimeout time.Duration
		weightsInterval             uint64
	)
	cmd := &cobra.Command{
		Use:   "validator",
		Short: "challenge the subnet's miners, verify their answers with the model, and set weights",
		Long: `every --round-interval, send each miner serving an axon a challenge of its own (--query-timeout
each), verify every answer with one teacher-forced pass of --model, and score verified answers on
time to first token, tokens per second and volume; every --weights-interval blocks (default: once
per epoch) put the scores on chain as weights, committed and revealed an epoch later when the subnet
uses commit-reveal. ctrl-c stops and prints the standings.`,
		Example: `  gotensor subnets textgen validator --model kjv-tiny.gguf --wallet bob --netuid 2 --node 127.0.0.1:9090`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			errs := []error{f.check()}
			if modelPath == "" {
				errs = append(errs, errors.New("--model is required: the subnet's model, a GGUF file"))
			}
			if roundInterval <= 0 || queryTimeout <= 0 {
				errs = append(errs, fmt.Errorf("--round-interval (%s) and --query-timeout (%s) must be positive", roundInterval, queryTimeout))
			}
			if err := errors.Join(errs...); err != nil {
				return err
			}
			lm, err := textgen.Load(modelPath)
			if err != nil {
				return fmt.Errorf("--model: %w", err)
			}
			log := f.logger(cmd.ErrOrStderr())
			conn, err := f.connect(cmd, log)
			if err != nil {
				return err
			}
			defer conn.client.Close()
			v, err := tgneuron.NewValidator(tgneuron.ValidatorConfig{
				Chain: conn.client, Hotkey: conn.hotkey, Netuid: uint16(f.netuid), Reference: lm,
				RoundInterval: roundInterval, QueryTimeout: queryTimeout, WeightsInterval: weightsInterval, Logger: log,
			})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			err = runUntilInterrupted(cmd, "validator", v, func() {
				fmt.Fprintf(out, "textgen validator: model %s (%s), uid %d on subnet %d of %s, a round every %s; ctrl-c stops\n",
					modelPath, lm.ModelID()[:12], conn.uid, f.netuid, conn.client.ChainID(), roundInterval)
			})
			a := v.Activity()
			fmt.Fprintf(out, "textgen validator stopped after %d rounds: %d answers verified, %d refused, %d declined, %d failed; weights set %d, committed %d, revealed %d\n",
				a.Rounds, a.Verified, a.Refused, a.Busy, a.Failed, a.Sets, a.Commits, a.Reveals)
			return errors.Join(err, writeTextgenStandings(out, v.Standings()))
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&modelPath, "model", "", "the subnet's model, a GGUF file (required)")
	fl.DurationVar(&roundInterval, "round-interval", tgneuron.DefaultRoundInterval, "time between two rounds of challenges")
	fl.DurationVar(&queryTimeout, "query-timeout", tgneuron.DefaultQueryTimeout, "how long each miner has to answer")
	fl.Uint64Var(&weightsInterval, "weights-interval", 0, "blocks between two weight updates (0: once per epoch)")
	return cmd
}

// writeTextgenStandings prints the scoreboard, one miner a line.
func writeTextgenStandings(w io.Writer, standings []scoreboard.Standing) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "uid\thotkey\tscore\tvolume\tverified\trefused\tdeclined\tfailed\ttokens/s\tttft")
	for _, s := range standings {
		fmt.Fprintf(tw, "%d\t%s\t%.3f\t%.1f\t%d\t%d\t%d\t%d\t%.0f\t%s\n", s.UID, s.Hotkey, s.Score, s.Volume, s.Verified, s.Refused, s.Busy, s.Failed, s.TokensPerSecond, s.TTFT.Round(time.Millisecond))
	}
	return tw.Flush()
}
