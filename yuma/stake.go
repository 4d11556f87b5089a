package yuma

import (
	"math"
	"slices"

	"github.com/gotensor/gotensor/fixed"
)

// activity is §4.2: uid i is inactive when its last update plus the cutoff
// (saturating) is before the current block. LastUpdate is read as the
// chain pads it: missing uids count as 0.
func activity(in *Input, n int) []bool {
	cutoff := uint64(in.ActivityCutoffFactorMilli) * uint64(in.Tempo) / 1000
	cutoff = max(cutoff, 1)
	active := make([]bool, n)
	for i := range active {
		active[i] = satAdd64(lastUpdate(in, i), cutoff) >= in.Block
	}
	return active
}

func lastUpdate(in *Input, i int) uint64 {
	if i < len(in.LastUpdate) {
		return in.LastUpdate[i]
	}
	return 0
}

func satAdd64(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

// taoWeight is TaoWeight/(2^64−1) in U96F32 (safe_div), widened to I64F64.
func taoWeight(raw uint64) fixed.I64F64 {
	return fixed.U96F32FromUint(raw).SafeDiv(fixed.U96F32FromUint(math.MaxUint64)).ToI64F64()
}

// CombinedStake is a hotkey's epoch stake before the threshold filter (§4.3, §8.3): its alpha
// plus its root stake times TaoWeight/(2^64−1), floored to rao. The chain checks StakeThreshold
// for set-weights against it; the epoch computes the same sum for every uid.
func CombinedStake(alpha, root, taoWeightRaw uint64) uint64 {
	return combinedStake(alpha, root, taoWeight(taoWeightRaw)).ToUint64()
}

func combinedStake(alpha, root uint64, tw fixed.I64F64) fixed.I64F64 {
	s := fixed.I64F64FromUint(alpha)
	if root > 0 {
		s = s.SatAdd(fixed.I64F64FromUint(root).SatMul(tw))
	}
	return s
}

// stakeWeights is §4.3. It returns the combined stake floored to rao
// (reported, unfiltered) and the normalized stake vector S: alpha plus
// weighted root stake, zeroed under the threshold except for the owner,
// normalized in I64F64 and truncated to I32F32.
func stakeWeights(in *Input, n, owner int) (raw []uint64, stake []fixed.I32F32) {
	tw := taoWeight(in.TaoWeight)
	combined := make([]fixed.I64F64, n)
	raw = make([]uint64, n)
	var total fixed.I64F64
	for i := range combined {
		var root uint64
		if len(in.RootStake) > 0 {
			root = in.RootStake[i]
		}
		s := combinedStake(in.AlphaStake[i], root, tw)
		raw[i] = s.ToUint64()
		if i != owner && raw[i] < in.StakeThreshold {
			s = fixed.I64F64{}
		}
		combined[i] = s
		total = total.Add(s) // Sum wraps, as in a release runtime
	}
	stake = make([]fixed.I32F32, n)
	for i, s := range combined {
		if !total.IsZero() {
			s = s.SafeDiv(total)
		}
		stake[i] = s.ToI32F32()
	}
	return raw, stake
}

// topKNonzero is is_topk_nonzero: true for non-zero entries among the k
// largest. Indices are stably sorted ascending and the first n−k lose, so
// among equal values the lower uid loses.
func topKNonzero(v []fixed.I32F32, k int) []bool {
	n := len(v)
	res := make([]bool, n)
	for i, x := range v {
		res[i] = !x.IsZero()
	}
	if n < k {
		return res
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return v[a].Cmp(v[b]) })
	for _, i := range idx[:n-k] {
		res[i] = false
	}
	return res
}

// permits is §4.4: the previous permits (the owner always holding one)
// decide this epoch's masks; the top-k stake decides the next permits.
func permits(in *Input, stake []fixed.I32F32, owner int) (forbid, next []bool) {
	forbid = make([]bool, len(stake))
	for i, p := range in.ValidatorPermit {
		forbid[i] = !p && i != owner
	}
	next = topKNonzero(stake, int(in.MaxAllowedValidators))
	if owner >= 0 {
		next[owner] = true
	}
	return forbid, next
}

// activeStake is §4.5: stake of active, permitted uids, normalized.
func activeStake(stake []fixed.I32F32, active, forbid []bool) []fixed.I32F32 {
	a := make([]fixed.I32F32, len(stake))
	for i, s := range stake {
		if active[i] && !forbid[i] {
			a[i] = s
		}
	}
	normalize(a)
	return a
}
