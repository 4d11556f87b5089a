package synapse_test

import (
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/synapse"
)

var scope = synapse.Scope{ChainID: "gotensor-test", NetUID: 7}

func TestAddress(t *testing.T) {
	// A fixed key gives a fixed address: the bech32 of RIPEMD160(SHA256(pubkey)) with prefix "tao".
	priv := &secp256k1.PrivKey{Key: make([]byte, 32)}
	priv.Key[31] = 1
	s, err := synapse.NewKeySigner(priv)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(s.Address(), "tao1"), s.Address())
	addr, err := synapse.AddressOf(s.PubKey().Bytes())
	require.NoError(t, err)
	require.Equal(t, s.Address(), addr)
	require.NoError(t, synapse.CheckAddress(addr))

	for _, tc := range []struct {
		name, addr, err string
	}{
		{"cosmos prefix", "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu", "want \"tao\""},
		{"not bech32", "tao1notbech32", "decoding bech32 failed"},
		{"empty", "", "decoding bech32 failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, synapse.CheckAddress(tc.addr), tc.err)
		})
	}
	_, err = synapse.AddressOf(make([]byte, 32))
	require.ErrorContains(t, err, "32 bytes, want 33")
	_, err = synapse.NewKeySigner(&secp256k1.PrivKey{Key: []byte{1}})
	require.ErrorContains(t, err, "32 bytes")
}

// otherSigner lies about its address: it claims one hotkey and signs with another key.
type otherSigner struct {
	*synapse.KeySigner
	claim string
}

func (o otherSigner) Address() string { return o.claim }

func TestCertificateVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	alice, bob := synapse.GenerateKeySigner(), synapse.GenerateKeySigner()
	issue := func(t *testing.T, role synapse.Role, sc synapse.Scope, at time.Time, life time.Duration) *synapse.Certificate {
		c, err := synapse.NewCredential(alice, role, sc, at, life)
		require.NoError(t, err)
		return c.Cert
	}
	// resign sets a certificate's validity and signs it again, as an
	// attacker holding the hotkey would.
	resign := func(t *testing.T, c *synapse.Certificate, issuedAt, notAfter int64) *synapse.Certificate {
		c.IssuedAt, c.NotAfter = issuedAt, notAfter
		require.NoError(t, c.Sign(alice))
		return c
	}
	check := synapse.CertCheck{Role: synapse.RoleDendrite, Scope: scope, Now: now, Skew: 4 * time.Second}

	for _, tc := range []struct {
		name  string
		cert  func(t *testing.T) *synapse.Certificate
		check func(*synapse.CertCheck)
		err   string // "" = valid
	}{
		{"valid", func(t *testing.T) *synapse.Certificate { return issue(t, synapse.RoleDendrite, scope, now, time.Hour) }, nil, ""},
		{"valid for the expected hotkey",
			func(t *testing.T) *synapse.Certificate { return issue(t, synapse.RoleDendrite, scope, now, time.Hour) },
			func(c *synapse.CertCheck) { c.Hotkey = alice.Address() }, ""},
		{"another hotkey than expected",
			func(t *testing.T) *synapse.Certificate { return issue(t, synapse.RoleDendrite, scope, now, time.Hour) },
			func(c *synapse.CertCheck) { c.Hotkey = bob.Address() }, "want " + bob.Address()},
		{"axon certificate offered as dendrite's",
			func(t *testing.T) *synapse.Certificate { return issue(t, synapse.RoleAxon, scope, now, time.Hour) }, nil,
			`role "axon", want "dendrite"`},
		{"other chain",
			func(t *testing.T) *synapse.Certificate {
				return issue(t, synapse.RoleDendrite, synapse.Scope{ChainID: "mainnet", NetUID: 7}, now, time.Hour)
			}, nil, `chain "mainnet"`},
		{"other subnet",
			func(t *testing.T) *synapse.Certificate {
				return issue(t, synapse.RoleDendrite, synapse.Scope{ChainID: scope.ChainID, NetUID: 8}, now, time.Hour)
			}, nil, "netuid 8"},
		{"expired",
			func(t *testing.T) *synapse.Certificate {
				return issue(t, synapse.RoleDendrite, scope, now.Add(-2*time.Hour), time.Hour)
			}, nil, "expired"},
		{"issued in the future beyond skew",
			func(t *testing.T) *synapse.Certificate {
				return issue(t, synapse.RoleDendrite, scope, now.Add(time.Minute), time.Hour)
			}, nil, "in the future"},
		{"issued within skew",
			func(t *testing.T) *synapse.Certificate {
				return issue(t, synapse.RoleDendrite, scope, now.Add(3*time.Second), time.Hour)
			}, nil, ""},
		{"lifetime stretched after signing",
			func(t *testing.T) *synapse.Certificate {
				c := issue(t, synapse.RoleDendrite, scope, now, time.Hour)
				c.NotAfter += 3600
				return c
			}, nil, "signature does not verify"},
		{"lifetime beyond a day",
			func(t *testing.T) *synapse.Certificate {
				c := issue(t, synapse.RoleDendrite, scope, now, time.Hour)
				c.NotAfter = c.IssuedAt + 25*3600
				return c
			}, nil, "longer than 24h"},
		// Times from the wire are range-checked before any arithmetic: each
		// of these once overflowed into an accepted certificate.
		{"issued_at hugely negative, not_after max int64",
			func(t *testing.T) *synapse.Certificate {
				return resign(t, issue(t, synapse.RoleDendrite, scope, now, time.Hour), math.MinInt64, math.MaxInt64)
			}, nil, "issued_at -9223372036854775808 is outside 0..253402300799"},
		{"not_after max int64",
			func(t *testing.T) *synapse.Certificate {
				return resign(t, issue(t, synapse.RoleDendrite, scope, now, time.Hour), now.Unix(), math.MaxInt64)
			}, nil, "not_after 9223372036854775807 is outside"},
		{"lifetime of 9,223,372,037 s, which overflows a duration",
			func(t *testing.T) *synapse.Certificate {
				return resign(t, issue(t, synapse.RoleDendrite, scope, now, time.Hour), now.Unix(), now.Unix()+9_223_372_037)
			}, nil, "longer than 24h"},
		{"session key swapped after signing",
			func(t *testing.T) *synapse.Certificate {
				c := issue(t, synapse.RoleDendrite, scope, now, time.Hour)
				c.SessionKey = append([]byte(nil), c.SessionKey...)
				c.SessionKey[0] ^= 1
				return c
			}, nil, "signature does not verify"},
		{"forged: claims alice, signed by bob",
			func(t *testing.T) *synapse.Certificate {
				c, err := synapse.NewCredential(bob, synapse.RoleDendrite, scope, now, time.Hour)
				require.NoError(t, err)
				c.Cert.Hotkey, c.Cert.HotkeyPub = alice.Address(), alice.PubKey().Bytes()
				return c.Cert
			}, nil, "signature does not verify against hotkey " + alice.Address()},
		{"public key not alice's",
			func(t *testing.T) *synapse.Certificate {
				c := issue(t, synapse.RoleDendrite, scope, now, time.Hour)
				c.HotkeyPub = bob.PubKey().Bytes()
				return c
			}, nil, "hashes to " + bob.Address()},
		{"short session key",
			func(t *testing.T) *synapse.Certificate {
				c := issue(t, synapse.RoleDendrite, scope, now, time.Hour)
				c.SessionKey = c.SessionKey[:31]
				return c
			}, nil, "31 bytes, want 32"},
		{"empty signature",
			func(t *testing.T) *synapse.Certificate {
				c := issue(t, synapse.RoleDendrite, scope, now, time.Hour)
				c.Signature = nil
				return c
			}, nil, "0 bytes, want 64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := check
			if tc.check != nil {
				tc.check(&want)
			}
			err := tc.cert(t).Verify(want)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.err)
			var e *synapse.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, http.StatusUnauthorized, e.Status)
			require.Equal(t, synapse.ReasonBadCertificate, e.Reason)
		})
	}
}

func TestNewCredentialRefusesLyingSigner(t *testing.T) {
	liar := otherSigner{KeySigner: synapse.GenerateKeySigner(), claim: synapse.GenerateKeySigner().Address()}
	_, err := synapse.NewCredential(liar, synapse.RoleAxon, scope, time.Now(), time.Hour)
	require.ErrorContains(t, err, "hashes to")
	_, err = synapse.NewCredential(synapse.GenerateKeySigner(), synapse.RoleAxon, scope, time.Now(), 48*time.Hour)
	require.ErrorContains(t, err, "lifetime 48h0m0s")
}
