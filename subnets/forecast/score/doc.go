// Package score turns miners' answers to one challenge into skills in
// [0, 1], using proper scoring rules so that the best strategy is to report
// one's honest forecast.
//
// Each answer's loss has two halves:
//
//   - MASE, the mean absolute error of the point forecast divided by the
//     scale (below);
//   - the scaled quantile loss, twice the pinball loss averaged over the
//     requested levels and the steps, divided by the same scale. Twice the
//     average pinball loss over a grid of levels approximates the CRPS of
//     the forecast distribution, and for the median alone it equals the
//     absolute error, so both halves are in the same units.
//
// The combined loss is their mean (MASE alone when no levels were asked
// for). The scale is the in-sample mean absolute error of the seasonal-naive
// forecast on the challenge's history (lag one when no period is known or
// the history is shorter than two cycles); a history with no variation at
// all falls back to the lag-one error, then to the mean absolute value, then
// to 1, so that a loss is always finite. Every answer to a challenge is
// divided by the same scale, so the choice changes no ranking.
//
// Relative skill compares the answers to one challenge: the best loss
// scores 1 and every other scores best/loss. A loss ratio keeps the size of
// a miner's lead, not just its rank: a model twice as wrong as the best
// scores 0.5 whatever the other miners did, so adding or removing a weak
// miner never moves the others' skills, and averages over many challenges
// converge to stable values (a rank would make the skill of a model depend
// on which other models happen to answer). A tiny floor (1e-9) on losses
// keeps a perfect answer from dividing by zero: equal perfect answers all
// score 1.
//
// No answer, an invalid answer (see protocol) and a late answer score 0.
package score
