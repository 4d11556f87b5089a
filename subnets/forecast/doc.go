// Package forecast is the forecasting subnet without its network: the
// miner's side (a model answering a challenge) and the validator's side
// (issuing challenges on live series, scoring the answers once the future is
// drawn, remembering each miner's skill and turning it into weights).
//
// The flow a validator's loop follows, with the transport in between:
//
//	round, _ := v.NextRound()                  // a challenge; its future is not drawn yet
//	// send round.Challenge to every miner, collect []score.Submission
//	results, _ := v.Score(round, submissions)  // draws the future, scores, records
//	uids, weights := v.Weights()               // every few blocks: set on chain
//
// and a miner's handler is one call:
//
//	answer, err := miner.Answer(challenge)
//
// The subpackages hold the parts: protocol (wire types and their
// validation), series (live and replayed ground truth), model (the
// forecasting models), score (skill over a fixed reference forecast under a
// proper scoring rule), scoreboard (moving averages, weights, measured
// skill) and standings (the signed scoreboard a validator publishes for
// anyone to read, and its verification).
package forecast
