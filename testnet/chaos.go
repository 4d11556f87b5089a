package testnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// ChaosOptions configure a chaos run.
type ChaosOptions struct {
	Faults int
	Seed   uint64
	// MaxHold bounds how long one fault stays in force (default 4 s; each holds 1 s to MaxHold).
	MaxHold time.Duration
	// Recovery bounds the wait for the network to make a block again, every node caught up,
	// after a fault ends (default 90 s); beyond it the run fails.
	Recovery time.Duration
	// Log receives one line per fault (nil: none).
	Log io.Writer
}

// Report is what a chaos run found. The first six fields are the interface outside checks rely on.
type Report struct {
	Faults                 int     `json:"faults"`
	Forks                  int     `json:"forks"`
	CommittedTxs           int     `json:"committed_txs"`
	LostTxs                int     `json:"lost_txs"`
	LongestHaltWithQuorumS float64 `json:"longest_halt_with_quorum_s"`
	InvariantsHold         bool    `json:"invariants_hold"`

	Seed       uint64         `json:"seed"`
	FaultKinds map[string]int `json:"fault_kinds"`
	// FaultsSkipped names the kinds of fault this run could not inject, and why (disk-full
	// where no tmpfs could be mounted).
	FaultsSkipped map[string]string `json:"faults_skipped,omitempty"`
	// DiskFull is what each disk-full fault did to its node.
	DiskFull   []DiskFullOutcome `json:"disk_full,omitempty"`
	TxKinds    map[string]int    `json:"tx_kinds"`
	TxAttempts int               `json:"tx_attempts"`
	// TxErrors counts the transactions that were not committed, by kind and error (refused by
	// a node, or lost with a node that was killed before it gossiped them).
	TxErrors       map[string]int `json:"tx_errors,omitempty"`
	Heights        int64          `json:"heights"`
	BlocksCompared int            `json:"blocks_compared"`
	// UnindexedTxs are committed transactions in every node's blocks that some node's
	// transaction index (/tx by hash) lacks: CometBFT indexes a block after committing it, and a
	// node that crashes in between does not index it on restart. IndexGaps names up to five.
	UnindexedTxs int `json:"unindexed_txs"`
	// RevealsInWindow counts the reveals accepted in their blocks (the chain accepts a reveal
	// only in its commit's reveal epoch); CommitsOpenAtEnd the commits still waiting for their
	// reveal epoch when the workload stopped; CommitsUnrevealed the others that none revealed
	// (their reveal was lost with a node, or landed after the window). RevealedRowsChecked counts
	// the hotkey rows, node by node, found to be the last revealed weights.
	RevealsInWindow     int `json:"reveals_in_window"`
	CommitsOpenAtEnd    int `json:"commits_open_at_end"`
	CommitsUnrevealed   int `json:"commits_unrevealed"`
	RevealedRowsChecked int `json:"revealed_rows_checked"`
	// CommitRevealSkipped says why the workload sent no commits and reveals.
	CommitRevealSkipped string   `json:"commit_reveal_skipped,omitempty"`
	IndexGaps           []string `json:"index_gaps,omitempty"`
	LongestHaltS        float64  `json:"longest_halt_s"`
	MaxRecoveryS        float64  `json:"max_recovery_s"`
	MaxCatchUpS         float64  `json:"max_catch_up_s"`
	StateSyncJoinS      float64  `json:"state_sync_join_s"`
	StateSyncHeight     int64    `json:"state_sync_height"`
	DurationS           float64  `json:"duration_s"`
	// Problems lists every check that failed, in words.
	Problems []string `json:"problems,omitempty"`
}

// OK says whether every check passed.
func (r Report) OK() bool {
	return r.Forks == 0 && r.LostTxs == 0 && r.InvariantsHold && len(r.Problems) == 0
}

// DiskFullOutcome is one disk-full fault: the node, the bytes that filled its tmpfs, how many
// ENOSPC errors it logged, whether it exited or its consensus failed (Failure: the log line),
// and whether the harness restarted it.
type DiskFullOutcome struct {
	Node          string `json:"node"`
	FilledBytes   int64  `json:"filled_bytes"`
	NoSpaceErrors int    `json:"no_space_errors"`
	Exited        bool   `json:"exited"`
	Failure       string `json:"failure,omitempty"`
	Restarted     bool   `json:"restarted"`
}

