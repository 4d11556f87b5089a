package neuron

import (
	"context"
	"errors"
	"time"

	"github.com/gotensor/gotensor/sdk/chain"
	fneuron "github.com/gotensor/gotensor/subnets/forecast/neuron"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// weightsLoop reads the chain every PollInterval and does what the
// forecasting subnet's Decide says: the chain's rules for weights are the
// same for every subnet.
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

func (v *Validator) weightsStep(ctx context.Context) {
	state, w, err := v.observe(ctx)
	if err != nil {
		if ctx.Err() == nil {
			v.noteError(err)
		}
		return
	}
	v.mu.Lock()
	d := fneuron.Decide(state, v.weights, v.cfg.WeightsInterval)
	v.mu.Unlock()
	var height int64
	switch d.Action {
	case fneuron.Wait:
		return
	case fneuron.DropCommit:
		v.mu.Lock()
		v.weights.Pending = nil
		v.mu.Unlock()
		return
	case fneuron.SetWeights:
		var res *chain.TxResult
		if res, err = v.cfg.Chain.SetWeights(ctx, v.cfg.Hotkey, v.cfg.Netuid, w); err == nil {
			height = res.Height
			v.mu.Lock()
			v.activity.Sets++
			v.activity.Weights, v.activity.WeightsHeight = w, height
			v.weights.LastSubmit = uint64(height)
			v.mu.Unlock()
		}
	case fneuron.CommitWeights:
		var c chain.Commit
		if c, err = chain.NewCommit(v.Hotkey(), v.cfg.Netuid, w); err == nil {
			var resp *types.MsgCommitWeightsResponse
			var res *chain.TxResult
			if resp, res, err = v.cfg.Chain.CommitWeights(ctx, v.cfg.Hotkey, c); err == nil {
				height = res.Height
				v.mu.Lock()
				v.activity.Commits++
				v.weights.Pending = &fneuron.PendingCommit{Commit: c, Block: uint64(height), Epoch: resp.CommitEpoch, RevealEpoch: resp.RevealEpoch}
				v.weights.LastSubmit = uint64(height)
				v.mu.Unlock()
			}
		}
	case fneuron.RevealWeights:
		v.mu.Lock()
		p := *v.weights.Pending
		v.mu.Unlock()
		var res *chain.TxResult
		if res, err = v.cfg.Chain.RevealWeights(ctx, v.cfg.Hotkey, p.Commit); err == nil {
			height = res.Height
			v.mu.Lock()
			v.activity.Reveals++
			v.activity.Weights, v.activity.WeightsHeight = p.Commit.Weights, height
			v.weights.Pending = nil
			v.mu.Unlock()
		} else if errors.Is(err, types.ErrCommitExpired) || errors.Is(err, types.ErrNoCommitFound) {
			v.mu.Lock()
			v.weights.Pending = nil
			v.mu.Unlock()
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		v.activity.LastError = err.Error()
		// A refusal that may pass later (too early, too fast, no permit yet)
		// is tried again at a later block.
		v.weights.RetryAt = state.Height + 2
		if errors.Is(err, types.ErrNoValidatorPermit) {
			v.weights.RetryAt = state.Epochs.Next(state.Height)
		}
		v.log.Info("validator: weights refused; retrying", "action", d.Action, "err", err)
		return
	}
	v.weights.RetryAt = 0
	v.activity.LastError = ""
}

// observe reads the subnet's clock and rules and the validator's uid.
func (v *Validator) observe(ctx context.Context) (fneuron.ChainState, chain.Weights, error) {
	summary, height, err := v.cfg.Chain.Subnet(ctx, v.cfg.Netuid)
	if err != nil {
		return fneuron.ChainState{}, chain.Weights{}, err
	}
	h, err := v.cfg.Chain.Hyperparameters(ctx, v.cfg.Netuid)
	if err != nil {
		return fneuron.ChainState{}, chain.Weights{}, err
	}
	s := fneuron.ChainState{
		Height:       uint64(max(height, 0)),
		Epochs:       fneuron.Epochs{Tempo: uint64(summary.Tempo), LastEpochBlock: summary.LastEpochBlock},
		CommitReveal: h.CommitReveal,
		RateLimit:    h.WeightsSetRateLimit,
	}
	m := v.graph.Current()
	if m == nil {
		return s, chain.Weights{}, nil
	}
	uid, ok := m.UID(v.Hotkey())
	if !ok {
		return s, chain.Weights{}, nil
	}
	s.Registered = true
	s.Permit = m.ValidatorPermit[uid] || summary.OwnerHotkey == v.Hotkey()
	v.mu.Lock()
	s.LastUpdate = max(m.LastUpdate[uid], v.weights.LastSubmit)
	v.mu.Unlock()
	w := chain.Weights{VersionKey: v.cfg.VersionKey}
	uids, values := v.tv.Weights()
	for i, u := range uids {
		if values[i] > 0 && u != uid {
			w.UIDs = append(w.UIDs, u)
			w.Values = append(w.Values, values[i])
		}
	}
	s.HaveWeights = len(w.UIDs) > 0
	return s, w, nil
}

func (v *Validator) noteError(err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.activity.LastError = err.Error()
}
