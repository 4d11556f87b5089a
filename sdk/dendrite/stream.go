package dendrite

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// StreamResult is the outcome of a streamed call; the chunks went to the
// callback as they arrived.
type StreamResult struct {
	Axon Axon
	// Status is the final frame's status (200, or the handler's error), or
	// as in Result for failures before or during the stream: a broken chain
	// of MACs, or a stream that ends without its final frame, is 502.
	Status  int
	Reason  synapse.Reason
	Latency time.Duration // until the final frame
	Chunks  int           // chunks verified and handed to the callback
	Err     error         // nil exactly when Status is 200
}

// OK reports whether the stream arrived whole and verified, and the handler
// succeeded.
func (r StreamResult) OK() bool { return r.Err == nil }

// Stream sends one request to a streamed route and calls onChunk with each
// chunk, in order, once its frame is verified. If onChunk returns an error
// the stream is abandoned and that error returned (Status 0).
func Stream[Req, Chunk any](ctx context.Context, d *Dendrite, r synapse.StreamRoute[Req, Chunk], ax Axon, req Req, onChunk func(Chunk) error) StreamResult {
	start := time.Now()
	res := StreamResult{Axon: ax}
	err := func() error {
		body, err := json.Marshal(req)
		if err != nil {
			return fmt.Errorf("encode %T request: %w", req, err)
		}
		ctx, cancel := d.callContext(ctx)
		defer cancel()
		x, err := d.open(ctx, r.Name(), ax, body)
		if err != nil {
			return err
		}
		return x.readStream(ctx, d, func(data []byte) error {
			var c Chunk
			if err := json.Unmarshal(data, &c); err != nil {
				return badResponse("chunk %d is not a valid %T: %v", res.Chunks, c, err)
			}
			if err := onChunk(c); err != nil {
				return &abandoned{err}
			}
			res.Chunks++
			return nil
		})
	}()
	res.Latency = time.Since(start)
	var ab *abandoned
	switch {
	case err == nil:
		res.Status = http.StatusOK
	case errors.As(err, &ab):
		res.Err = ab.err
	default:
		var e *synapse.Error
		if errors.As(err, &e) {
			res.Status, res.Reason = e.Status, e.Reason
		}
		res.Err = err
	}
	return res
}

// abandoned marks the callback's own error.
type abandoned struct{ err error }

func (a *abandoned) Error() string { return a.err.Error() }

// readStream verifies frames in order and hands each chunk's data to emit;
// it returns the final frame's outcome.
func (x *exchange) readStream(ctx context.Context, d *Dendrite, emit func(data []byte) error) error {
	defer x.resp.Body.Close()
	if ct := x.resp.Header.Get("Content-Type"); ct != synapse.ContentStream {
		return badResponse("answer has Content-Type %q, want %q for a stream", ct, synapse.ContentStream)
	}
	if _, err := synapse.ReadResponseHeader(x.resp.Header); err != nil {
		return err
	}
	opener := x.sess.NewStreamOpener(x.mac)
	limited := &io.LimitedReader{R: x.resp.Body, N: d.cfg.MaxStreamBytes + 1}
	br := bufio.NewReaderSize(limited, 32<<10)
	for {
		line, err := readLine(br, d.cfg.MaxResponseBytes)
		if limited.N <= 0 {
			return synapse.Errorf(http.StatusBadGateway, synapse.ReasonTooLarge, "stream exceeds the limit of %d bytes", d.cfg.MaxStreamBytes)
		}
		if err == io.EOF && len(line) == 0 {
			return badResponse("stream ended after %d frames without its final frame: cut short", opener.Seq())
		}
		if err != nil && err != io.EOF {
			if errors.Is(err, errLineTooLong) {
				return synapse.Errorf(http.StatusBadGateway, synapse.ReasonTooLarge, "frame %d exceeds the limit of %d bytes", opener.Seq(), d.cfg.MaxResponseBytes)
			}
			return readError(ctx, err)
		}
		var f synapse.Frame
		if err := json.Unmarshal(line, &f); err != nil {
			return badResponse("frame %d is not valid JSON: %v", opener.Seq(), err)
		}
		if err := opener.Open(&f); err != nil {
			return err
		}
		if f.End {
			return f.Outcome()
		}
		if err := emit(f.Data); err != nil {
			return err
		}
	}
}

var errLineTooLong = errors.New("line too long")

// readLine reads one '\n'-terminated line of at most max bytes.
func readLine(br *bufio.Reader, max int64) ([]byte, error) {
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		if int64(len(line)+len(frag)) > max {
			return nil, errLineTooLong
		}
		line = append(line, frag...)
		if err != bufio.ErrBufferFull {
			return line, err
		}
	}
}
