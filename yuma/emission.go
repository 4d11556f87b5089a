package yuma

import "github.com/gotensor/gotensor/fixed"

// shares is §4.12: miners' incentive and validators' dividends normalized
// together. When neither exists (no usable weights) validators are paid in
// proportion to active stake, or to raw stake if no stake is active.
func shares(inc, div, stake, active []fixed.I32F32) (server, validator, combined []fixed.I32F32) {
	n := len(inc)
	combined = make([]fixed.I32F32, n)
	for i := range combined {
		combined[i] = inc[i].SatAdd(div[i])
	}
	total := sum(combined)
	server = make([]fixed.I32F32, n)
	validator = make([]fixed.I32F32, n)
	for i := range server {
		server[i], validator[i] = inc[i], div[i]
		if !total.IsZero() {
			server[i] = inc[i].SafeDiv(total)
			validator[i] = div[i].SafeDiv(total)
		}
	}
	normalize(combined)
	if total.IsZero() {
		src := active
		if sum(active).IsZero() {
			src = stake
		}
		copy(validator, src)
		copy(combined, src)
	}
	return server, validator, combined
}

// rao converts normalized shares to amounts: I96F32(share)·E, floored to u64.
func rao(share []fixed.I32F32, emission uint64) []uint64 {
	e := fixed.I96F32FromUint(emission)
	out := make([]uint64, len(share))
	for i, s := range share {
		out[i] = s.ToI96F32().SatMul(e).ToUint64()
	}
	return out
}

func proportions(v []fixed.I32F32) []uint16 {
	out := make([]uint16, len(v))
	for i, x := range v {
		out[i] = fixed.FixedProportionToU16(x)
	}
	return out
}
