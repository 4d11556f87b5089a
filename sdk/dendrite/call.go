package dendrite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// Result is one axon's answer to a call.
type Result[Resp any] struct {
	Axon Axon
	// Status is the axon's HTTP status, or the dendrite's own: 408 when the
	// deadline passed, 502 when the answer failed authentication or could
	// not be decoded, 503 when the axon could not be reached, 0 when the
	// context was cancelled or the request could not be built.
	Status  int
	Reason  synapse.Reason
	Latency time.Duration
	// Response is set when Status is 200.
	Response Resp
	// Err is nil exactly when Status is 200.
	Err error
}

// OK reports whether the axon answered with a verified, decoded response.
func (r Result[Resp]) OK() bool { return r.Err == nil }

// Call sends one request to one axon.
func Call[Req, Resp any](ctx context.Context, d *Dendrite, r synapse.Route[Req, Resp], ax Axon, req Req) Result[Resp] {
	body, err := json.Marshal(req)
	if err != nil {
		res := Result[Resp]{Axon: ax}
		res.fail(fmt.Errorf("encode %T request: %w", req, err))
		return res
	}
	return call[Resp](ctx, d, r.Name(), ax, body)
}

// Query sends the same request to every axon at once (at most
// MaxConcurrency in flight) and returns their results in the same order.
// Every call has its own deadline (Timeout, or ctx's if sooner); Query
// returns when the last has answered or timed out.
func Query[Req, Resp any](ctx context.Context, d *Dendrite, r synapse.Route[Req, Resp], axons []Axon, req Req) []Result[Resp] {
	results := make([]Result[Resp], len(axons))
	body, err := json.Marshal(req)
	if err != nil {
		for i := range results {
			results[i].Axon = axons[i]
			results[i].fail(fmt.Errorf("encode %T request: %w", req, err))
		}
		return results
	}
	d.fanOut(len(axons), func(i int) {
		results[i] = call[Resp](ctx, d, r.Name(), axons[i], body)
	})
	return results
}

// fanOut runs f(0..n-1) on at most MaxConcurrency goroutines.
func (d *Dendrite) fanOut(n int, f func(i int)) {
	workers := min(n, d.cfg.MaxConcurrency)
	var next atomic.Int64
	var wg sync.WaitGroup
	wg.Add(workers)
	for range workers {
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		}()
	}
	wg.Wait()
}

func call[Resp any](ctx context.Context, d *Dendrite, route string, ax Axon, body []byte) Result[Resp] {
	start := time.Now()
	res := Result[Resp]{Axon: ax}
	ctx, cancel := d.callContext(ctx)
	defer cancel()
	x, err := d.open(ctx, route, ax, body)
	if err == nil {
		err = x.readUnary(ctx, d, &res.Response)
	}
	res.Latency = time.Since(start)
	if err != nil {
		res.fail(err)
	} else {
		res.Status = http.StatusOK
	}
	return res
}

func (r *Result[Resp]) fail(err error) {
	r.Err = err
	var e *synapse.Error
	if errors.As(err, &e) {
		r.Status, r.Reason = e.Status, e.Reason
	}
}

// callContext bounds a call by Timeout.
func (d *Dendrite) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d.cfg.Timeout)
}

// exchange is a request the axon accepted (status 200), its body unread.
type exchange struct {
	resp *http.Response
	sess *synapse.Session
	auth synapse.RequestAuth
	mac  synapse.MAC
}

// open sends the request and returns the accepted exchange, or the axon's
// refusal as a *synapse.Error. A session the axon no longer knows (it
// restarted) or that expired is renewed and the request sent once more,
// with the same nonce: should the refusal have been forged by someone in
// the middle after the axon ran the request, the axon refuses the copy.
func (d *Dendrite) open(ctx context.Context, route string, ax Axon, body []byte) (*exchange, error) {
	if d.closed.Load() {
		return nil, synapse.Errorf(0, synapse.ReasonCanceled, "%v", errClosed)
	}
	hash := sha256.Sum256(body)
	nonce := d.nonce()
	for attempt := 0; ; attempt++ {
		sess, err := d.session(ctx, ax)
		if err != nil {
			return nil, err
		}
		x, err := d.send(ctx, route, ax, sess, nonce, body, hash)
		if r := synapse.ReasonOf(err); attempt == 0 && (r == synapse.ReasonSessionUnknown || r == synapse.ReasonSessionExpired) {
			d.sessions.drop(ax, sess)
			d.log.Debug("session renewed", "axon", ax.String(), "reason", r)
			continue
		}
		return x, err
	}
}

