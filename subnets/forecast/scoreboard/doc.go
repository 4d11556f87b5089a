// Package scoreboard is a validator's memory of its miners: a moving average
// of each miner's skill (score.Skill: its improvement over the reference
// forecast), the weight vector derived from it, and the plain average that
// the demo reports as the miner's measured skill.
//
// The moving average is exponential with weight Alpha per challenge and
// bias-corrected (divided by 1 − (1 − Alpha)^n after n challenges, as Adam
// corrects its moments): a new miner is judged on what it has shown, not
// dragged towards zero, and a miner that stops answering sinks towards the
// no-answer skill at the same rate an old one would. An entry belongs to a
// hotkey: when a uid's hotkey changes (the uid was re-registered), its
// history is dropped.
//
// # What the weights keep
//
// The score is linear in the skills, with weights fixed before any outcome
// is drawn, so it inherits the skill's property (see the score package): a
// miner's expected score is maximised by answering its true predictive
// median and quantiles on every challenge. The nonlinearity comes only
// after this aggregation: w = exp(Sharpness·(score − best)), scaled so that
// the best miner gets 65535 (the chain max-upscales weights anyway). It is
// increasing, so weights order the miners exactly as their scores do and
// any change that raises a miner's expected score raises the weight it
// expects to get to first order; being convex, it rewards spread in the
// score slightly, a second-order effect that shrinks as the average
// remembers more challenges (about 1/Alpha). Weights are not themselves a
// proper payout in expectation; the tests show the honest miner still
// earns the most weight against shaded ones. With Sharpness 7 a miner one
// tenth of a scale unit behind the best gets half its weight. Any miner
// with a scored answer keeps at least 1, so an honest but weak miner is
// never silently cut off; a miner that never answered validly gets 0.
// Every list comes out sorted by uid.
package scoreboard
