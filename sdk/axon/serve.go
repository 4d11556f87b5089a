package axon

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// exchange is one request on its way through the pipeline.
type exchange struct {
	a       *Axon
	w       http.ResponseWriter
	r       *http.Request
	route   string
	hdr     synapse.RequestHeader
	timeout time.Duration    // the request's, capped at MaxTimeout
	sess    *synapse.Session // set once the request is authenticated
}

// serveRoute runs the pipeline, cheapest refusals first:
//
//	route → headers → target → nonce window → session → body (size,
//	deadline, pre-auth budget) → MAC → replay → policy → admission (stake)
//	→ decode → handler
//
// Nothing a caller claims is trusted before the MAC verifies; the policy
// sees only authenticated hotkeys.
func (a *Axon) serveRoute(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	name := strings.TrimPrefix(r.URL.Path, "/")
	ep, known := a.routes[name]
	label := name
	if !known {
		label = labelUnknown
	}
	x := &exchange{a: a, w: w, r: r, route: name}
	status := x.run(ep, known)
	a.metrics.observe(label, status, time.Since(start))
}

func (x *exchange) run(ep endpoint, known bool) int {
	a := x.a
	if !known {
		return x.fail(synapse.Errorf(http.StatusNotFound, synapse.ReasonUnknownRoute,
			"no route %q here; this axon serves %v", x.route, a.Routes()))
	}
	if x.r.Method != http.MethodPost {
		x.w.Header().Set("Allow", http.MethodPost)
		return x.fail(synapse.Errorf(http.StatusMethodNotAllowed, synapse.ReasonMethod,
			"route %q takes POST, not %s", x.route, x.r.Method))
	}
	var err error
	if x.hdr, err = synapse.ReadRequestHeader(x.route, x.r.Header); err != nil {
		return x.fail(err)
	}
	auth := &x.hdr.Auth
	if auth.Target != a.hotkey {
		return x.fail(synapse.Errorf(http.StatusUnauthorized, synapse.ReasonWrongTarget,
			"request is addressed to hotkey %s; this axon is %s", auth.Target, a.hotkey))
	}
	x.timeout = min(auth.Timeout(), a.cfg.MaxTimeout)
	if err := a.replay.checkWindow(a.cfg.Now(), auth.Nonce, x.timeout); err != nil {
		return x.fail(err)
	}
	deadline := time.Now().Add(x.timeout)
	ctx, cancel := context.WithDeadline(x.r.Context(), deadline)
	defer cancel()

	// The session comes before the body: a request naming no live session
	// of its caller is answered before a byte of its body is read.
	sess, err := a.sessions.get(x.hdr.Session, a.cfg.Now())
	if err != nil {
		return x.fail(err)
	}
	if sess.Caller != auth.Caller {
		return x.fail(synapse.Errorf(http.StatusUnauthorized, synapse.ReasonWrongCaller,
			"session %s belongs to %s, not to the claimed caller %s", sess.ID, sess.Caller, auth.Caller))
	}
	readBy := time.Now().Add(a.cfg.ReadTimeout)
	if deadline.Before(readBy) {
		readBy = deadline
	}
	body, hash, unreserve, err := x.readBody(a.cfg.MaxBodyBytes, readBy, "hotkey "+auth.Caller)
	if err != nil {
		return x.fail(err)
	}
	auth.BodyHash = hash
	verified := sess.VerifyRequest(auth, x.hdr.MAC)
	unreserve()
	if !verified {
		return x.fail(synapse.Errorf(http.StatusUnauthorized, synapse.ReasonBadMAC,
			"MAC does not match the request: headers or body changed after signing, or a key other than session %s's", sess.ID))
	}
	now := a.cfg.Now()
	x.sess = sess // authenticated: from here every answer carries a MAC

	if err := a.replay.accept(auth.Caller, auth.UUID, auth.Nonce, now, x.timeout); err != nil {
		return x.fail(err)
	}
	peer, registered, err := a.cfg.Policy.admit(a.cfg.Peers, auth.Caller)
	if err != nil {
		return x.fail(err)
	}
	if peer.Stake > 0 {
		a.conns.stake(x.r.Context())
	}
	release, err := a.admit.acquire(ctx, auth.Caller, peer.Stake)
	if err != nil {
		return x.fail(err)
	}
	// From here the slot is released exactly once: by the handler's
	// goroutine, or below if the body does not decode.
	req, err := ep.decode(body)
	if err != nil {
		release()
		return x.fail(err)
	}
	call := Call{Route: x.route, Caller: auth.Caller, Peer: peer, Registered: registered,
		UUID: auth.UUID, Nonce: auth.Nonce, Deadline: deadline, RemoteAddr: x.r.RemoteAddr}
	switch ep := ep.(type) {
	case unaryEndpoint:
		return x.runUnary(ctx, ep, call, req, release)
	case streamEndpoint:
		return x.runStream(ctx, ep, call, req, release)
	}
	panic(fmt.Sprintf("route %q has an endpoint of unknown kind %T", x.route, ep))
}

