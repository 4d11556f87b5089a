package epochjson

import (
	"bytes"
	"fmt"
	"io"

	"github.com/gotensor/gotensor/yuma"
)

// Exit statuses of Run.
const (
	ExitOK       = 0
	ExitFailure  = 1 // the output could not be written
	ExitBadInput = 2
)

// Run is `gotensor yuma epoch`: one epoch input document on stdin, its
// outputs on stdout. On bad input it writes one line naming the field to
// stderr, nothing to stdout, and returns ExitBadInput.
func Run(stdin io.Reader, stdout, stderr io.Writer) int {
	in, err := Decode(stdin)
	if err != nil {
		fmt.Fprintln(stderr, oneLine(err))
		return ExitBadInput
	}
	out, err := yuma.Epoch(in)
	if err != nil {
		fmt.Fprintln(stderr, oneLine(err))
		return ExitBadInput
	}
	var buf bytes.Buffer
	if err := Encode(&buf, out); err != nil {
		fmt.Fprintln(stderr, oneLine(err))
		return ExitFailure
	}
	if _, err := stdout.Write(buf.Bytes()); err != nil {
		fmt.Fprintln(stderr, oneLine(err))
		return ExitFailure
	}
	return ExitOK
}

// oneLine keeps an error message to a single line.
func oneLine(err error) string {
	return string(bytes.ReplaceAll([]byte(err.Error()), []byte("\n"), []byte(" ")))
}
