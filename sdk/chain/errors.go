package chain

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	errorsmod "cosmossdk.io/errors"

	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// ErrUnavailable is a node that could not be reached (refused, reset, or gone) within the call's
// deadline.
var ErrUnavailable = errors.New("node unavailable")

// ErrNotIncluded is a broadcast transaction that did not land in a block in time. Error.Expired
// says whether it never can (its timeout height passed) or might still (the wait ran out first).
var ErrNotIncluded = errors.New("transaction not included in a block")

// Error is the chain refusing a query or a transaction. It unwraps to the registered error the
// chain returned (an x/subnet or SDK error), so errors.Is(err, types.ErrX) works; Log keeps the
// chain's own words.
type Error struct {
	// Op is what was refused: a gRPC method, or "tx" and the messages' names.
	Op string
	// Codespace and Code identify the registered error ("subnet", 10 is ErrSubnetNotFound).
	// Both are empty for a failure the chain did not classify.
	Codespace string
	Code      uint32
	// Log is the chain's message (a transaction's raw log, a query's status message).
	Log string
	// TxHash and Height identify a transaction that was refused in a block; a transaction
	// refused before (simulation or CheckTx) has a hash but no height.
	TxHash string
	Height int64
	// Expired, with ErrNotIncluded, says the transaction's timeout height has passed.
	Expired bool

	cause error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.TxHash != "" {
		fmt.Fprintf(&b, " (tx %s", e.TxHash)
		if e.Height > 0 {
			fmt.Fprintf(&b, " at height %d", e.Height)
		}
		b.WriteString(")")
	}
	b.WriteString(": ")
	if e.Log != "" {
		b.WriteString(e.Log)
	} else if e.cause != nil {
		b.WriteString(e.cause.Error())
	}
	if e.Codespace != "" {
		fmt.Fprintf(&b, " [%s %d]", e.Codespace, e.Code)
	}
	return b.String()
}

// Unwrap returns the registered error the chain named.
func (e *Error) Unwrap() error { return e.cause }

// abciError is a refusal the chain classified by codespace and code, as transaction results are.
func abciError(op, codespace string, code uint32, log string) *Error {
	return &Error{Op: op, Codespace: codespace, Code: code, Log: log, cause: errorsmod.ABCIError(codespace, code, log)}
}

// registered lists the errors a client may meet: every error x/subnet registers, and the SDK's.
var registered = sync.OnceValue(func() []*errorsmod.Error {
	var out []*errorsmod.Error
	for _, space := range []string{types.ModuleName, sdkerrors.RootCodespace} {
		for code := uint32(1); code < 256; code++ {
			var e *errorsmod.Error
			if errors.As(errorsmod.ABCIError(space, code, ""), &e) && e.Error() != "unknown" {
				out = append(out, e)
			}
		}
	}
	return out
})

// matchRegistered finds the registered error a message names, for the failures that reach a
// client as text only (a simulation's, "details: description"): the longest description that
// ends the message (or starts it, "description: details") wins, so that one description
// containing another cannot mislead.
func matchRegistered(msg string) *errorsmod.Error {
	var best *errorsmod.Error
	for _, e := range registered() {
		d := e.Error()
		if msg == d || strings.HasPrefix(msg, d+": ") || strings.HasSuffix(msg, ": "+d) {
			if best == nil || len(d) > len(best.Error()) {
				best = e
			}
		}
	}
	return best
}

// A failed simulation's message carries what the node appends to it: the gas used, and in some
// builds the source line that raised the error. Neither is part of the error's text.
var (
	simulationGas  = regexp.MustCompile(` with gas used: '\d+'$`)
	sourceLocation = regexp.MustCompile(` \[[^\[\]]+\.go:\d+\]`)
	// classified is how a registered error reads in a query's gRPC status.
	classified = regexp.MustCompile(`^codespace (\S+) code (\d+): (.*)$`)
)

// fromStatus turns a failed gRPC call into the error a caller can act on: the chain's registered
// error as an *Error, context.DeadlineExceeded or context.Canceled, ErrUnavailable, or the
// status itself.
func fromStatus(op string, err error) error {
	if err == nil {
		return nil
	}
	var chainErr *Error
	if errors.As(err, &chainErr) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("%s: %w", op, err)
	}
	switch st.Code() {
	case codes.DeadlineExceeded:
		return fmt.Errorf("%s: no answer in time: %w", op, context.DeadlineExceeded)
	case codes.Canceled:
		return fmt.Errorf("%s: %w", op, context.Canceled)
	case codes.Unavailable:
		return fmt.Errorf("%s: %w: %s", op, ErrUnavailable, st.Message())
	}
	if m := classified.FindStringSubmatch(st.Message()); m != nil {
		if code, err := strconv.ParseUint(m[2], 10, 32); err == nil {
			return abciError(op, m[1], uint32(code), m[3])
		}
	}
	msg := sourceLocation.ReplaceAllString(simulationGas.ReplaceAllString(st.Message(), ""), "")
	if reg := matchRegistered(msg); reg != nil {
		return &Error{Op: op, Codespace: reg.Codespace(), Code: reg.ABCICode(), Log: msg, cause: reg}
	}
	return fmt.Errorf("%s: %w", op, err)
}
