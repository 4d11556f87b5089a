package synapse

import (
	"crypto/ecdh"
	"crypto/sha256"
	"fmt"
	"net/http"
	"time"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
)

// Role says which end of a session a certificate is for. A certificate for
// one role is refused in the other, so an axon's certificate can never pass
// as a dendrite's.
type Role string

const (
	RoleDendrite Role = "dendrite"
	RoleAxon     Role = "axon"
)

// Scope is the network a session belongs to. Certificates name it, so a
// certificate issued for one subnet or chain is useless on another.
type Scope struct {
	ChainID string
	NetUID  uint16
}

func (s Scope) String() string { return fmt.Sprintf("chain %q netuid %d", s.ChainID, s.NetUID) }

// MaxCertLifetime bounds how long a certificate may be valid: a stolen
// session key is worth at most this long.
const MaxCertLifetime = 24 * time.Hour

// MaxUnixTime is the latest time, in unix seconds, a certificate may name
// (9999-12-31T23:59:59Z); times before 1970 are refused too.
const MaxUnixTime = 253402300799

// Certificate binds a short-lived X25519 session key to a hotkey: the hotkey
// signs it once, and every request of every session built on it is then
// authenticated with a MAC instead of a signature.
type Certificate struct {
	Role       Role   `json:"role"`
	Hotkey     string `json:"hotkey"`      // bech32 address of HotkeyPub
	HotkeyPub  []byte `json:"hotkey_pub"`  // compressed secp256k1, 33 bytes
	SessionKey []byte `json:"session_key"` // X25519 public key, 32 bytes
	ChainID    string `json:"chain_id"`
	NetUID     uint16 `json:"netuid"`
	IssuedAt   int64  `json:"issued_at"` // unix seconds
	NotAfter   int64  `json:"not_after"` // unix seconds
	Signature  []byte `json:"signature"` // secp256k1 r||s by the hotkey over signBytes
}

// signBytes is what the hotkey signs (the secp256k1 key hashes it with SHA-256).
func (c *Certificate) signBytes() []byte {
	return newCanon("gotensor/synapse/v1/certificate", 160).
		str(string(c.Role)).
		str(c.Hotkey).
		bytes(c.HotkeyPub).
		bytes(c.SessionKey).
		str(c.ChainID).
		u64(uint64(c.NetUID)).
		i64(c.IssuedAt).
		i64(c.NotAfter)
}

// Digest identifies the certificate, signature included.
func (c *Certificate) Digest() [32]byte {
	return sha256.Sum256(canon(c.signBytes()).bytes(c.Signature))
}

// Expires is the end of the certificate's validity.
func (c *Certificate) Expires() time.Time { return time.Unix(c.NotAfter, 0) }

// CertCheck is what a verifier expects of a peer's certificate.
type CertCheck struct {
	Role  Role
	Scope Scope
	Now   time.Time
	// Skew is the clock difference tolerated on IssuedAt.
	Skew time.Duration
	// Hotkey, when set, is the only hotkey accepted (a dendrite knows which
	// axon it dialled; an axon accepts any caller).
	Hotkey string
}

