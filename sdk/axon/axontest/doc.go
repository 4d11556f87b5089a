// Package axontest runs real axons on loopback for tests, as net/http/httptest
// runs servers: a subnet's tests start its miner with Start and query it with
// a real dendrite.
package axontest
