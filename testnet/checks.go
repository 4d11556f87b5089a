package testnet

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// checkForks compares every block every node has, height by height, against node0's (which has
// them all): a height at which two nodes hold different blocks or app hashes is a fork. It
// returns node0's blocks, for the halt measure.
func checkForks(ctx context.Context, m *Manifest, rep *Report) ([]header, error) {
	sts, errs := Statuses(ctx, m)
	top := int64(-1)
	for i, s := range sts {
		if errs[i] != nil {
			return nil, fmt.Errorf("%s: %w", m.Nodes[i].Name, errs[i])
		}
		if top < 0 || s.Height < top {
			top = s.Height
		}
	}
	rep.Heights = top
	chains := make([][]header, len(m.Nodes))
	for i, n := range m.Nodes {
		from := max(sts[i].EarliestHeight, 1)
		r := newRPC(n.Ports.RPC)
		for lo := from; lo <= top; lo += 20 {
			hs, err := r.headers(ctx, lo, min(lo+19, top))
			if err != nil {
				return nil, fmt.Errorf("%s blocks %d–%d: %w", n.Name, lo, min(lo+19, top), err)
			}
			chains[i] = append(chains[i], hs...)
		}
		sort.Slice(chains[i], func(a, b int) bool { return chains[i][a].Height < chains[i][b].Height })
	}
	ref := map[int64]header{}
	for _, h := range chains[0] {
		ref[h.Height] = h
	}
	forked := map[int64]bool{}
	for i, c := range chains {
		for _, h := range c {
			r, ok := ref[h.Height]
			if !ok {
				return nil, fmt.Errorf("node0 lacks block %d that %s has", h.Height, m.Nodes[i].Name)
			}
			rep.BlocksCompared++
			if r.BlockHash != h.BlockHash || r.AppHash != h.AppHash {
				if !forked[h.Height] {
					rep.Problems = append(rep.Problems, fmt.Sprintf("fork at height %d: node0 has block %s app hash %s, %s has %s app hash %s",
						h.Height, r.BlockHash, r.AppHash, m.Nodes[i].Name, h.BlockHash, h.AppHash))
				}
				forked[h.Height] = true
			}
		}
	}
	rep.Forks = len(forked)
	return chains[0], nil
}

// checkTxs looks for every committed transaction, by hash, in the block at its height on every
// node that keeps that block: one line per transaction some node lacks there (lost). It also
// looks each up in every node's transaction index (/tx): one line per transaction that is in
// the blocks but missing from some node's index (unindexed; CometBFT indexes after the commit,
// so a crash in between leaves a gap that a restart does not fill).
func checkTxs(ctx context.Context, m *Manifest, txs []TxRecord) (lost, unindexed []string, err error) {
	sts, errs := Statuses(ctx, m)
	for i := range sts {
		if errs[i] != nil {
			return nil, nil, fmt.Errorf("%s: %w", m.Nodes[i].Name, errs[i])
		}
	}
	byHeight := map[int64][]TxRecord{}
	for _, t := range txs {
		byHeight[t.Height] = append(byHeight[t.Height], t)
	}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	missing := map[string]string{}
	unlisted := map[string]string{}
	type job struct {
		node   int
		height int64
	}
	work := make(chan job)
	for range 8 {
		wg.Go(func() {
			for j := range work {
				n := m.Nodes[j.node]
				r := newRPC(n.Ports.RPC)
				inBlock, err := r.blockTxs(ctx, j.height)
				for _, t := range byHeight[j.height] {
					if err != nil || !inBlock[t.Hash] {
						mu.Lock()
						missing[t.Hash] = fmt.Sprintf("tx %s (%s, reported committed at height %d by %s) is not in %s's block %d (%v)",
							t.Hash, t.Kind, t.Height, t.Node, n.Name, t.Height, err)
						mu.Unlock()
						continue
					}
					if h, err := txHeightRetrying(ctx, r, t.Hash); err != nil || h != t.Height {
						mu.Lock()
						unlisted[t.Hash] = fmt.Sprintf("tx %s (%s, height %d) is in %s's block but not in its index", t.Hash, t.Kind, t.Height, n.Name)
						mu.Unlock()
					}
				}
			}
		})
	}
	for h := range byHeight {
		for i := range m.Nodes {
			if h >= sts[i].EarliestHeight { // a node that joined by state sync keeps no older blocks
				work <- job{i, h}
			}
		}
	}
	close(work)
	wg.Wait()
	for _, l := range missing {
		lost = append(lost, l)
	}
	for hash, l := range unlisted {
		if _, gone := missing[hash]; !gone {
			unindexed = append(unindexed, l)
		}
	}
	sort.Strings(lost)
	sort.Strings(unindexed)
	return lost, unindexed, nil
}

