package synapse

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Frame is one line of a streamed response (Content-Type
// application/x-ndjson). Every frame carries its own MAC, chained to the one
// before it and, for the first frame, to the request's MAC:
//
//	mac_0 = HMAC(k_resp, "…/chunk" ‖ request MAC ‖ 0 ‖ end ‖ status ‖ reason ‖ message ‖ SHA-256(data))
//	mac_i = HMAC(k_resp, "…/chunk" ‖ mac_{i-1}   ‖ i ‖ …)
//
// A reordered, dropped, duplicated or foreign frame breaks the chain; a
// stream cut short lacks the final frame (End), which carries the outcome
// (Status 200, or the handler's error).
type Frame struct {
	Seq     uint64          `json:"seq"`
	Data    json.RawMessage `json:"data,omitempty"` // one chunk, as JSON
	End     bool            `json:"end,omitempty"`
	Status  int             `json:"status,omitempty"` // on the final frame only
	Reason  Reason          `json:"reason,omitempty"`
	Message string          `json:"message,omitempty"`
	MAC     string          `json:"mac"`
}

func (f *Frame) authBytes(prev MAC) []byte {
	h := sha256.Sum256(f.Data)
	return newCanon("gotensor/synapse/v1/chunk", 128+len(f.Message)).
		fixed(prev[:]).
		u64(f.Seq).
		flag(f.End).
		u64(uint64(f.Status)).
		str(string(f.Reason)).
		str(f.Message).
		fixed(h[:])
}

// AppendLine appends the frame as one JSON line. Data is written verbatim,
// never re-encoded, so the bytes the MAC covers are the bytes on the wire.
func (f *Frame) AppendLine(dst []byte) []byte {
	dst = append(dst, `{"seq":`...)
	dst = strconv.AppendUint(dst, f.Seq, 10)
	if len(f.Data) > 0 {
		dst = append(dst, `,"data":`...)
		dst = append(dst, f.Data...)
	}
	if f.End {
		dst = append(dst, `,"end":true,"status":`...)
		dst = strconv.AppendInt(dst, int64(f.Status), 10)
		if f.Reason != "" {
			dst = append(dst, `,"reason":`...)
			dst = appendJSONString(dst, string(f.Reason))
		}
		if f.Message != "" {
			dst = append(dst, `,"message":`...)
			dst = appendJSONString(dst, f.Message)
		}
	}
	dst = append(dst, `,"mac":"`...)
	dst = append(dst, f.MAC...)
	return append(dst, "\"}\n"...)
}

func appendJSONString(dst []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always encodes
	return append(dst, b...)
}

// StreamSealer numbers and MACs the frames an axon sends for one request.
type StreamSealer struct {
	s    *Session
	prev MAC
	seq  uint64
}

// NewStreamSealer starts the chain at the request's MAC.
func (s *Session) NewStreamSealer(request MAC) *StreamSealer {
	return &StreamSealer{s: s, prev: request}
}

// Seal sets the frame's Seq and MAC.
func (w *StreamSealer) Seal(f *Frame) {
	f.Seq = w.seq
	w.prev = w.s.respKey.sum(f.authBytes(w.prev))
	f.MAC = w.prev.String()
	w.seq++
}

// StreamOpener checks, in order, the frames a dendrite receives.
type StreamOpener struct {
	s    *Session
	prev MAC
	seq  uint64
	done bool
}

// NewStreamOpener expects a chain that starts at the request's MAC.
func (s *Session) NewStreamOpener(request MAC) *StreamOpener {
	return &StreamOpener{s: s, prev: request}
}

// Open verifies the next frame. Errors are *Error with status 502 and
// ReasonBadResponse.
func (r *StreamOpener) Open(f *Frame) error {
	bad := func(format string, args ...any) error {
		return Errorf(http.StatusBadGateway, ReasonBadResponse, format, args...)
	}
	if r.done {
		return bad("frame %d after the final frame", f.Seq)
	}
	if f.Seq != r.seq {
		return bad("frame %d arrived where frame %d was due (reordered, dropped or duplicated)", f.Seq, r.seq)
	}
	mac, err := ParseMAC(f.MAC)
	if err != nil {
		return bad("frame %d: %v", f.Seq, err)
	}
	want := r.s.respKey.sum(f.authBytes(r.prev))
	if !hmac.Equal(want[:], mac[:]) {
		return bad("frame %d: MAC does not match (altered, or spliced from another stream)", f.Seq)
	}
	r.prev = mac
	r.seq++
	r.done = f.End
	return nil
}

// Seq is the number of frames opened so far: the next frame's Seq.
func (r *StreamOpener) Seq() uint64 { return r.seq }

// Outcome turns a verified final frame into nil (status 200) or its *Error.
func (f *Frame) Outcome() error {
	if !f.End {
		return fmt.Errorf("frame %d is not the final frame", f.Seq)
	}
	if f.Status == http.StatusOK {
		return nil
	}
	return &Error{Status: f.Status, Reason: f.Reason, Message: f.Message}
}
