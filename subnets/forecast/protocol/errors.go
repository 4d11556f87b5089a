package protocol

import "errors"

// Every validation error wraps one of these, so a caller can tell a bad
// request from a bad reply with errors.Is and still print the specifics.
var (
	ErrInvalidChallenge = errors.New("invalid challenge")
	ErrInvalidAnswer    = errors.New("invalid answer")
)
