package keeper_test

import (
	"testing"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// A full subnet (256 uids) for the weight benchmarks, every uid a validator that may set weights
// at any block.
func newFullWorkNet(b *testing.B) (*workNet, []uint32, []uint32) {
	c := newWorkChain(b, nil)
	w := newWorkNet(b, c, 1, 256, func(h *types.Hyperparams) { h.CommitReveal = false; h.WeightsSetRateLimit = 0 })
	w.setNeuron(1, func(n *types.Neuron) { n.ValidatorPermit = true })
	uids := make([]uint32, 256)
	values := make([]uint32, 256)
	for i := range uids {
		uids[i], values[i] = uint32(i), uint32(i*251%65_536)
	}
	return w, uids, values
}

// BenchmarkSetWeights256 is one validator's full weight row on a full subnet: §9.1's checks, the
// max-upscale, and the store writes.
func BenchmarkSetWeights256(b *testing.B) {
	w, uids, values := newFullWorkNet(b)
	msg := &types.MsgSetWeights{Hotkey: w.keys[1].String(), Netuid: 1, Uids: uids, Values: values}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.srv.SetWeights(w.c.Ctx(), msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCommitReveal256 is a commit and the reveal of a full row an epoch later.
func BenchmarkCommitReveal256(b *testing.B) {
	w, uids, values := newFullWorkNet(b)
	w.setHyperparams(func(h *types.Hyperparams) { h.CommitReveal = true; h.Tempo = 0 })
	hotkey := w.keys[1].String()
	reveal := &types.MsgRevealWeights{Hotkey: hotkey, Netuid: 1, Uids: uids, Values: values, Salt: []byte("benchmark salt")}
	payload := reveal.CommitPayload()
	commit := &types.MsgCommitWeights{Hotkey: hotkey, Netuid: 1, Hash: types.CommitHash(payload)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.srv.CommitWeights(w.c.Ctx(), commit); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		w.epoch()
		b.StartTimer()
		if _, err := w.srv.RevealWeights(w.c.Ctx(), reveal); err != nil {
			b.Fatal(err)
		}
	}
}
