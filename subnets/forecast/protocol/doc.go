// Package protocol is the forecasting subnet's wire contract: the Challenge a
// validator sends, the Answer a miner returns, and the rules that decide
// whether an answer can be scored at all.
//
// The types are plain structs with JSON tags so that any transport (the SDK's
// axon and dendrite, a file, a test) can carry them unchanged. Over the SDK
// they travel on Route (POST /Forecast, JSON).
//
// Validation policy, decided once here so that miners and validators agree:
//
//   - A challenge must be well formed before a miner spends time on it:
//     ids present, a finite non-empty history no longer than MaxHistory,
//     1 ≤ horizon ≤ MaxHorizon, quantile levels strictly inside (0, 1) and
//     strictly increasing.
//   - An answer is rejected (it scores 0) when it names another challenge,
//     has a point or quantile vector of the wrong length, carries a NaN or an
//     infinity, or lists quantile levels other than those requested, in the
//     requested order.
//   - Crossing quantiles are repaired, not rejected: at each step the
//     quantile values are sorted (monotone rearrangement). Sorting never
//     increases the summed pinball loss, so the repair cannot be used to gain
//     anything a miner could not have done itself, and it spares an honest
//     miner a zero for a rounding-level crossing.
package protocol
