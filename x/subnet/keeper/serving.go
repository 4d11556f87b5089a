package keeper

import (
	"context"
	"math"
	"net/netip"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Serving (§9.4): a neuron publishes the address of its axon, where validators query it.

func (s msgServer) ServeAxon(ctx context.Context, msg *types.MsgServeAxon) (*types.MsgServeAxonResponse, error) {
	plan, err := s.k.checkServeAxon(ctx, msg)
	if err != nil {
		return nil, err
	}
	return &types.MsgServeAxonResponse{}, s.k.storeAxon(ctx, plan)
}

// axonPlan is a validated serve-axon.
type axonPlan struct {
	netuid, uid uint32
	hotkey      sdk.AccAddress
	axon        types.AxonInfo
	// changed is whether the endpoint differs from the one stored, which is what metagraph readers
	// watch (Subnet.topology_changed_at).
	changed bool
}

// checkServeAxon is serve_axon's validation in subtensor's order: registration, address, rate
// limit, port.
func (k Keeper) checkServeAxon(ctx context.Context, msg *types.MsgServeAxon) (axonPlan, error) {
	if err := checkNetuidRange(msg.Netuid); err != nil {
		return axonPlan{}, err
	}
	if msg.Protocol > math.MaxUint8 {
		return axonPlan{}, errorsmod.Wrapf(types.ErrValueOutOfRange, "protocol %d: protocols are u8, at most 255", msg.Protocol)
	}
	hotkey, err := k.parseAddress("hotkey", msg.Hotkey)
	if err != nil {
		return axonPlan{}, err
	}
	if _, err := k.GetSubnet(ctx, msg.Netuid); err != nil {
		return axonPlan{}, err
	}
	h, err := k.GetHyperparams(ctx, msg.Netuid)
	if err != nil {
		return axonPlan{}, err
	}
	uid, err := k.UidOf(ctx, msg.Netuid, hotkey)
	if err != nil {
		return axonPlan{}, err
	}
	params, err := k.mustParams(ctx)
	if err != nil {
		return axonPlan{}, err
	}
	ip, ipType, err := parseAxonIP(msg.Ip, params.AllowLoopbackAxons)
	if err != nil {
		return axonPlan{}, err
	}
	prev, err := getOrZero(ctx, func(ctx context.Context) (types.AxonInfo, error) {
		return k.Axons.Get(ctx, pairKey(msg.Netuid, uid))
	})
	if err != nil {
		return axonPlan{}, err
	}
	now := blockHeight(ctx)
	if limit := h.ServingRateLimit; limit != 0 && prev.Block != 0 && satSub(now, prev.Block) < limit {
		return axonPlan{}, errorsmod.Wrapf(types.ErrServingRateLimit,
			"axon served at block %d, the subnet's serving rate limit is %d blocks: next allowed at block %d",
			prev.Block, limit, prev.Block+limit)
	}
	if msg.Port == 0 || msg.Port > math.MaxUint16 {
		return axonPlan{}, errorsmod.Wrapf(types.ErrInvalidPort, "port %d: give the axon's port, 1 to 65535", msg.Port)
	}
	axon := types.AxonInfo{Block: now, Version: msg.Version, Ip: ip, Port: msg.Port, IpType: ipType, Protocol: msg.Protocol}
	changed := prev.Ip != axon.Ip || prev.Port != axon.Port || prev.IpType != axon.IpType ||
		prev.Protocol != axon.Protocol || prev.Version != axon.Version
	return axonPlan{netuid: msg.Netuid, uid: uid, hotkey: hotkey, axon: axon, changed: changed}, nil
}

// storeAxon writes a validated axon; a new endpoint marks the subnet's topology as changed.
func (k Keeper) storeAxon(ctx context.Context, p axonPlan) error {
	if err := k.Axons.Set(ctx, pairKey(p.netuid, p.uid), p.axon); err != nil {
		return err
	}
	if p.changed {
		subnet, err := k.GetSubnet(ctx, p.netuid)
		if err != nil {
			return err
		}
		subnet.TopologyChangedAt = p.axon.Block
		if err := k.Subnets.Set(ctx, p.netuid, subnet); err != nil {
			return err
		}
	}
	return emit(ctx, &types.EventAxonServed{
		Netuid: p.netuid, Uid: p.uid, Hotkey: p.hotkey.String(), Ip: p.axon.Ip, Port: p.axon.Port,
	})
}

// maxIPText is longer than any IPv4 or IPv6 address in text (45 characters); anything longer is
// refused before parsing and never echoed whole.
const maxIPText = 64

// parseAxonIP checks an axon address and returns it in canonical text with its type (4 or 6).
// Addresses no validator can reach from outside (loopback, private, link-local, unspecified) are
// refused unless allowLocal, which only local networks set; broadcast and multicast never serve.
// An IPv4-mapped IPv6 address is stored as the IPv4 address it is.
func parseAxonIP(raw string, allowLocal bool) (string, uint32, error) {
	if len(raw) > maxIPText {
		return "", 0, errorsmod.Wrapf(types.ErrInvalidIP, "%d characters, %q…: give an IPv4 or IPv6 address", len(raw), raw[:16])
	}
	addr, err := netip.ParseAddr(raw)
	if err != nil {
		return "", 0, errorsmod.Wrapf(types.ErrInvalidIP, "%q is not an IPv4 or IPv6 address (no host names, ports or brackets)", raw)
	}
	if addr.Zone() != "" {
		return "", 0, errorsmod.Wrapf(types.ErrInvalidIP, "%q has a zone, which means nothing off the host", raw)
	}
	addr = addr.Unmap()
	if addr.IsMulticast() || addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return "", 0, errorsmod.Wrapf(types.ErrInvalidIP, "%s is a broadcast or multicast address", addr)
	}
	local := addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() || addr.IsUnspecified()
	if local && !allowLocal {
		return "", 0, errorsmod.Wrapf(types.ErrInvalidIP,
			"%s is loopback, private, link-local or unspecified, which validators cannot reach: serve on a public address (only local networks allow these)", addr)
	}
	if addr.Is4() {
		return addr.String(), 4, nil
	}
	return addr.String(), 6, nil
}
