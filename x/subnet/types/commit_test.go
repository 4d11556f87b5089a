package types_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// The commit hash (§9.2, our encoding) is SHA-256 over the plain protobuf encoding of the
// payload, which a client in any language reproduces: here the bytes are written field by field
// with the wire-format primitives, independently of the generated marshaller.
func TestCommitHashIsSHA256OfTheProtobufPayload_9_2(t *testing.T) {
	payload := &types.WeightCommitPayload{
		Hotkey:     "tao1qqqsyqcyq5rqwzqfpg9scrgwpugpzysnu7ez8v",
		Netuid:     3,
		Uids:       []uint32{0, 1, 300},
		Values:     []uint32{65_535, 0, 128},
		Salt:       []byte("salt-of-the-validator"),
		VersionKey: 1_000_007,
	}
	packed := func(vs []uint32) []byte {
		var b []byte
		for _, v := range vs {
			b = protowire.AppendVarint(b, uint64(v))
		}
		return b
	}
	var want []byte
	want = protowire.AppendTag(want, 1, protowire.BytesType)
	want = protowire.AppendString(want, payload.Hotkey)
	want = protowire.AppendTag(want, 2, protowire.VarintType)
	want = protowire.AppendVarint(want, 3)
	want = protowire.AppendTag(want, 3, protowire.BytesType)
	want = protowire.AppendBytes(want, packed(payload.Uids))
	want = protowire.AppendTag(want, 4, protowire.BytesType)
	want = protowire.AppendBytes(want, packed(payload.Values))
	want = protowire.AppendTag(want, 5, protowire.BytesType)
	want = protowire.AppendBytes(want, payload.Salt)
	want = protowire.AppendTag(want, 6, protowire.VarintType)
	want = protowire.AppendVarint(want, payload.VersionKey)
	sum := sha256.Sum256(want)

	got := types.CommitHash(payload)
	require.Len(t, got, types.CommitHashLen)
	require.Equal(t, sum[:], got)
	// Pinned (also computed by hand in Python), so a change of encoding cannot pass unnoticed by clients.
	require.Equal(t, "8ecf7668d7c7faa6ed33176568d4f6fa832577e6bee1c0226c2877a63ea8cbc8", hex.EncodeToString(got))

	// Every field is bound: changing any one changes the hash.
	edits := []func(p *types.WeightCommitPayload){
		func(p *types.WeightCommitPayload) { p.Hotkey = "tao1qqqsyqcyq5rqwzqfpg9scrgwpugpzysn4wzn6d" },
		func(p *types.WeightCommitPayload) { p.Netuid = 4 },
		func(p *types.WeightCommitPayload) { p.Uids = []uint32{0, 1, 301} },
		func(p *types.WeightCommitPayload) { p.Values = []uint32{65_535, 0, 129} },
		func(p *types.WeightCommitPayload) { p.Salt = []byte("salt-of-the-validatoR") },
		func(p *types.WeightCommitPayload) { p.VersionKey = 1_000_008 },
		// Moving a value from one uid to the next is a different row, not the same bytes.
		func(p *types.WeightCommitPayload) { p.Uids, p.Values = []uint32{0, 1}, []uint32{65_535, 0, 300, 128} },
	}
	for i, edit := range edits {
		p := *payload
		edit(&p)
		require.NotEqual(t, got, types.CommitHash(&p), "edit %d", i)
	}
}

// A reveal opens exactly the payload its fields describe.
func TestRevealCommitPayload_9_2(t *testing.T) {
	msg := &types.MsgRevealWeights{
		Hotkey: "tao1qqqsyqcyq5rqwzqfpg9scrgwpugpzysnu7ez8v", Netuid: 3,
		Uids: []uint32{1}, Values: []uint32{2}, Salt: []byte{9}, VersionKey: 4,
	}
	require.Equal(t, &types.WeightCommitPayload{
		Hotkey: msg.Hotkey, Netuid: 3, Uids: []uint32{1}, Values: []uint32{2}, Salt: []byte{9}, VersionKey: 4,
	}, msg.CommitPayload())
}
