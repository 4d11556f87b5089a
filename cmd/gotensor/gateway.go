package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gotensor/gotensor/app"
	"github.com/gotensor/gotensor/gateway"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/subnets/textgen"
)

func defaultGatewayDB() string { return filepath.Join(app.DefaultNodeHome(), "gateway.db") }

func gatewayCmd() *cobra.Command {
	f := &neuronFlags{}
	var (
		modelPath, name, db, listen string
		verifyShare                 float64
		maxTokens                   int
		forecastNetuid              uint
		forecastName                string
		forecastMiners              int
	)
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "an OpenAI-compatible API in front of the text-generation subnet",
		Long: `serve the text-generation subnet to any OpenAI client: GET /v1/models, POST /v1/chat/completions and
POST /v1/completions (streamed or not) on --listen, each request routed to a miner drawn by
incentive × recent success ÷ latency and tried on up to three miners before its first byte.

the gateway calls miners with the wallet's hotkey, which must be registered on the subnet with a
validator permit (miners serve validators only). users need an API key: make one with
` + "`gotensor gateway keys add NAME`" + ` (keys live hashed in --db). --verify-share of the answers are
re-scored with --model, the subnet's model, and a miner caught cheating is left out of routing.

--forecast-netuid adds a forecasting subnet: POST /v1/forecast (model --forecast-name) answers with
the incentive-weighted ensemble of its --forecast-miners miners with the highest incentive. the
wallet's hotkey needs a validator permit there too.

--node may list several nodes of the chain (a,b,c): the metagraph is read from the first that
answers, and when it fails the gateway keeps serving from the last metagraph and moves to the next.`,
		Example: `  gotensor gateway --model kjv-tiny.gguf --wallet bob --netuid 2 --node 127.0.0.1:9090,127.0.0.1:9190
  OPENAI_BASE_URL=http://127.0.0.1:8080/v1 OPENAI_API_KEY=gt-… any-openai-client`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			nodes := strings.Split(f.node, ",")
			f.node = nodes[0]
			errs := []error{f.check()}
			for _, n := range nodes[1:] {
				if _, _, err := net.SplitHostPort(n); err != nil {
					errs = append(errs, fmt.Errorf("--node %q: want each node's gRPC address as host:port: %v", n, err))
				}
			}
			if modelPath == "" {
				errs = append(errs, errors.New("--model is required: the subnet's model, a GGUF file"))
			}
			if forecastNetuid > 65535 || (forecastNetuid != 0 && forecastNetuid == f.netuid) {
				errs = append(errs, fmt.Errorf("--forecast-netuid is %d: want a forecasting subnet 1..65535 other than --netuid", forecastNetuid))
			}
			if forecastMiners < 1 {
				errs = append(errs, fmt.Errorf("--forecast-miners is %d: want at least 1", forecastMiners))
			}
			if !(verifyShare >= 0 && verifyShare <= 1) {
				errs = append(errs, fmt.Errorf("--verify-share is %v, want 0..1", verifyShare))
			}
			if err := errors.Join(errs...); err != nil {
				return err
			}
			if name == "" {
				name = strings.TrimSuffix(filepath.Base(modelPath), filepath.Ext(modelPath))
			}
			lm, err := textgen.Load(modelPath)
			if err != nil {
				return fmt.Errorf("--model: %w", err)
			}
			keys, err := gateway.OpenKeys(db)
			if err != nil {
				return err
			}
			defer keys.Close()
			log := f.logger(cmd.ErrOrStderr())
			// The first node that answers is followed first; the others
			// (dialled with its chain id, so a node down now is no error)
			// take over in turn when it fails.
			var conn *connection
			var dialErrs []error
			for i, n := range nodes {
				f.node = n
				if conn, err = f.connect(cmd, log); err == nil {
					nodes = append(nodes[i:], nodes[:i]...)
					break
				}
				dialErrs = append(dialErrs, fmt.Errorf("--node %s: %w", n, err))
			}
			if conn == nil {
				return errors.Join(dialErrs...)
			}
			clients := []*chain.Client{conn.client}
			defer func() {
				for _, c := range clients {
					c.Close()
				}
			}()
			for _, n := range nodes[1:] {
				c, err := chain.Dial(cmd.Context(), chain.Config{Node: n, ChainID: conn.client.ChainID(), CallTimeout: f.timeout, Logger: log})
				if err != nil {
					return fmt.Errorf("--node %s: %w", n, err)
				}
				clients = append(clients, c)
			}
			graph, err := gateway.NewFollower(clients, uint16(f.netuid), 0, log)
			if err != nil {
				return err
			}
			cfg := gateway.Config{
				ChainID: conn.client.ChainID(), Hotkey: conn.hotkey, Keys: keys, ListenAddr: listen,
				Subnets:     []gateway.Subnet{{Netuid: uint16(f.netuid), Model: name, Metagraph: graph, Reference: lm}},
				VerifyShare: verifyShare, MaxTokens: maxTokens, Logger: log,
			}
			svc := &gatewayService{graph: graph}
			if forecastNetuid != 0 {
				fgraph, err := gateway.NewFollower(clients, uint16(forecastNetuid), 0, log)
				if err != nil {
					return err
				}
				cfg.Forecasts = []gateway.ForecastSubnet{{Netuid: uint16(forecastNetuid), Model: forecastName, Metagraph: fgraph, Miners: forecastMiners}}
				svc.others = append(svc.others, fgraph)
			}
			if svc.g, err = gateway.New(cfg); err != nil {
				return err
			}
			return runUntilInterrupted(cmd, "gateway", svc, func() {
				g := svc.g
				if forecastNetuid != 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "gateway: forecasts as model %s (subnet %d) at POST /v1/forecast\n", forecastName, forecastNetuid)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "gateway: model %s (subnet %d of %s) on %s; ctrl-c stops\nOPENAI_BASE_URL=%s\n",
					name, f.netuid, conn.client.ChainID(), g.Addr(), g.BaseURL())
			})
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&modelPath, "model", "", "the subnet's model, a GGUF file (required): requests name it, answers are verified with it")
	fl.StringVar(&name, "name", "", "the model id users ask for (default: the model file's name without .gguf)")
	fl.StringVar(&db, "db", defaultGatewayDB(), "the gateway's SQLite database (API keys and usage)")
	fl.StringVar(&listen, "listen", "127.0.0.1:8080", "where the API listens, host:port")
	fl.Float64Var(&verifyShare, "verify-share", 0.05, "share of answers (0..1) re-scored by the subnet's verifier")
	fl.IntVar(&maxTokens, "max-tokens", 256, "the longest completion a user may ask for")
	fl.UintVar(&forecastNetuid, "forecast-netuid", 0, "a forecasting subnet to serve at POST /v1/forecast (0: none)")
	fl.StringVar(&forecastName, "forecast-name", "forecast", "the model id users name for the forecasting subnet")
	fl.IntVar(&forecastMiners, "forecast-miners", 5, "how many of the forecasting miners with the highest incentive make the ensemble")
	cmd.AddCommand(gatewayKeysCmd())
	return cmd
}