// readBody reads at most limit bytes by readBy, so that a client trickling
// bytes holds only its own connection, never a handler slot, and not for
// long. The buffer grows with the bytes that arrive, never ahead of them
// on the length announced, and each growth is reserved from owner's share
// of the pre-authentication budget; release gives the reservation back
// once the body is authenticated or refused. The body is hashed as it
// arrives.
func (x *exchange) readBody(limit int64, readBy time.Time, owner string) (body []byte, hash [32]byte, release func(), err error) {
	var held int64
	release = func() { x.a.preAuth.give(owner, held) }
	fail := func(err error) ([]byte, [32]byte, func(), error) {
		release()
		x.closeAfter() // the connection's request stream is in an unknown state
		return nil, hash, func() {}, err
	}
	if x.r.ContentLength > limit {
		return fail(synapse.Errorf(http.StatusRequestEntityTooLarge, synapse.ReasonTooLarge,
			"body of %d bytes exceeds this axon's limit of %d", x.r.ContentLength, limit))
	}
	rc := http.NewResponseController(x.w)
	if err := rc.SetReadDeadline(readBy); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fail(fmt.Errorf("set read deadline: %w", err))
	}
	r := http.MaxBytesReader(x.w, x.r.Body, limit)
	h := sha256.New()
	for {
		if len(body) == cap(body) {
			// Double, from 4 KiB, up to the length announced (plus one
			// byte, to read the EOF into) and the limit.
			next := max(2*int64(cap(body)), 4<<10)
			if x.r.ContentLength >= 0 {
				next = min(next, x.r.ContentLength+1)
			}
			next = max(min(next, limit+1), int64(len(body))+1)
			if err := x.a.preAuth.take(owner, next-int64(cap(body))); err != nil {
				return fail(err)
			}
			held += next - int64(cap(body))
			body = append(make([]byte, 0, next), body...)
		}
		n, err := r.Read(body[len(body):cap(body)])
		h.Write(body[len(body) : len(body)+n])
		body = body[:len(body)+n]
		if err == io.EOF {
			break
		}
		if err == nil {
			continue
		}
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			return fail(synapse.Errorf(http.StatusRequestEntityTooLarge, synapse.ReasonTooLarge,
				"body exceeds this axon's limit of %d bytes", limit))
		case errors.Is(err, os.ErrDeadlineExceeded):
			return fail(synapse.Errorf(http.StatusRequestTimeout, synapse.ReasonDeadline,
				"body not received in time (request timeout %s, axon read timeout %s)", x.timeout, x.a.cfg.ReadTimeout))
		default:
			return fail(synapse.Errorf(http.StatusBadRequest, synapse.ReasonMalformed, "reading body: %v", err))
		}
	}
	h.Sum(hash[:0])
	return body, hash, release, nil
}

// closeAfter asks for the connection to be closed after the answer.
func (x *exchange) closeAfter() { x.w.Header().Set("Connection", "close") }

// runUnary runs the handler on its own goroutine so that an overrun answers
// 408 at the deadline; the slot stays taken until the handler returns, so
// overrunning handlers cannot pile up beyond MaxConcurrent.
func (x *exchange) runUnary(ctx context.Context, ep unaryEndpoint, call Call, req any, release func()) int {
	type result struct {
		body []byte
		err  error
	}
	done := make(chan result, 1)
	x.a.handlers.Add(1)
	go func() {
		defer x.a.handlers.Done()
		defer release()
		var res result
		defer func() {
			if p := recover(); p != nil {
				res = result{err: x.a.panicked(call, p)}
			}
			done <- res
		}()
		res.body, res.err = ep.serve(ctx, call, req)
	}()
	select {
	case res := <-done:
		if res.err != nil {
			return x.fail(res.err)
		}
		return x.reply(http.StatusOK, synapse.ContentJSON, res.body)
	case <-ctx.Done():
		return x.fail(synapse.Errorf(http.StatusRequestTimeout, synapse.ReasonDeadline,
			"handler did not answer within the request's timeout of %s", x.timeout))
	}
}

