// Package synapse is the wire between a validator's dendrite and a miner's
// axon: the envelope of a request and its response, and the cryptography
// that binds both to the hotkeys at either end.
//
// # Routes
//
// A subnet declares each of its synapses once, as a Route naming the route
// and its Go request and response types (or a StreamRoute for responses sent
// as a stream of chunks). Bodies are JSON. A request is POST /{route}.
//
// # Keys and sessions
//
// Hotkeys are Cosmos SDK secp256k1 keys, named by their bech32 account
// address with prefix "tao". A secp256k1 verification costs ~180 µs on one
// core, which would cap an axon at a few thousand requests a second, so the
// hotkey signs once per session and requests are authenticated with HMACs:
//
//  1. Each end makes a short-lived X25519 session key and has its hotkey
//     sign a Certificate over it: role (dendrite or axon), hotkey and its
//     public key, the session public key, chain id and netuid, and a
//     validity of at most a day (an hour by default).
//  2. Handshake, once per dendrite, axon and certificate lifetime: the
//     dendrite POSTs its certificate to /gt/session; the axon verifies it
//     (signature, the public key hashing to the claimed address, role,
//     scope, time), applies its policy to the now-proven hotkey, and answers
//     with its own certificate. The dendrite checks that certificate is for
//     the hotkey it meant to reach.
//  3. Both compute X25519 between their session key and the peer's, and
//     HKDF-SHA256 over it (salted with the session ID) gives two keys, one
//     per direction. The session ID is a hash of both certificates: both
//     ends compute it, and a replayed handshake lands on the session it
//     already made.
//  4. Every request carries an HMAC-SHA256, under the dendrite→axon key, of
//     version, route, caller, target, uuid, nonce, timeout and SHA-256 of
//     the body. Every response carries one, under the axon→dendrite key, of
//     the request's MAC, caller, target, uuid, the axon's nonce, the status
//     and SHA-256 of the response body. Streamed responses MAC each frame,
//     chained (see Frame). Only the refusal of a request that failed
//     authentication goes without a MAC (the axon has no key for it); the
//     dendrite never takes a 200 without one.
//
// Only the holder of a hotkey can certify a session key for it, and only the
// holders of the two session keys can compute the MACs, so a valid MAC
// proves the hotkey as a signature would, at a few microseconds' cost.
// Sessions are the only mode: a per-request signature mode would put the
// expensive verification back on the request path of every axon that kept
// it enabled.
//
// # Headers
//
// All lower-case and hyphenated (nginx drops names with underscores):
//
//	gt-version     both      Version, major·10⁶ + minor·10³ + patch
//	gt-caller      request   the dendrite's hotkey
//	gt-target      request   the axon's hotkey
//	gt-nonce       both      the sender's clock, unix nanoseconds
//	gt-uuid        request   the dendrite instance (≤ 64 characters)
//	gt-timeout-ms  request   how long the dendrite waits (1..MaxTimeoutMs)
//	gt-session     request   the session ID, 32 hex digits
//	gt-mac         both      HMAC-SHA256, 64 hex digits
//
// 429 and 503 answers carry Retry-After (seconds).
//
// # Status codes
//
// As Bittensor's, with a Reason token in every error body
// ({"status","reason","message"}) so that a program can act on it:
//
//	200  success
//	400  malformed: bad header, incompatible version, body not the route's
//	     type (bad-json), or content the handler refused (bad-request)
//	401  verification: missing or wrong MAC, wrong target or caller, nonce
//	     stale, ahead, or replayed, bad certificate, session unknown or
//	     expired (the dendrite handshakes again and retries once)
//	403  blacklisted: not registered on the subnet, no validator permit,
//	     stake below the axon's minimum, or the miner's own rule
//	404  unknown route
//	405  not POST
//	408  deadline: the request's timeout passed (reading the body, queued,
//	     or in the handler); on the dendrite, no answer in time
//	413  body too large
//	429  this caller already holds its share of the axon (Retry-After)
//	503  busy: queue full, or displaced by a caller with more stake
//	     (Retry-After); on the dendrite, axon unreachable
//	500  the handler failed
//	502  (dendrite only) the answer failed authentication, broke its
//	     stream's chain, was too large, or did not decode
//	0    (dendrite only) the caller's context was cancelled
//
// # Nonces
//
// A nonce is the dendrite's clock in nanoseconds, strictly increasing per
// dendrite. The axon accepts it if it lies within [now − window − timeout,
// now + window] (window 4 s by default) and was not seen before for the same
// (caller, uuid). Unlike Bittensor's strict maximum, the axon remembers every
// nonce still inside the window, so concurrent requests arriving out of
// order over several connections are accepted; memory is bounded by the
// window, per key and in keys (see the axon package).
//
// # Threat model
//
// The network is hostile: anyone can read, drop, delay, replay, reorder or
// alter traffic, and anyone can register hotkeys. Against that:
//
//   - No request is served unauthenticated; an empty MAC is refused (the
//     Bittensor bug of accepting empty signatures cannot recur), and the
//     body is always covered.
//   - Altering any covered field or the body fails the MAC (401); replays
//     fail the nonce checks (401); a request for one axon cannot be used on
//     another (target, and a different session key).
//   - A response cannot be forged, altered, or moved to another request (it
//     covers the request's MAC); a stream's frames cannot be altered,
//     reordered, dropped, duplicated, spliced from another stream, or cut
//     short without the dendrite noticing (502).
//   - Blacklisting runs after authentication, on the proven hotkey.
//   - A man in the middle of the handshake who swaps a certificate ends up
//     with a different session ID than the dendrite computes, and no keys.
//   - Each side can drop all state (restart): sessions are renewed on
//     demand. A request resent on a renewed session keeps its nonce, so a
//     forged "session unknown" cannot make the axon run it twice.
//
// What it does not do:
//
//   - No confidentiality: bodies travel in clear, as in Bittensor; put TLS
//     in front if a subnet needs secrecy.
//   - No non-repudiation: an HMAC convinces its receiver only, as the other
//     end of the session could have computed it too. An axon cannot prove
//     to a third party what a validator asked.
//   - A stolen session key impersonates its hotkey until the certificate
//     expires (an hour by default, a day at most).
//   - Handshakes cost the axon a signature verification each. Verified
//     certificates are cached, replays land on existing sessions, and
//     verifications run at bounded concurrency, so a flood of fresh
//     certificates delays new sessions but not requests on existing ones.
//   - Clocks must agree within the nonce window (NTP).
package synapse