func txHeightRetrying(ctx context.Context, r rpc, hash string) (int64, error) {
	var err error
	for range 3 {
		var h int64
		if h, err = r.txHeight(ctx, hash); err == nil {
			return h, nil
		}
		sleepCtx(ctx, 200*time.Millisecond)
	}
	return 0, err
}

// checkInvariants asks every node whether x/subnet's accounting invariants hold.
func checkInvariants(ctx context.Context, m *Manifest) (bool, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, n := range m.Nodes {
		c, err := chain.Dial(ctx, chain.Config{Node: fmt.Sprintf("127.0.0.1:%d", n.Ports.GRPC), ChainID: m.ChainID, Logger: quiet})
		if err != nil {
			return false, err
		}
		res, err := c.Query().Invariants(ctx, &types.QueryInvariantsRequest{})
		c.Close()
		if err != nil {
			return false, fmt.Errorf("%s: %w", n.Name, err)
		}
		if !res.Ok {
			var broken []string
			for _, r := range res.Results {
				if !r.Holds {
					broken = append(broken, r.Name+": "+r.Detail)
				}
			}
			return false, fmt.Errorf("%s at height %d: %v", n.Name, res.Height, broken)
		}
	}
	return true, nil
}

// longestHalts are the longest time without a new block while the validators had a quorum
// (more than 2/3 up and connected), and the longest time without one at all, between from and
// to, from the blocks' own times.
func longestHalts(blocks []header, noQuorum []interval, from, to time.Time) (withQuorum, overall float64) {
	var times []time.Time
	for _, b := range blocks {
		if !b.Time.Before(from) && !b.Time.After(to) {
			times = append(times, b.Time)
		}
	}
	for i := 1; i < len(times); i++ {
		gap := interval{times[i-1], times[i]}
		overall = max(overall, gap.to.Sub(gap.from).Seconds())
		withQuorum = max(withQuorum, longestOutside(gap, noQuorum).Seconds())
	}
	return withQuorum, overall
}

// longestOutside is the longest part of span that none of holes covers.
func longestOutside(span interval, holes []interval) time.Duration {
	sorted := append([]interval(nil), holes...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].from.Before(sorted[j].from) })
	var longest time.Duration
	at := span.from
	for _, h := range sorted {
		if !h.to.After(at) || !h.from.Before(span.to) {
			continue
		}
		if h.from.After(at) {
			longest = max(longest, h.from.Sub(at))
		}
		at = h.to
		if !at.Before(span.to) {
			return longest
		}
	}
	return max(longest, span.to.Sub(at))
}

// checkReveals asks every node for the commit-reveal subnet's weights: each hotkey's stored row
// must be its last reveal that landed, or a later reveal whose fate is unknown. It returns how
// many rows it compared, and one line per row that differs.
func checkReveals(ctx context.Context, m *Manifest, netuid uint16, reveals map[string][]Reveal) (int, []string, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	compared := 0
	var problems []string
	hotkeys := make([]string, 0, len(reveals))
	for h := range reveals {
		hotkeys = append(hotkeys, h)
	}
	sort.Strings(hotkeys)
	for _, n := range m.Nodes {
		c, err := chain.Dial(ctx, chain.Config{Node: fmt.Sprintf("127.0.0.1:%d", n.Ports.GRPC), ChainID: m.ChainID, Logger: quiet})
		if err != nil {
			return compared, problems, err
		}
		mg, err := c.Metagraph(ctx, netuid, true, false)
		c.Close()
		if err != nil {
			return compared, problems, fmt.Errorf("%s: %w", n.Name, err)
		}
		uids := map[string]uint32{}
		for _, nv := range mg.Neurons {
			uids[nv.Hotkey] = nv.Uid
		}
		rows := map[uint32][]types.WeightEntry{}
		for _, r := range mg.Weights {
			rows[r.Uid] = r.Entries
		}
		for _, h := range hotkeys {
			rs := reveals[h]
			last := -1
			for i, r := range rs {
				if r.Landed {
					last = i
				}
			}
			if last < 0 {
				continue
			}
			uid, ok := uids[h]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: hotkey %s revealed weights on subnet %d but has no uid there", n.Name, h, netuid))
				continue
			}
			compared++
			stored := rows[uid]
			match := false
			for _, r := range rs[last:] {
				if (r.Landed || r.Unknown) && sameRow(stored, r.Weights) {
					match = true
					break
				}
			}
			if !match {
				problems = append(problems, fmt.Sprintf("%s at height %d: uid %d's weights on subnet %d are %v, not the row it last revealed (%v)",
					n.Name, mg.Height, uid, netuid, stored, rs[last].Weights))
			}
		}
	}
	return compared, problems, nil
}

func sameRow(stored []types.WeightEntry, w chain.Weights) bool {
	if len(stored) != len(w.UIDs) {
		return false
	}
	for i, e := range stored {
		if e.Uid != uint32(w.UIDs[i]) || e.Value != uint32(w.Values[i]) {
			return false
		}
	}
	return true
}
