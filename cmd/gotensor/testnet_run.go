package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/gotensor/gotensor/localnet"
	"github.com/gotensor/gotensor/testnet"
)

func testnetStartCmd() *cobra.Command {
	var (
		opts      testnet.Options
		detach    bool
		status    time.Duration
		diskLimit string
	)
	cmd := &cobra.Command{
		Use:   "start",
		Short: "write a multi-node network's homes (or reuse them) and run every node as its own process",
		Long: `write the homes of --validators validators and --full-nodes full nodes into --output (as
init-files does, with state-sync snapshots every ` + fmt.Sprint(testnet.SnapshotInterval) + ` blocks), or reuse the homes a
former start wrote there, and run every node as its own ` + "`gotensor start`" + ` process. The nodes dial
each other through fault-injecting proxies on loopback (ports from --proxy-port), which
` + "`gotensor testnet chaos`" + ` drives. A status line per node (height, peers, catching up) follows
every --status-every; ctrl-c stops every node cleanly. With --detach the network keeps running
in the background (its pids in DIR/run.json) until ` + "`gotensor testnet stop DIR`" + `. With
--disk-limit each node's data folder lives on a tmpfs of that size while the network runs, so
that chaos can fill it (disk-full faults); stopping copies it back to disk.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Dir == "" {
				return errors.New("--output is required: the folder of the node homes")
			}
			if status <= 0 {
				return fmt.Errorf("--status-every must be positive, not %s", status)
			}
			if diskLimit != "" {
				n, err := testnet.ParseSize(diskLimit)
				if err != nil {
					return fmt.Errorf("--disk-limit: %w", err)
				}
				opts.DiskLimit = n
			}
			m, err := testnet.ReadManifest(opts.Dir)
			w := cmd.OutOrStdout()
			if err != nil {
				if m, err = testnet.Write(opts); err != nil {
					return err
				}
				fmt.Fprintf(w, "wrote %d node homes for chain %s in %s\n", len(m.Nodes), m.ChainID, m.Dir)
			} else {
				fmt.Fprintf(w, "starting the %d nodes of chain %s in %s\n", len(m.Nodes), m.ChainID, m.Dir)
				if cmd.Flags().Changed("disk-limit") {
					m.DiskLimit = opts.DiskLimit
					if err := opts.Check(); err != nil {
						return err
					}
					if err := m.Save(); err != nil {
						return err
					}
				}
			}
			if detach {
				return startDetached(cmd.Context(), w, m)
			}
			binary, err := os.Executable()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			sup := testnet.NewSupervisor(m, binary)
			return sup.Run(ctx, func(string) {
				go func() {
					for {
						select {
						case <-ctx.Done():
							return
						case <-time.After(status):
						}
						fmt.Fprintf(w, "--- %s\n", time.Now().Format(time.TimeOnly))
						testnet.WriteStatus(ctx, w, m)
					}
				}()
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.Validators, "validators", 4, "number of validator nodes")
	f.IntVar(&opts.FullNodes, "full-nodes", 0, "number of full nodes besides the validators")
	f.StringVar(&opts.Dir, "output", "", "folder of the node homes: written when empty, reused when a former start wrote it")
	f.StringVar(&opts.ChainID, "chain-id", "gotensor-testnet", "chain id")
	f.DurationVar(&opts.BlockTime, "block-time", 500*time.Millisecond, "time between blocks (CometBFT's timeout_commit)")
	f.DurationVar(&opts.VotingPeriod, "voting-period", 10*time.Second,
		"governance voting period (0: the SDK's 48h); chaos's workload passes a proposal at its start")
	f.IntVar(&opts.Ports.P2P, "p2p-port", localnet.StandardPorts.P2P, "node0's CometBFT p2p port; node i adds 10·i to every port")
	f.IntVar(&opts.Ports.RPC, "rpc-port", localnet.StandardPorts.RPC, "node0's CometBFT RPC port")
	f.IntVar(&opts.Ports.GRPC, "grpc-port", localnet.StandardPorts.GRPC, "node0's gRPC port")
	f.IntVar(&opts.Ports.API, "api-port", localnet.StandardPorts.API, "node0's REST port")
	f.IntVar(&opts.ProxyPort, "proxy-port", testnet.DefaultProxyPort,
		fmt.Sprintf("first of the %d proxy ports: node d reaches node t on proxy-port + %d·t + d", testnet.MaxNodes*testnet.MaxNodes, testnet.MaxNodes))
	f.StringVar(&diskLimit, "disk-limit", "",
		"keep each node's data folder on a tmpfs of this size (e.g. 256MiB; needs root or CAP_SYS_ADMIN, else the nodes run on the disk and chaos skips disk-full faults, saying why); copied back to disk at stop")
	f.BoolVar(&detach, "detach", false, "run in the background and return once every node answers")
	f.DurationVar(&status, "status-every", 5*time.Second, "how often to print the nodes' status lines")
	return cmd
}

// startDetached starts `gotensor testnet supervise DIR` in a session of its own, waits until
// every node answers, and prints their status.
func startDetached(ctx context.Context, w io.Writer, m *testnet.Manifest) error {
	binary, err := os.Executable()
	if err != nil {
		return err
	}
	if st, err := testnet.ReadRunState(m.Dir); err == nil && testnet.Alive(st.SupervisorPID) {
		return fmt.Errorf("the testnet in %s is already running (supervisor pid %d): `gotensor testnet stop %s` first", m.Dir, st.SupervisorPID, m.Dir)
	}
	_ = os.Remove(filepath.Join(m.Dir, "run.json"))
	log, err := os.OpenFile(filepath.Join(m.Dir, "supervisor.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command(binary, "testnet", "supervise", m.Dir)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the supervisor: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("the supervisor exited (%v); see %s", err, log.Name())
		case <-time.After(250 * time.Millisecond):
		}
		if st, err := testnet.ReadRunState(m.Dir); err == nil && st.SupervisorPID == cmd.Process.Pid {
			sts, errs := testnet.Statuses(ctx, m)
			up := true
			for i := range sts {
				up = up && errs[i] == nil && sts[i].Height >= 1
			}
			if up {
				break
			}
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			return fmt.Errorf("the nodes did not all make a block within 3 minutes; see %s and %s", log.Name(),
				filepath.Join(m.Dir, "nodeI", "node.log"))
		}
	}
	testnet.WriteStatus(ctx, w, m)
	fmt.Fprintf(w, "running in the background (supervisor pid %d, log %s); stop with: gotensor testnet stop %s\n",
		cmd.Process.Pid, log.Name(), m.Dir)
	return nil
}

func testnetSuperviseCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "supervise DIR",
		Short:  "run a testnet's nodes and proxies in the foreground, without status lines (what --detach starts)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := testnet.ReadManifest(args[0])
			if err != nil {
				return err
			}
			binary, err := os.Executable()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return testnet.NewSupervisor(m, binary).Run(ctx, nil)
		},
	}
}

func testnetStopCmd() *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "stop DIR",
		Short: "stop a testnet started with --detach: every node cleanly, then its supervisor",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := testnet.Stop(args[0], timeout); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "stopped the testnet in %s\n", args[0])
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", time.Minute, "how long to wait for the nodes to stop before killing them")
	return cmd
}

func testnetChaosCmd() *cobra.Command {
	var (
		opts   testnet.ChaosOptions
		output string
	)
	cmd := &cobra.Command{
		Use:   "chaos DIR",
		Short: "inject random faults into a running testnet under a transaction workload, then check it",
		Long: `inject --faults random faults, one after another, into the testnet running in DIR (started
with --detach): kill -9 and restart, SIGSTOP/SIGCONT, a crash in the middle of a commit, two
validators killed at once, one node cut off, the network split in two, added latency, and a node's
data tmpfs filled until its writes fail with ENOSPC (when the testnet was started with
--disk-limit and may mount a tmpfs; otherwise the report's faults_skipped says why not). A
workload sends bank sends, stake added and removed, weights set by registered hotkeys, and weights
committed and revealed on a commit-reveal subnet throughout.
Afterwards a new node joins by state sync, and the run checks that no two nodes hold different
blocks or app hashes at any height, that every transaction a node reported committed is on
every node, how long the chain halted while more than 2/3 of the validators were up, and that
the invariants hold on every node. It exits with status 1 when a check fails. The same --seed
draws the same faults.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "text" && output != "json" {
				return fmt.Errorf("-o must be text or json, not %q", output)
			}
			if opts.Faults < 0 {
				return fmt.Errorf("--faults must not be negative, not %d", opts.Faults)
			}
			c, err := testnet.Connect(args[0])
			if err != nil {
				return err
			}
			opts.Log = cmd.ErrOrStderr()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			rep, err := testnet.Chaos(ctx, c, opts)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if output == "json" {
				if err := json.NewEncoder(w).Encode(rep); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(w, "faults %d  forks %d  committed txs %d  lost txs %d  longest halt with quorum %.1fs  invariants hold %v\n",
					rep.Faults, rep.Forks, rep.CommittedTxs, rep.LostTxs, rep.LongestHaltWithQuorumS, rep.InvariantsHold)
				fmt.Fprintf(w, "heights %d  slowest catch-up %.1fs  state-sync join %.1fs  duration %.0fs\n",
					rep.Heights, rep.MaxCatchUpS, rep.StateSyncJoinS, rep.DurationS)
				fmt.Fprintf(w, "commits %d  reveals in window %d  open at the end %d  unrevealed %d  revealed rows checked %d\n",
					rep.TxKinds["commit-weights"], rep.RevealsInWindow, rep.CommitsOpenAtEnd, rep.CommitsUnrevealed, rep.RevealedRowsChecked)
				if rep.CommitRevealSkipped != "" {
					fmt.Fprintln(w, "commit-reveal skipped:", rep.CommitRevealSkipped)
				}
				for _, k := range slices.Sorted(maps.Keys(rep.FaultsSkipped)) {
					fmt.Fprintf(w, "%s faults skipped: %s\n", k, rep.FaultsSkipped[k])
				}
				for _, p := range rep.Problems {
					fmt.Fprintln(w, "problem:", p)
				}
			}
			if !rep.OK() {
				return exitError{code: 1}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.Faults, "faults", 50, "number of faults to inject")
	f.Uint64Var(&opts.Seed, "seed", 1, "seed of the fault and workload draws")
	f.DurationVar(&opts.MaxHold, "max-hold", 4*time.Second, "longest a fault stays in force (each holds 1s or more)")
	f.DurationVar(&opts.Recovery, "recovery", 90*time.Second, "longest wait for the network to recover after a fault")
	f.StringVarP(&output, "output", "o", "text", "text or json")
	return cmd
}
