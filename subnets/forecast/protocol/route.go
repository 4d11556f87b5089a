package protocol

import "github.com/gotensor/gotensor/sdk/synapse"

// Route is the subnet's one synapse, named "Forecast": a validator POSTs a
// Challenge to /Forecast on a miner's axon and gets an Answer back, both as
// JSON. Miners (axon.Handle) and validators (dendrite.Query) share this
// value, so the types on either end cannot drift apart.
var Route = synapse.MustRoute[Challenge, Answer]("Forecast")
