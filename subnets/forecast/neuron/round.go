package neuron

import (
	"context"
	"net/http"
	"time"

	"github.com/gotensor/gotensor/sdk/dendrite"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast/protocol"
	"github.com/gotensor/gotensor/subnets/forecast/score"
	"github.com/gotensor/gotensor/subnets/forecast/scoreboard"
)

// roundLoop sends a challenge every RoundInterval, reading the chain only through the
// metagraph syncer's last snapshot, so that a slow node never delays a round.
func (v *Validator) roundLoop(ctx context.Context) {
	t := time.NewTicker(v.cfg.RoundInterval)
	defer t.Stop()
	for {
		v.round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// target is a miner to challenge.
type target struct {
	uid        uint16
	axon       dendrite.Axon
	registered uint64 // block at registration, for the originality check
}

// targets are the uids serving an axon that speaks the synapse wire, except the validator's own
// hotkey. Validators without an axon, or announcing only their standings endpoint (which carries
// standings.AxonVersion, no synapse), are never among them, so they are never asked.
func targets(m *metagraph.Metagraph, self string) []target {
	uids, axons := m.Serving()
	out := make([]target, 0, len(uids))
	for i, uid := range uids {
		if axons[i].Hotkey != self && synapse.VersionCompatible(m.Axons[uid].Version) {
			t := target{uid: uid, axon: axons[i]}
			if int(uid) < len(m.BlockAtRegistration) {
				t.registered = m.BlockAtRegistration[uid]
			}
			out = append(out, t)
		}
	}
	return out
}

// round issues one challenge to every target and scores the answers.
func (v *Validator) round(ctx context.Context) {
	m := v.snapshot()
	if m == nil {
		return
	}
	v.alignBoard(m)
	ts := targets(m, v.Hotkey())
	if len(ts) == 0 {
		return
	}
	r, err := v.fv.NextRound()
	if err != nil {
		v.log.Error("validator: no challenge to send", "err", err)
		return
	}
	start := time.Now()
	axons := make([]dendrite.Axon, len(ts))
	for i, t := range ts {
		axons[i] = t.axon
	}
	qctx, cancel := context.WithTimeout(ctx, v.cfg.QueryTimeout)
	results := dendrite.Query(qctx, v.d, protocol.Route, axons, r.Challenge)
	cancel()

	subs, answered, refused := submissions(ts, results)
	if ctx.Err() != nil || refused == len(results) {
		// Stopping, or every miner refused this validator (no permit yet, not registered):
		// the round says nothing about the miners. Scoring it empty frees its series.
		_, _ = v.fv.Score(r, nil)
		if ctx.Err() == nil {
			v.mu.Lock()
			v.activity.Refused++
			first := v.activity.Refused == 1
			v.mu.Unlock()
			level := v.log.Debug
			if first {
				level = v.log.Warn
			}
			level("validator: every miner refused the challenge; waiting for a validator permit", "reason", results[0].Reason, "miners", len(results))
		}
		return
	}
	if _, err := v.fv.Score(r, subs); err != nil {
		v.log.Error("validator: scoring a round", "challenge", r.Challenge.ID, "err", err)
		return
	}
	v.mu.Lock()
	v.activity.Rounds++
	v.activity.LastRound, v.activity.Queried, v.activity.Answered = start, len(ts), answered
	v.mu.Unlock()
	v.log.Debug("validator: round scored", "challenge", r.Challenge.ID, "queried", len(ts), "answered", answered, "took", time.Since(start))
}

// submissions turns the dendrite's results into what score.Challenge takes: only verified,
// decoded answers count, anything else (late, unreachable, refused, malformed) is missing and
// scores 0. refused counts the miners that turned the validator away (403).
func submissions(ts []target, results []dendrite.Result[protocol.Answer]) (subs []score.Submission, answered, refused int) {
	subs = make([]score.Submission, len(ts))
	for i, t := range ts {
		res := results[i]
		subs[i] = score.Submission{UID: t.uid, Hotkey: t.axon.Hotkey, Late: res.Status == http.StatusRequestTimeout, Registered: t.registered}
		switch {
		case res.OK():
			a := res.Response
			subs[i].Answer = &a
			answered++
		case res.Status == http.StatusForbidden:
			refused++
		}
	}
	return subs, answered, refused
}

// alignBoard keeps the scoreboard on the metagraph's uids: a uid whose hotkey changed starts
// over, and one that is gone is dropped.
func (v *Validator) alignBoard(m *metagraph.Metagraph) {
	if m == v.synced {
		return
	}
	neurons := make([]scoreboard.Neuron, m.N())
	for u, hk := range m.Hotkeys {
		neurons[u] = scoreboard.Neuron{UID: uint16(u), Hotkey: hk}
	}
	v.fv.Board().Sync(neurons)
	v.synced = m
	v.alignedTo.Store(m)
}
