package types

import (
	"crypto/sha256"
	"fmt"
)

// Commit-reveal (§9.2): a validator first commits CommitHash of its weights, then reveals the
// weights themselves an epoch later. Subtensor hashes a SCALE encoding with Blake2; we hash the
// protobuf encoding of WeightCommitPayload with SHA-256, which any client can reproduce.

// CommitHashLen is the length of a weight commit's hash (SHA-256).
const CommitHashLen = sha256.Size

// MaxUnrevealedCommits is how many commits a hotkey may hold on one subnet before revealing (§9.2).
const MaxUnrevealedCommits = 10

// CommitHash is the hash a commit-weights message carries: SHA-256 over the protobuf encoding of
// the payload. The encoding is deterministic because the message has no maps: fields in number
// order, zero values omitted, uids and values as packed varints. hotkey must be the hotkey's
// canonical (lower-case) bech32 address, as the chain re-encodes it before comparing.
func CommitHash(payload *WeightCommitPayload) []byte {
	bz, err := payload.Marshal()
	if err != nil {
		// Marshalling a generated message without maps or nested messages cannot fail.
		panic(fmt.Sprintf("x/subnet: encoding a weight commit payload: %v", err))
	}
	sum := sha256.Sum256(bz)
	return sum[:]
}

// CommitPayload is the payload a reveal claims to open: what CommitHash must reproduce.
func (m *MsgRevealWeights) CommitPayload() *WeightCommitPayload {
	return &WeightCommitPayload{
		Hotkey:     m.Hotkey,
		Netuid:     m.Netuid,
		Uids:       m.Uids,
		Values:     m.Values,
		Salt:       m.Salt,
		VersionKey: m.VersionKey,
	}
}
