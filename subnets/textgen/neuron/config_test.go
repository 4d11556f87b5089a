package neuron_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/textgen/neuron"
)

// Every missing part is named at once, before anything is started.
func TestConfigErrors(t *testing.T) {
	_, err := neuron.NewMiner(neuron.MinerConfig{Capacity: -1})
	for _, want := range []string{"Chain (a node connection) is required", "Hotkey (the miner's hotkey) is required",
		"Netuid is required", "Backend is required", "Capacity -1"} {
		require.ErrorContains(t, err, want)
	}
	_, err = neuron.NewValidator(neuron.ValidatorConfig{Secret: []byte("short")})
	for _, want := range []string{"Chain (a node connection) is required", "Reference (the validator's copy of the model) is required",
		"Secret has 5 bytes"} {
		require.ErrorContains(t, err, want)
	}
	_, err = neuron.StartSubnet(neuron.SubnetConfig{})
	require.ErrorContains(t, err, "needs a chain, a netuid and the model's path")
}
