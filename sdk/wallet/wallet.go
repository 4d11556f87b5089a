package wallet

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"

	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/synapse"
)

// Keyring backends a wallet may live in.
const (
	BackendOS   = keyring.BackendOS
	BackendFile = keyring.BackendFile
	BackendTest = keyring.BackendTest
	// DefaultBackend is the Cosmos SDK's default: the operating system's secret store.
	DefaultBackend = BackendOS
)

// Backends lists the backends Open accepts.
var Backends = []string{BackendOS, BackendFile, BackendTest}

// DefaultHotkey is the hotkey Create makes.
const DefaultHotkey = "default"

// Errors.
var (
	ErrExists   = errors.New("already exists")
	ErrNotFound = errors.New("not found")
	ErrBadName  = errors.New("invalid name")
)

// Store is the keyring wallets live in.
type Store struct {
	kr keyring.Keyring
}

// Open opens the keyring in dir with one of Backends; input is where the file backend reads its
// passphrase (the terminal).
func Open(backend, dir string, input io.Reader) (*Store, error) {
	if !slices.Contains(Backends, backend) {
		return nil, fmt.Errorf("wallet: keyring backend %q: use one of %s", backend, strings.Join(Backends, ", "))
	}
	enc, err := chain.NewEncoding()
	if err != nil {
		return nil, err
	}
	kr, err := keyring.New(sdk.KeyringServiceName(), backend, dir, input, enc.Codec)
	if err != nil {
		return nil, fmt.Errorf("wallet: opening the %s keyring in %s: %w", backend, dir, err)
	}
	return &Store{kr: kr}, nil
}

// NewStore wraps a keyring opened elsewhere (for example by the SDK's client context).
func NewStore(kr keyring.Keyring) *Store { return &Store{kr: kr} }

// Keyring is the underlying keyring.
func (s *Store) Keyring() keyring.Keyring { return s.kr }

// Key is one key of a wallet: its coldkey (Hotkey empty) or one of its hotkeys.
type Key struct {
	// Name is the key's name in the keyring: WALLET or WALLET/HOTKEY.
	Name    string `json:"name"`
	Wallet  string `json:"wallet"`
	Hotkey  string `json:"hotkey,omitempty"`
	Address string `json:"address"`
}

// Wallet is a coldkey and its hotkeys, by name.
type Wallet struct {
	Name string `json:"name"`
	// Coldkey is nil when the keyring holds hotkeys of the wallet but not its coldkey (it may be
	// kept on another machine, as it should be for a wallet with stake).
	Coldkey *Key  `json:"coldkey"`
	Hotkeys []Key `json:"hotkeys"`
}

// Created is a new key and the mnemonic that restores it. Show the mnemonic once and keep it
// offline: it is the key.
type Created struct {
	Key      Key
	Mnemonic string
}

// HotkeyName is the keyring name of a wallet's hotkey.
func HotkeyName(wallet, hotkey string) string { return wallet + "/" + hotkey }

var validName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func checkName(what, name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("wallet: %s name %q: %w: use 1 to 64 letters, digits, '.', '_' or '-'", what, name, ErrBadName)
	}
	return nil
}

// Create makes a wallet: the coldkey NAME and the hotkey NAME/default.
func (s *Store) Create(name string) (coldkey, hotkey Created, err error) {
	if err := checkName("wallet", name); err != nil {
		return Created{}, Created{}, err
	}
	if found, err := s.exists(name); err != nil || found {
		return Created{}, Created{}, errors.Join(err, existsErr(found, name))
	}
	coldkey, err = s.newKey(name)
	if err != nil {
		return Created{}, Created{}, err
	}
	hotkey, err = s.newKey(HotkeyName(name, DefaultHotkey))
	if err != nil {
		// The coldkey was never shown to anyone: take it back rather than leave half a wallet.
		_ = s.kr.Delete(name)
		return Created{}, Created{}, err
	}
	return coldkey, hotkey, nil
}

// NewHotkey adds a hotkey to an existing wallet.
func (s *Store) NewHotkey(wallet, hotkey string) (Created, error) {
	if err := checkName("wallet", wallet); err != nil {
		return Created{}, err
	}
	if err := checkName("hotkey", hotkey); err != nil {
		return Created{}, err
	}
	if found, err := s.exists(wallet); err != nil {
		return Created{}, err
	} else if !found {
		return Created{}, fmt.Errorf("wallet: %s: %w: create it first", wallet, ErrNotFound)
	}
	name := HotkeyName(wallet, hotkey)
	if found, err := s.exists(name); err != nil || found {
		return Created{}, errors.Join(err, existsErr(found, name))
	}
	return s.newKey(name)
}

func existsErr(found bool, name string) error {
	if !found {
		return nil
	}
	return fmt.Errorf("wallet: %s: %w", name, ErrExists)
}

