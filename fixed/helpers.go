package fixed

// The conversion helpers of subtensor's epoch/math.rs (spec §1.4). A u16
// "proportion" p stands for p/65535. The element-wise vector forms
// (vec_fixed64_to_fixed32, fixed64_to_u64, …) are the ToI32F32 and
// ToUint64 methods.

// U16ToFixed lifts the integer x (not divided) to I32F32.
func U16ToFixed(x uint16) I32F32 { return I32F32{int64(x) << i32f32Frac} }

// The three helpers below run once per weight or bond cell, so they skip
// the general 128-bit paths; TestProportionFastPaths checks them against
// the general operations they stand for.

// U16ProportionToFixed is safe_div(I32F32(x), I32F32(65535)): the bits are
// trunc(x·2^32/65535) = x·65537 + [x = 65535], since 2^32 = 65535·65537 + 1.
func U16ProportionToFixed(x uint16) I32F32 {
	v := int64(x) * 65537
	if x == 65535 {
		v++
	}
	return I32F32{v}
}

// FixedToFixedU16Proportion is safe_div(x, I32F32(65535)): (x·2^32)/(65535·2^32)
// truncated, i.e. the bits divided by 65535.
func FixedToFixedU16Proportion(x I32F32) I32F32 { return I32F32{x.bits / 65535} }

// FixedProportionToU16 is saturating_to_num::<u16>(x.saturating_mul(65535)):
// floor(x·65535) clamped to [0, 65535].
func FixedProportionToU16(x I32F32) uint16 {
	switch {
	case x.bits < 0:
		return 0
	case x.bits >= 1<<i32f32Frac:
		return 65535
	}
	return uint16(x.bits * 65535 >> i32f32Frac)
}

// VecMaxUpscaleToU16 scales v so that its largest element becomes 65535,
// rounding half away from zero: how set_weights stores a weight row. A zero
// maximum gives all zeros; for a maximum above 32768 the scale factor is
// computed first (65535/max) to avoid overflowing e·65535.
func VecMaxUpscaleToU16(v []I32F32) []uint16 {
	out := make([]uint16, len(v))
	if len(v) == 0 {
		return out
	}
	u16Max := U16ToFixed(65535)
	m := v[0]
	for _, e := range v[1:] {
		m = m.Max(e)
	}
	switch {
	case m.IsZero():
		for i, e := range v {
			out[i] = e.SatMul(u16Max).ToUint16()
		}
	case m.Gt(I32F32FromInt(32768)):
		ratio := u16Max.SafeDiv(m)
		for i, e := range v {
			out[i] = e.SatMul(ratio).Round().ToUint16()
		}
	default:
		for i, e := range v {
			out[i] = e.SatMul(u16Max).SafeDiv(m).Round().ToUint16()
		}
	}
	return out
}

// VecU16MaxUpscaleToU16 is VecMaxUpscaleToU16 of u16 integers lifted to
// I32F32: the largest weight becomes 65535, the rest scale proportionally.
func VecU16MaxUpscaleToU16(v []uint16) []uint16 {
	lifted := make([]I32F32, len(v))
	for i, e := range v {
		lifted[i] = U16ToFixed(e)
	}
	return VecMaxUpscaleToU16(lifted)
}
