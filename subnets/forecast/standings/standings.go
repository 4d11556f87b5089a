// Package standings is how a forecasting validator publishes what it has measured of its miners,
// so that anyone (an explorer, a staker, a miner checking its record) can read it: a JSON
// document of the scoreboard's standings, signed by the validator's hotkey, served at Path on a
// plain HTTP endpoint that the validator announces with serve-axon.
//
// A validator's announced axon carries AxonVersion (0) where a miner's carries the synapse wire's
// version: it speaks no synapse, so validators and gateways, which ask only axons that speak
// their wire, never send it challenges, and readers know where to ask for standings.
//
// The signature covers the document's exact bytes behind a domain tag, so a reader that
// verifies it knows which hotkey published those figures, whichever server handed them over.
package standings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"

	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast/scoreboard"
)

// Path is where a validator's endpoint serves its signed standings (GET).
const Path = "/forecast/standings"

// AxonVersion is the version a validator's announced standings endpoint carries on chain: 0, no
// synapse wire (see the package comment).
const AxonVersion uint32 = 0

// MaxBytes bounds a signed document a reader accepts: 4096 miners' records with room to spare.
const MaxBytes = 4 << 20

// domain is signed ahead of the document, so that a signature over standings can never be
// taken for a signature over anything else the hotkey signs.
const domain = "gotensor/forecast/standings/v1\n"

// Standings is what a validator publishes: its scoreboard when it was taken.
type Standings struct {
	ChainID string `json:"chain_id"`
	Netuid  uint16 `json:"netuid"`
	// Validator is the publishing hotkey; the signature must be its.
	Validator string `json:"validator"`
	// Block is the height of the metagraph the scoreboard was last aligned with, and
	// LastEpochBlock that metagraph's last epoch: the figures describe the miners as of then.
	Block          int64  `json:"block"`
	LastEpochBlock uint64 `json:"last_epoch_block"`
	// Rounds is how many challenges the validator has scored since it started.
	Rounds  int       `json:"rounds"`
	TakenAt time.Time `json:"taken_at"`
	// Miners are the standings by uid: skill (the plain average improvement over the reference
	// forecast), score (its moving average, what weights are made of), challenges and answered.
	Miners []scoreboard.Standing `json:"miners"`
}

// Signed is the document as served: the standings' exact bytes and the hotkey's signature.
type Signed struct {
	Standings json.RawMessage `json:"standings"`
	Hotkey    string          `json:"hotkey"`
	// PubKey is the hotkey's 33-byte compressed secp256k1 key; Signature is 64 bytes r||s over
	// SHA-256 of the domain tag and Standings.
	PubKey    []byte `json:"pubkey"`
	Signature []byte `json:"signature"`
}

// Sign encodes s and signs it with signer, whose address must be s.Validator.
func Sign(s Standings, signer synapse.Signer) ([]byte, error) {
	if signer == nil || signer.Address() != s.Validator {
		return nil, fmt.Errorf("standings: the signer is not the validator %s", s.Validator)
	}
	body, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("standings: encoding: %w", err)
	}
	sig, err := signer.Sign(append([]byte(domain), body...))
	if err != nil {
		return nil, fmt.Errorf("standings: hotkey %s signing: %w", s.Validator, err)
	}
	pub := signer.PubKey()
	if pub == nil {
		return nil, fmt.Errorf("standings: signer %s has no public key", s.Validator)
	}
	return json.Marshal(Signed{Standings: body, Hotkey: s.Validator, PubKey: pub.Bytes(), Signature: sig})
}

// ErrInvalid reports a document that does not verify or does not make sense.
var ErrInvalid = errors.New("invalid standings")

// Check is what a reader expects of a document: the chain, the subnet and the hotkey the
// metagraph lists at the uid asked.
type Check struct {
	ChainID string
	Netuid  uint16
	Hotkey  string
}

// Verify checks a signed document against want and returns its standings: the key must hash to
// the hotkey, the signature must verify, and the figures must be a scoreboard's (finite, uids
// ascending and distinct, answered at most challenges).
func Verify(doc []byte, want Check) (Standings, error) {
	var s Standings
	bad := func(format string, args ...any) (Standings, error) {
		return Standings{}, fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	if len(doc) > MaxBytes {
		return bad("%d bytes, more than %d", len(doc), MaxBytes)
	}
	var signed Signed
	if err := json.Unmarshal(doc, &signed); err != nil {
		return bad("not a signed standings document: %v", err)
	}
	if signed.Hotkey != want.Hotkey {
		return bad("signed by %s, but the uid's hotkey is %s", signed.Hotkey, want.Hotkey)
	}
	addr, err := synapse.AddressOf(signed.PubKey)
	if err != nil {
		return bad("%v", err)
	}
	if addr != signed.Hotkey {
		return bad("the public key hashes to %s, not to the claimed %s", addr, signed.Hotkey)
	}
	if len(signed.Signature) != 64 {
		return bad("signature is %d bytes, want 64 (secp256k1 r||s)", len(signed.Signature))
	}
	pub := secp256k1.PubKey{Key: signed.PubKey}
	if !pub.VerifySignature(append([]byte(domain), signed.Standings...), signed.Signature) {
		return bad("the signature does not verify against hotkey %s", signed.Hotkey)
	}
	if err := json.Unmarshal(signed.Standings, &s); err != nil {
		return bad("the signed standings do not decode: %v", err)
	}
	switch {
	case s.Validator != signed.Hotkey:
		return bad("the standings name validator %s, signed by %s", s.Validator, signed.Hotkey)
	case s.ChainID != want.ChainID || s.Netuid != want.Netuid:
		return bad("the standings are for chain %q subnet %d, want %q subnet %d", s.ChainID, s.Netuid, want.ChainID, want.Netuid)
	case s.Block < 0 || s.Rounds < 0:
		return bad("block %d or rounds %d is negative", s.Block, s.Rounds)
	}
	for i, m := range s.Miners {
		switch {
		case i > 0 && m.UID <= s.Miners[i-1].UID:
			return bad("miner uids are not ascending and distinct at uid %d", m.UID)
		case m.Hotkey == "":
			return bad("miner uid %d has no hotkey", m.UID)
		case !finite(m.Skill) || !finite(m.Score):
			return bad("miner uid %d has skill %v and score %v", m.UID, m.Skill, m.Score)
		case m.Challenges < 0 || m.Answered < 0 || m.Answered > m.Challenges:
			return bad("miner uid %d answered %d of %d challenges", m.UID, m.Answered, m.Challenges)
		}
	}
	if s.Miners == nil {
		s.Miners = []scoreboard.Standing{}
	}
	return s, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Fetch asks the endpoint at addr (host:port) for its standings and verifies them against
// want. ctx bounds the whole exchange; the answer is read up to MaxBytes.
func Fetch(ctx context.Context, client *http.Client, addr string, want Check) (Standings, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+Path, nil)
	if err != nil {
		return Standings{}, fmt.Errorf("standings: asking %s: %w", addr, err)
	}
	res, err := client.Do(req)
	if err != nil {
		return Standings{}, fmt.Errorf("standings: asking %s: %w", addr, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return Standings{}, fmt.Errorf("standings: %s answered %s", addr, res.Status)
	}
	doc, err := io.ReadAll(io.LimitReader(res.Body, MaxBytes+1))
	if err != nil {
		return Standings{}, fmt.Errorf("standings: reading %s's answer: %w", addr, err)
	}
	s, err := Verify(doc, want)
	if err != nil {
		return Standings{}, fmt.Errorf("standings from %s: %w", addr, err)
	}
	return s, nil
}
