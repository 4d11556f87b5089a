package yuma

import "github.com/gotensor/gotensor/fixed"

// What set_weights checks before storing a row (spec §9.1 step 12). The
// row it stores is fixed.VecU16MaxUpscaleToU16(values): the largest weight
// becomes 65535; that is the row Epoch later reads.

// WithinMaxWeightLimit is check_vec_max_limited: whether no value exceeds
// limit/65535 of the row's sum (normalized in I32F32, truncating). An
// empty row passes; the chain skips the check for self-weights and when
// MaxWeightsLimit is 65535.
func WithinMaxWeightLimit(values []uint16, limit uint16) bool {
	if len(values) == 0 {
		return true
	}
	v := make([]fixed.I32F32, len(values))
	for i, x := range values {
		v[i] = fixed.U16ToFixed(x)
	}
	normalize(v)
	largest := v[0]
	for _, x := range v[1:] {
		largest = largest.Max(x)
	}
	return largest.Le(fixed.U16ProportionToFixed(limit))
}
