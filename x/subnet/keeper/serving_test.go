package keeper_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

func (w *workNet) serve(uid uint32, ip string, port uint32) error {
	_, err := w.srv.ServeAxon(w.c.Ctx(), &types.MsgServeAxon{
		Hotkey: w.keys[uid].String(), Netuid: w.netuid, Version: 7, Ip: ip, Port: port, Protocol: 4,
	})
	return err
}

func (w *workNet) axon(uid uint32) (types.AxonInfo, bool) {
	a, err := w.k.Axons.Get(w.c.Ctx(), collections.Join(w.netuid, uid))
	return a, err == nil
}

// Which addresses an axon may publish (§9.4): IPv4 and IPv6, stored in canonical form with their
// type; on a public network nothing validators cannot reach; never broadcast or multicast; and
// no host names, ports, zones or other text.
func TestServeAxonAddresses_9_4(t *testing.T) {
	public := newWorkNet(t, newWorkChain(t, nil), 1, 2, func(h *types.Hyperparams) { h.ServingRateLimit = 0 })
	local := newWorkNet(t, newWorkChain(t, func(p *types.Params) { p.AllowLoopbackAxons = true }), 1, 2,
		func(h *types.Hyperparams) { h.ServingRateLimit = 0 })
	require.False(t, types.DefaultParams().AllowLoopbackAxons, "public networks refuse local addresses by default")

	served := []struct {
		ip     string
		stored string
		ipType uint32
	}{
		{"8.8.8.8", "8.8.8.8", 4},
		{"203.0.113.9", "203.0.113.9", 4},
		{"2001:4860:4860:0000:0000:0000:0000:8888", "2001:4860:4860::8888", 6},
		{"2606:4700:4700::1111", "2606:4700:4700::1111", 6},
		{"::ffff:8.8.4.4", "8.8.4.4", 4},
	}
	for _, s := range served {
		for _, w := range []*workNet{public, local} {
			require.NoError(t, w.serve(1, s.ip, 8091), s.ip)
			axon, ok := w.axon(1)
			require.True(t, ok)
			require.Equal(t, s.stored, axon.Ip)
			require.Equal(t, s.ipType, axon.IpType)
		}
	}

	localOnly := []string{"127.0.0.1", "127.8.9.10", "::1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "fd00::1",
		"169.254.1.1", "fe80::1", "0.0.0.0", "::", "::ffff:127.0.0.1"}
	for _, ip := range localOnly {
		before := public.state()
		err := public.serve(1, ip, 8091)
		require.ErrorIs(t, err, types.ErrInvalidIP, ip)
		require.ErrorContains(t, err, "validators cannot reach")
		require.Equal(t, before, public.state())
		require.NoError(t, local.serve(1, ip, 8091), "a local network allows %s", ip)
	}

	never := []string{
		"255.255.255.255", "224.0.0.1", "239.1.2.3", "ff02::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"", " ", "localhost", "example.com", "1.2.3.4:80", "[::1]", "[2001:db8::1]:80", "01.2.3.4", "1.2.3",
		"1.2.3.4.5", "1.2.3.256", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4\x00", "1.2.3.4\n", "fe80::1%eth0",
		"2001:db8::1%1", "１.２.３.４", "0x01020304", "16909060", "1.2.3.-4", "::1::", "1:2:3:4:5:6:7:8:9",
		strings.Repeat("1", 10_000), strings.Repeat("a:", 40) + "1", "\xff\xfe",
	}
	for _, ip := range never {
		for _, w := range []*workNet{public, local} {
			before := w.state()
			err := w.serve(1, ip, 8091)
			require.ErrorIs(t, err, types.ErrInvalidIP, "%q", ip)
			require.Less(t, len(err.Error()), 1_000, "the error never echoes a huge input")
			require.Equal(t, before, w.state())
		}
	}
}

