// Package series supplies the ground truth a validator scores miners
// against: live synthetic series whose future does not exist until the
// validator draws it, and a replay of a real public record for
// demonstrations and backtests.
//
// # Live series
//
// Live series are synthetic, of three families (Families), which a
// validator rotates through. SeasonalThreshold is the benchmark the models
// were developed on, and its phase-dependent regime is exactly what the gbt
// model's phase feature learns; DriftRegimes (a random walk whose drift and
// volatility switch between regimes) and Intermittent (whole-number demand,
// zero on most steps) were added later and no model was tuned on them. The
// rest of this section describes SeasonalThreshold; every family draws its
// shape from the seed and its future from the secret in the same way.
//
// A SeasonalThreshold series is trend + one or two seasonal cycles + a nonlinear
// component + heteroscedastic, occasionally heavy-tailed noise, with regime
// changes (level shifts, trend breaks, variance changes) arriving at random.
// The nonlinear component is a threshold autoregression whose regime is the
// phase of the main cycle: deviations persist through the first half of
// each cycle and flip and die out in the second. A linear model can only
// average the two regimes; a learned model that looks at the phase carries a
// deviation many steps ahead, which is what separates the best forecasters
// from the merely good. Its shape (periods, seasonal profiles, regime
// dynamics, noise levels) and its first history come from
// a per-series seed. Every value after that comes from a ChaCha8 stream keyed
// by the validator's secret, and is drawn only when the window that asked for
// it is revealed, after the answers are in. The history therefore carries
// everything a good model can learn (the shape) and nothing about the draw
// that follows: two validators with the same seed and different secrets show
// the same history and then diverge.
//
// What a miner can exploit in live mode is only skill: the generator's code
// is public, so a miner may fit its exact model family, which is the best
// forecast there is and exactly what the subnet pays for. It cannot learn the
// secret from the values (ChaCha8 is a cryptographic stream), and consecutive
// challenges on the same series overlap, so a miner may keep state per series
// id; that too is honest work.
//
// # Replay
//
// Replay cuts a real record (the Mauna Loa CO2 series shipped in testdata,
// see testdata/README.md) at a random point and withholds what follows. The
// record is public: a miner that recognises it can look the future up and
// score perfectly without forecasting anything. Replay is therefore for
// demonstrations and backtests, never for incentives. The mitigations it
// offers (a random affine transform of each window, a random cut) only raise
// the cost of recognition: the shape of a famous series survives any affine
// transform, and a lookup table of all windows is small. Validators that mix
// replay windows into live traffic should keep their share small and expect
// them to reward memory, not skill.
package series