// gatewayService runs the metagraph followers under the gateway: the text
// subnet's, whose end ends the service, and the forecasting subnet's.
type gatewayService struct {
	g      *gateway.Gateway
	graph  *gateway.Follower
	others []*gateway.Follower
}

func (s *gatewayService) Start() error {
	started := []*gateway.Follower{}
	for _, graph := range append([]*gateway.Follower{s.graph}, s.others...) {
		if err := graph.Start(); err != nil {
			return errors.Join(fmt.Errorf("gateway: metagraph: %w", err), stopFollowers(started))
		}
		started = append(started, graph)
	}
	if err := s.g.Start(); err != nil {
		return errors.Join(err, stopFollowers(started))
	}
	return nil
}

func stopFollowers(graphs []*gateway.Follower) error {
	var errs []error
	for _, g := range graphs {
		errs = append(errs, g.Stop())
	}
	return errors.Join(errs...)
}

func (s *gatewayService) Stop() error {
	return errors.Join(s.g.Stop(), stopFollowers(append([]*gateway.Follower{s.graph}, s.others...)))
}
func (s *gatewayService) Quit() <-chan struct{} { return s.graph.Quit() }

func gatewayKeysCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "the gateway's API keys: add, list, revoke (kept hashed in --db)",
	}
	cmd.PersistentFlags().StringVar(&db, "db", defaultGatewayDB(), "the gateway's SQLite database")
	withKeys := func(cmd *cobra.Command, do func(context.Context, *gateway.Keys) error) error {
		keys, err := gateway.OpenKeys(db)
		if err != nil {
			return err
		}
		defer keys.Close()
		return do(cmd.Context(), keys)
	}
	var limits gateway.Limits
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "make a key; its secret is printed once and never stored",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withKeys(cmd, func(ctx context.Context, keys *gateway.Keys) error {
				secret, key, err := keys.Add(ctx, args[0], limits)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "key %q (id %d, %s): keep the secret, it is not shown again\nOPENAI_API_KEY=%s\n",
					key.Name, key.ID, describeLimits(key.Limits), secret)
				return nil
			})
		},
	}
	add.Flags().IntVar(&limits.RequestsPerMinute, "rpm", 60, "requests per minute (0: unlimited)")
	add.Flags().IntVar(&limits.TokensPerMinute, "tpm", 20_000, "tokens per minute, prompt and completion (0: unlimited)")
	add.Flags().Int64Var(&limits.QuotaTokens, "quota", 0, "tokens the key may ever use (0: unlimited)")
	list := &cobra.Command{
		Use:   "list",
		Short: "list the keys, their limits and usage",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withKeys(cmd, func(ctx context.Context, keys *gateway.Keys) error {
				all, err := keys.List(ctx)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "id\tname\tkey\tstate\tlimits\trequests\tprompt tokens\tcompletion tokens\tcreated")
				for _, k := range all {
					state := "active"
					if k.Revoked {
						state = "revoked"
					}
					fmt.Fprintf(tw, "%d\t%s\t%s…\t%s\t%s\t%d\t%d\t%d\t%s\n", k.ID, k.Name, k.Prefix, state, describeLimits(k.Limits),
						k.Usage.Requests, k.Usage.PromptTokens, k.Usage.CompletionTokens, k.Created.Format(time.DateTime))
				}
				return tw.Flush()
			})
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke NAME",
		Short: "revoke a key: requests with it fail from now on",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withKeys(cmd, func(ctx context.Context, keys *gateway.Keys) error {
				if err := keys.Revoke(ctx, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "key %q revoked\n", args[0])
				return nil
			})
		},
	}
	cmd.AddCommand(add, list, revoke)
	return cmd
}

func describeLimits(l gateway.Limits) string {
	n := func(v int64) string {
		if v == 0 {
			return "∞"
		}
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("rpm %s, tpm %s, quota %s", n(int64(l.RequestsPerMinute)), n(int64(l.TokensPerMinute)), n(l.QuotaTokens))
}
