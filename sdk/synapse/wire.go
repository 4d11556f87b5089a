package synapse

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// Version is the wire version as major·1 000 000 + minor·1 000 + patch, as
// Bittensor's version_as_int. It travels in every request and response, and
// is what an axon publishes on chain (ServeInfo). Ends speak to each other
// when their majors agree.
const Version uint32 = 1_000_000

// VersionCompatible reports whether a peer's version shares our major.
func VersionCompatible(v uint32) bool { return v/1_000_000 == Version/1_000_000 }

// Header names. Lower-case and hyphenated (proxies such as nginx drop names
// with underscores); written lower-case on HTTP/1.1 and read without regard
// to case, as HTTP requires.
const (
	HeaderVersion = "gt-version"    // both: Version of the sender
	HeaderCaller  = "gt-caller"     // request: the dendrite's hotkey
	HeaderTarget  = "gt-target"     // request: the axon's hotkey
	HeaderNonce   = "gt-nonce"      // both: the sender's clock, unix nanoseconds
	HeaderUUID    = "gt-uuid"       // request: the dendrite instance's uuid
	HeaderTimeout = "gt-timeout-ms" // request: how long the dendrite waits, milliseconds
	HeaderSession = "gt-session"    // request: the session ID, 32 hex digits
	HeaderMAC     = "gt-mac"        // both: HMAC-SHA256, 64 hex digits
)

// canonical maps each header name to the form net/http stores received
// headers under, so that reading one costs no allocation.
var canonical = func() map[string]string {
	m := map[string]string{}
	for _, h := range []string{HeaderVersion, HeaderCaller, HeaderTarget, HeaderNonce, HeaderUUID, HeaderTimeout, HeaderSession, HeaderMAC} {
		m[h] = http.CanonicalHeaderKey(h)
	}
	return m
}()

// get reads a received header.
func get(hdr http.Header, name string) string {
	if v := hdr[canonical[name]]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Paths the axon serves itself; route names cannot take them.
const (
	HandshakePath = "/gt/session"
	MetricsPath   = "/metrics"
)

// Content types.
const (
	ContentJSON   = "application/json"
	ContentStream = "application/x-ndjson"
)

// MaxUUIDLen bounds the uuid header.
const MaxUUIDLen = 64

// RequestHeader is the envelope of one request: everything its MAC covers
// except the route (the path) and the body hash (computed from the body),
// plus the session and the MAC itself.
type RequestHeader struct {
	Auth    RequestAuth
	Session SessionID
	MAC     MAC
}

// Write sets the request headers.
func (h *RequestHeader) Write(hdr http.Header) {
	a := &h.Auth
	setLower(hdr, HeaderVersion, strconv.FormatUint(uint64(a.Version), 10))
	setLower(hdr, HeaderCaller, a.Caller)
	setLower(hdr, HeaderTarget, a.Target)
	setLower(hdr, HeaderNonce, strconv.FormatInt(a.Nonce, 10))
	setLower(hdr, HeaderUUID, a.UUID)
	setLower(hdr, HeaderTimeout, strconv.FormatInt(a.TimeoutMs, 10))
	setLower(hdr, HeaderSession, h.Session.String())
	setLower(hdr, HeaderMAC, h.MAC.String())
}

// ReadRequestHeader parses the envelope of a request for route, from headers
// as net/http delivers them (canonical keys). A missing or
// empty MAC is a 401 (ReasonMissingMAC): unlike Bittensor ≤ 10.2, no request
// goes unauthenticated. Anything else missing or unparsable is a 400.
func ReadRequestHeader(route string, hdr http.Header) (RequestHeader, error) {
	var h RequestHeader
	a := &h.Auth
	a.Route = route
	malformed := func(name, format string, args ...any) error {
		return Errorf(http.StatusBadRequest, ReasonMalformed, "header %s: "+format, append([]any{name}, args...)...)
	}
	v := get(hdr, HeaderVersion)
	version, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return h, malformed(HeaderVersion, "%q is not a version integer", v)
	}
	a.Version = uint32(version)
	if !VersionCompatible(a.Version) {
		return h, Errorf(http.StatusBadRequest, ReasonVersion, "wire version %d is not compatible with %d (majors differ)", a.Version, Version)
	}
	if a.Caller = get(hdr, HeaderCaller); a.Caller == "" {
		return h, malformed(HeaderCaller, "missing")
	}
	if a.Target = get(hdr, HeaderTarget); a.Target == "" {
		return h, malformed(HeaderTarget, "missing")
	}
	v = get(hdr, HeaderNonce)
	if a.Nonce, err = strconv.ParseInt(v, 10, 64); err != nil || a.Nonce <= 0 {
		return h, malformed(HeaderNonce, "%q is not a positive unix-nanosecond time", v)
	}
	if a.UUID = get(hdr, HeaderUUID); a.UUID == "" || len(a.UUID) > MaxUUIDLen {
		return h, malformed(HeaderUUID, "want 1-%d characters, got %d", MaxUUIDLen, len(a.UUID))
	}
	v = get(hdr, HeaderTimeout)
	if a.TimeoutMs, err = strconv.ParseInt(v, 10, 64); err != nil || a.TimeoutMs <= 0 {
		return h, malformed(HeaderTimeout, "%q is not a positive number of milliseconds", v)
	}
	if a.TimeoutMs > MaxTimeoutMs {
		return h, malformed(HeaderTimeout, "%d ms is more than %d, the longest timeout a duration holds", a.TimeoutMs, MaxTimeoutMs)
	}
	if h.Session, err = ParseSessionID(get(hdr, HeaderSession)); err != nil {
		return h, Errorf(http.StatusUnauthorized, ReasonSessionUnknown, "header %s: %v; handshake at %s first", HeaderSession, err, HandshakePath)
	}
	v = get(hdr, HeaderMAC)
	if v == "" {
		return h, Errorf(http.StatusUnauthorized, ReasonMissingMAC, "header %s is missing or empty: every request must be authenticated", HeaderMAC)
	}
	if h.MAC, err = ParseMAC(v); err != nil {
		return h, Errorf(http.StatusUnauthorized, ReasonBadMAC, "header %s: %v", HeaderMAC, err)
	}
	return h, nil
}