func (s *Store) newKey(name string) (Created, error) {
	rec, mnemonic, err := s.kr.NewMnemonic(name, keyring.English, sdk.FullFundraiserPath, keyring.DefaultBIP39Passphrase, hd.Secp256k1)
	if err != nil {
		return Created{}, fmt.Errorf("wallet: creating %s: %w", name, err)
	}
	key, err := keyOf(rec)
	if err != nil {
		return Created{}, err
	}
	return Created{Key: key, Mnemonic: mnemonic}, nil
}

// exists reports whether the keyring holds a key by that name; any failure other than "not
// found" (a wrong passphrase, an unreadable store) is an error, never a "no".
func (s *Store) exists(name string) (bool, error) {
	_, err := s.kr.Key(name)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, sdkerrors.ErrKeyNotFound):
		return false, nil
	default:
		return false, fmt.Errorf("wallet: reading %s from the keyring: %w", name, err)
	}
}

// List returns every wallet in the keyring, by name, each with its hotkeys by name.
func (s *Store) List() ([]Wallet, error) {
	recs, err := s.kr.List()
	if err != nil {
		return nil, fmt.Errorf("wallet: listing the keyring: %w", err)
	}
	byName := map[string]*Wallet{}
	get := func(name string) *Wallet {
		w, ok := byName[name]
		if !ok {
			w = &Wallet{Name: name, Hotkeys: []Key{}}
			byName[name] = w
		}
		return w
	}
	for _, rec := range recs {
		key, err := keyOf(rec)
		if err != nil {
			continue // multisig or otherwise not a secp256k1 account key: not a wallet key
		}
		w := get(key.Wallet)
		if key.Hotkey == "" {
			w.Coldkey = &key
		} else {
			w.Hotkeys = append(w.Hotkeys, key)
		}
	}
	out := make([]Wallet, 0, len(byName))
	for _, w := range byName {
		slices.SortFunc(w.Hotkeys, func(a, b Key) int { return strings.Compare(a.Hotkey, b.Hotkey) })
		out = append(out, *w)
	}
	slices.SortFunc(out, func(a, b Wallet) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Get returns one wallet.
func (s *Store) Get(name string) (Wallet, error) {
	all, err := s.List()
	if err != nil {
		return Wallet{}, err
	}
	for _, w := range all {
		if w.Name == name {
			return w, nil
		}
	}
	return Wallet{}, fmt.Errorf("wallet: %s: %w", name, ErrNotFound)
}

// keyOf reads a keyring record as a wallet key.
func keyOf(rec *keyring.Record) (Key, error) {
	pub, err := rec.GetPubKey()
	if err != nil {
		return Key{}, err
	}
	addr, err := synapse.AddressOf(pub.Bytes())
	if err != nil {
		return Key{}, err
	}
	k := Key{Name: rec.Name, Wallet: rec.Name, Address: addr}
	if wallet, hotkey, ok := strings.Cut(rec.Name, "/"); ok {
		k.Wallet, k.Hotkey = wallet, hotkey
	}
	return k, nil
}

// Coldkey returns the signer of a wallet's coldkey.
func (s *Store) Coldkey(wallet string) (*Signer, error) { return s.signer(wallet) }

// Hotkey returns the signer of a wallet's hotkey.
func (s *Store) Hotkey(wallet, hotkey string) (*Signer, error) {
	return s.signer(HotkeyName(wallet, hotkey))
}

func (s *Store) signer(name string) (*Signer, error) {
	rec, err := s.kr.Key(name)
	if err != nil {
		if errors.Is(err, sdkerrors.ErrKeyNotFound) {
			return nil, fmt.Errorf("wallet: key %s: %w", name, ErrNotFound)
		}
		return nil, fmt.Errorf("wallet: key %s: %w", name, err)
	}
	if rec.GetLocal() == nil && rec.GetLedger() == nil {
		return nil, fmt.Errorf("wallet: key %s holds only a public key here: it cannot sign", name)
	}
	key, err := keyOf(rec)
	if err != nil {
		return nil, fmt.Errorf("wallet: key %s: %w", name, err)
	}
	pub, _ := rec.GetPubKey()
	return &Signer{kr: s.kr, key: key, pub: pub}, nil
}

// Signer is a keyring key that signs: a chain.Signer for transactions and a synapse.Signer for
// an axon's or dendrite's session certificates. The private key stays in the keyring.
type Signer struct {
	kr  keyring.Keyring
	key Key
	pub cryptotypes.PubKey
}

var _ synapse.Signer = (*Signer)(nil)

// Key is which key this is.
func (s *Signer) Key() Key { return s.key }

// Address is the key's bech32 address ("tao1…").
func (s *Signer) Address() string { return s.key.Address }

// PubKey is the key's secp256k1 public key.
func (s *Signer) PubKey() cryptotypes.PubKey { return s.pub }

// Sign has the keyring sign SHA-256(msg) (secp256k1, 64-byte r||s).
func (s *Signer) Sign(msg []byte) ([]byte, error) {
	sig, _, err := s.kr.Sign(s.key.Name, msg, signing.SignMode_SIGN_MODE_DIRECT)
	if err != nil {
		return nil, fmt.Errorf("wallet: signing with %s: %w", s.key.Name, err)
	}
	return sig, nil
}
