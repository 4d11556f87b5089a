package synapse

import (
	"fmt"
	"regexp"
)

// Route names one synapse and its request and response types. A subnet
// declares its routes once, at package level, and both its miner (axon) and
// its validator (dendrite) use the same value, so the types on both ends
// cannot drift apart:
//
//	var Echo = synapse.MustRoute[EchoRequest, EchoResponse]("Echo")
type Route[Req, Resp any] struct{ name string }

// StreamRoute names a synapse whose response is a stream of chunks, each
// authenticated on its own (see the package doc).
type StreamRoute[Req, Chunk any] struct{ name string }

// NewRoute checks the name and returns the route.
func NewRoute[Req, Resp any](name string) (Route[Req, Resp], error) {
	if err := CheckRouteName(name); err != nil {
		return Route[Req, Resp]{}, err
	}
	return Route[Req, Resp]{name: name}, nil
}

// MustRoute is NewRoute for package-level declarations, where a bad name is a
// programming error found at start-up, like regexp.MustCompile.
func MustRoute[Req, Resp any](name string) Route[Req, Resp] {
	r, err := NewRoute[Req, Resp](name)
	if err != nil {
		panic(err)
	}
	return r
}

// NewStreamRoute checks the name and returns the streamed route.
func NewStreamRoute[Req, Chunk any](name string) (StreamRoute[Req, Chunk], error) {
	if err := CheckRouteName(name); err != nil {
		return StreamRoute[Req, Chunk]{}, err
	}
	return StreamRoute[Req, Chunk]{name: name}, nil
}

// MustStreamRoute is NewStreamRoute for package-level declarations.
func MustStreamRoute[Req, Chunk any](name string) StreamRoute[Req, Chunk] {
	r, err := NewStreamRoute[Req, Chunk](name)
	if err != nil {
		panic(err)
	}
	return r
}

// Name is the route's name; requests go to POST /{Name}.
func (r Route[Req, Resp]) Name() string { return r.name }

// Name is the route's name; requests go to POST /{Name}.
func (r StreamRoute[Req, Chunk]) Name() string { return r.name }

var routeName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,63}$`)

// reservedRoutes are first path segments the axon serves itself.
var reservedRoutes = map[string]bool{"gt": true, "metrics": true}

// CheckRouteName accepts 1–64 characters of letters, digits, '_', '.', '-',
// starting with a letter, except the axon's own paths ("gt", "metrics").
func CheckRouteName(name string) error {
	if !routeName.MatchString(name) {
		return fmt.Errorf("route name %q: want 1-64 letters, digits, '_', '.' or '-', starting with a letter", name)
	}
	if reservedRoutes[name] {
		return fmt.Errorf("route name %q is reserved for the axon's own use", name)
	}
	return nil
}