// MaxTimeoutMs is the largest gt-timeout-ms a time.Duration holds (about
// 292 years); ReadRequestHeader refuses more rather than let it wrap.
const MaxTimeoutMs = math.MaxInt64 / int64(time.Millisecond)

// Timeout is the request's timeout as a duration, saturating at
// MaxTimeoutMs.
func (a *RequestAuth) Timeout() time.Duration {
	return time.Duration(min(a.TimeoutMs, MaxTimeoutMs)) * time.Millisecond
}

// ResponseHeader is the envelope of a response. MAC is absent when the axon
// could not authenticate the request (it then has no key to answer with).
type ResponseHeader struct {
	Version uint32
	Nonce   int64
	MAC     *MAC
}

// Write sets the response headers.
func (h *ResponseHeader) Write(hdr http.Header) {
	setLower(hdr, HeaderVersion, strconv.FormatUint(uint64(h.Version), 10))
	setLower(hdr, HeaderNonce, strconv.FormatInt(h.Nonce, 10))
	if h.MAC != nil {
		setLower(hdr, HeaderMAC, h.MAC.String())
	}
}

// ReadResponseHeader parses a response's envelope, from headers as net/http
// delivers them. Errors are *Error with status 502 and ReasonBadResponse.
func ReadResponseHeader(hdr http.Header) (ResponseHeader, error) {
	var h ResponseHeader
	bad := func(format string, args ...any) error {
		return Errorf(http.StatusBadGateway, ReasonBadResponse, format, args...)
	}
	v := get(hdr, HeaderVersion)
	version, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return h, bad("response header %s: %q is not a version integer", HeaderVersion, v)
	}
	h.Version = uint32(version)
	v = get(hdr, HeaderNonce)
	if h.Nonce, err = strconv.ParseInt(v, 10, 64); err != nil {
		return h, bad("response header %s: %q is not an integer", HeaderNonce, v)
	}
	if v = get(hdr, HeaderMAC); v != "" {
		mac, err := ParseMAC(v)
		if err != nil {
			return h, bad("response header %s: %v", HeaderMAC, err)
		}
		h.MAC = &mac
	}
	return h, nil
}

// setLower stores a header under its lower-case name, which net/http writes
// verbatim on HTTP/1.1 (Header.Set would send "Gt-Nonce").
func setLower(hdr http.Header, name, value string) { hdr[name] = []string{value} }

// HandshakeRequest is the body of POST /gt/session: the dendrite's
// certificate.
type HandshakeRequest struct {
	Cert *Certificate `json:"cert"`
}

// HandshakeResponse answers it with the axon's certificate and the session's
// ID, which the dendrite recomputes: a mismatch means someone in the middle
// swapped a certificate.
type HandshakeResponse struct {
	Cert    *Certificate `json:"cert"`
	Session SessionID    `json:"session"`
}
