// Package fixed is the arithmetic contract of the chain: the fixed-point
// number formats of substrate-fixed v0.6.0 (I32F32, I64F64, I96F32, U96F32,
// U64F64) with bit-for-bit the same rounding, saturation and overflow rules
// as subtensor (spec/subtensor.md §1), plus the conversion helpers the epoch
// uses (§1.4), the block-emission halving schedule (§5.1) and the big-number
// power of the weighted pool (PowRatioScaled, §6.2).
//
// Values are raw integer bits; every operation is integer arithmetic, so
// results are identical on every architecture. Multiplication floors the
// full-width product, division truncates toward zero, fixed-to-fixed
// conversion truncates extra fraction bits, conversion to integers floors.
// Each operation comes in the forms subtensor uses: Sat* clamps, Checked*
// reports overflow, SafeDiv returns 0 on division by zero and on overflow,
// and the plain Add/Sub wrap like Rust's `+` in a release build (which is
// what `Iterator::sum` over fixed values does).
//
// Float constants of the Rust source are built from their decimal literal
// with *FromLiteral (nearest binary64, then nearest fixed value, ties to
// even), so no float64 arithmetic is ever used.
package fixed
