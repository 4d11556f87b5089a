package axon

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// ProtocolHTTP is the protocol number an axon publishes: 4, the value
// Bittensor's SDK publishes for its HTTP axons. Which wire runs over it is
// told by Version.
const ProtocolHTTP uint8 = 4

// ServeInfo is what a miner publishes on chain with serve-axon (subtensor's
// AxonInfo less the block, which the chain stamps).
type ServeInfo struct {
	IP       netip.Addr
	Port     uint16
	IPType   uint8 // 4 or 6
	Protocol uint8
	Version  uint32
}

func (s ServeInfo) String() string {
	return fmt.Sprintf("%s (ipv%d, protocol %d, version %d)", netip.AddrPortFrom(s.IP, s.Port), s.IPType, s.Protocol, s.Version)
}

// ServeInfo returns what to publish: ExternalIP and ExternalPort when set,
// else the listener's own address. An axon on a wildcard address (0.0.0.0,
// [::]) with no ExternalIP cannot know its public address (it does not ask
// outside services, as Bittensor's does), and says so.
func (a *Axon) ServeInfo() (ServeInfo, error) {
	ip, port := a.cfg.ExternalIP, a.cfg.ExternalPort
	if !ip.IsValid() || port == 0 {
		addr := a.Addr()
		if addr == nil {
			return ServeInfo{}, fmt.Errorf("axon not started and ExternalIP/ExternalPort not both set: no address to publish")
		}
		tcp, ok := addr.(*net.TCPAddr)
		if !ok {
			return ServeInfo{}, fmt.Errorf("axon listens on %s, not a TCP address", addr)
		}
		listened := tcp.AddrPort()
		if port == 0 {
			port = listened.Port()
		}
		if !ip.IsValid() {
			ip = listened.Addr()
			if ip.IsUnspecified() {
				return ServeInfo{}, fmt.Errorf("axon listens on wildcard address %s; set ExternalIP to the address validators reach this miner at", ip)
			}
		}
	}
	ip = ip.Unmap()
	ipType := uint8(6)
	if ip.Is4() {
		ipType = 4
	}
	return ServeInfo{IP: ip.WithZone(""), Port: port, IPType: ipType, Protocol: ProtocolHTTP, Version: synapse.Version}, nil
}
