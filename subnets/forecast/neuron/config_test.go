package neuron

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast"
	"github.com/gotensor/gotensor/subnets/forecast/model"
)

func TestMinerConfigErrors(t *testing.T) {
	c := offlineChain(t)
	key := synapse.GenerateKeySigner()
	for _, tc := range []struct {
		name string
		cfg  MinerConfig
		err  string
	}{
		{"no chain", MinerConfig{Hotkey: key, Netuid: 1, Model: "ar"}, "Chain (a node connection) is required"},
		{"no hotkey", MinerConfig{Chain: c, Netuid: 1, Model: "ar"}, "Hotkey (the miner's hotkey) is required"},
		{"root netuid", MinerConfig{Chain: c, Hotkey: key, Model: "ar"}, "netuid 0 is the root network"},
		{"no model", MinerConfig{Chain: c, Hotkey: key, Netuid: 1}, "Model is required"},
		{"unknown model", MinerConfig{Chain: c, Hotkey: key, Netuid: 1, Model: "oracle"}, `unknown model "oracle", known: [mean naive`},
		{"negative interval", MinerConfig{Chain: c, Hotkey: key, Netuid: 1, Model: "ar", SyncInterval: -time.Second}, "SyncInterval is negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewMiner(tc.cfg)
			require.ErrorContains(t, err, tc.err)
		})
	}
	for _, name := range model.Names() {
		m, err := NewMiner(MinerConfig{Chain: c, Hotkey: key, Netuid: 1, Model: name, ListenAddr: "127.0.0.1:0"})
		require.NoError(t, err, name)
		require.Equal(t, name, m.Model())
	}
}

func TestValidatorConfigErrors(t *testing.T) {
	c := offlineChain(t)
	key := synapse.GenerateKeySigner()
	for _, tc := range []struct {
		name string
		cfg  ValidatorConfig
		err  string
	}{
		{"no chain", ValidatorConfig{Hotkey: key, Netuid: 1}, "Chain (a node connection) is required"},
		{"no hotkey", ValidatorConfig{Chain: c, Netuid: 1}, "Hotkey (the validator's hotkey) is required"},
		{"root netuid", ValidatorConfig{Chain: c, Hotkey: key}, "netuid 0 is the root network"},
		{"short secret", ValidatorConfig{Chain: c, Hotkey: key, Netuid: 1, Secret: []byte("short")}, "Secret has 5 bytes, want at least 16"},
		{"negative round interval", ValidatorConfig{Chain: c, Hotkey: key, Netuid: 1, RoundInterval: -1}, "RoundInterval is negative"},
		{"negative timeout", ValidatorConfig{Chain: c, Hotkey: key, Netuid: 1, QueryTimeout: -1}, "QueryTimeout is negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewValidator(tc.cfg)
			require.ErrorContains(t, err, tc.err)
		})
	}
	v, err := NewValidator(ValidatorConfig{Chain: c, Hotkey: key, Netuid: 1})
	require.NoError(t, err)
	defer v.d.Close()
	require.Equal(t, DefaultRoundInterval, v.cfg.RoundInterval)
	require.Equal(t, DefaultQueryTimeout, v.cfg.QueryTimeout)
	require.Equal(t, WeightsVersionKey, v.cfg.VersionKey)
	require.Len(t, v.cfg.Secret, secretLen, "a random secret")
	require.Equal(t, forecast.DefaultValidatorConfig(), v.cfg.Forecast, "the forecast defaults")
}

// Start and Stop run once each, as every long-running part's.
func TestLifecycle(t *testing.T) {
	c := offlineChain(t)
	m, err := NewMiner(MinerConfig{Chain: c, Hotkey: synapse.GenerateKeySigner(), Netuid: 1, Model: "naive", ListenAddr: "127.0.0.1:0", Logger: quiet})
	require.NoError(t, err)
	v, err := NewValidator(ValidatorConfig{Chain: c, Hotkey: synapse.GenerateKeySigner(), Netuid: 1, Logger: quiet})
	require.NoError(t, err)
	for _, s := range []interface {
		Start() error
		Stop() error
		IsRunning() bool
		Quit() <-chan struct{}
	}{m, v} {
		require.ErrorIs(t, s.Stop(), ErrNotStarted)
		require.False(t, s.IsRunning())
		require.NoError(t, s.Start())
		require.True(t, s.IsRunning())
		require.ErrorIs(t, s.Start(), ErrAlreadyStarted)
		select {
		case <-s.Quit():
			t.Fatal("quit before stop")
		default:
		}
		require.NoError(t, s.Stop())
		require.False(t, s.IsRunning())
		<-s.Quit()
		require.ErrorIs(t, s.Stop(), ErrAlreadyStopped)
		require.ErrorIs(t, s.Start(), ErrAlreadyStopped)
	}
	require.NotNil(t, m.Addr(), "the axon listened")
}

// A miner that cannot tell validators where it is does not start.
func TestMinerOnAWildcardAddressNeedsAnExternalIP(t *testing.T) {
	m, err := NewMiner(MinerConfig{Chain: offlineChain(t), Hotkey: synapse.GenerateKeySigner(), Netuid: 1, Model: "naive", ListenAddr: "0.0.0.0:0", Logger: quiet})
	require.NoError(t, err)
	require.ErrorContains(t, m.Start(), "set ExternalIP")
	require.False(t, m.IsRunning())
	<-m.Quit()
}
