// Package scoreboard is a text-generation validator's memory of its miners:
// what each answer came to (verified, refused by a check, refused for
// capacity, failed), moving averages of the per-answer score and of the
// volume served, and the weight vector made from them.
//
// An answer's score is Nineteen's (SN19 validator cycle calculations and
// speed_scoring_functions.py): quality^1.5 of a verified answer, times a
// speed modifier max(1 − penalty², 0) for time to first token and one for
// tokens per second, where penalty runs linearly from 0 at the full-credit
// speed to 1 at the zero-credit one. A refused or failed answer scores 0.
// A refusal for capacity (the miner answered 429 or 503, having declared it
// serves so much at once) is no penalty: it leaves the score alone and adds
// no volume, so a miner earns less for serving less, never for saying so.
//
// Volume is the moving average of verified tokens per request. A miner's
// weight is score × volume, scaled so that the best gets 65535; a miner
// whose moving refusal rate exceeds MaxRefusalRate gets 0, so a cheater
// that slips an answer through now and then earns nothing. Averages are
// exponential with weight Alpha and bias-corrected, as the forecasting
// subnet's scoreboard. An entry belongs to a hotkey: a uid re-registered
// under another hotkey starts over. Every list comes out sorted by uid.
package scoreboard
