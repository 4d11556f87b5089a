package wallet_test

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"

	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/sdk/wallet"
)

func openTest(t *testing.T) *wallet.Store {
	t.Helper()
	s, err := wallet.Open(wallet.BackendTest, t.TempDir(), strings.NewReader(""))
	require.NoError(t, err)
	return s
}

func TestCreateListNewHotkey(t *testing.T) {
	s := openTest(t)
	cold, hot, err := s.Create("alice")
	require.NoError(t, err)
	require.Equal(t, wallet.Key{Name: "alice", Wallet: "alice", Address: cold.Key.Address}, cold.Key)
	require.Equal(t, "alice/default", hot.Key.Name)
	require.Equal(t, "default", hot.Key.Hotkey)
	require.Len(t, strings.Fields(cold.Mnemonic), 24)
	require.Len(t, strings.Fields(hot.Mnemonic), 24)
	require.NotEqual(t, cold.Mnemonic, hot.Mnemonic)
	require.NoError(t, synapse.CheckAddress(cold.Key.Address))

	_, _, err = s.Create("alice")
	require.ErrorIs(t, err, wallet.ErrExists)

	miner, err := s.NewHotkey("alice", "miner-1")
	require.NoError(t, err)
	require.Equal(t, "alice/miner-1", miner.Key.Name)
	_, err = s.NewHotkey("alice", "miner-1")
	require.ErrorIs(t, err, wallet.ErrExists)
	_, err = s.NewHotkey("bob", "default")
	require.ErrorIs(t, err, wallet.ErrNotFound)

	_, _, err = s.Create("bob")
	require.NoError(t, err)

	all, err := s.List()
	require.NoError(t, err)
	require.Len(t, all, 2)
	require.Equal(t, "alice", all[0].Name)
	require.Equal(t, cold.Key, *all[0].Coldkey)
	require.Equal(t, []wallet.Key{hot.Key, miner.Key}, all[0].Hotkeys)
	require.Equal(t, "bob", all[1].Name)

	var tree bytes.Buffer
	require.NoError(t, wallet.WriteTree(&tree, all))
	require.Equal(t, "alice  "+cold.Key.Address+"\n"+
		"├── default  "+hot.Key.Address+"\n"+
		"└── miner-1  "+miner.Key.Address+"\n"+
		"bob  "+all[1].Coldkey.Address+"\n"+
		"└── default  "+all[1].Hotkeys[0].Address+"\n", tree.String())
}

func TestNames(t *testing.T) {
	s := openTest(t)
	for _, bad := range []string{"", "a/b", "white space", strings.Repeat("x", 65), "ünïcode"} {
		_, _, err := s.Create(bad)
		require.ErrorIs(t, err, wallet.ErrBadName, "%q", bad)
	}
	_, _, err := s.Create("ok")
	require.NoError(t, err)
	_, err = s.NewHotkey("ok", "a/b")
	require.ErrorIs(t, err, wallet.ErrBadName)
	_, err = wallet.Open("plaintext", t.TempDir(), nil)
	require.ErrorContains(t, err, "use one of os, file, test")
}

// A key made outside the wallet commands (`gotensor keys add`) is a wallet without hotkeys; a
// hotkey whose coldkey is kept elsewhere is listed under its wallet without a coldkey.
func TestListForeignKeys(t *testing.T) {
	s := openTest(t)
	_, _, err := s.Keyring().NewMnemonic("validator", keyring.English, "m/44'/118'/0'/0/0", keyring.DefaultBIP39Passphrase, hd.Secp256k1)
	require.NoError(t, err)
	_, _, err = s.Keyring().NewMnemonic("cold-elsewhere/hot", keyring.English, "m/44'/118'/0'/0/0", keyring.DefaultBIP39Passphrase, hd.Secp256k1)
	require.NoError(t, err)
	all, err := s.List()
	require.NoError(t, err)
	require.Len(t, all, 2)
	require.Equal(t, "cold-elsewhere", all[0].Name)
	require.Nil(t, all[0].Coldkey)
	require.Equal(t, "hot", all[0].Hotkeys[0].Hotkey)
	require.Equal(t, "validator", all[1].Name)
	require.Empty(t, all[1].Hotkeys)
}

// A keyring key signs as the wire and the chain expect: 64 bytes r||s over SHA-256 of the
// message, verifiable with its public key, whose address is the key's.
func TestSignerSigns(t *testing.T) {
	s := openTest(t)
	_, hot, err := s.Create("alice")
	require.NoError(t, err)
	signer, err := s.Hotkey("alice", "default")
	require.NoError(t, err)
	require.Equal(t, hot.Key.Address, signer.Address())
	addr, err := synapse.AddressOf(signer.PubKey().Bytes())
	require.NoError(t, err)
	require.Equal(t, signer.Address(), addr)

	msg := []byte("session certificate")
	sig, err := signer.Sign(msg)
	require.NoError(t, err)
	require.Len(t, sig, 64)
	require.True(t, signer.PubKey().VerifySignature(msg, sig))
	digest := sha256.Sum256(msg)
	require.False(t, signer.PubKey().VerifySignature(digest[:], sig), "the signer hashes the message itself")

	cold, err := s.Coldkey("alice")
	require.NoError(t, err)
	require.NotEqual(t, signer.Address(), cold.Address())
	_, err = s.Hotkey("alice", "nope")
	require.ErrorIs(t, err, wallet.ErrNotFound)

	// It certifies a session as any hotkey does.
	_, err = synapse.NewCredential(signer, synapse.RoleAxon, synapse.Scope{ChainID: "c", NetUID: 1}, time.Now(), time.Hour)
	require.NoError(t, err)
}
