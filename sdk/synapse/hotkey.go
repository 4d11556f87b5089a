package synapse

import (
	"errors"
	"fmt"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	"github.com/cosmos/cosmos-sdk/types/bech32"
)

// AddressPrefix is the bech32 human-readable part of every hotkey address.
// It is fixed here rather than read from the SDK's global sdk.Config, so that
// a program linking both the chain and the SDK cannot change it by accident.
const AddressPrefix = "tao"

// Signer is a hotkey that can sign. The SDK signs only session certificates
// with it (once per session lifetime, not per request), so a keyring-backed
// signer that asks the operating system's keyring each time is fast enough.
type Signer interface {
	// Address is the hotkey's bech32 account address ("tao1…").
	Address() string
	// PubKey is the hotkey's secp256k1 public key; its address must equal Address.
	PubKey() cryptotypes.PubKey
	// Sign returns a 64-byte r||s secp256k1 signature over SHA-256(msg),
	// as the Cosmos SDK's secp256k1 keys produce.
	Sign(msg []byte) ([]byte, error)
}

// AddressOf returns the bech32 address of a 33-byte compressed secp256k1
// public key.
func AddressOf(pubKey []byte) (string, error) {
	if len(pubKey) != secp256k1.PubKeySize {
		return "", fmt.Errorf("hotkey public key is %d bytes, want %d (compressed secp256k1)", len(pubKey), secp256k1.PubKeySize)
	}
	pk := secp256k1.PubKey{Key: pubKey}
	addr, err := bech32.ConvertAndEncode(AddressPrefix, pk.Address())
	if err != nil {
		return "", fmt.Errorf("encode hotkey address: %w", err)
	}
	return addr, nil
}

// CheckAddress reports whether s is a well-formed hotkey address: bech32 with
// prefix "tao" and a 20-byte payload.
func CheckAddress(s string) error {
	hrp, payload, err := bech32.DecodeAndConvert(s)
	if err != nil {
		return fmt.Errorf("hotkey %q: %w", s, err)
	}
	if hrp != AddressPrefix {
		return fmt.Errorf("hotkey %q has prefix %q, want %q", s, hrp, AddressPrefix)
	}
	if len(payload) != 20 {
		return fmt.Errorf("hotkey %q holds %d bytes, want 20", s, len(payload))
	}
	return nil
}

// KeySigner is a Signer over an in-memory private key, for tests, local
// networks and programs that load the key themselves.
type KeySigner struct {
	priv    *secp256k1.PrivKey
	address string
}

// NewKeySigner wraps a secp256k1 private key.
func NewKeySigner(priv *secp256k1.PrivKey) (*KeySigner, error) {
	if priv == nil || len(priv.Key) != secp256k1.PrivKeySize {
		return nil, errors.New("hotkey private key must be 32 bytes of secp256k1")
	}
	addr, err := AddressOf(priv.PubKey().Bytes())
	if err != nil {
		return nil, err
	}
	return &KeySigner{priv: priv, address: addr}, nil
}

// GenerateKeySigner makes a signer over a fresh random key.
func GenerateKeySigner() *KeySigner {
	s, err := NewKeySigner(secp256k1.GenPrivKey())
	if err != nil {
		panic(fmt.Sprintf("a generated secp256k1 key is invalid: %v", err))
	}
	return s
}

// Address, PubKey and Sign implement Signer.
func (s *KeySigner) Address() string                 { return s.address }
func (s *KeySigner) PubKey() cryptotypes.PubKey      { return s.priv.PubKey() }
func (s *KeySigner) Sign(msg []byte) ([]byte, error) { return s.priv.Sign(msg) }
