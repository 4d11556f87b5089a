package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gotensor/gotensor/app"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/wallet"
	"github.com/gotensor/gotensor/subnets/forecast/model"
	"github.com/gotensor/gotensor/subnets/forecast/neuron"
	"github.com/gotensor/gotensor/subnets/forecast/scoreboard"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// subnetsCmd is `gotensor subnets`: the reference subnets' miners and validators, run against
// any node through its gRPC API.
func subnetsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:               "subnets",
		Short:             "run the reference subnets' miners and validators; tools for any subnet",
		PersistentPreRunE: standalone,
	}
	cmd.AddCommand(forecastCmd(), textgenCmd(), commitHashCmd())
	return cmd
}

func forecastCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "forecast",
		Short: "the forecasting subnet: miners forecast time series, validators score the forecasts",
		Long: `the forecasting subnet: validators send time series from live generators only they can
continue; miners answer with point and quantile forecasts; once the future is drawn, validators
score the answers with proper scoring rules and set weights from the scores.

the hotkey must be registered on the subnet first (gotensor tx subnet register); the miner
and the validator say how if it is not.`,
	}
	cmd.AddCommand(forecastMinerCmd(), forecastValidatorCmd())
	return cmd
}

// neuronFlags are what a miner and a validator both read: the wallet, the subnet, the node, the
// logs.
type neuronFlags struct {
	wallet, hotkey, home, backend string
	netuid                        uint
	node                          string
	timeout                       time.Duration
	logLevel, logFormat           string
}

func (f *neuronFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.wallet, "wallet", "", "wallet name: its hotkey serves or validates (required)")
	fl.StringVar(&f.hotkey, "hotkey", wallet.DefaultHotkey, "the wallet's hotkey")
	fl.StringVar(&f.home, "home", app.DefaultNodeHome(), "folder holding the keyring")
	fl.StringVar(&f.backend, "keyring-backend", wallet.DefaultBackend, "keyring backend: os, file or test")
	fl.UintVar(&f.netuid, "netuid", 0, "the subnet's netuid (required)")
	fl.StringVar(&f.node, "node", "localhost:9090", "the node's gRPC address, host:port (the chain id is read from it); several, comma-separated, to move to the next when one stops answering")
	fl.DurationVar(&f.timeout, "timeout", chain.DefaultCallTimeout, "how long to wait for each answer from the node")
	fl.StringVar(&f.logLevel, "log-level", "warn", "log level: debug, info, warn or error")
	fl.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
}

// check finds every argument error before anything is opened or dialled.
func (f *neuronFlags) check() error {
	var errs []error
	if f.wallet == "" {
		errs = append(errs, errors.New("--wallet is required: the wallet whose hotkey runs (make one with `gotensor wallet create NAME`)"))
	}
	if f.netuid == 0 || f.netuid > types.MaxU16 {
		errs = append(errs, fmt.Errorf("--netuid must be 1..65535, not %d", f.netuid))
	}
	nodes := chain.ParseNodes(f.node)
	if len(nodes) == 0 {
		errs = append(errs, errors.New("--node is empty: want the node's gRPC address as host:port (or several, comma-separated)"))
	}
	for _, n := range nodes {
		if _, _, err := net.SplitHostPort(n); err != nil {
			errs = append(errs, fmt.Errorf("--node %q: want the node's gRPC address as host:port: %v", n, err))
		}
	}
	if f.timeout <= 0 {
		errs = append(errs, fmt.Errorf("--timeout must be positive, not %s", f.timeout))
	}
	if _, err := f.level(); err != nil {
		errs = append(errs, err)
	}
	if f.logFormat != "text" && f.logFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format must be text or json, not %q", f.logFormat))
	}
	return errors.Join(errs...)
}

func (f *neuronFlags) level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(f.logLevel)); err != nil {
		return 0, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", f.logLevel)
	}
	return l, nil
}