// The other checks of serve-axon in subtensor's order (registration, address, rate limit, port),
// and what a served axon stores and announces.
func TestServeAxon_9_4(t *testing.T) {
	c := newWorkChain(t, nil)
	w := newWorkNet(t, c, 1, 3, nil)
	require.Equal(t, uint64(50), w.hyperparams().ServingRateLimit, "the spec's default serving rate limit")
	stranger := newWorkKey()

	ctx := c.Ctx().WithEventManager(sdk.NewEventManager())
	_, err := w.srv.ServeAxon(ctx, &types.MsgServeAxon{Hotkey: w.keys[1].String(), Netuid: 1, Version: 3, Ip: "8.8.8.8", Port: 8091, Protocol: 4})
	require.NoError(t, err)
	first := w.block()
	axon, ok := w.axon(1)
	require.True(t, ok)
	require.Equal(t, types.AxonInfo{Block: first, Version: 3, Ip: "8.8.8.8", Port: 8091, IpType: 4, Protocol: 4}, axon)
	require.Equal(t, []proto.Message{&types.EventAxonServed{Netuid: 1, Uid: 1, Hotkey: w.keys[1].String(), Ip: "8.8.8.8", Port: 8091}},
		typedEvents(t, ctx, "gotensor.subnet.v1.EventAxonServed"))

	rows := []struct {
		name string
		msg  types.MsgServeAxon
		want error
	}{
		{"netuid beyond u16", types.MsgServeAxon{Hotkey: stranger.String(), Netuid: 65_536, Ip: "x", Port: 0}, types.ErrValueOutOfRange},
		{"protocol beyond u8", types.MsgServeAxon{Hotkey: stranger.String(), Netuid: 1, Ip: "x", Port: 0, Protocol: 256}, types.ErrValueOutOfRange},
		{"bad hotkey", types.MsgServeAxon{Hotkey: "nope", Netuid: 1, Ip: "x", Port: 0}, types.ErrInvalidAddress},
		{"root netuid", types.MsgServeAxon{Hotkey: stranger.String(), Netuid: 0, Ip: "x", Port: 0}, types.ErrRootNetuid},
		{"unknown subnet", types.MsgServeAxon{Hotkey: stranger.String(), Netuid: 5, Ip: "x", Port: 0}, types.ErrSubnetNotFound},
		{"unregistered hotkey", types.MsgServeAxon{Hotkey: stranger.String(), Netuid: 1, Ip: "x", Port: 0}, types.ErrHotkeyNotRegistered},
		{"bad ip before the rate limit", types.MsgServeAxon{Hotkey: w.keys[1].String(), Netuid: 1, Ip: "x", Port: 0}, types.ErrInvalidIP},
		{"rate limit before the port", types.MsgServeAxon{Hotkey: w.keys[1].String(), Netuid: 1, Ip: "8.8.8.8", Port: 0}, types.ErrServingRateLimit},
		{"port 0", types.MsgServeAxon{Hotkey: w.keys[2].String(), Netuid: 1, Ip: "8.8.8.8", Port: 0}, types.ErrInvalidPort},
		{"port 65536", types.MsgServeAxon{Hotkey: w.keys[2].String(), Netuid: 1, Ip: "8.8.8.8", Port: 65_536}, types.ErrInvalidPort},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			before := w.state()
			_, err := w.srv.ServeAxon(c.Ctx(), &r.msg)
			require.ErrorIs(t, err, r.want)
			require.Equal(t, before, w.state())
		})
	}

	// The rate limit counts from the stored block: 50 blocks.
	w.advanceTo(int64(first) + 49)
	err = w.serve(1, "8.8.4.4", 9000)
	require.ErrorIs(t, err, types.ErrServingRateLimit)
	require.ErrorContains(t, err, fmt.Sprintf("axon served at block %d, the subnet's serving rate limit is 50 blocks: next allowed at block %d", first, first+50))
	w.next()
	require.NoError(t, w.serve(1, "8.8.4.4", 9000))
	axon, _ = w.axon(1)
	require.Equal(t, types.AxonInfo{Block: first + 50, Version: 7, Ip: "8.8.4.4", Port: 9000, IpType: 4, Protocol: 4}, axon)

	// 0 turns the rate limit off.
	w.setHyperparams(func(h *types.Hyperparams) { h.ServingRateLimit = 0 })
	require.NoError(t, w.serve(1, "8.8.4.4", 9001))
}

// A new endpoint marks the subnet's topology as changed, so metagraph readers refetch; serving the
// same endpoint again (a keep-alive) does not.
func TestServeAxonTopology_9_4(t *testing.T) {
	w := newWorkNet(t, newWorkChain(t, nil), 1, 2, func(h *types.Hyperparams) { h.ServingRateLimit = 0 })
	topology := func() uint64 {
		s, err := w.k.GetSubnet(w.c.Ctx(), 1)
		require.NoError(t, err)
		return s.TopologyChangedAt
	}
	w.next()
	require.NoError(t, w.serve(1, "8.8.8.8", 8091))
	served := w.block()
	require.Equal(t, served, topology())
	w.next()
	require.NoError(t, w.serve(1, "8.8.8.8", 8091))
	require.Equal(t, served, topology(), "same endpoint")
	axon, _ := w.axon(1)
	require.Equal(t, served+1, axon.Block, "the axon's block still moves")
	w.next()
	require.NoError(t, w.serve(1, "8.8.8.8", 8092))
	require.Equal(t, w.block(), topology(), "new port")
}
