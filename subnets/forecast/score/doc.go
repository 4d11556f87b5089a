// Package score turns miners' answers to one challenge into skills: each
// answer's improvement over a fixed reference forecast under a proper
// scoring rule, so that reporting one's honest forecast is the best
// strategy on every challenge.
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
// Skill is measured against a fixed reference: the seasonal-naive model's
// answer to the same challenge (ReferenceModel, with its own quantile
// bands). An answer's skill is the reference's combined loss minus its own,
// in scale units: positive beats the reference, 0 matches it (the
// seasonal-naive miner scores exactly 0), and it does not depend on what
// any other miner answered, so one exact answer takes nothing from the
// others.
//
// # What is proper, exactly
//
// For each challenge, a miner's expected skill, under its own predictive
// distribution for the outcome, is maximised by answering that
// distribution's median as the point forecast and its true quantiles at the
// requested levels. The skill is a term that does not depend on the answer
// (the reference's loss) minus 1/scale times a sum of absolute and pinball
// losses, where the scale is fixed by the history before the outcome is
// drawn; each pinball loss is minimised in expectation by the true
// quantile at its level, and the absolute error by the median. Sharper or
// wider bands, a bias, or a mode in place of the median can only lower the
// expectation. A validator's score of a miner is a weighted sum of its
// skills with weights fixed in advance (the scoreboard's moving average),
// so its expectation is maximised the same way, challenge by challenge.
// The scoreboard's nonlinearity (sharpening scores into weights) comes only
// after that aggregation; see the scoreboard package for what it keeps.
//
// No answer, an invalid answer (see protocol) and a late answer score
// NoAnswerSkill: at least one scale unit below the reference, and at
// least the reference's own loss below it.
package score