func (f *neuronFlags) logger(w io.Writer) *slog.Logger {
	level, _ := f.level() // checked
	opts := &slog.HandlerOptions{Level: level}
	if f.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// connection is a hotkey checked to be registered on the subnet of the node it is connected to.
type connection struct {
	hotkey *wallet.Signer
	client *chain.Client
	uid    uint16
}

// connect opens the hotkey, dials the node, and checks the hotkey is registered on the subnet;
// if it is not, the error says the exact command that registers it.
func (f *neuronFlags) connect(cmd *cobra.Command, log *slog.Logger) (*connection, error) {
	if f.backend == wallet.BackendTest {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning: the test keyring backend keeps keys unencrypted on disk; use it only for throw-away keys")
	}
	store, err := wallet.Open(f.backend, f.home, cmd.InOrStdin())
	if err != nil {
		return nil, err
	}
	hotkey, err := store.Hotkey(f.wallet, f.hotkey)
	if err != nil {
		if errors.Is(err, wallet.ErrNotFound) {
			return nil, fmt.Errorf("%w: make it with `gotensor wallet create %s` or `gotensor wallet new-hotkey %s %s` (keyring %s in %s)",
				err, f.wallet, f.wallet, f.hotkey, f.backend, f.home)
		}
		return nil, err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
	defer cancel()
	c, err := chain.Dial(ctx, chain.Config{Node: f.node, CallTimeout: f.timeout, Logger: log})
	if err != nil {
		return nil, err
	}
	uid, err := neuron.CheckRegistered(ctx, c, uint16(f.netuid), hotkey.Address())
	if err != nil {
		_ = c.Close()
		if errors.Is(err, neuron.ErrNotRegistered) {
			return nil, fmt.Errorf("%w\n\n%s", err, f.registerHint(hotkey.Address(), c.ChainID()))
		}
		return nil, err
	}
	return &connection{hotkey: hotkey, client: c, uid: uid}, nil
}

// registerHint is the command that registers the hotkey, paid by the wallet's coldkey.
func (f *neuronFlags) registerHint(hotkey, chainID string) string {
	host, _, _ := net.SplitHostPort(chain.ParseNodes(f.node)[0]) // checked
	return fmt.Sprintf(`register the hotkey (the coldkey %s pays the burn; `+"`gotensor q subnet registration-cost %d`"+` shows it), then start again:

  gotensor tx subnet register %d %s --from %s --keyring-backend %s --home %s --chain-id %s --node tcp://%s --yes

(--node there is the node's CometBFT RPC address, port 26657 by default)`,
		f.wallet, f.netuid, f.netuid, hotkey, f.wallet, f.backend, f.home, chainID, net.JoinHostPort(host, "26657"))
}

// lifecycle is what the miner and the validator services share.
type lifecycle interface {
	Start() error
	Stop() error
	Quit() <-chan struct{}
}

// runUntilInterrupted starts s, calls started, and stops s on ctrl-c (or when the command's
// context ends); a service that stops on its own is an error.
func runUntilInterrupted(cmd *cobra.Command, what string, s lifecycle, started func()) error {
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := s.Start(); err != nil {
		return err
	}
	started()
	select {
	case <-ctx.Done():
		return s.Stop()
	case <-s.Quit():
		return fmt.Errorf("the %s stopped on its own; the log says why (--log-level info)", what)
	}
}

func forecastMinerCmd() *cobra.Command {
	f := &neuronFlags{}
	var (
		modelName, listen, externalIP string
		externalPort                  uint
		minStake                      uint64
	)
	cmd := &cobra.Command{
		Use:   "miner",
		Short: "answer the subnet's challenges with a forecasting model, on an axon published on chain",
		Long: `serve the forecast route on an axon to validators holding a validator permit, answering with
--model; publish the axon's address on chain (serve-axon) once the hotkey is registered, and again
when it changes. The address published is --external-ip and --external-port when given, else the
address listened on. ctrl-c stops.`,
		Example: `  gotensor subnets forecast miner --model gbt --wallet alice --hotkey miner1 --netuid 1 --node 127.0.0.1:9090 --listen 127.0.0.1:8091`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			errs := []error{f.check()}
			if modelName == "" {
				errs = append(errs, fmt.Errorf("--model is required: one of %s", strings.Join(model.Names(), ", ")))
			} else if !slices.Contains(model.Names(), modelName) {
				errs = append(errs, fmt.Errorf("--model %q is not a model: use one of %s", modelName, strings.Join(model.Names(), ", ")))
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
			log := f.logger(cmd.ErrOrStderr())
			conn, err := f.connect(cmd, log)
			if err != nil {
				return err
			}
			defer conn.client.Close()
			m, err := neuron.NewMiner(neuron.MinerConfig{
				Chain: conn.client, Hotkey: conn.hotkey, Netuid: uint16(f.netuid), Model: modelName,
				ListenAddr: listen, ExternalIP: ip, ExternalPort: uint16(externalPort), MinStake: minStake,
				Logger: log,
			})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			err = runUntilInterrupted(cmd, "miner", m, func() {
				info, _ := m.ServeInfo()
				fmt.Fprintf(out, "forecast miner: model %s, uid %d on subnet %d of %s, listening on %s, publishing %s; ctrl-c stops\n",
					modelName, conn.uid, f.netuid, conn.client.ChainID(), m.Addr(), netip.AddrPortFrom(info.IP, info.Port))
			})
			fmt.Fprintln(out, "forecast miner stopped")
			return err
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&modelName, "model", "", "forecasting model: "+strings.Join(model.Names(), ", ")+" (required)")
	fl.StringVar(&listen, "listen", ":8091", "address the axon listens on")
	fl.StringVar(&externalIP, "external-ip", "", "IP address validators reach the axon at (default: the listen address; needed with a wildcard one)")
	fl.UintVar(&externalPort, "external-port", 0, "port validators reach the axon at (default: the port listened on)")
	fl.Uint64Var(&minStake, "min-stake", 0, "refuse validators with less stake, in rao (a validator permit is always required)")
	return cmd
}

func forecastValidatorCmd() *cobra.Command {
	f := &neuronFlags{}
	var (
		roundInterval, queryTimeout  time.Duration
		weightsInterval              uint64
		statePath                    string
		standingsListen, standingsIP string
		standingsPort                uint16
	)
	cmd := &cobra.Command{
		Use:   "validator",
		Short: "challenge the subnet's miners, score their forecasts, and set weights from the scores",
		Long: `every --round-interval, send a challenge to every miner serving an axon and score the answers
(--query-timeout each; a late or missing answer scores 0); every --weights-interval blocks (default:
once per epoch) put the scores on chain as weights, committed and revealed an epoch later when the
subnet uses commit-reveal. An unrevealed commit is kept in --state-file, so that a restart still
reveals it. With --standings-listen the validator serves its standings (every miner's measured
skill, score and challenges) at GET /forecast/standings, signed by its hotkey, for anyone to read,
and announces the address with serve-axon (--standings-external-ip/-port when readers reach it
elsewhere). ctrl-c stops and prints the standings.`,
		Example: `  gotensor subnets forecast validator --wallet bob --netuid 1 --node 127.0.0.1:9090`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			errs := []error{f.check()}
			if roundInterval <= 0 {
				errs = append(errs, fmt.Errorf("--round-interval must be positive, not %s", roundInterval))
			}
			if queryTimeout <= 0 {
				errs = append(errs, fmt.Errorf("--query-timeout must be positive, not %s", queryTimeout))
			}
			var publishIP netip.Addr
			if standingsIP != "" {
				var err error
				if publishIP, err = netip.ParseAddr(standingsIP); err != nil {
					errs = append(errs, fmt.Errorf("--standings-external-ip %q is not an IP address", standingsIP))
				}
			}
			if err := errors.Join(errs...); err != nil {
				return err
			}
			log := f.logger(cmd.ErrOrStderr())
			conn, err := f.connect(cmd, log)
			if err != nil {
				return err
			}
			defer conn.client.Close()
			if statePath == "" {
				statePath = filepath.Join(f.home, "forecast", fmt.Sprintf("validator-%s-%s-netuid%d.json", f.wallet, f.hotkey, f.netuid))
			}
			v, err := neuron.NewValidator(neuron.ValidatorConfig{
				Chain: conn.client, Hotkey: conn.hotkey, Netuid: uint16(f.netuid),
				RoundInterval: roundInterval, QueryTimeout: queryTimeout, WeightsInterval: weightsInterval,
				StatePath: statePath, PublishAddr: standingsListen, PublishExternalIP: publishIP, PublishExternalPort: standingsPort,
				Logger: log,
			})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			err = runUntilInterrupted(cmd, "validator", v, func() {
				fmt.Fprintf(out, "forecast validator: uid %d on subnet %d of %s, a round every %s; state in %s; ctrl-c stops\n",
					conn.uid, f.netuid, conn.client.ChainID(), roundInterval, statePath)
			})
			a := v.Activity()
			fmt.Fprintf(out, "forecast validator stopped after %d rounds; weights set %d, committed %d, revealed %d\n",
				a.Rounds, a.Sets, a.Commits, a.Reveals)
			return errors.Join(err, writeStandings(out, v.Standings()))
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.DurationVar(&roundInterval, "round-interval", neuron.DefaultRoundInterval, "time between two challenges")
	fl.DurationVar(&queryTimeout, "query-timeout", neuron.DefaultQueryTimeout, "how long each miner has to answer")
	fl.Uint64Var(&weightsInterval, "weights-interval", 0, "blocks between two weight updates (0: once per epoch)")
	fl.StringVar(&statePath, "state-file", "", "file keeping the unrevealed commit (default: under --home/forecast/)")
	fl.StringVar(&standingsListen, "standings-listen", "", "serve the signed standings at GET /forecast/standings on this address and announce it (default: not published)")
	fl.StringVar(&standingsIP, "standings-external-ip", "", "IP address readers reach the standings at (default: the listen address)")
	fl.Uint16Var(&standingsPort, "standings-external-port", 0, "port readers reach the standings at (default: the listen port)")
	return cmd
}

// writeStandings prints the scoreboard, one miner a line.
func writeStandings(w io.Writer, standings []scoreboard.Standing) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "uid\thotkey\tscore\tskill\tchallenges")
	for _, s := range standings {
		fmt.Fprintf(tw, "%d\t%s\t%.3f\t%.3f\t%d\n", s.UID, s.Hotkey, s.Score, s.Skill, s.Challenges)
	}
	return tw.Flush()
}
