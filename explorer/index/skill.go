package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gotensor/gotensor/explorer/store"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast/scoreboard"
	"github.com/gotensor/gotensor/subnets/forecast/standings"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// SkillConfig is what a SkillReader reads and where it writes.
type SkillConfig struct {
	Chain *chain.Client
	Store *store.DB
	// Timeout bounds each validator's answer (0 means 2 s); the validators are asked at once, so
	// an epoch's reading takes at most this long.
	Timeout time.Duration
	// Poll is how often it looks for a new epoch (0 means a second).
	Poll   time.Duration
	Logger *slog.Logger
}

// SkillReader reads, at each subnet's new epoch, the standings its validators publish (package
// subnets/forecast/standings) and stores them with the correlation between the pooled skill and
// the epoch's incentive. It runs beside the Indexer and never holds it up: it reads only epochs
// the indexer has stored, and only while they are recent (within one tempo of the stored height),
// since a validator publishes its standings as they are now; epochs indexed from further back
// have no readings. An epoch is read once: a stored reading is never asked again.
// "Recent" is within one tempo of the node's latest block, or within recentBlocks on a subnet of
// short tempo (local networks), so that the reader's poll and the indexer's lag do not make it
// miss every epoch there.
type SkillReader struct {
	cfg    SkillConfig
	client *http.Client
}

// NewSkillReader prepares a reader; it contacts nothing until it runs.
func NewSkillReader(cfg SkillConfig) (*SkillReader, error) {
	if cfg.Chain == nil || cfg.Store == nil {
		return nil, errors.New("explorer skill: a chain client and a store are required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	// No redirects: a validator's endpoint answers itself or not at all.
	client := &http.Client{Timeout: cfg.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &SkillReader{cfg: cfg, client: client}, nil
}

// Run reads each new recent epoch until ctx ends; failures are logged and tried again.
func (r *SkillReader) Run(ctx context.Context) error {
	for {
		if _, err := r.ReadNew(ctx); err != nil && ctx.Err() == nil {
			r.cfg.Logger.Warn("explorer: reading published skill", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(r.cfg.Poll):
		}
	}
}

// recentBlocks is the least distance from the node's head at which an epoch is still read.
const recentBlocks = 20

// ReadNew reads every subnet's latest stored epoch that is recent and not read yet, and returns
// how many it stored.
func (r *SkillReader) ReadNew(ctx context.Context) (int, error) {
	head, err := r.cfg.Chain.Height(ctx)
	if err != nil {
		return 0, err
	}
	_, subnets, err := r.cfg.Store.Subnets(ctx)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return 0, nil // nothing indexed yet
		}
		return 0, err
	}
	read := 0
	for _, s := range subnets {
		epoch := int64(s.LastEpochBlock)
		if epoch == 0 || head-epoch > int64(max(s.Tempo, recentBlocks)) {
			continue
		}
		if last, err := r.cfg.Store.LastEpoch(ctx, s.Netuid); err != nil || last != epoch {
			continue // the epoch's metagraph is not stored (yet)
		}
		done, err := r.cfg.Store.HasSkill(ctx, s.Netuid, epoch)
		if err != nil {
			return read, err
		}
		if done {
			continue
		}
		e, err := r.Read(ctx, s.Netuid, epoch)
		if err != nil {
			return read, err
		}
		if err := r.cfg.Store.SaveSkill(ctx, e); err != nil {
			return read, err
		}
		read++
	}
	return read, nil
}

// Read asks the validators of the subnet's epoch at block for their standings now: every uid
// with a validator permit that announces a standings endpoint (an axon of standings.AxonVersion),
// and records the others that count as validators as not publishing. It correlates the skill
// pooled over what verified with the epoch's incentive over the miners.
func (r *SkillReader) Read(ctx context.Context, netuid uint16, block int64) (store.SkillEpoch, error) {
	out := store.SkillEpoch{Netuid: netuid, Block: block, Readings: []store.SkillReading{}}
	mg, err := r.cfg.Chain.Query().Metagraph(chain.AtHeight(ctx, block), &types.QueryMetagraphRequest{Netuid: uint32(netuid)})
	if err != nil {
		return out, fmt.Errorf("explorer skill: metagraph of subnet %d at %d: %w", netuid, block, err)
	}
	neurons := Epoch(netuid, block, mg, nil).Neurons
	addrs := map[int]string{} // reading index → endpoint asked
	for i, n := range neurons {
		a := mg.Neurons[i].Axon
		publishes := n.ValidatorPermit && a != nil && a.Ip != "" && a.Port != 0 && !synapse.VersionCompatible(a.Version)
		if !publishes {
			if n.IsValidator() {
				out.Readings = append(out.Readings, store.SkillReading{UID: n.UID, Hotkey: n.Hotkey, Status: store.SkillNotPublished, Miners: []store.MinerSkill{}})
			}
			continue
		}
		addrs[len(out.Readings)] = net.JoinHostPort(a.Ip, strconv.FormatUint(uint64(a.Port), 10))
		out.Readings = append(out.Readings, store.SkillReading{UID: n.UID, Hotkey: n.Hotkey})
	}
	var wg sync.WaitGroup
	for i, addr := range addrs {
		wg.Go(func() { r.ask(ctx, &out.Readings[i], addr, netuid) })
	}
	wg.Wait()

	var published [][]scoreboard.Standing
	for _, rd := range out.Readings {
		if rd.Status != store.SkillPublished {
			continue
		}
		out.Publishers++
		list := make([]scoreboard.Standing, len(rd.Miners))
		for i, m := range rd.Miners {
			list[i] = scoreboard.Standing{UID: m.UID, Hotkey: m.Hotkey, Skill: m.Skill, Score: m.Score, Challenges: m.Challenges, Answered: m.Answered}
		}
		published = append(published, list)
	}
	if out.Publishers == 0 {
		return out, nil
	}
	byUID := make(map[uint16]store.Neuron, len(neurons))
	for _, n := range neurons {
		byUID[n.UID] = n
	}
	rho, miners, ok := scoreboard.SkillIncentive(scoreboard.Pool(published...), func(s scoreboard.Standing) (float64, bool) {
		n, found := byUID[s.UID]
		return metagraph.Share(uint16(n.Incentive)), found && n.Hotkey == s.Hotkey && !n.IsValidator()
	})
	out.Miners = miners
	if ok {
		out.Spearman = &rho
	}
	return out, nil
}

// ask fills a reading with what the endpoint at addr answers.
func (r *SkillReader) ask(ctx context.Context, reading *store.SkillReading, addr string, netuid uint16) {
	reading.Miners = []store.MinerSkill{}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	s, err := standings.Fetch(ctx, r.client, addr, standings.Check{ChainID: r.cfg.Chain.ChainID(), Netuid: netuid, Hotkey: reading.Hotkey})
	switch {
	case errors.Is(err, standings.ErrInvalid):
		reading.Status, reading.Detail = store.SkillInvalid, err.Error()
		return
	case err != nil:
		reading.Status, reading.Detail = store.SkillUnreachable, err.Error()
		return
	}
	reading.Status, reading.StandingsBlock, reading.Rounds = store.SkillPublished, s.Block, s.Rounds
	for _, m := range s.Miners {
		reading.Miners = append(reading.Miners, store.MinerSkill{UID: m.UID, Hotkey: m.Hotkey, Skill: m.Skill, Score: m.Score,
			Challenges: m.Challenges, Answered: m.Answered})
	}
}