// FaultKinds are the perturbations a chaos run draws from.
var FaultKinds = []string{"kill", "pause", "crash-in-commit", "isolate", "split", "latency", "kill-two", "disk-full"}

// interval is a span of wall-clock time.
type interval struct{ from, to time.Time }

// chaos is one run's view of the network: which nodes it has taken down and how it has cut the
// network, and when the validators lacked a quorum.
type chaos struct {
	c    *Control
	opts ChaosOptions
	rng  *rand.Rand

	// diskFull collects the disk-full faults' outcomes.
	diskFull []DiskFullOutcome

	mu        sync.Mutex
	down      map[string]bool
	net       NetFaults
	noQuorum  []interval
	lostSince time.Time
}

// up are the original nodes that are running, not paused, and in the largest part of the
// network: those the workload sends through.
func (x *chaos) up() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	var out []string
	for _, n := range x.c.Manifest.Nodes {
		if !x.down[n.Name] && !n.StateSync && (len(x.net.Partition) == 0 || x.net.group(n.Name) == x.majorityGroup()) {
			out = append(out, n.Name)
		}
	}
	return out
}

// majorityGroup is the partition group holding the most validators that are up.
func (x *chaos) majorityGroup() int {
	count := map[int]int{}
	for _, v := range x.c.Manifest.Validators() {
		if !x.down[v] {
			count[x.net.group(v)]++
		}
	}
	best, most := -1, -1
	for g, n := range count {
		if n > most || (n == most && g < best) {
			best, most = g, n
		}
	}
	return best
}

// quorum says whether more than 2/3 of the voting power (equal per validator) is up and
// connected.
func (x *chaos) quorum() bool {
	vals := x.c.Manifest.Validators()
	count := map[int]int{}
	for _, v := range vals {
		if !x.down[v] {
			count[x.net.group(v)]++
		}
	}
	for _, n := range count {
		if 3*n > 2*len(vals) {
			return true
		}
	}
	return false
}

// update applies f to the view and notes when the quorum is lost and regained.
func (x *chaos) update(f func()) {
	x.mu.Lock()
	defer x.mu.Unlock()
	f()
	q := x.quorum()
	switch {
	case !q && x.lostSince.IsZero():
		x.lostSince = time.Now()
	case q && !x.lostSince.IsZero():
		x.noQuorum = append(x.noQuorum, interval{x.lostSince, time.Now()})
		x.lostSince = time.Time{}
	}
}

func (x *chaos) logf(format string, args ...any) {
	if x.opts.Log != nil {
		fmt.Fprintf(x.opts.Log, time.Now().Format("15:04:05.000 ")+format+"\n", args...)
	}
}

