package neuron

import (
	"fmt"
	"math"

	"github.com/gotensor/gotensor/sdk/chain"
)

// When to put weights on chain is a pure function of what the chain says now and what the
// validator remembers (Decide); the weights loop only reads, decides, and acts. Blocks are
// heights. Height is the last committed block: a transaction sent now is checked (simulated,
// then admitted to the mempool) against the state at Height, and runs in Height+1 or a little
// later, so what it needs must hold at both.

// Epochs is a subnet's epoch clock (§3.1): an epoch ran at LastEpochBlock, and one runs every
// Tempo blocks after it.
type Epochs struct {
	Tempo          uint64
	LastEpochBlock uint64
}

// Next is the first block after b at which an epoch runs (math.MaxUint64 with tempo 0: never).
// A transaction in that block already belongs to the new epoch (the chain counts epochs with
// look-ahead), so an epoch, as commit-reveal counts it, is the blocks [Next(b'), Next(Next(b'))).
func (e Epochs) Next(b uint64) uint64 {
	if e.Tempo == 0 {
		return math.MaxUint64
	}
	if b >= e.LastEpochBlock {
		return e.LastEpochBlock + ((b-e.LastEpochBlock)/e.Tempo+1)*e.Tempo
	}
	return e.LastEpochBlock - ((e.LastEpochBlock-b-1)/e.Tempo)*e.Tempo
}

// PendingCommit is a commit the validator has not revealed yet. Keep it until the reveal lands:
// the salt in it is the only way to open the commit.
type PendingCommit struct {
	Commit chain.Commit `json:"commit"`
	// Block is the block the commit landed in; 0 while unknown (sent, and the answer lost).
	Block uint64 `json:"block"`
	// Epoch and RevealEpoch are the chain's epoch indexes of the commit and of its one reveal
	// epoch (MsgCommitWeightsResponse).
	Epoch       uint64 `json:"epoch"`
	RevealEpoch uint64 `json:"reveal_epoch"`
}

// Confirmed reports whether the chain's answer to the commit is known.
func (p PendingCommit) Confirmed() bool { return p.Block != 0 }

// RevealWindow is the first and last block of the commit's reveal epoch. ok is false when the
// clock cannot say (tempo 0, the commit unconfirmed, or epochs that make no sense).
func (p PendingCommit) RevealWindow(e Epochs) (first, last uint64, ok bool) {
	if e.Tempo == 0 || !p.Confirmed() || p.RevealEpoch <= p.Epoch {
		return 0, 0, false
	}
	first = e.Next(p.Block) + (p.RevealEpoch-p.Epoch-1)*e.Tempo
	return first, first + e.Tempo - 1, true
}

// ChainState is what the weights loop read from the chain and the metagraph.
type ChainState struct {
	// Height is the last committed block.
	Height uint64
	Epochs Epochs
	// CommitReveal and RateLimit are the subnet's commit_reveal and weights_set_rate_limit.
	CommitReveal bool
	RateLimit    uint64
	// Registered, Permit and LastUpdate describe the validator's uid: registered, holding a
	// validator permit (or the subnet owner's hotkey, which needs none), and the block it last
	// set, committed or revealed weights (0: never).
	Registered bool
	Permit     bool
	LastUpdate uint64
	// HaveWeights is whether the scoreboard has a positive weight to give.
	HaveWeights bool
}

// WeightsState is what the validator remembers of its own weights.
type WeightsState struct {
	Pending *PendingCommit
	// LastSubmit is the block its last set or commit landed in (0: none yet).
	LastSubmit uint64
	// RetryAt holds every transaction back until the chain reaches that height, after a
	// refusal that may pass.
	RetryAt uint64
}

// Action is what Decide asks for.
type Action uint8

const (
	Wait          Action = iota // nothing to send now
	SetWeights                  // send set-weights
	CommitWeights               // commit the weights' hash
	RevealWeights               // reveal the pending commit
	DropCommit                  // forget the pending commit: it can no longer be revealed
)

