package yuma_test

import (
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/gotensor/gotensor/yuma"
	"github.com/gotensor/gotensor/yuma/internal/epochcheck"
)

// bytesSource turns fuzzer bytes into choices; past the end it yields zeros.
type bytesSource struct{ b []byte }

func (s *bytesSource) u64() uint64 {
	var buf [8]byte
	k := copy(buf[:], s.b)
	s.b = s.b[k:]
	return binary.LittleEndian.Uint64(buf[:])
}

func (s *bytesSource) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return int(s.u64() % uint64(n)) // n is small: fits int on 32-bit targets too
}

func (s *bytesSource) u16() uint16 { return uint16(s.u64()) }

// pick returns one of the edge values or an arbitrary one.
func (s *bytesSource) pick(edges ...uint64) uint64 {
	if k := s.intn(len(edges) + 1); k < len(edges) {
		return edges[k]
	}
	return s.u64()
}

// fuzzInput builds a valid input (n ≤ 24) from fuzzer bytes.
func fuzzInput(s *bytesSource) yuma.Input {
	n := s.intn(25)
	in := yuma.Input{
		Block:                     s.pick(0, 1, 100, 10_000),
		Tempo:                     uint16(s.pick(0, 1, 360, 65535)),
		ActivityCutoffFactorMilli: uint32(s.pick(13_889, 0, 1000)),
		AlphaStake:                make([]uint64, n),
		ValidatorPermit:           make([]bool, n),
		MaxAllowedValidators:      uint16(s.intn(n + 3)),
		LastUpdate:                make([]uint64, s.intn(n+3)),
		BlockAtRegistration:       make([]uint64, n),
		Weights:                   make([][]yuma.Entry, n),
		Bonds:                     make([][]yuma.Entry, n),
		Kappa:                     uint16(s.pick(32_767, 0, 65_535)),
		BondsPenalty:              uint16(s.pick(65_535, 0, 32_767)),
		BondsMovingAverage:        s.pick(900_000, 0, 1_000_000, 2_000_000),
		Yuma3:                     s.intn(2) == 0,
		LiquidAlpha:               s.intn(2) == 0,
		AlphaLow:                  s.u16(),
		AlphaHigh:                 s.u16(),
		AlphaSigmoidSteepness:     int16(s.u16()),
		LastMechanismStepBlock:    s.pick(0, 99, 10_000),
		Emission:                  s.pick(1_000_000_000, 0, ^uint64(0)),
		TaoWeight:                 s.pick(0, ^uint64(0)),
		StakeThreshold:            s.pick(0, 0, 1_000),
	}
	if s.intn(3) == 0 {
		in.RootStake = make([]uint64, n)
	}
	if n > 0 && s.intn(3) == 0 {
		owner := uint16(s.intn(n))
		in.OwnerUID = &owner
	}
	if s.intn(4) == 0 {
		in.CommitBlock = make([]uint64, n)
	}
	for i := 0; i < n; i++ {
		in.AlphaStake[i] = s.pick(0, 1, 1_000_000_000, 1<<62, ^uint64(0))
		if in.RootStake != nil {
			in.RootStake[i] = s.pick(0, 1_000_000_000)
		}
		in.ValidatorPermit[i] = s.intn(2) == 0
		in.BlockAtRegistration[i] = s.pick(0, 50, 10_000)
		if in.CommitBlock != nil {
			in.CommitBlock[i] = s.pick(yuma.NoCommit, 0, 60)
		}
		for _, rows := range [][][]yuma.Entry{in.Weights, in.Bonds} {
			used := map[uint16]bool{}
			for k := s.intn(n + 1); k > 0; k-- {
				j := uint16(s.intn(n))
				if !used[j] {
					used[j] = true
					rows[i] = append(rows[i], yuma.Entry{UID: j, Value: uint16(s.pick(0, 65535))})
				}
			}
		}
	}
	for i := range in.LastUpdate {
		in.LastUpdate[i] = s.pick(0, 99, 10_000)
	}
	return in
}

// FuzzEpoch runs structurally valid inputs: Epoch must not fail or panic,
// must give the same bits in a Workspace that another epoch used before
// as in a fresh one, and must keep the accounting invariants when the
// stake total fits I64F64.
func FuzzEpoch(f *testing.F) {
	f.Add([]byte{}, []byte{})
	f.Add([]byte("\x10\x00\x00\x00\x00\x00\x00\x00 some seed bytes to start from"), []byte("another input"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		in := fuzzInput(&bytesSource{a})
		other := fuzzInput(&bytesSource{b})
		first, err := yuma.Epoch(in)
		if err != nil {
			t.Fatalf("valid input rejected: %v", err)
		}
		ws := new(yuma.Workspace)
		if _, err := ws.Epoch(other); err != nil {
			t.Fatalf("valid input rejected: %v", err)
		}
		again, _ := ws.Epoch(in)
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("epoch in a reused workspace differs from a fresh one")
		}
		if err := epochcheck.Invariants(in, first); err != nil {
			t.Fatal(err)
		}
	})
}
