package protocol

import "errors"

// Every validation error wraps one of these, so a caller can tell a bad
// request from a bad answer with errors.Is and still print the specifics.
var (
	ErrInvalidRequest = errors.New("invalid text request")
	ErrInvalidAnswer  = errors.New("invalid text answer")
)
