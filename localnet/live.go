package localnet

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/gotensor/gotensor/app"
	"github.com/gotensor/gotensor/sdk/metagraph"
)

// demoRoster is the roster the network runs: the stored one when resuming, else the requested.
func (n Network) demoRoster(opts Options) Roster {
	if n.Demo != nil {
		return n.Demo.Roster
	}
	return opts.Roster
}

// checkAxonPortsFree makes sure every miner can listen on its port before anything starts.
func checkAxonPortsFree(first, miners int) error {
	for i := range miners {
		port := first + i
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			return fmt.Errorf("port %d (the axon of miner %d) is already in use: stop what uses it or pass --axon-port", port, i+1)
		}
		_ = l.Close()
	}
	return nil
}

// running are the subnets this run starts: none with ChainOnly, else those the network was
// created with (the forecasting subnet alone in a manifest older than the choice).
func (n Network) running(opts Options) []string {
	switch {
	case opts.ChainOnly:
		return nil
	case n.Subnets == nil:
		return []string{SubnetForecast}
	}
	return n.Subnets
}

// openTextGen starts the network's text-generation subnet (creating it on a new network) and
// records it.
func openTextGen(ctx context.Context, home string, netw *Network, opts Options, logs io.Writer) (*textgenNet, error) {
	state := netw.TextGen
	if state == nil {
		state = &TextGenState{Roster: opts.TextGen}
	}
	t, err := startTextGen(ctx, home, state, opts, logs)
	if err != nil {
		return nil, err
	}
	netw.TextGen = &t.state
	if err := saveManifest(home, *netw); err != nil {
		t.stop()
		return nil, err
	}
	return t, nil
}

// openDemo starts the network's forecasting subnet (creating it on a new network) and records it.
func openDemo(ctx context.Context, home string, netw *Network, opts Options, logs io.Writer) (*demo, error) {
	state := netw.Demo
	if state == nil {
		state = &DemoState{Roster: opts.Roster}
	}
	d, err := startDemo(ctx, home, state, opts, logs)
	if err != nil {
		return nil, err
	}
	netw.Demo = state
	if err := saveManifest(home, *netw); err != nil {
		d.stop()
		return nil, err
	}
	return d, nil
}

// printDemo says what runs and how to join it.
func printDemo(w io.Writer, d *demo, home string, opts Options) {
	fmt.Fprintf(w, "forecasting subnet %d: %d miners, %d validators and a referee (scores, sets no weights), an epoch every %d blocks\n",
		d.netuid, len(d.roster.Miners), len(d.roster.Validators), d.roster.Tempo)
	keys := fmt.Sprintf("--keyring-backend %s --home %s", KeyringBackend, home)
	tx := fmt.Sprintf("%s --node tcp://127.0.0.1:%d --chain-id %s --yes", keys, opts.Ports.RPC, opts.ChainID)
	fmt.Fprintln(w, "  attach your own miner, in another terminal:")
	fmt.Fprintf(w, "    %s wallet create mine %s\n", app.Name, keys)
	fmt.Fprintf(w, "    %s tx bank send alice $(%s keys show mine -a %s) 20000000000rao %s\n", app.Name, app.Name, keys, tx)
	fmt.Fprintf(w, "    %s tx subnet register %d $(%s keys show mine/default -a %s) --from mine %s\n", app.Name, d.netuid, app.Name, keys, tx)
	fmt.Fprintf(w, "    %s subnets forecast miner --model ar --wallet mine --netuid %d --node 127.0.0.1:%d --listen 127.0.0.1:%d %s\n",
		app.Name, d.netuid, opts.Ports.GRPC, opts.AxonPort+len(d.roster.Miners)+10, keys)
}

// liveView shows the network at work: on a terminal the metagraph table is redrawn every block;
// elsewhere (a log, a pipe) each block gets its progress line and the table is printed after
// every epoch.
type liveView struct {
	w         io.Writer
	tty       bool
	lastEpoch uint64
}

func newLiveView(w io.Writer) *liveView { return &liveView{w: w, tty: isTerminal(w)} }

func (v *liveView) show(ctx context.Context, height int64, line string, d *demo, tg *textgenNet) {
	var m *metagraph.Metagraph
	if d != nil {
		m = d.syncer.Current()
	}
	if m == nil {
		fmt.Fprintln(v.w, line)
		if tg != nil && !v.tty && height%int64(max(1, tg.state.Roster.Tempo)) == 0 {
			v.showTextGen(ctx, tg)
		}
		return
	}
	ns := d.neuronReports(m)
	next := m.LastEpochBlock + uint64(d.roster.Tempo)
	progress := fmt.Sprintf("%s  |  next epoch in %d blocks", line, satSubInt(next, uint64(height)))
	if rho := skillIncentiveSpearman(ns); rho != nil {
		progress += fmt.Sprintf("  |  skill~incentive ρ %.2f", *rho)
	}
	if rho := refereeSkillIncentiveSpearman(ns); rho != nil {
		progress += fmt.Sprintf(", referee's %.2f", *rho)
	}
	if v.tty {
		fmt.Fprint(v.w, clearScreen)
		writeTable(v.w, ns)
		v.showTextGen(ctx, tg)
		fmt.Fprintln(v.w, progress)
		return
	}
	fmt.Fprintln(v.w, progress)
	if m.LastEpochBlock != v.lastEpoch {
		v.lastEpoch = m.LastEpochBlock
		writeTable(v.w, ns)
		v.showTextGen(ctx, tg)
	}
}

// showTextGen prints the text-generation subnet's table, if it runs and its metagraph can be
// read now.
func (v *liveView) showTextGen(ctx context.Context, tg *textgenNet) {
	if tg == nil {
		return
	}
	if s, err := tg.summary(ctx); err == nil {
		writeTextGenTable(v.w, s)
	}
}

func satSubInt(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

// summarize adds the subnet's final state to the summary: every uid, the skill–incentive
// correlations (the validators' skill and the referee's), and which models came first by skill
// and by incentive.
func (d *demo) summarize(ctx context.Context, sum *Summary) {
	m, _, err := d.syncer.Sync(ctx)
	if err != nil || m == nil {
		m = d.syncer.Current()
	}
	sum.Netuid = d.netuid
	sum.Neurons = d.neuronReports(m)
	sum.SkillIncentiveSpearman = skillIncentiveSpearman(sum.Neurons)
	sum.RefereeSkillIncentiveSpearman = refereeSkillIncentiveSpearman(sum.Neurons)
	sum.BestSkillModel = bestBy(sum.Neurons, func(n NeuronReport) float64 { return n.Skill })
	sum.TopIncentiveModel = bestBy(sum.Neurons, func(n NeuronReport) float64 { return n.Incentive })
}