// Verify checks the certificate against c and its signature against its own
// hotkey, whose address it must hash to. Failures are *Error with status 401
// and ReasonBadCertificate. The cheap checks run first so that garbage costs
// no signature verification.
func (c *Certificate) Verify(want CertCheck) error {
	bad := func(format string, args ...any) error {
		return Errorf(http.StatusUnauthorized, ReasonBadCertificate, format, args...)
	}
	if c.Role != want.Role {
		return bad("certificate is for role %q, want %q", c.Role, want.Role)
	}
	if c.ChainID != want.Scope.ChainID || c.NetUID != want.Scope.NetUID {
		return bad("certificate is for chain %q netuid %d, want %s", c.ChainID, c.NetUID, want.Scope)
	}
	if want.Hotkey != "" && c.Hotkey != want.Hotkey {
		return bad("certificate is for hotkey %s, want %s", c.Hotkey, want.Hotkey)
	}
	if len(c.SessionKey) != 32 {
		return bad("session key is %d bytes, want 32 (X25519)", len(c.SessionKey))
	}
	if len(c.Signature) != 64 {
		return bad("signature is %d bytes, want 64 (secp256k1 r||s)", len(c.Signature))
	}
	// Ranges first: the arithmetic below, and every time.Time made from
	// these fields, must not overflow.
	for _, f := range []struct {
		name string
		unix int64
	}{{"issued_at", c.IssuedAt}, {"not_after", c.NotAfter}} {
		if f.unix < 0 || f.unix > MaxUnixTime {
			return bad("certificate %s %d is outside 0..%d (1970 to 9999)", f.name, f.unix, MaxUnixTime)
		}
	}
	now := want.Now.Unix()
	if c.NotAfter <= c.IssuedAt || c.NotAfter-c.IssuedAt > int64(MaxCertLifetime/time.Second) {
		return bad("certificate validity %d..%d is empty or longer than %s", c.IssuedAt, c.NotAfter, MaxCertLifetime)
	}
	if c.IssuedAt > now+int64(want.Skew/time.Second) {
		return bad("certificate issued at %d, in the future of this clock (%d)", c.IssuedAt, now)
	}
	if c.NotAfter <= now {
		return bad("certificate expired at %d (now %d)", c.NotAfter, now)
	}
	addr, err := AddressOf(c.HotkeyPub)
	if err != nil {
		return bad("%v", err)
	}
	if addr != c.Hotkey {
		return bad("hotkey public key hashes to %s, not to the claimed %s", addr, c.Hotkey)
	}
	pub := secp256k1.PubKey{Key: c.HotkeyPub}
	if !pub.VerifySignature(c.signBytes(), c.Signature) {
		return bad("signature does not verify against hotkey %s", c.Hotkey)
	}
	return nil
}

// Credential is one end's certified session key: the X25519 private key and
// the certificate its hotkey signed for it.
type Credential struct {
	Cert   *Certificate
	Digest [32]byte
	key    *ecdh.PrivateKey
}

// NewCredential makes a fresh session key and has signer certify it for
// lifetime (at most MaxCertLifetime) from now.
func NewCredential(signer Signer, role Role, scope Scope, now time.Time, lifetime time.Duration) (*Credential, error) {
	if lifetime < time.Second || lifetime > MaxCertLifetime {
		return nil, fmt.Errorf("certificate lifetime %s: want 1s..%s", lifetime, MaxCertLifetime)
	}
	key, err := ecdh.X25519().GenerateKey(nil)
	if err != nil {
		return nil, fmt.Errorf("generate session key: %w", err)
	}
	pub := signer.PubKey()
	if pub == nil {
		return nil, fmt.Errorf("signer %s has no public key", signer.Address())
	}
	addr, err := AddressOf(pub.Bytes())
	if err != nil {
		return nil, fmt.Errorf("signer %s: %w", signer.Address(), err)
	}
	if addr != signer.Address() {
		return nil, fmt.Errorf("signer says its address is %s but its public key hashes to %s", signer.Address(), addr)
	}
	c := &Certificate{
		Role:       role,
		Hotkey:     addr,
		HotkeyPub:  pub.Bytes(),
		SessionKey: key.PublicKey().Bytes(),
		ChainID:    scope.ChainID,
		NetUID:     scope.NetUID,
		IssuedAt:   now.Unix(),
		NotAfter:   now.Add(lifetime).Unix(),
	}
	if err := c.Sign(signer); err != nil {
		return nil, err
	}
	return &Credential{Cert: c, Digest: c.Digest(), key: key}, nil
}

// Sign sets the certificate's signature by signer over its fields as they
// stand; NewCredential calls it, and so can a tool that sets the fields
// itself. Verify still judges the fields.
func (c *Certificate) Sign(signer Signer) error {
	sig, err := signer.Sign(c.signBytes())
	if err != nil {
		return fmt.Errorf("hotkey %s signing its session certificate: %w", c.Hotkey, err)
	}
	if len(sig) != 64 {
		return fmt.Errorf("hotkey %s signed its session certificate with %d bytes, want 64", c.Hotkey, len(sig))
	}
	c.Signature = sig
	return nil
}