// Chaos runs the workload under opts.Faults random faults, one after another, then checks the
// network: no forks, every committed transaction on every node, invariants on every node, a
// brand-new node joining by state sync. The testnet must be running (under a Supervisor).
func Chaos(ctx context.Context, c *Control, opts ChaosOptions) (Report, error) {
	if opts.Faults < 0 {
		return Report{}, fmt.Errorf("--faults must not be negative, not %d", opts.Faults)
	}
	if len(c.Manifest.Validators()) < 1 {
		return Report{}, errors.New("the testnet has no validator")
	}
	if opts.MaxHold <= 0 {
		opts.MaxHold = 4 * time.Second
	}
	if opts.Recovery <= 0 {
		opts.Recovery = 90 * time.Second
	}
	start := time.Now()
	x := &chaos{c: c, opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, 0x636861)), down: map[string]bool{}}
	rep := Report{Seed: opts.Seed, FaultKinds: map[string]int{}, TxKinds: map[string]int{}, FaultsSkipped: map[string]string{}}
	kinds := slices.Clone(FaultKinds)
	if why := x.diskFullSkipped(); why != "" {
		rep.FaultsSkipped["disk-full"] = why
		kinds = slices.DeleteFunc(kinds, func(k string) bool { return k == "disk-full" })
		x.logf("disk-full faults skipped: %s", why)
	}

	// Every node must be up before the first fault.
	if err := x.waitConverged(ctx, 0, opts.Recovery); err != nil {
		return rep, fmt.Errorf("before any fault: %w", err)
	}
	w, err := NewWorkload(c.Manifest, x.up)
	if err != nil {
		return rep, err
	}
	defer w.Close()
	if err := w.Setup(ctx); err != nil {
		return rep, err
	}
	if rep.CommitRevealSkipped = w.CommitRevealSkipped(); rep.CommitRevealSkipped != "" {
		x.logf("commit-reveal skipped: %s", rep.CommitRevealSkipped)
	}
	wctx, stopWorkload := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { w.Run(wctx, opts.Seed) })

	// The kinds come in shuffled rounds, so that every kind is drawn once in the first
	// len(kinds) faults, and in every round after.
	var round []string
	for i := range opts.Faults {
		if ctx.Err() != nil {
			break
		}
		if len(round) == 0 {
			round = slices.Clone(kinds)
			x.rng.Shuffle(len(round), func(i, j int) { round[i], round[j] = round[j], round[i] })
		}
		kind := round[0]
		round = round[1:]
		recovery, catchUp, err := x.fault(ctx, i, kind)
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("fault %d (%s): %v", i+1, kind, err))
			break
		}
		rep.Faults++
		rep.FaultKinds[kind]++
		rep.MaxRecoveryS = max(rep.MaxRecoveryS, recovery.Seconds())
		rep.MaxCatchUpS = max(rep.MaxCatchUpS, catchUp.Seconds())
	}
	// A last quiet stretch lets the transactions in flight land.
	sleepCtx(ctx, 3*time.Second)
	stopWorkload()
	wg.Wait()
	end := time.Now()
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}

	// A brand-new node joins by state sync.
	join, height, err := x.joinByStateSync(ctx)
	if err != nil {
		rep.Problems = append(rep.Problems, "state-sync join: "+err.Error())
	}
	rep.StateSyncJoinS, rep.StateSyncHeight = join.Seconds(), height

	if err := x.waitConverged(ctx, 0, opts.Recovery); err != nil {
		rep.Problems = append(rep.Problems, "after the faults: "+err.Error())
	}
	rep.DiskFull = x.diskFull
	committed := w.Committed()
	rep.CommittedTxs, rep.TxAttempts, rep.TxErrors = len(committed), w.Attempts(), w.Errors()
	for _, t := range committed {
		rep.TxKinds[t.Kind]++
	}
	if rep.CommitRevealSkipped == "" {
		rep.RevealsInWindow = rep.TxKinds["reveal-weights"]
		rep.CommitsOpenAtEnd = w.CommitsOpenAtEnd()
		rep.CommitsUnrevealed = max(0, rep.TxKinds["commit-weights"]-rep.RevealsInWindow-rep.CommitsOpenAtEnd)
		checked, problems, err := checkReveals(ctx, c.Manifest, w.crNetuid, w.Reveals())
		if err != nil {
			problems = append(problems, "revealed weights check: "+err.Error())
		}
		rep.RevealedRowsChecked = checked
		rep.Problems = append(rep.Problems, problems...)
	}
	blocks, err := checkForks(ctx, c.Manifest, &rep)
	if err != nil {
		rep.Problems = append(rep.Problems, "fork check: "+err.Error())
	}
	rep.LongestHaltWithQuorumS, rep.LongestHaltS = longestHalts(blocks, x.noQuorum, start, end)
	lost, unindexed, err := checkTxs(ctx, c.Manifest, committed)
	if err != nil {
		rep.Problems = append(rep.Problems, "transaction check: "+err.Error())
	}
	rep.LostTxs, rep.UnindexedTxs = len(lost), len(unindexed)
	rep.IndexGaps = unindexed[:min(5, len(unindexed))]
	for i, l := range lost {
		if i == 5 {
			rep.Problems = append(rep.Problems, fmt.Sprintf("… and %d more transactions missing", len(lost)-5))
			break
		}
		rep.Problems = append(rep.Problems, l)
	}
	var invErr error
	rep.InvariantsHold, invErr = checkInvariants(ctx, c.Manifest)
	if invErr != nil {
		rep.Problems = append(rep.Problems, "invariants: "+invErr.Error())
	}
	rep.DurationS = time.Since(start).Seconds()
	return rep, nil
}

