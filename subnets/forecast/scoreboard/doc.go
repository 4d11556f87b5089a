// Package scoreboard is a validator's memory of its miners: a moving average
// of each miner's relative skill, the weight vector derived from it, and the
// plain average that the demo reports as the miner's measured skill.
//
// The moving average is exponential with weight Alpha per challenge and
// bias-corrected (divided by 1 − (1 − Alpha)^n after n challenges, as Adam
// corrects its moments): a new miner is judged on what it has shown, not
// dragged up from zero, and a miner that stops answering decays towards
// zero at the same rate an old one would. An entry belongs to a hotkey: when
// a uid's hotkey changes (the uid was re-registered), its history is dropped.
//
// Weights sharpen the averages with a power: w = (score / best)^Exponent,
// scaled so that the best miner gets 65535 (the chain max-upscales weights
// anyway). With Exponent 3 a miner at 80 % of the best gets half its weight.
// Any miner with a positive score keeps at least 1, so an honest but weak
// miner is never silently cut off; a miner that never answered validly gets
// 0. Every list comes out sorted by uid.
package scoreboard
