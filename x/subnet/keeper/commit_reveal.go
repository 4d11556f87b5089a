package keeper

import (
	"bytes"
	"context"
	"math"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Commit-reveal (§9.2): a validator commits a hash of its weights in one epoch and reveals them
// RevealPeriodEpochs later, so nobody can copy weights before they are public. Epochs are counted
// with look-ahead (§3.1): a message in a block whose epoch is due belongs to the epoch about to run.

func (s msgServer) CommitWeights(ctx context.Context, msg *types.MsgCommitWeights) (*types.MsgCommitWeightsResponse, error) {
	plan, err := s.k.checkCommit(ctx, msg)
	if err != nil {
		return nil, err
	}
	if err := s.k.storeCommit(ctx, plan); err != nil {
		return nil, err
	}
	return &types.MsgCommitWeightsResponse{CommitEpoch: plan.commitEpoch, RevealEpoch: plan.revealEpoch}, nil
}

func (s msgServer) RevealWeights(ctx context.Context, msg *types.MsgRevealWeights) (*types.MsgRevealWeightsResponse, error) {
	plan, err := s.k.checkReveal(ctx, msg)
	if err != nil {
		return nil, err
	}
	if err := s.k.storeQueue(ctx, plan.weights.netuid, plan.weights.hotkey, plan.queue); err != nil {
		return nil, err
	}
	return &types.MsgRevealWeightsResponse{}, s.k.storeWeights(ctx, plan.weights)
}

// commitPlan is a validated commit: the hotkey's queue with the new commit appended.
type commitPlan struct {
	netuid                   uint32
	hotkey                   sdk.AccAddress
	neuron                   types.Neuron
	queue                    types.CommitQueue
	commitEpoch, revealEpoch uint64
}

// checkCommit is commit_weights' validation, in subtensor's order.
func (k Keeper) checkCommit(ctx context.Context, msg *types.MsgCommitWeights) (commitPlan, error) {
	if err := checkNetuidRange(msg.Netuid); err != nil {
		return commitPlan{}, err
	}
	if len(msg.Hash) != types.CommitHashLen {
		return commitPlan{}, errorsmod.Wrapf(types.ErrInvalidCommitHash,
			"got %d bytes; commit the SHA-256 of the weights payload (types.CommitHash)", len(msg.Hash))
	}
	hotkey, err := k.parseAddress("hotkey", msg.Hotkey)
	if err != nil {
		return commitPlan{}, err
	}
	h, err := k.commitRevealSubnet(ctx, msg.Netuid)
	if err != nil {
		return commitPlan{}, err
	}
	uid, err := k.UidOf(ctx, msg.Netuid, hotkey)
	if err != nil {
		return commitPlan{}, err
	}
	neuron, err := k.GetNeuron(ctx, msg.Netuid, uid)
	if err != nil {
		return commitPlan{}, errorsmod.Wrapf(types.ErrInconsistentState, "hotkey %s has uid %d on subnet %d but no neuron: %v", hotkey, uid, msg.Netuid, err)
	}
	now := blockHeight(ctx)
	if err := checkWeightsRateLimit(types.ErrCommittingTooFast, "weights committed", neuron.LastUpdate, now, h.WeightsSetRateLimit); err != nil {
		return commitPlan{}, err
	}
	epoch, err := k.epochIndexWithLookahead(ctx, msg.Netuid)
	if err != nil {
		return commitPlan{}, err
	}
	queue, err := k.commitQueue(ctx, msg.Netuid, hotkey)
	if err != nil {
		return commitPlan{}, err
	}
	live, _ := splitExpired(queue.Commits, epoch, h.RevealPeriodEpochs)
	if len(live) >= types.MaxUnrevealedCommits {
		return commitPlan{}, errorsmod.Wrapf(types.ErrTooManyCommits,
			"%d unrevealed commits on subnet %d, at most %d: reveal one, or wait until the oldest (epoch %d) expires after epoch %d",
			len(live), msg.Netuid, types.MaxUnrevealedCommits, live[0].CommitEpoch, revealEpochOf(live[0].CommitEpoch, h.RevealPeriodEpochs))
	}
	commits := make([]types.WeightCommit, len(live), len(live)+1)
	copy(commits, live)
	commits = append(commits, types.WeightCommit{Hash: bytes.Clone(msg.Hash), CommitEpoch: epoch, CommitBlock: now})
	return commitPlan{
		netuid: msg.Netuid, hotkey: hotkey, neuron: neuron, queue: types.CommitQueue{Commits: commits},
		commitEpoch: epoch, revealEpoch: revealEpochOf(epoch, h.RevealPeriodEpochs),
	}, nil
}

// storeCommit writes a validated commit. A commit counts as the uid's weights update (LastUpdate),
// which keeps a commit-reveal validator active between reveals.
func (k Keeper) storeCommit(ctx context.Context, p commitPlan) error {
	if err := k.storeQueue(ctx, p.netuid, p.hotkey, p.queue); err != nil {
		return err
	}
	p.neuron.LastUpdate = blockHeight(ctx)
	if err := k.Neurons.Set(ctx, pairKey(p.netuid, p.neuron.Uid), p.neuron); err != nil {
		return err
	}
	return emit(ctx, &types.EventWeightsCommitted{
		Netuid: p.netuid, Hotkey: p.hotkey.String(), CommitEpoch: p.commitEpoch, RevealEpoch: p.revealEpoch,
	})
}

// revealPlan is a validated reveal: the queue left once the revealed commit and every older one
// are popped, and the weights to store.
type revealPlan struct {
	queue   types.CommitQueue
	weights weightsPlan
}

// checkReveal is reveal_weights' validation, in subtensor's order: the commit first, then the
// weights themselves through §9.1.
func (k Keeper) checkReveal(ctx context.Context, msg *types.MsgRevealWeights) (revealPlan, error) {
	if err := requireU16s(msg.Netuid, msg.Uids, msg.Values); err != nil {
		return revealPlan{}, err
	}
	hotkey, err := k.parseAddress("hotkey", msg.Hotkey)
	if err != nil {
		return revealPlan{}, err
	}
	h, err := k.commitRevealSubnet(ctx, msg.Netuid)
	if err != nil {
		return revealPlan{}, err
	}
	queue, err := k.commitQueue(ctx, msg.Netuid, hotkey)
	if err != nil {
		return revealPlan{}, err
	}
	if len(queue.Commits) == 0 {
		return revealPlan{}, errorsmod.Wrapf(types.ErrNoCommitFound,
			"hotkey %s has no unrevealed commits on subnet %d: commit the hash first, reveal an epoch later", hotkey, msg.Netuid)
	}
	epoch, err := k.epochIndexWithLookahead(ctx, msg.Netuid)
	if err != nil {
		return revealPlan{}, err
	}
	live, expired := splitExpired(queue.Commits, epoch, h.RevealPeriodEpochs)
	payload := msg.CommitPayload()
	payload.Hotkey = hotkey.String()
	hash := types.CommitHash(payload)

	pos := indexOfHash(live, hash)
	if pos < 0 {
		if i := indexOfHash(expired, hash); i >= 0 {
			return revealPlan{}, errorsmod.Wrapf(types.ErrCommitExpired,
				"the commit of epoch %d could be revealed only in epoch %d and subnet %d is in epoch %d: commit again",
				expired[i].CommitEpoch, revealEpochOf(expired[i].CommitEpoch, h.RevealPeriodEpochs), msg.Netuid, epoch)
		}
		return revealPlan{}, errorsmod.Wrapf(types.ErrNoCommitFound,
			"none of the %d unrevealed commits of %s on subnet %d is the hash %X of these uids, values, salt and version key: reveal exactly what was committed",
			len(live), hotkey, msg.Netuid, hash)
	}
	if at := revealEpochOf(live[pos].CommitEpoch, h.RevealPeriodEpochs); epoch != at {
		return revealPlan{}, errorsmod.Wrapf(types.ErrRevealTooEarly,
			"committed in epoch %d with a reveal period of %d epochs, so revealable in epoch %d; subnet %d is in epoch %d: reveal after %d more epoch(s)",
			live[pos].CommitEpoch, h.RevealPeriodEpochs, at, msg.Netuid, epoch, at-epoch)
	}
	weights, err := k.checkWeights(ctx, hotkey, msg.Netuid, msg.Uids, msg.Values, msg.VersionKey)
	if err != nil {
		return revealPlan{}, err
	}
	// The revealed commit and every older one go: a validator reveals its latest weights.
	return revealPlan{queue: types.CommitQueue{Commits: live[pos+1:]}, weights: weights}, nil
}

// commitRevealSubnet returns the hyperparameters of an existing subnet that uses commit-reveal.
func (k Keeper) commitRevealSubnet(ctx context.Context, netuid uint32) (types.Hyperparams, error) {
	if _, err := k.GetSubnet(ctx, netuid); err != nil {
		return types.Hyperparams{}, err
	}
	h, err := k.GetHyperparams(ctx, netuid)
	if err != nil {
		return types.Hyperparams{}, err
	}
	if !h.CommitReveal {
		return types.Hyperparams{}, errorsmod.Wrapf(types.ErrCommitRevealDisabled, "subnet %d", netuid)
	}
	return h, nil
}

func (k Keeper) commitQueue(ctx context.Context, netuid uint32, hotkey sdk.AccAddress) (types.CommitQueue, error) {
	return getOrZero(ctx, func(ctx context.Context) (types.CommitQueue, error) {
		return k.Commits.Get(ctx, pairKey(netuid, hotkey))
	})
}

// storeQueue writes a hotkey's commits, deleting the entry once none is left.
func (k Keeper) storeQueue(ctx context.Context, netuid uint32, hotkey sdk.AccAddress, q types.CommitQueue) error {
	if len(q.Commits) == 0 {
		return k.Commits.Remove(ctx, pairKey(netuid, hotkey))
	}
	return k.Commits.Set(ctx, pairKey(netuid, hotkey), q)
}

// earliestCommitBlocks is what the epoch's commit-reveal mask needs (§4.6 step 4): for each of the
// first n uids, the commit_block of its hotkey's oldest live commit, math.MaxUint64 when it has
// none. It is nil when the subnet does not use commit-reveal, which turns the mask off
// (yuma.Input.CommitBlock).
func (k Keeper) earliestCommitBlocks(ctx context.Context, netuid uint32, n int) ([]uint64, error) {
	h, err := k.GetHyperparams(ctx, netuid)
	if err != nil || !h.CommitReveal {
		return nil, err
	}
	epoch, err := k.epochIndexWithLookahead(ctx, netuid)
	if err != nil {
		return nil, err
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = math.MaxUint64
	}
	rng := collections.NewPrefixedPairRange[uint32, sdk.AccAddress](netuid)
	err = k.Commits.Walk(ctx, rng, func(key collections.Pair[uint32, sdk.AccAddress], q types.CommitQueue) (bool, error) {
		live, _ := splitExpired(q.Commits, epoch, h.RevealPeriodEpochs)
		if len(live) == 0 {
			return false, nil
		}
		uid, err := k.Uids.Get(ctx, key)
		switch {
		case isNotFound(err):
			return false, nil // a hotkey no longer registered: its commits mask nobody
		case err != nil:
			return true, err
		case int64(uid) < int64(n):
			// The queue is oldest first, so its first live commit has the smallest block.
			out[uid] = min(out[uid], live[0].CommitBlock)
		}
		return false, nil
	})
	return out, err
}

// splitExpired splits a queue (oldest first) into the commits expired at epoch, which lead it, and
// the live ones after them. A commit expires once its reveal epoch has passed (§9.2).
func splitExpired(commits []types.WeightCommit, epoch, revealPeriod uint64) (live, expired []types.WeightCommit) {
	i := 0
	for i < len(commits) && epoch > revealEpochOf(commits[i].CommitEpoch, revealPeriod) {
		i++
	}
	return commits[i:], commits[:i]
}

// revealEpochOf is the one epoch in which a commit can be revealed (saturating).
func revealEpochOf(commitEpoch, revealPeriod uint64) uint64 {
	if commitEpoch > math.MaxUint64-revealPeriod {
		return math.MaxUint64
	}
	return commitEpoch + revealPeriod
}

func indexOfHash(commits []types.WeightCommit, hash []byte) int {
	for i, c := range commits {
		if bytes.Equal(c.Hash, hash) {
			return i
		}
	}
	return -1
}
