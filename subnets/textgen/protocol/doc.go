// Package protocol is the text-generation subnet's wire contract: the
// Request a validator (or a gateway, for a user) sends, the Chunks a miner
// streams back token by token, the Answer they add up to, and the rules that
// decide whether a request can be served and an answer checked at all.
//
// Over the SDK a request travels on Complete (a streamed route: POST
// /TextComplete, one authenticated frame per chunk) and a miner says what it
// serves on Info (POST /TextInfo). The types are plain structs with JSON tags
// so that any transport can carry them unchanged.
//
// Every answer carries, for each generated token, its id in the subnet's
// model, its text, its log-probability and the TopLogprobs most likely
// alternatives at that position, plus usage. That is what a validator needs
// to re-score the answer with one teacher-forced pass of its own copy of the
// model (package verify); an answer without them cannot be checked and
// scores nothing.
//
// A chat request is rendered to one prompt by RenderChat before it is
// tokenized, so that miner and validator agree on the prompt's tokens
// whatever backend the miner runs.
package protocol