func (a Action) String() string {
	switch a {
	case Wait:
		return "wait"
	case SetWeights:
		return "set"
	case CommitWeights:
		return "commit"
	case RevealWeights:
		return "reveal"
	case DropCommit:
		return "drop-commit"
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// Decision is Decide's answer.
type Decision struct {
	Action Action
	// Until, for Wait, is the height at which waiting may end; the loop still checks every
	// PollInterval, as the chain may change its mind (a new epoch, a permit).
	Until uint64
	// Why says, in words, what the decision rests on.
	Why string
}

// Decide says what to do at c.Height. interval is how many blocks apart weights are set or
// committed (0: once per epoch, every tempo blocks).
//
// On a commit-reveal subnet a pending commit comes first. It is revealed in its reveal epoch:
// from the epoch's first block being committed (so that the check at Height already counts the
// new epoch) until its second-to-last (so that the reveal still lands inside it). An
// unconfirmed one is tried, and the chain says whether it is time. It is dropped once its epoch
// is over. No new commit is made while one waits, so each epoch sees one commit and, in the
// next, its reveal. (A tempo of 1 leaves no block to reveal in: every block is an epoch.)
func Decide(c ChainState, s WeightsState, interval uint64) Decision {
	next := c.Height + 1
	switch {
	case c.Height < s.RetryAt:
		return wait(s.RetryAt, "holding back after a refusal until block %d", s.RetryAt)
	case !c.Registered:
		return wait(next, "the hotkey is not registered on the subnet")
	case c.Epochs.Tempo == 0:
		return wait(next, "the subnet runs no epochs (tempo 0)")
	}
	if p := s.Pending; p != nil {
		if !c.CommitReveal {
			return Decision{Action: DropCommit, Why: "commit-reveal was switched off"}
		}
		if !p.Confirmed() {
			return Decision{Action: RevealWeights, Why: "a commit whose landing is unknown: the chain says whether it is time"}
		}
		first, last, ok := p.RevealWindow(c.Epochs)
		switch {
		case !ok:
			return Decision{Action: DropCommit, Why: fmt.Sprintf("commit of epoch %d has reveal epoch %d", p.Epoch, p.RevealEpoch)}
		case c.Height < first:
			return wait(first, "commit of epoch %d reveals in epoch %d, blocks %d-%d", p.Epoch, p.RevealEpoch, first, last)
		case next > last:
			return Decision{Action: DropCommit, Why: fmt.Sprintf("commit of epoch %d expired: its reveal epoch %d ends at block %d", p.Epoch, p.RevealEpoch, last)}
		}
		return Decision{Action: RevealWeights, Why: fmt.Sprintf("commit of epoch %d: reveal epoch %d, blocks %d-%d", p.Epoch, p.RevealEpoch, first, last)}
	}
	if !c.Permit {
		return wait(c.Epochs.Next(c.Height), "no validator permit: epochs give permits to the top validators by stake")
	}
	if !c.HaveWeights {
		return wait(next, "no miner has a positive score yet")
	}
	if interval == 0 {
		interval = c.Epochs.Tempo
	}
	if s.LastSubmit != 0 && next < s.LastSubmit+interval {
		return wait(s.LastSubmit+interval-1, "weights went out at block %d; next at block %d", s.LastSubmit, s.LastSubmit+interval)
	}
	if c.LastUpdate != 0 && c.Height < c.LastUpdate+c.RateLimit {
		return wait(c.LastUpdate+c.RateLimit, "rate limit: last update at block %d, %d blocks apart", c.LastUpdate, c.RateLimit)
	}
	if c.CommitReveal {
		return Decision{Action: CommitWeights, Why: "weights due; the subnet uses commit-reveal"}
	}
	return Decision{Action: SetWeights, Why: "weights due"}
}

func wait(until uint64, format string, args ...any) Decision {
	return Decision{Action: Wait, Until: until, Why: fmt.Sprintf(format, args...)}
}
