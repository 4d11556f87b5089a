package protocol

import "github.com/gotensor/gotensor/sdk/synapse"

// Complete is the subnet's generation synapse: a Request in, the answer
// streamed as Chunks, one token (or a few) per chunk, the last carrying
// the finish reason and usage. Miners (axon.HandleStream) and validators
// (dendrite.Stream) share this value, so the types cannot drift apart.
var Complete = synapse.MustStreamRoute[Request, Chunk]("TextComplete")

// Info asks a miner what it serves: its model and declared capacity.
var Info = synapse.MustRoute[InfoRequest, MinerInfo]("TextInfo")

// InfoRequest is empty: Info has nothing to ask.
type InfoRequest struct{}

// MinerInfo is what a miner declares about itself.
type MinerInfo struct {
	// Model is the id of the model served (Model.ID of the subnet's model).
	Model string `json:"model"`
	// Capacity is how many requests the miner serves at once. Above it, it
	// may refuse (429) without penalty: a refusal costs it only the volume
	// it did not serve.
	Capacity int `json:"capacity"`
	// MaxTokens is the longest completion it generates.
	MaxTokens int `json:"max_tokens"`
}
