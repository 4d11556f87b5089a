package types_test

import (
	"testing"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// BenchmarkCommitHash256 hashes the payload of a full weight row (256 uids).
func BenchmarkCommitHash256(b *testing.B) {
	p := &types.WeightCommitPayload{Hotkey: "tao1qqqsyqcyq5rqwzqfpg9scrgwpugpzysnu7ez8v", Netuid: 1, Salt: []byte("benchmark salt")}
	for i := range 256 {
		p.Uids = append(p.Uids, uint32(i))
		p.Values = append(p.Values, uint32(i*251%65_536))
	}
	b.ReportAllocs()
	for b.Loop() {
		types.CommitHash(p)
	}
}
