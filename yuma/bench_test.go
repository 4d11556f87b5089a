package yuma_test

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/gotensor/gotensor/fixed"
	"github.com/gotensor/gotensor/yuma"
)

// benchInput is a busy subnet: validators validators with stake, each
// setting a full weight row over all n uids (random, max-upscaled, in
// column order), and the bonds of one previous epoch in place.
func benchInput(n, validators int, yuma3, liquid bool) yuma.Input {
	r := rand.New(rand.NewSource(int64(n*7919 + validators)))
	in := yuma.Input{
		Block:                     10_000,
		Tempo:                     360,
		ActivityCutoffFactorMilli: yuma.DefaultActivityCutoffFactorMilli,
		AlphaStake:                make([]uint64, n),
		ValidatorPermit:           make([]bool, n),
		MaxAllowedValidators:      uint16(validators),
		LastUpdate:                make([]uint64, n),
		BlockAtRegistration:       make([]uint64, n),
		Weights:                   make([][]yuma.Entry, n),
		Bonds:                     make([][]yuma.Entry, n),
		Kappa:                     yuma.DefaultKappa,
		BondsPenalty:              yuma.DefaultBondsPenalty,
		BondsMovingAverage:        yuma.DefaultBondsMovingAverage,
		Yuma3:                     yuma3,
		LiquidAlpha:               liquid,
		AlphaLow:                  yuma.DefaultAlphaLow,
		AlphaHigh:                 yuma.DefaultAlphaHigh,
		AlphaSigmoidSteepness:     yuma.DefaultAlphaSigmoidSteepness,
		LastMechanismStepBlock:    9_640,
		Emission:                  500_000_000_000,
	}
	for i := 0; i < n; i++ {
		in.LastUpdate[i] = 9_900 + uint64(r.Intn(100))
		in.BlockAtRegistration[i] = uint64(r.Intn(5_000))
		if i < validators {
			in.AlphaStake[i] = 1_000_000_000 + uint64(r.Int63n(1_000_000_000_000_000))
			in.ValidatorPermit[i] = true
			raw := make([]uint16, n)
			for j := range raw {
				raw[j] = uint16(r.Intn(65536))
			}
			up := fixed.VecU16MaxUpscaleToU16(raw)
			row := make([]yuma.Entry, n)
			for j := range row {
				row[j] = yuma.Entry{UID: uint16(j), Value: up[j]}
			}
			in.Weights[i] = row
		}
	}
	// Bonds as one previous epoch left them.
	out, err := yuma.Epoch(in)
	if err != nil {
		panic(err)
	}
	in.Bonds = out.Bonds
	in.ValidatorPermit = out.NewValidatorPermit
	return in
}

// benchCases are the subnets the epoch benchmarks run.
var benchCases = []struct {
	n, validators int
	yuma3, liquid bool
}{
	{256, 64, true, true},
	{256, 64, true, false},
	{256, 64, false, false},
	{256, 256, true, true},
	{256, 256, false, false},
	{1024, 256, true, true},
	{1024, 256, false, false},
	{4096, 512, true, true},
	{4096, 512, false, false},
}

// BenchmarkEpoch runs back-to-back epochs in one Workspace the caller
// keeps, as the chain does.
func BenchmarkEpoch(b *testing.B) {
	ws := new(yuma.Workspace)
	benchEpochs(b, ws.Epoch)
}

// BenchmarkEpochFresh runs each epoch in a fresh Workspace (yuma.Epoch):
// what the reuse saves.
func BenchmarkEpochFresh(b *testing.B) {
	benchEpochs(b, yuma.Epoch)
}

func benchEpochs(b *testing.B, epoch func(yuma.Input) (yuma.Output, error)) {
	for _, c := range benchCases {
		kind := "original"
		if c.yuma3 {
			kind = "yuma3"
			if c.liquid {
				kind = "yuma3-liquid"
			}
		}
		b.Run(fmt.Sprintf("n=%d/validators=%d/%s", c.n, c.validators, kind), func(b *testing.B) {
			in := benchInput(c.n, c.validators, c.yuma3, c.liquid)
			b.ReportAllocs()
			cpu0, faults0 := processUsage()
			for b.Loop() {
				if _, err := epoch(in); err != nil {
					b.Fatal(err)
				}
			}
			cpu1, faults1 := processUsage()
			b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(faults1-faults0)/float64(b.N), "faults/op")
		})
	}
}