// fault applies one fault of kind, holds it, ends it, and waits for the network to recover:
// a new block, every node caught up. It returns how long the recovery took and how long the
// slowest restarted node took to catch up.
func (x *chaos) fault(ctx context.Context, i int, kind string) (recovery, catchUp time.Duration, err error) {
	m := x.c.Manifest
	var originals []string
	for _, n := range m.Nodes {
		if !n.StateSync {
			originals = append(originals, n.Name)
		}
	}
	vals := m.Validators()
	pick := func(from []string) string { return from[x.rng.IntN(len(from))] }
	hold := time.Second + time.Duration(x.rng.Int64N(int64(x.opts.MaxHold-time.Second)+1))
	var restarted []string
	var undo func() error
	target := pick(originals)
	label := target // what the log line names
	switch kind {
	case "kill":
		if err := x.c.Act(ctx, target, "kill"); err != nil {
			return 0, 0, err
		}
		x.update(func() { x.down[target] = true })
		undo = func() error { restarted = []string{target}; return x.c.Act(ctx, target, "start") }
	case "kill-two":
		a := pick(vals)
		b := pick(slices.DeleteFunc(slices.Clone(vals), func(v string) bool { return v == a }))
		if b == "" {
			b = a
		}
		label = a + "," + b
		for _, n := range []string{a, b} {
			if err := x.c.Act(ctx, n, "kill"); err != nil {
				return 0, 0, err
			}
			x.update(func() { x.down[n] = true })
		}
		undo = func() error {
			restarted = []string{a, b}
			return errors.Join(x.c.Act(ctx, a, "start"), x.c.Act(ctx, b, "start"))
		}
	case "pause":
		if err := x.c.Act(ctx, target, "pause"); err != nil {
			return 0, 0, err
		}
		x.update(func() { x.down[target] = true })
		undo = func() error { return x.c.Act(ctx, target, "resume") }
	case "crash-in-commit":
		// The fail points of one block's execution are 4 apart in call order: any index lands
		// within the first blocks after the restart.
		idx := x.rng.IntN(8)
		label = fmt.Sprintf("%s at fail point %d", target, idx)
		x.update(func() { x.down[target] = true })
		if err := x.c.CrashInCommit(ctx, target, idx); err != nil {
			return 0, 0, err
		}
		restarted = []string{target}
		undo = func() error { return nil }
		hold = 0
	case "isolate", "split":
		f := NetFaults{Cut: x.rng.IntN(2) == 0}
		if kind == "isolate" {
			f.Partition = [][]string{{target}}
		} else {
			shuffled := slices.Clone(originals)
			x.rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			f.Partition = [][]string{shuffled[:len(shuffled)/2], shuffled[len(shuffled)/2:]}
			label = fmt.Sprint(f.Partition)
		}
		if f.Cut {
			label += " (cut)"
		} else {
			label += " (held)"
		}
		if err := x.c.SetNet(ctx, f); err != nil {
			return 0, 0, err
		}
		x.update(func() { x.net = f })
		undo = func() error {
			if err := x.c.SetNet(ctx, NetFaults{}); err != nil {
				return err
			}
			x.update(func() { x.net = NetFaults{} })
			return nil
		}
	case "disk-full":
		target = pick(x.c.Run.Tmpfs)
		d, err := x.c.FillDisk(ctx, target)
		if err != nil {
			return 0, 0, err
		}
		label = fmt.Sprintf("%s (%d MiB written to fill its data tmpfs)", target, d.Filled>>20)
		undo = func() error {
			var err error
			restarted, err = x.freeDisk(ctx, target)
			return err
		}
	case "latency":
		ms := 50 + x.rng.IntN(450)
		label = fmt.Sprintf("%s +%dms", target, ms)
		f := NetFaults{LatencyMS: map[string]int{target: ms}}
		if err := x.c.SetNet(ctx, f); err != nil {
			return 0, 0, err
		}
		undo = func() error { return x.c.SetNet(ctx, NetFaults{}) }
	default:
		return 0, 0, fmt.Errorf("unknown fault kind %q", kind)
	}
	x.logf("fault %d: %s %s for %s", i+1, kind, label, hold.Round(time.Millisecond))
	if kind == "disk-full" {
		x.holdWatching(ctx, target, hold)
	} else {
		sleepCtx(ctx, hold)
	}
	sts, _ := Statuses(ctx, m)
	var top int64
	for _, s := range sts {
		top = max(top, s.Height)
	}
	ended := time.Now()
	if err := undo(); err != nil {
		return 0, 0, err
	}
	if kind == "pause" {
		x.update(func() { delete(x.down, target) })
	}
	catchUp, err = x.waitCaughtUp(ctx, restarted, top, ended)
	if err != nil {
		return 0, 0, err
	}
	if err := x.waitConverged(ctx, top+1, x.opts.Recovery); err != nil {
		return 0, 0, err
	}
	recovery = time.Since(ended)
	x.logf("  recovered in %s (catch-up %s)", recovery.Round(time.Millisecond), catchUp.Round(time.Millisecond))
	return recovery, catchUp, nil
}

