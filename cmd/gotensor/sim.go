package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gotensor/gotensor/sim/report"
	"github.com/gotensor/gotensor/sim/scenario"
)

// simFlags size a run; zero keeps the scenario suite's full default.
type simFlags struct {
	output                                    string
	seeds, warmup, epochs, validators, miners int
	quick                                     bool
	report                                    string
}

func (f *simFlags) bind(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	fl.IntVar(&f.seeds, "seeds", 0, "seeds to average (default 10)")
	fl.IntVar(&f.warmup, "warmup", 0, "warm-up epochs before measuring (default 40)")
	fl.IntVar(&f.epochs, "epochs", 0, "measured epochs (default 100)")
	fl.IntVar(&f.validators, "validators", 0, "validators of the simulated subnets (default 64)")
	fl.IntVar(&f.miners, "miners", 0, "miners of the simulated subnets (default 192)")
	fl.BoolVar(&f.quick, "quick", false, "the reduced run the tests use (2 seeds, 16 validators, 48 miners, 15+20 epochs)")
}

func (f *simFlags) config(progress func(string)) (scenario.Config, error) {
	if f.output != "text" && f.output != "json" {
		return scenario.Config{}, fmt.Errorf("--output %q: want text or json", f.output)
	}
	cfg := scenario.Full()
	if f.quick {
		cfg = scenario.Quick()
	}
	for _, o := range []struct {
		name string
		v    int
		dst  *int
	}{{"seeds", f.seeds, &cfg.Seeds}, {"warmup", f.warmup, &cfg.Warmup}, {"epochs", f.epochs, &cfg.Epochs},
		{"validators", f.validators, &cfg.Validators}, {"miners", f.miners, &cfg.Miners}} {
		if o.v < 0 {
			return cfg, fmt.Errorf("--%s %d: want a positive number", o.name, o.v)
		}
		if o.v > 0 {
			*o.dst = o.v
		}
	}
	if cfg.Validators+cfg.Miners > 4096 {
		return cfg, fmt.Errorf("--validators %d + --miners %d: at most 4096 uids", cfg.Validators, cfg.Miners)
	}
	cfg.Progress = progress
	return cfg, nil
}

// progressLine rewrites one status line on w at most every 200 ms.
type progressLine struct {
	w     io.Writer
	start time.Time
	last  time.Time
	label string
	wrote bool
}

func (p *progressLine) say(msg string) {
	now := time.Now()
	if now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	fmt.Fprintf(p.w, "\r\033[K%s%s (%s)", p.label, msg, now.Sub(p.start).Round(time.Second))
	p.wrote = true
}

func (p *progressLine) done() {
	if p.wrote {
		fmt.Fprintf(p.w, "\r\033[K")
	}
}

func simCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:               "sim",
		Short:             "the incentive suite: does the network pay for usefulness, or for stake and gaming?",
		PersistentPreRunE: standalone,
	}
	var listOut string
	list := &cobra.Command{
		Use:   "list",
		Short: "list the scenarios (S01–S15)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			all := scenario.All()
			if listOut == "json" {
				ids := make([]string, len(all))
				for i, s := range all {
					ids[i] = s.ID
				}
				return writeJSON(c.OutOrStdout(), ids)
			}
			if listOut != "text" {
				return fmt.Errorf("--output %q: want text or json", listOut)
			}
			for _, s := range all {
				fmt.Fprintf(c.OutOrStdout(), "%s  %s  %s\n", s.ID, s.Layer, s.Title)
			}
			return nil
		},
	}
	list.Flags().StringVarP(&listOut, "output", "o", "text", "output format: text or json")

	var runFlags simFlags
	run := &cobra.Command{
		Use:   "run SXX",
		Short: "run one scenario and print its figures",
		Long: `run one scenario of the incentive suite (see "gotensor sim list") and print its figures: the mean
over seeds, the 95 % confidence interval, the threshold and whether it holds. -o json prints the
scenario's JSON ("scenario", "threshold", "pass", its metrics and its own rows or cases).`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			s, err := scenario.ByID(strings.ToUpper(args[0]))
			if err != nil {
				return err
			}
			p := &progressLine{w: c.ErrOrStderr(), start: time.Now()}
			cfg, err := runFlags.config(p.say)
			if err != nil {
				return err
			}
			r, err := s.Run(cfg)
			p.done()
			if err != nil {
				return err
			}
			if runFlags.output == "json" {
				return writeJSON(c.OutOrStdout(), r)
			}
			return report.Markdown(c.OutOrStdout(), []*scenario.Result{r}, report.Meta{
				Command: "gotensor sim run " + s.ID, Config: cfg, Wall: time.Since(p.start).Round(time.Second).String()})
		},
	}
	runFlags.bind(run)

	var allFlags simFlags
	all := &cobra.Command{
		Use:   "all --report DIR",
		Short: "run every scenario and write the report (Markdown, JSON per scenario, PNG plots)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if allFlags.report == "" {
				return fmt.Errorf("--report: name the folder to write the report into")
			}
			p := &progressLine{w: c.ErrOrStderr(), start: time.Now()}
			cfg, err := allFlags.config(p.say)
			if err != nil {
				return err
			}
			list := scenario.All()
			var results []*scenario.Result
			for i, s := range list {
				p.label = fmt.Sprintf("[%d/%d] ", i+1, len(list))
				p.last = time.Time{}
				p.say(s.ID)
				r, err := s.Run(cfg)
				if err != nil {
					p.done()
					return err
				}
				results = append(results, r)
			}
			p.done()
			cmdline := "gotensor sim all --report " + allFlags.report
			if allFlags.quick {
				cmdline += " --quick"
			}
			wall := time.Since(p.start).Round(time.Second).String()
			// Figures measured on the real forecasting subnet, kept in the folder by the attack
			// tests, are listed beside the simulated ones.
			real, err := report.ReadReal(allFlags.report)
			if err != nil {
				return err
			}
			if err := report.Write(allFlags.report, results, report.Meta{Command: cmdline, Config: cfg, Wall: wall, Real: real}); err != nil {
				return err
			}
			if allFlags.output == "json" {
				return writeJSON(c.OutOrStdout(), results)
			}
			for _, r := range results {
				verdict := "pass"
				if !r.Pass {
					verdict = "FAIL"
				}
				if r.PassWithDefences && !r.Pass {
					verdict += " (pass with defences)"
				}
				fmt.Fprintf(c.OutOrStdout(), "%s  %-4s %s\n", r.Scenario, verdict, r.Title)
			}
			fmt.Fprintf(c.OutOrStdout(), "report written to %s in %s\n", allFlags.report, wall)
			return nil
		},
	}
	allFlags.bind(all)
	all.Flags().StringVar(&allFlags.report, "report", "", "folder to write README.md, SXX.json and the plots into")
	cmd.AddCommand(list, run, all)
	return cmd
}

// writeJSON prints v as one line of JSON, keeping "<" and ">" readable.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
