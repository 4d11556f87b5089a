package chain

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Weights is a validator's row of weights: values (u16) for uids, and the version key the subnet
// checks against its weights_version_key.
type Weights struct {
	UIDs       []uint16 `json:"uids"`
	Values     []uint16 `json:"values"`
	VersionKey uint64   `json:"version_key"`
}

// WeightsFromScores turns a validator's scores into the weights it sends, as Bittensor's SDK
// does: zero scores are dropped, the rest scaled so the largest is 65535 (the chain scales them
// so again), and those that round to 0 dropped. Scores must be finite and not negative, and at
// least one positive.
func WeightsFromScores(scores map[uint16]float64, versionKey uint64) (Weights, error) {
	var top float64
	for uid, s := range scores {
		if math.IsNaN(s) || math.IsInf(s, 0) || s < 0 {
			return Weights{}, fmt.Errorf("chain: score %v for uid %d: scores must be finite and not negative", s, uid)
		}
		top = max(top, s)
	}
	if top == 0 {
		return Weights{}, errors.New("chain: every score is zero: there is nothing to weight")
	}
	w := Weights{VersionKey: versionKey}
	for _, uid := range slices.Sorted(maps.Keys(scores)) {
		v := math.Round(scores[uid] / top * types.MaxU16)
		if v >= 1 {
			w.UIDs = append(w.UIDs, uid)
			w.Values = append(w.Values, uint16(v))
		}
	}
	return w, nil
}

// Check reports what the chain would refuse before any state is read: lengths that differ, and
// duplicate uids.
func (w Weights) Check() error {
	if len(w.UIDs) != len(w.Values) {
		return fmt.Errorf("chain: %d uids but %d values: %w", len(w.UIDs), len(w.Values), types.ErrWeightVecNotEqualSize)
	}
	seen := make(map[uint16]bool, len(w.UIDs))
	for _, uid := range w.UIDs {
		if seen[uid] {
			return fmt.Errorf("chain: uid %d appears twice: %w", uid, types.ErrDuplicateUids)
		}
		seen[uid] = true
	}
	return nil
}

// SetWeights stores the validator's weights on a subnet without commit-reveal.
func (c *Client) SetWeights(ctx context.Context, hotkey Signer, netuid uint16, w Weights) (*TxResult, error) {
	if err := w.Check(); err != nil {
		return nil, err
	}
	return c.Send(ctx, hotkey, &types.MsgSetWeights{
		Hotkey: addressOf(hotkey), Netuid: uint32(netuid), Uids: widen(w.UIDs), Values: widen(w.Values), VersionKey: w.VersionKey,
	})
}

// Commit is a weight row committed as a hash, and what revealing it takes. Keep it (it marshals
// to JSON) until the reveal: the salt is secret until then, and without it the commit cannot be
// opened.
type Commit struct {
	Hotkey  string  `json:"hotkey"`
	Netuid  uint16  `json:"netuid"`
	Weights Weights `json:"weights"`
	Salt    []byte  `json:"salt"`
}

// CommitSaltLen is the length of a commit's random salt: enough that nobody can guess the weights
// from the hash by trying rows.
const CommitSaltLen = 32

// NewCommit prepares a commit of w by hotkey on a subnet, with a fresh random salt.
func NewCommit(hotkey string, netuid uint16, w Weights) (Commit, error) {
	if err := synapse.CheckAddress(hotkey); err != nil {
		return Commit{}, err
	}
	if err := w.Check(); err != nil {
		return Commit{}, err
	}
	salt := make([]byte, CommitSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return Commit{}, fmt.Errorf("chain: commit salt: %w", err)
	}
	return Commit{Hotkey: strings.ToLower(hotkey), Netuid: netuid, Weights: w, Salt: salt}, nil
}

// Hash is what the chain stores for the commit: SHA-256 of the payload's protobuf encoding
// (types.CommitHash), the same bytes the chain recomputes at the reveal.
func (c Commit) Hash() []byte {
	return types.CommitHash(&types.WeightCommitPayload{
		Hotkey: strings.ToLower(c.Hotkey), Netuid: uint32(c.Netuid),
		Uids: widen(c.Weights.UIDs), Values: widen(c.Weights.Values),
		Salt: c.Salt, VersionKey: c.Weights.VersionKey,
	})
}

// CommitWeights commits the hash of the weights. The response says in which epoch the reveal is
// accepted (RevealEpoch); reveal then with RevealWeights and the same Commit.
func (c *Client) CommitWeights(ctx context.Context, hotkey Signer, commit Commit) (*types.MsgCommitWeightsResponse, *TxResult, error) {
	if err := commit.mine(hotkey); err != nil {
		return nil, nil, err
	}
	return sendFor(ctx, c, hotkey, &types.MsgCommitWeights{
		Hotkey: addressOf(hotkey), Netuid: uint32(commit.Netuid), Hash: commit.Hash(),
	}, &types.MsgCommitWeightsResponse{})
}

// RevealWeights reveals a commit's weights. Before its reveal epoch it fails with
// types.ErrRevealTooEarly, after it with types.ErrCommitExpired.
func (c *Client) RevealWeights(ctx context.Context, hotkey Signer, commit Commit) (*TxResult, error) {
	if err := commit.mine(hotkey); err != nil {
		return nil, err
	}
	return c.Send(ctx, hotkey, &types.MsgRevealWeights{
		Hotkey: addressOf(hotkey), Netuid: uint32(commit.Netuid),
		Uids: widen(commit.Weights.UIDs), Values: widen(commit.Weights.Values),
		Salt: commit.Salt, VersionKey: commit.Weights.VersionKey,
	})
}

// mine checks that the commit is the signer's.
func (c Commit) mine(hotkey Signer) error {
	if hotkey == nil {
		return errors.New("chain: no signer")
	}
	if !strings.EqualFold(c.Hotkey, hotkey.Address()) {
		return fmt.Errorf("chain: the commit is %s's, not %s's", c.Hotkey, hotkey.Address())
	}
	if len(c.Salt) == 0 {
		return errors.New("chain: the commit has no salt: make it with NewCommit")
	}
	return c.Weights.Check()
}

func widen(v []uint16) []uint32 {
	out := make([]uint32, len(v))
	for i, x := range v {
		out[i] = uint32(x)
	}
	return out
}