// diskFullSkipped says why this run cannot inject disk-full faults ("" when it can).
func (x *chaos) diskFullSkipped() string {
	switch run := x.c.Run; {
	case run.DiskLimitSkipped != "":
		return run.DiskLimitSkipped
	case x.c.Manifest.DiskLimit <= 0:
		return "the nodes' data folders are not on a size-limited tmpfs: start the testnet with --disk-limit SIZE (e.g. 256MiB)"
	case len(run.Tmpfs) == 0:
		return "no node's data folder is on a tmpfs"
	}
	return ""
}

// holdWatching holds a disk-full fault on node name for d, and counts the node down (for the
// quorum) from when its process exits.
func (x *chaos) holdWatching(ctx context.Context, name string, d time.Duration) {
	end := time.Now().Add(d)
	for ctx.Err() == nil && time.Now().Before(end) {
		sleepCtx(ctx, min(250*time.Millisecond, time.Until(end)))
		if nodes, err := x.c.Nodes(ctx); err == nil {
			for _, n := range nodes {
				if n.Name == name && !n.Running {
					x.update(func() { x.down[name] = true })
				}
			}
		}
	}
}

// freeDisk ends a disk-full fault on node name and restarts the node when it needs it: its
// process exited, or its log shows a consensus failure (CometBFT recovers the panic of a failed
// WAL or store write, stops its consensus and leaves the process running with no way back), or
// it does not resume by itself. It returns the nodes it restarted.
func (x *chaos) freeDisk(ctx context.Context, name string) ([]string, error) {
	d, err := x.c.FreeDisk(ctx, name)
	if err != nil {
		return nil, err
	}
	out := DiskFullOutcome{Node: name, FilledBytes: d.Filled, NoSpaceErrors: d.NoSpaceErrors, Exited: d.Exited, Failure: d.Failure}
	restart := d.Exited || d.Failure != ""
	if !restart && !x.resumes(ctx, name) {
		out.Failure = "did not resume making blocks after the space was freed"
		restart = true
	}
	if restart {
		x.update(func() { x.down[name] = true })
		if !d.Exited {
			if err := x.c.Act(ctx, name, "kill"); err != nil {
				return nil, err
			}
		}
		if err := x.c.Act(ctx, name, "start"); err != nil {
			return nil, err
		}
		out.Restarted = true
	}
	x.diskFull = append(x.diskFull, out)
	x.logf("  %s: %d ENOSPC errors logged, exited %v, restarted %v %s", name, d.NoSpaceErrors, d.Exited, restart, out.Failure)
	if restart {
		return []string{name}, nil
	}
	return nil, nil
}

// resumes says whether node name's height passes the network's top of now within 10 s.
func (x *chaos) resumes(ctx context.Context, name string) bool {
	var top int64
	sts, _ := Statuses(ctx, x.c.Manifest)
	for _, s := range sts {
		top = max(top, s.Height)
	}
	n, _ := x.c.Manifest.Node(name)
	r := newRPC(n.Ports.RPC)
	deadline := time.Now().Add(10 * time.Second)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		if h, err := r.height(ctx); err == nil && h > top {
			return true
		}
		sleepCtx(ctx, 250*time.Millisecond)
	}
	return false
}

