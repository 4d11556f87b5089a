package neuron

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// weightsLoop reads the chain every PollInterval and does what Decide says. It runs beside the
// rounds and never holds them up.
func (v *Validator) weightsLoop(ctx context.Context) {
	t := time.NewTicker(v.cfg.PollInterval)
	defer t.Stop()
	for {
		v.weightsStep(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// observed is one reading of the chain: the state Decide takes, and what acting on it needs.
type observed struct {
	ChainState
	uid     uint16
	weights chain.Weights
}

// weightsStep reads the chain, decides, and acts; a dropped commit is followed at once by the
// next decision, every transaction by a fresh reading on the next step.
func (v *Validator) weightsStep(ctx context.Context) {
	o, err := v.observe(ctx)
	if err != nil {
		if ctx.Err() == nil {
			v.log.Warn("validator: reading the chain for weights", "err", err)
			v.noteError(err)
		}
		return
	}
	for range 2 {
		v.mu.Lock()
		d := Decide(o.ChainState, v.weights, v.cfg.WeightsInterval)
		if d.Action == Wait {
			v.activity.Waiting = d.Why
		} else {
			v.activity.Waiting = ""
		}
		v.mu.Unlock()
		v.log.Debug("validator: weights", "height", o.Height, "action", d.Action, "why", d.Why)
		switch d.Action {
		case Wait:
			return
		case DropCommit:
			v.log.Warn("validator: dropping an unrevealed commit", "why", d.Why)
			v.mu.Lock()
			v.activity.Dropped++
			v.mu.Unlock()
			v.setPending(nil)
			continue
		case SetWeights:
			v.set(ctx, o)
		case CommitWeights:
			v.commit(ctx, o)
		case RevealWeights:
			v.reveal(ctx, o)
		}
		return
	}
}

// observe reads the subnet's clock and rules from the node, and the validator's uid from the
// metagraph snapshot, corrected by what the validator's own transactions did since.
func (v *Validator) observe(ctx context.Context) (observed, error) {
	summary, height, err := v.cfg.Chain.Subnet(ctx, v.cfg.Netuid)
	if err != nil {
		return observed{}, err
	}
	h, err := v.cfg.Chain.Hyperparameters(ctx, v.cfg.Netuid)
	if err != nil {
		return observed{}, err
	}
	if height <= 0 {
		return observed{}, fmt.Errorf("the node answered at height %d", height)
	}
	o := observed{ChainState: ChainState{
		Height:       uint64(height),
		Epochs:       Epochs{Tempo: uint64(summary.Tempo), LastEpochBlock: summary.LastEpochBlock},
		CommitReveal: h.CommitReveal,
		RateLimit:    h.WeightsSetRateLimit,
	}}
	m := v.snapshot()
	if m == nil {
		return o, nil // not registered as far as anyone knows yet: Decide waits
	}
	uid, ok := m.UID(v.Hotkey())
	v.mu.Lock()
	defer v.mu.Unlock()
	if !ok {
		v.self.known = false
		return o, nil
	}
	if !v.self.known || v.self.uid != uid {
		// A new registration: what the validator remembered of another uid does not apply.
		v.self.uid, v.self.known, v.self.lastUpdate = uid, true, 0
		v.weights.LastSubmit, v.weights.RetryAt = 0, 0
	}
	o.uid = uid
	o.Registered = true
	o.Permit = m.ValidatorPermit[uid] || summary.OwnerHotkey == v.Hotkey()
	o.LastUpdate = max(m.LastUpdate[uid], v.self.lastUpdate)
	o.weights = v.scoreWeights(uid)
	o.HaveWeights = len(o.weights.UIDs) > 0
	return o, nil
}

// scoreWeights is the scoreboard's weight row without zeros, and without the validator's own
// uid (a weight on itself is masked by the epoch anyway).
func (v *Validator) scoreWeights(self uint16) chain.Weights {
	uids, values := v.fv.Weights()
	w := chain.Weights{VersionKey: v.cfg.VersionKey}
	for i, uid := range uids {
		if values[i] > 0 && uid != self {
			w.UIDs = append(w.UIDs, uid)
			w.Values = append(w.Values, values[i])
		}
	}
	return w
}

func (v *Validator) set(ctx context.Context, o observed) {
	res, err := v.cfg.Chain.SetWeights(ctx, v.cfg.Hotkey, v.cfg.Netuid, o.weights)
	if err != nil {
		v.refused(ctx, o, "set weights", err)
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.landed(res.Height)
	v.weights.LastSubmit = uint64(res.Height)
	v.activity.Sets++
	v.activity.Weights, v.activity.WeightsHeight = o.weights, res.Height
	v.log.Info("validator: weights set", "height", res.Height, "uids", o.weights.UIDs, "values", o.weights.Values)
}

func (v *Validator) commit(ctx context.Context, o observed) {
	c, err := chain.NewCommit(v.Hotkey(), v.cfg.Netuid, o.weights)
	if err != nil {
		v.refused(ctx, o, "commit weights", err)
		return
	}
	// Kept before it is sent: if the answer is lost, the commit may still have landed, and
	// only its salt can open it.
	if err := v.setPending(&PendingCommit{Commit: c}); err != nil {
		v.log.Error("validator: not committing: the commit cannot be kept", "err", err)
		v.noteError(err)
		return
	}
	resp, res, err := v.cfg.Chain.CommitWeights(ctx, v.cfg.Hotkey, c)
	if err != nil {
		if ctx.Err() == nil && isChainRefusal(err) {
			_ = v.setPending(nil) // refused by the chain: it never landed
		}
		v.refused(ctx, o, "commit weights", err)
		return
	}
	p := &PendingCommit{Commit: c, Block: uint64(res.Height), Epoch: resp.CommitEpoch, RevealEpoch: resp.RevealEpoch}
	if err := v.setPending(p); err != nil {
		v.log.Error("validator: the commit landed but could not be saved; it is kept in memory", "err", err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.landed(res.Height)
	v.weights.LastSubmit = uint64(res.Height)
	v.activity.Commits++
	v.log.Info("validator: weights committed", "height", res.Height, "epoch", resp.CommitEpoch, "reveal_epoch", resp.RevealEpoch)
}

func (v *Validator) reveal(ctx context.Context, o observed) {
	v.mu.Lock()
	p := *v.weights.Pending
	v.mu.Unlock()
	res, err := v.cfg.Chain.RevealWeights(ctx, v.cfg.Hotkey, p.Commit)
	switch {
	case err == nil:
	case errors.Is(err, types.ErrCommitExpired), errors.Is(err, types.ErrNoCommitFound):
		v.log.Warn("validator: the commit can no longer be revealed; dropping it", "epoch", p.Epoch, "err", err)
		v.mu.Lock()
		v.activity.Dropped++
		v.mu.Unlock()
		_ = v.setPending(nil)
		v.noteError(err)
		return
	case errors.Is(err, types.ErrRevealTooEarly) && !p.Confirmed():
		// Its epoch is unknown: try again at the next epoch.
		v.holdUntil(o.Epochs.Next(o.Height))
		v.noteError(err)
		return
	default:
		v.refused(ctx, o, "reveal weights", err)
		return
	}
	if err := v.setPending(nil); err != nil {
		v.log.Error("validator: the reveal landed but the state file still holds the commit", "err", err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.landed(res.Height)
	v.activity.Reveals++
	v.activity.Weights, v.activity.WeightsHeight = p.Commit.Weights, res.Height
	v.log.Info("validator: weights revealed", "height", res.Height, "epoch", p.RevealEpoch, "uids", p.Commit.Weights.UIDs, "values", p.Commit.Weights.Values)
}

// landed notes a transaction of the validator's that updated its uid (its LastUpdate), which
// the metagraph snapshot shows only once it is read again. Holds v.mu.
func (v *Validator) landed(height int64) {
	v.self.lastUpdate = max(v.self.lastUpdate, uint64(height))
	v.weights.RetryAt = 0
	v.refusals = 0
	v.activity.LastError = ""
}

// refused handles a weight transaction that failed: a refusal that may pass holds the loop back
// until the height it may pass at; others back off, doubling up to a tempo.
func (v *Validator) refused(ctx context.Context, o observed, what string, err error) {
	if ctx.Err() != nil {
		return // stopping
	}
	v.noteError(err)
	tempo := max(o.Epochs.Tempo, 1)
	switch {
	case errors.Is(err, types.ErrRevealTooEarly):
		v.log.Info("validator: reveal too early; retrying next block", "err", err)
		v.holdUntil(o.Height + 1)
		return
	case errors.Is(err, types.ErrNoValidatorPermit):
		v.log.Info("validator: no validator permit yet; retrying after the next epoch", "err", err)
		v.holdUntil(o.Epochs.Next(o.Height))
		return
	case errors.Is(err, types.ErrIncorrectVersionKey):
		v.log.Error("validator: the subnet wants a newer weights version key: upgrade the validator", "err", err)
		v.holdUntil(o.Height + tempo)
		return
	}
	v.mu.Lock()
	v.refusals++
	backoff := min(uint64(1)<<min(v.refusals-1, 16), tempo)
	v.mu.Unlock()
	level := v.log.Warn
	if errors.Is(err, types.ErrSettingWeightsTooFast) || errors.Is(err, types.ErrCommittingTooFast) {
		level = v.log.Info
	}
	level("validator: "+what+" refused; retrying", "in_blocks", backoff, "err", err)
	v.holdUntil(o.Height + backoff)
}

func (v *Validator) holdUntil(block uint64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.weights.RetryAt = block
}

func (v *Validator) noteError(err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.activity.LastError = err.Error()
}

// setPending records the unrevealed commit (nil: none), in StatePath too when there is one.
func (v *Validator) setPending(p *PendingCommit) error {
	v.mu.Lock()
	v.weights.Pending = p
	v.mu.Unlock()
	if v.state == nil {
		return nil
	}
	return v.state.save(p)
}

// isChainRefusal reports whether the transaction provably never took effect: the chain refused
// it (a classified error), or its timeout height passed without it — as opposed to an answer
// lost on the way, after which it may still have landed.
func isChainRefusal(err error) bool {
	var ce *chain.Error
	return errors.As(err, &ce) && (ce.Codespace != "" || ce.Expired)
}
