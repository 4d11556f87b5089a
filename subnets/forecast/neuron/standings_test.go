package neuron

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/subnets/forecast/standings"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// publishingValidator is a validator whose standings endpoint listens on loopback.
func publishingValidator(t *testing.T, key *synapse.KeySigner) *Validator {
	t.Helper()
	v, err := NewValidator(ValidatorConfig{Chain: offlineChain(t), Hotkey: key, Netuid: testScope.NetUID,
		Secret: []byte("standings-test-secret-0123456789"), PublishAddr: "127.0.0.1:0", Logger: quiet})
	require.NoError(t, err)
	t.Cleanup(v.d.Close)
	require.NoError(t, v.startStandings())
	t.Cleanup(func() { _ = v.pubServer.stop() })
	return v
}

// The endpoint answers, over real HTTP, the scoreboard signed by the validator's hotkey, with the
// block it was aligned at; a reader verifies who published it, and a new round is signed anew.
func TestStandingsAreServedSigned(t *testing.T) {
	key := synapse.GenerateKeySigner()
	v := publishingValidator(t, key)
	miner := synapse.GenerateKeySigner().Address()
	m := snapshotOf(t, 42, []neuronAt{{hotkey: key.Address(), permit: true}, {hotkey: miner}})
	v.alignBoard(m)
	require.NoError(t, v.fv.Board().Observe(1, miner, 0.25))
	require.NoError(t, v.fv.Board().Observe(1, miner, 0.75))
	v.activity.Rounds = 2

	addr, listed := v.PublishedStandings()
	require.False(t, listed, "not announced on chain yet")
	want := standings.Check{ChainID: testScope.ChainID, Netuid: testScope.NetUID, Hotkey: key.Address()}
	ctx := context.Background()
	got, err := standings.Fetch(ctx, http.DefaultClient, addr.String(), want)
	require.NoError(t, err)
	require.Equal(t, key.Address(), got.Validator)
	require.Equal(t, int64(42), got.Block)
	require.Equal(t, 2, got.Rounds)
	require.Len(t, got.Miners, 1)
	require.Equal(t, miner, got.Miners[0].Hotkey)
	require.InDelta(t, 0.5, got.Miners[0].Skill, 1e-12, "the plain average of the two skills")
	require.Equal(t, 2, got.Miners[0].Challenges)
	require.Equal(t, 2, got.Miners[0].Answered)

	first := raw(t, addr.String())
	require.Equal(t, first, raw(t, addr.String()), "the same board is not signed again")
	require.NoError(t, v.fv.Board().Observe(1, miner, 1))
	v.activity.Rounds = 3
	again, err := standings.Fetch(ctx, http.DefaultClient, addr.String(), want)
	require.NoError(t, err)
	require.Equal(t, 3, again.Miners[0].Challenges, "a new round is published")

	other := synapse.GenerateKeySigner().Address()
	_, err = standings.Fetch(ctx, http.DefaultClient, addr.String(), standings.Check{ChainID: testScope.ChainID, Netuid: testScope.NetUID, Hotkey: other})
	require.ErrorIs(t, err, standings.ErrInvalid)
	require.ErrorContains(t, err, "but the uid's hotkey is "+other)
	_, err = standings.Fetch(ctx, http.DefaultClient, addr.String(), standings.Check{ChainID: "other-chain", Netuid: testScope.NetUID, Hotkey: key.Address()})
	require.ErrorContains(t, err, `for chain "`+testScope.ChainID+`"`)

	res, err := http.Post("http://"+addr.String()+standings.Path, "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, res.StatusCode, "read-only")
	_, err = standings.Fetch(ctx, http.DefaultClient, "127.0.0.1:1", want)
	require.ErrorContains(t, err, "asking 127.0.0.1:1")
}

func raw(t *testing.T, addr string) string {
	t.Helper()
	res, err := http.Get("http://" + addr + standings.Path)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "application/json", res.Header.Get("Content-Type"))
	var doc json.RawMessage
	require.NoError(t, json.NewDecoder(res.Body).Decode(&doc))
	return string(doc)
}

// A document changed after signing, or signed by another key than it names, does not verify.
func TestStandingsTamperedOrForgedAreRefused(t *testing.T) {
	key := synapse.GenerateKeySigner()
	s := standings.Standings{ChainID: "c", Netuid: 3, Validator: key.Address(), Block: 9, TakenAt: time.Unix(0, 0).UTC()}
	want := standings.Check{ChainID: "c", Netuid: 3, Hotkey: key.Address()}
	doc, err := standings.Sign(s, key)
	require.NoError(t, err)
	_, err = standings.Verify(doc, want)
	require.NoError(t, err)

	tampered := strings.Replace(string(doc), `"block":9`, `"block":8`, 1)
	require.NotEqual(t, string(doc), tampered)
	_, err = standings.Verify([]byte(tampered), want)
	require.ErrorContains(t, err, "signature does not verify")

	var signed standings.Signed
	require.NoError(t, json.Unmarshal(doc, &signed))

	impostor := synapse.GenerateKeySigner()
	signed.PubKey = impostor.PubKey().Bytes()
	forged, err := json.Marshal(signed)
	require.NoError(t, err)
	_, err = standings.Verify(forged, want)
	require.ErrorContains(t, err, "hashes to "+impostor.Address())

	_, err = standings.Sign(s, impostor)
	require.ErrorContains(t, err, "not the validator")
	_, err = standings.Verify([]byte("<html>"), want)
	require.ErrorIs(t, err, standings.ErrInvalid)
}

// The validator announces its endpoint as a plain HTTP axon of standings.AxonVersion, and no
// validator challenges an axon that speaks no synapse.
func TestStandingsEndpointIsNeverChallenged(t *testing.T) {
	key := synapse.GenerateKeySigner()
	v := publishingValidator(t, key)
	info, err := v.pubServer.serveInfo()
	require.NoError(t, err)
	require.Equal(t, standings.AxonVersion, info.Version)
	require.Equal(t, axon.ProtocolHTTP, info.Protocol)
	require.Equal(t, netip.MustParseAddr("127.0.0.1"), info.IP)

	res := &types.QueryMetagraphResponse{Netuid: uint32(testScope.NetUID), Height: 5}
	for uid, version := range []uint32{synapse.Version, info.Version} {
		res.Neurons = append(res.Neurons, types.NeuronView{Netuid: res.Netuid, Uid: uint32(uid), Hotkey: synapse.GenerateKeySigner().Address(),
			Axon: &types.AxonInfo{Ip: "127.0.0.1", Port: uint32(9000 + uid), Protocol: 4, Version: version}})
	}
	m, err := metagraph.FromResponse(res, metagraph.Lite)
	require.NoError(t, err)
	ts := targets(m, "")
	require.Len(t, ts, 1)
	require.Equal(t, uint16(0), ts[0].uid, "only the synapse axon is a miner to challenge")

	_, err = NewValidator(ValidatorConfig{Chain: offlineChain(t), Hotkey: key, Netuid: 1, PublishExternalPort: 9000})
	require.ErrorContains(t, err, "PublishAddr is empty")
	wild, err := NewValidator(ValidatorConfig{Chain: offlineChain(t), Hotkey: key, Netuid: 1, PublishAddr: "0.0.0.0:0", Logger: quiet})
	require.NoError(t, err)
	t.Cleanup(wild.d.Close)
	require.ErrorContains(t, wild.startStandings(), "set PublishExternalIP")
}