// waitCaughtUp waits until every restarted node has the blocks up to top (by block sync from
// its peers); it returns the slowest's time since since. A restarted node counts as up again
// (for the quorum) once its RPC answers: before that its process is still starting.
func (x *chaos) waitCaughtUp(ctx context.Context, restarted []string, top int64, since time.Time) (time.Duration, error) {
	var slowest time.Duration
	pending := slices.Clone(restarted)
	deadline := time.Now().Add(x.opts.Recovery)
	for len(pending) > 0 {
		var still []string
		for _, name := range pending {
			n, _ := x.c.Manifest.Node(name)
			h, err := newRPC(n.Ports.RPC).height(ctx)
			if err == nil {
				x.update(func() { delete(x.down, name) })
			}
			switch {
			case err == nil && h >= top:
				slowest = max(slowest, time.Since(since))
			case time.Now().After(deadline):
				return 0, fmt.Errorf("%s did not catch up to height %d within %s (at %d, %v)", name, top, x.opts.Recovery, h, err)
			default:
				still = append(still, name)
			}
		}
		pending = still
		if len(pending) > 0 {
			sleepCtx(ctx, 100*time.Millisecond)
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
	}
	return slowest, nil
}

// waitConverged waits until every node answers, is not catching up, and is at least at height
// min and within two blocks of the highest.
func (x *chaos) waitConverged(ctx context.Context, min int64, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		sts, errs := Statuses(ctx, x.c.Manifest)
		var lo, hi int64 = -1, 0
		problem := ""
		for i, s := range sts {
			if errs[i] != nil {
				problem = fmt.Sprintf("%s does not answer: %v", x.c.Manifest.Nodes[i].Name, errs[i])
				continue
			}
			if s.CatchingUp {
				problem = x.c.Manifest.Nodes[i].Name + " is catching up"
			}
			if lo < 0 || s.Height < lo {
				lo = s.Height
			}
			hi = max(hi, s.Height)
		}
		if problem == "" && lo >= min && lo >= 1 && hi-lo <= 2 {
			return nil
		}
		if problem == "" {
			problem = fmt.Sprintf("heights %d to %d, waiting for all at %d or more", lo, hi, min)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the network did not converge within %s: %s", within, problem)
		}
		sleepCtx(ctx, 200*time.Millisecond)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// joinByStateSync adds a node that trusts a recent block of node0 and syncs from the others'
// snapshots; it returns how long until the node had caught up, and the height it reached.
func (x *chaos) joinByStateSync(ctx context.Context) (time.Duration, int64, error) {
	m := x.c.Manifest
	r0 := newRPC(m.Nodes[0].Ports.RPC)
	// A snapshot needs SnapshotInterval blocks; the trusted block must be recent.
	deadline := time.Now().Add(x.opts.Recovery)
	var h int64
	for {
		var err error
		if h, err = r0.height(ctx); err == nil && h >= SnapshotInterval+2 {
			break
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("node0 did not reach height %d for a first snapshot", SnapshotInterval+2)
		}
		sleepCtx(ctx, 500*time.Millisecond)
	}
	hs, err := r0.headers(ctx, h-1, h-1)
	if err != nil || len(hs) != 1 {
		return 0, 0, fmt.Errorf("the trusted block %d of node0: %v", h-1, err)
	}
	var servers []string
	for _, n := range m.Nodes[:min(2, len(m.Nodes))] {
		servers = append(servers, fmt.Sprintf("http://127.0.0.1:%d", n.Ports.RPC))
	}
	if len(servers) == 1 {
		servers = append(servers, servers[0])
	}
	start := time.Now()
	n, err := x.c.Join(ctx, StateSyncTrust{Height: hs[0].Height, Hash: hs[0].BlockHash, RPCServers: servers})
	if err != nil {
		return 0, 0, err
	}
	x.logf("state sync: %s joins, trusting height %d", n.Name, hs[0].Height)
	r := newRPC(n.Ports.RPC)
	deadline = time.Now().Add(2 * x.opts.Recovery)
	for {
		top, _ := r0.height(ctx)
		st, err := r.status(ctx)
		if err == nil && !st.CatchingUp && st.Height >= top-1 && st.Height > 0 {
			if st.EarliestHeight <= 1 {
				return 0, 0, fmt.Errorf("%s has every block from height %d: it replayed the chain instead of syncing a snapshot", n.Name, st.EarliestHeight)
			}
			took := time.Since(start)
			x.logf("state sync: %s caught up at height %d in %s (from a snapshot below height %d)", n.Name, st.Height, took.Round(time.Millisecond), st.EarliestHeight)
			return took, st.Height, nil
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("%s did not catch up within %s (status %+v, %v)", n.Name, 2*x.opts.Recovery, st, err)
		}
		sleepCtx(ctx, 250*time.Millisecond)
	}
}
