package synapse

import (
	"errors"
	"fmt"
	"net/http"
)

// Reason is a stable, machine-readable token saying why a call failed. The
// HTTP status says what class of failure it was; the reason says which one,
// so a dendrite can act on it (renew a session, back off) without parsing
// messages.
type Reason string

const (
	ReasonMalformed      Reason = "malformed"       // 400: a header is missing or unparsable
	ReasonVersion        Reason = "version"         // 400: incompatible wire version
	ReasonBadJSON        Reason = "bad-json"        // 400: the body does not decode into the route's request type
	ReasonBadRequest     Reason = "bad-request"     // 400: the handler rejected the request's content
	ReasonMissingMAC     Reason = "missing-mac"     // 401: no MAC (never accepted, unlike Bittensor ≤ 10.2)
	ReasonBadMAC         Reason = "bad-mac"         // 401: MAC mismatch: changed in transit or wrong key
	ReasonWrongTarget    Reason = "wrong-target"    // 401: the request names another axon's hotkey
	ReasonWrongCaller    Reason = "wrong-caller"    // 401: the caller header is not the session's hotkey
	ReasonNonceStale     Reason = "nonce-stale"     // 401: nonce older than the axon's window
	ReasonNonceFuture    Reason = "nonce-future"    // 401: nonce too far ahead of the axon's clock
	ReasonNonceReplayed  Reason = "nonce-replayed"  // 401: nonce already used, or older than the remembered ones
	ReasonSessionUnknown Reason = "session-unknown" // 401: no such session (the axon restarted or evicted it): handshake again
	ReasonSessionExpired Reason = "session-expired" // 401: the session's certificates expired: handshake again
	ReasonBadCertificate Reason = "bad-certificate" // 401: a session certificate failed verification
	ReasonNotRegistered  Reason = "not-registered"  // 403: caller's hotkey is not registered on the subnet
	ReasonNoPermit       Reason = "no-permit"       // 403: caller holds no validator permit
	ReasonLowStake       Reason = "low-stake"       // 403: caller's stake is below the axon's minimum
	ReasonBlacklisted    Reason = "blacklisted"     // 403: refused by the axon's own rule
	ReasonUnknownRoute   Reason = "unknown-route"   // 404
	ReasonMethod         Reason = "method"          // 405: routes take POST only
	ReasonDeadline       Reason = "deadline"        // 408: the request's timeout passed
	ReasonTooLarge       Reason = "too-large"       // 413 on the axon; 502 on the dendrite for a too-large response
	ReasonCallerBusy     Reason = "caller-busy"     // 429: this caller already holds its share of the axon
	ReasonBusy           Reason = "busy"            // 503: the axon's queue is full or the caller was displaced
	ReasonInternal       Reason = "internal"        // 500: the handler failed
	ReasonBadResponse    Reason = "bad-response"    // 502 (dendrite): unauthenticated, tampered or undecodable response
	ReasonUnreachable    Reason = "unreachable"     // 503 (dendrite): no connection to the axon
	ReasonCanceled       Reason = "canceled"        // 0 (dendrite): the caller's context was cancelled
)

// Error is a failed call: what a handler returns to choose its status, what
// an axon writes as its error body, and what a dendrite reports.
type Error struct {
	Status  int    `json:"status"`
	Reason  Reason `json:"reason"`
	Message string `json:"message"`
}

// Errorf builds an Error. Handlers return it to answer with a status other
// than 500 (e.g. 400 for a request whose content they reject).
func Errorf(status int, reason Reason, format string, args ...any) *Error {
	return &Error{Status: status, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	if text := http.StatusText(e.Status); text != "" {
		return fmt.Sprintf("%d %s (%s): %s", e.Status, text, e.Reason, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Reason, e.Message)
}

// ReasonOf returns the Reason of the first *Error in err's chain, or "".
func ReasonOf(err error) Reason {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}
