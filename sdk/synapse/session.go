package synapse

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"sync"
	"time"
)

// SessionID names a session on the wire. It is a hash of the two
// certificates, so both ends compute it without talking, and a replayed
// handshake maps to the session it already created instead of a new one.
type SessionID [16]byte

// SessionIDOf derives the ID of the session between two certificates.
func SessionIDOf(dendriteCert, axonCert [32]byte) SessionID {
	sum := sha256.Sum256(newCanon("gotensor/synapse/v1/session-id", 64).fixed(dendriteCert[:]).fixed(axonCert[:]))
	var id SessionID
	copy(id[:], sum[:16])
	return id
}

func (id SessionID) String() string { return hex.EncodeToString(id[:]) }

// ParseSessionID decodes the 32 hex digits of a session ID.
func ParseSessionID(s string) (SessionID, error) {
	var id SessionID
	if len(s) != 2*len(id) {
		return id, fmt.Errorf("session id is %d characters, want %d hex digits", len(s), 2*len(id))
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("session id %q: %w", s, err)
	}
	return id, nil
}

func (id SessionID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

func (id *SessionID) UnmarshalText(b []byte) error {
	v, err := ParseSessionID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// MAC is an HMAC-SHA256 tag.
type MAC [32]byte

func (m MAC) String() string { return hex.EncodeToString(m[:]) }

// ParseMAC decodes the 64 hex digits of a MAC.
func ParseMAC(s string) (MAC, error) {
	var m MAC
	if len(s) != 2*len(m) {
		return m, fmt.Errorf("MAC is %d characters, want %d hex digits", len(s), 2*len(m))
	}
	if _, err := hex.Decode(m[:], []byte(s)); err != nil {
		return m, fmt.Errorf("MAC %q: %w", s, err)
	}
	return m, nil
}

// Session is what both ends share after a handshake: one key per direction,
// so a request's MAC can never be reflected back as a response's.
type Session struct {
	ID      SessionID
	Caller  string    // the dendrite's hotkey
	Target  string    // the axon's hotkey
	Expires time.Time // the earlier of the two certificates' ends
	reqKey  macKey    // dendrite → axon
	respKey macKey    // axon → dendrite
}

// macKey is an HMAC key with a pool of keyed hashes: keying one costs more
// than the MAC of a request's fields.
type macKey struct {
	pool sync.Pool
}

func (k *macKey) init(key []byte) {
	key = append([]byte(nil), key...)
	k.pool.New = func() any { return hmac.New(sha256.New, key) }
}

func (k *macKey) sum(msg []byte) MAC {
	h := k.pool.Get().(hash.Hash)
	h.Write(msg)
	var m MAC
	h.Sum(m[:0])
	h.Reset()
	k.pool.Put(h)
	return m
}

// Derive builds the session between this credential and a peer certificate
// that the caller has already verified (Certificate.Verify) for the opposite
// role.
func (c *Credential) Derive(peer *Certificate) (*Session, error) {
	var d, a *Certificate
	var dDigest, aDigest [32]byte
	switch {
	case c.Cert.Role == RoleDendrite && peer.Role == RoleAxon:
		d, a, dDigest, aDigest = c.Cert, peer, c.Digest, peer.Digest()
	case c.Cert.Role == RoleAxon && peer.Role == RoleDendrite:
		d, a, dDigest, aDigest = peer, c.Cert, peer.Digest(), c.Digest
	default:
		return nil, fmt.Errorf("a session needs a dendrite and an axon, not %q and %q", c.Cert.Role, peer.Role)
	}
	peerKey, err := ecdh.X25519().NewPublicKey(peer.SessionKey)
	if err != nil {
		return nil, fmt.Errorf("peer session key: %w", err)
	}
	shared, err := c.key.ECDH(peerKey)
	if err != nil { // a low-order point: the peer chose a key everyone can compute with
		return nil, Errorf(http.StatusUnauthorized, ReasonBadCertificate, "session key agreement with %s failed: %v", peer.Hotkey, err)
	}
	id := SessionIDOf(dDigest, aDigest)
	keys, err := hkdf.Key(sha256.New, shared, id[:], "gotensor/synapse/v1/session-keys", 64)
	if err != nil {
		return nil, fmt.Errorf("derive session keys: %w", err)
	}
	s := &Session{ID: id, Caller: d.Hotkey, Target: a.Hotkey, Expires: time.Unix(min(d.NotAfter, a.NotAfter), 0)}
	s.reqKey.init(keys[:32])
	s.respKey.init(keys[32:])
	return s, nil
}

// RequestAuth is what a request's MAC covers: the fields Bittensor signs
// (nonce, caller, target, uuid, body hash — the body is always covered), plus
// the version, route and timeout, so that none of them can be changed in
// transit either.
type RequestAuth struct {
	Version   uint32
	Route     string
	Caller    string
	Target    string
	UUID      string
	Nonce     int64    // unix nanoseconds at the dendrite
	TimeoutMs int64    // how long the dendrite waits, in milliseconds
	BodyHash  [32]byte // SHA-256 of the body exactly as sent
}

func (a *RequestAuth) bytes() []byte {
	return newCanon("gotensor/synapse/v1/request", 200).
		u64(uint64(a.Version)).
		str(a.Route).
		str(a.Caller).
		str(a.Target).
		str(a.UUID).
		i64(a.Nonce).
		i64(a.TimeoutMs).
		fixed(a.BodyHash[:])
}

// RequestMAC authenticates a request from the dendrite.
func (s *Session) RequestMAC(a *RequestAuth) MAC { return s.reqKey.sum(a.bytes()) }

// VerifyRequest reports whether mac authenticates a under this session, in
// constant time.
func (s *Session) VerifyRequest(a *RequestAuth, mac MAC) bool {
	want := s.RequestMAC(a)
	return hmac.Equal(want[:], mac[:])
}

// ResponseAuth is what a response's MAC covers. Request is the request's MAC,
// which binds the response to that one request (and through it to route,
// caller, target, uuid and request nonce), so responses cannot be swapped
// between calls or replayed from an earlier one.
type ResponseAuth struct {
	Request  MAC
	Caller   string
	Target   string
	UUID     string
	Nonce    int64 // unix nanoseconds at the axon
	Status   int
	BodyHash [32]byte
}

func (a *ResponseAuth) bytes() []byte {
	return newCanon("gotensor/synapse/v1/response", 200).
		fixed(a.Request[:]).
		str(a.Caller).
		str(a.Target).
		str(a.UUID).
		i64(a.Nonce).
		u64(uint64(a.Status)).
		fixed(a.BodyHash[:])
}

// ResponseMAC authenticates a response from the axon.
func (s *Session) ResponseMAC(a *ResponseAuth) MAC { return s.respKey.sum(a.bytes()) }

// VerifyResponse reports whether mac authenticates a under this session.
func (s *Session) VerifyResponse(a *ResponseAuth, mac MAC) bool {
	want := s.ResponseMAC(a)
	return hmac.Equal(want[:], mac[:])
}
