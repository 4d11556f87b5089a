package synapse_test

import (
	"bytes"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// What authenticating one request costs the axon: a secp256k1 verification
// (what a per-request signature would need) against the session MAC.

func BenchmarkSecp256k1Verify(b *testing.B) {
	priv := secp256k1.GenPrivKey()
	msg := bytes.Repeat([]byte("m"), 200)
	sig, err := priv.Sign(msg)
	if err != nil {
		b.Fatal(err)
	}
	pub := priv.PubKey()
	for b.Loop() {
		if !pub.VerifySignature(msg, sig) {
			b.Fatal("signature refused")
		}
	}
}

func BenchmarkCertificateVerify(b *testing.B) {
	now := time.Now()
	c, err := synapse.NewCredential(synapse.GenerateKeySigner(), synapse.RoleDendrite, scope, now, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	check := synapse.CertCheck{Role: synapse.RoleDendrite, Scope: scope, Now: now}
	for b.Loop() {
		if err := c.Cert.Verify(check); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRequestMACVerify(b *testing.B) {
	ds, as := pair(b)
	req := sampleRequest(ds)
	mac := ds.RequestMAC(&req)
	for b.Loop() {
		if !as.VerifyRequest(&req, mac) {
			b.Fatal("MAC refused")
		}
	}
}

// The MAC with the SHA-256 of a 1 KB body it covers: the whole per-request cost.
func BenchmarkRequestMACVerifyWithBody1KB(b *testing.B) {
	ds, as := pair(b)
	body := bytes.Repeat([]byte("b"), 1024)
	req := sampleRequest(ds)
	req.BodyHash = sha256.Sum256(body)
	mac := ds.RequestMAC(&req)
	for b.Loop() {
		req.BodyHash = sha256.Sum256(body)
		if !as.VerifyRequest(&req, mac) {
			b.Fatal("MAC refused")
		}
	}
}

// A handshake's key work on one side: ECDH and HKDF (the certificate
// verification is measured above).
func BenchmarkDeriveSession(b *testing.B) {
	now := time.Now()
	d, err := synapse.NewCredential(synapse.GenerateKeySigner(), synapse.RoleDendrite, scope, now, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	a, err := synapse.NewCredential(synapse.GenerateKeySigner(), synapse.RoleAxon, scope, now, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := a.Derive(d.Cert); err != nil {
			b.Fatal(err)
		}
	}
}
