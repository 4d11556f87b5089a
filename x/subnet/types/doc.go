// Package types holds x/subnet's messages, parameters, genesis, errors and events: the generated
// protobuf types with the hand-written rules that validate them.
package types
