//go:build !unix

package chaintest

// lockStart is a no-op where there is no flock: networks started by test packages running at
// once may then collide on a port.
func lockStart() (unlock func(), err error) { return func() {}, nil }
