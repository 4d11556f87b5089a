// Package verify decides whether a miner's answer came from the subnet's
// model, as Bittensor's inference subnets Nineteen (SN19) and Targon (SN4)
// did before they moved to hardware attestation: the validator re-scores the
// miner's tokens with one teacher-forced pass of its own copy of the model
// and refuses an answer that the model would not have produced.
//
// The checks, in the order they run (the first that fails refuses the
// answer; Verdict.Check names it):
//
//   - model, usage, length, text: the answer names the subnet's model; its
//     usage counts what it carries (completion tokens exactly, prompt tokens
//     within Targon's ×0.5–2, which absorbs a backend's BOS convention); it
//     is no longer than max_tokens, reaches it when it says "length", and
//     ends with the end-of-text token or a requested stop sequence when it
//     says "stop"; every token's text is its id's text in the model.
//   - rank: a token the request's own top_k and top_p would not keep, or,
//     without cuts, one outside the reference's top TopRank (10), is a
//     miss; more than MaxMisses (3) refuse the answer (SN19's rule, with
//     the request's cuts where it has them).
//   - improbable: a token the reference gives a log-probability ≤ −13, or
//     five or more ≤ −8, refuse it (Targon).
//   - end-skipped: at a position where the reference put P(end) more than
//     100 times the chosen token's probability, the miner went out of its
//     way not to stop (SN19).
//   - end-unlikely: the answer ends with the end-of-text token where the
//     request's sampling over the reference would draw it with probability
//     below MinEndProb, or not at all: it stopped where the model would not
//     (truncation).
//   - end-rate: a cut where the model itself ends with probability 0.2 is a
//     plausible end once, not over and over. Every answer's ends are scored
//     as an e-value against honest sampling and summed per miner in a
//     CUSUM; a miner past log(1/StopAlpha) has its answers that end refused
//     until the evidence fades (Verifier.observeStops has the statistics).
//   - logprobs: at the first, the last and three positions drawn from the
//     validator's key, the mean |exp(reference) − exp(miner)| of the chosen
//     tokens' log-probabilities must be ≤ 0.25; ≤ 0.125 scores quality 1,
//     linearly down to 0.5 at 0.25 (SN19).
//   - top-tokens: at every position, the miner's top alternatives and the
//     reference's as probability vectors (a token missing from one list
//     counting 0) must have a mean cosine similarity of at least 0.9
//     (SN1's logits check). A smaller or quantised model shows here first.
//   - too-perfect: an answer sampled at a positive temperature that is the
//     reference's most likely token at every one of at least 8 positions,
//     when the request's sampling gave that sequence a probability below
//     1e-3: a cached greedy answer, not a sample. An honest miner is refused
//     so with probability below 1e-3 by construction.
//   - replay, relay: the same tokens, improbable enough (below
//     DuplicateMaxProb under the request's sampling) that two honest
//     samples never coincide, seen before from the same miner for another
//     request (replay) or from another miner under another seed (relay: the
//     later copy is refused). The verifier remembers Memory answers.
//
// Thresholds are Config fields, subnet hyperparameters in effect, with the
// defaults those subnets used; real GPU backends are not bit-reproducible,
// so every check is a rank, a threshold or a distance, never equality.
package verify