// runStream answers 200 at once and sends the handler's chunks as frames.
// The handler runs on its own goroutine, as runUnary's; the final frame
// carries its outcome, or 408 if the deadline came first.
func (x *exchange) runStream(ctx context.Context, ep streamEndpoint, call Call, req any, release func()) int {
	rc := http.NewResponseController(x.w)
	_ = rc.SetWriteDeadline(call.Deadline.Add(time.Second)) // room for the final frame
	sealer := x.sess.NewStreamSealer(x.hdr.MAC)
	h := x.w.Header()
	h.Set("Content-Type", synapse.ContentStream)
	respHdr := synapse.ResponseHeader{Version: synapse.Version, Nonce: x.a.cfg.Now().UnixNano()}
	respHdr.Write(h)
	x.w.WriteHeader(http.StatusOK)

	var mu sync.Mutex // one writer at a time; closed once the final frame is out
	closed := false
	var line []byte
	write := func(f *synapse.Frame) error {
		sealer.Seal(f)
		line = f.AppendLine(line[:0])
		if _, err := x.w.Write(line); err != nil {
			return err
		}
		return rc.Flush()
	}
	emit := func(data []byte) error {
		mu.Lock()
		defer mu.Unlock()
		if closed {
			return errors.New("stream closed: the request's deadline passed or the handler returned")
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		return write(&synapse.Frame{Data: data})
	}
	finish := func(err error) int {
		mu.Lock()
		defer mu.Unlock()
		if closed {
			return 0
		}
		closed = true
		f := &synapse.Frame{End: true, Status: http.StatusOK}
		if err != nil {
			e := x.a.asError(err, x.route)
			f.Status, f.Reason, f.Message = e.Status, e.Reason, e.Message
		}
		if werr := write(f); werr != nil {
			x.a.log.Debug("final frame not delivered", "route", x.route, "caller", call.Caller, "err", werr)
		}
		return f.Status
	}

	done := make(chan error, 1)
	x.a.handlers.Add(1)
	go func() {
		defer x.a.handlers.Done()
		defer release()
		var err error
		defer func() {
			if p := recover(); p != nil {
				err = x.a.panicked(call, p)
			}
			done <- err
		}()
		err = ep.serve(ctx, call, req, emit)
	}()
	select {
	case err := <-done:
		ctxErr := errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
		switch {
		case err != nil && !ctxErr:
			return finish(err) // the handler's own failure
		case err == nil && ctx.Err() == nil:
			return finish(nil)
		}
		return finish(synapse.Errorf(http.StatusRequestTimeout, synapse.ReasonDeadline,
			"stream did not finish within the request's timeout of %s", x.timeout))
	case <-ctx.Done():
		return finish(synapse.Errorf(http.StatusRequestTimeout, synapse.ReasonDeadline,
			"stream did not finish within the request's timeout of %s", x.timeout))
	}
}

// fail answers with err as a JSON *synapse.Error. A request that was not
// authenticated has its connection closed after the answer: only proven
// callers keep connections open.
func (x *exchange) fail(err error) int {
	if x.sess == nil {
		x.closeAfter()
	}
	e := x.a.asError(err, x.route)
	if e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable {
		x.w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(x.a.cfg.RetryAfter.Seconds()))))
	}
	body, _ := json.Marshal(e) // three plain fields always encode
	x.a.log.Debug("refused", "route", x.route, "caller", x.hdr.Auth.Caller, "remote", x.r.RemoteAddr,
		"status", e.Status, "reason", e.Reason, "msg", e.Message)
	return x.reply(e.Status, synapse.ContentJSON, body)
}

// reply writes an answer, with a MAC if the request was authenticated: a
// response is authenticated iff its request was.
func (x *exchange) reply(status int, contentType string, body []byte) int {
	h := x.w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	resp := synapse.ResponseHeader{Version: synapse.Version, Nonce: x.a.cfg.Now().UnixNano()}
	if x.sess != nil {
		mac := x.sess.ResponseMAC(&synapse.ResponseAuth{
			Request: x.hdr.MAC, Caller: x.hdr.Auth.Caller, Target: x.hdr.Auth.Target, UUID: x.hdr.Auth.UUID,
			Nonce: resp.Nonce, Status: status, BodyHash: sha256.Sum256(body),
		})
		resp.MAC = &mac
	}
	resp.Write(h)
	x.w.WriteHeader(status)
	if _, err := x.w.Write(body); err != nil {
		x.a.log.Debug("answer not delivered", "route", x.route, "status", status, "err", err)
	}
	return status
}

// asError turns a handler's or the pipeline's error into what goes on the
// wire. Errors that are not *synapse.Error are logged and answered 500
// without their text, which may hold the miner's internals.
func (a *Axon) asError(err error, route string) *synapse.Error {
	var e *synapse.Error
	if errors.As(err, &e) && e.Status >= 400 && e.Status <= 599 {
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return synapse.Errorf(http.StatusRequestTimeout, synapse.ReasonDeadline, "the request's deadline passed")
	}
	a.log.Error("handler failed", "route", route, "err", err)
	return synapse.Errorf(http.StatusInternalServerError, synapse.ReasonInternal, "the handler for route %q failed", route)
}

func (a *Axon) panicked(call Call, p any) error {
	a.log.Error("handler panicked", "route", call.Route, "caller", call.Caller, "panic", p, "stack", string(debug.Stack()))
	return fmt.Errorf("handler panicked: %v", p)
}
