package keeper

import "testing"

// The weighted twins of BenchmarkQuoteBuy and BenchmarkQuoteSellPartial (pool_test.go): the same
// trades on the same reserves with TAO's weight at a value an injection leaves, so that the
// exponent does not reduce and subtensor's power series runs (at precision 256 for the output,
// 1024 for a limit's amount). Figures in BENCHMARKS.md.

var weightedEvenPool = poolReserves{tao: evenPool.tao, alpha: evenPool.alpha, quote: 500_000_123_456_789_012}

func BenchmarkQuoteBuyWeighted(b *testing.B) {
	r := req(10*taoRao, 0, false)
	for b.Loop() {
		if _, err := quoteBuy(weightedEvenPool, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuoteSellPartialWeighted(b *testing.B) {
	r := req(10*taoRao, 995_000_000, true)
	for b.Loop() {
		q, err := quoteSell(weightedEvenPool, r)
		if err != nil || !q.partial {
			b.Fatal(err, q.partial)
		}
	}
}
