// Package epochjson is the Yuma epoch as a JSON filter (spec/epoch-json.md):
// the engine of package yuma with no chain around it, for golden tests,
// for studying the mechanism and for checking against the reference
// oracle. The binary wires Run as `gotensor yuma epoch`.
//
// Beyond the spec's fields the input accepts one optional extension,
// commit_block ([u64], one per uid): each validator's earliest live weight
// commit, 18446744073709551615 for none. When present it turns on the
// commit-reveal mask of spec §4.6 step 4 (the reference oracle does not
// implement it).
package epochjson