func (d *Dendrite) send(ctx context.Context, route string, ax Axon, sess *synapse.Session, nonce int64, body []byte, hash [32]byte) (*exchange, error) {
	deadline, _ := ctx.Deadline()
	x := &exchange{sess: sess, auth: synapse.RequestAuth{
		Version:   synapse.Version,
		Route:     route,
		Caller:    d.hotkey,
		Target:    ax.Hotkey,
		UUID:      d.uuid,
		Nonce:     nonce,
		TimeoutMs: max(1, time.Until(deadline).Milliseconds()),
		BodyHash:  hash,
	}}
	x.mac = sess.RequestMAC(&x.auth)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+ax.Addr+"/"+route, bytes.NewReader(body))
	if err != nil {
		return nil, synapse.Errorf(0, synapse.ReasonMalformed, "request to %s: %v", ax, err)
	}
	hdr := synapse.RequestHeader{Auth: x.auth, Session: sess.ID, MAC: x.mac}
	hdr.Write(req.Header)
	req.Header["Content-Type"] = []string{synapse.ContentJSON}
	// The axon's replay guard makes every request at-most-once, so the
	// transport may resend it on a fresh connection when a pooled one turns
	// out dead (the axon restarted); a nil value marks it without sending it.
	req.Header["Idempotency-Key"] = nil
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, d.transportError(ctx, ax, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, d.errorResponse(ctx, resp, x)
	}
	x.resp = resp
	return x, nil
}

// readUnary reads, authenticates and decodes a 200 answer.
func (x *exchange) readUnary(ctx context.Context, d *Dendrite, out any) error {
	defer x.resp.Body.Close()
	if ct := x.resp.Header.Get("Content-Type"); ct != synapse.ContentJSON {
		return badResponse("answer has Content-Type %q, want %q", ct, synapse.ContentJSON)
	}
	body, err := d.readBody(ctx, x.resp, d.cfg.MaxResponseBytes)
	if err != nil {
		return err
	}
	if err := x.verify(http.StatusOK, body, true); err != nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return badResponse("answer is not a valid %T: %v", out, err)
	}
	return nil
}

// verify checks a response's MAC against the request's. A 200 must carry
// one; an error answer may lack it (the axon could not authenticate the
// request, so it has no key to answer with), but one it carries must be
// right.
func (x *exchange) verify(status int, body []byte, required bool) error {
	rh, err := synapse.ReadResponseHeader(x.resp.Header)
	if err != nil {
		return err
	}
	if rh.MAC == nil {
		if required {
			return badResponse("answer carries no %s header: unauthenticated", synapse.HeaderMAC)
		}
		return nil
	}
	ok := x.sess.VerifyResponse(&synapse.ResponseAuth{
		Request: x.mac, Caller: x.auth.Caller, Target: x.auth.Target, UUID: x.auth.UUID,
		Nonce: rh.Nonce, Status: status, BodyHash: sha256.Sum256(body),
	}, *rh.MAC)
	if !ok {
		return badResponse("answer's MAC does not match: altered in transit, or not from the axon that holds the session")
	}
	return nil
}

// maxErrorBody bounds an error answer's body.
const maxErrorBody = 64 << 10

// errorResponse turns a non-200 answer into its *synapse.Error, after
// checking its MAC if x (the authenticated request) is known.
func (d *Dendrite) errorResponse(ctx context.Context, resp *http.Response, x *exchange) error {
	body, err := d.readBody(ctx, resp, maxErrorBody)
	if err != nil {
		return err
	}
	if x != nil {
		x.resp = resp
		if err := x.verify(resp.StatusCode, body, false); err != nil {
			return err
		}
	}
	var e synapse.Error
	if json.Unmarshal(body, &e) != nil || e.Message == "" {
		e = synapse.Error{Message: fmt.Sprintf("axon answered %s with a body that is not an error report", resp.Status)}
	}
	e.Status = resp.StatusCode // the status line, not the body's claim
	return &e
}

// readBody reads at most limit bytes of a response.
func (d *Dendrite) readBody(ctx context.Context, resp *http.Response, limit int64) ([]byte, error) {
	if resp.ContentLength > limit {
		return nil, synapse.Errorf(http.StatusBadGateway, synapse.ReasonTooLarge,
			"answer of %d bytes exceeds the limit of %d", resp.ContentLength, limit)
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, readError(ctx, err)
	}
	if n > limit {
		return nil, synapse.Errorf(http.StatusBadGateway, synapse.ReasonTooLarge, "answer exceeds the limit of %d bytes", limit)
	}
	return buf.Bytes(), nil
}

// transportError classifies a failure to get an answer.
func (d *Dendrite) transportError(ctx context.Context, ax Axon, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		deadline, _ := ctx.Deadline()
		return synapse.Errorf(http.StatusRequestTimeout, synapse.ReasonDeadline, "no answer from %s by the deadline (%s ago)",
			ax, time.Since(deadline).Round(time.Millisecond))
	case ctx.Err() != nil:
		return synapse.Errorf(0, synapse.ReasonCanceled, "call to %s cancelled: %v", ax, context.Cause(ctx))
	default:
		return synapse.Errorf(http.StatusServiceUnavailable, synapse.ReasonUnreachable, "%s: %v", ax, err)
	}
}

// readError classifies a failure while reading an answer already begun.
func readError(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return synapse.Errorf(http.StatusRequestTimeout, synapse.ReasonDeadline, "answer not complete by the deadline")
	}
	if ctx.Err() != nil {
		return synapse.Errorf(0, synapse.ReasonCanceled, "call cancelled while reading the answer: %v", context.Cause(ctx))
	}
	return badResponse("answer cut short: %v", err)
}

func badResponse(format string, args ...any) error {
	return synapse.Errorf(http.StatusBadGateway, synapse.ReasonBadResponse, format, args...)
}
