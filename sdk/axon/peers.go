package axon

import (
	"fmt"
	"net/http"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// PeerInfo is what the axon needs to know about a caller's hotkey on its
// subnet.
type PeerInfo struct {
	UID             uint16
	Stake           uint64 // stake weight as the metagraph reports it, in rao
	ValidatorPermit bool
}

// Peers looks up hotkeys registered on the axon's subnet; the metagraph
// client implements it. Lookup runs on every request, so it must be fast and
// safe for concurrent use (read a snapshot; never call the chain inline).
type Peers interface {
	Lookup(hotkey string) (PeerInfo, bool)
}

// StaticPeers is a fixed set of peers, for tests and local networks. It must
// not be written while the axon runs.
type StaticPeers map[string]PeerInfo

// Lookup implements Peers.
func (p StaticPeers) Lookup(hotkey string) (PeerInfo, bool) {
	info, ok := p[hotkey]
	return info, ok
}

// Policy decides whom the axon serves. It runs only on authenticated hotkeys
// (after the session certificate or the request MAC has been verified), never
// on a merely claimed one, so a policy can trust the hotkey it is given.
type Policy struct {
	// AllowUnregistered serves hotkeys that are not registered on the
	// subnet (they rank with stake 0). By default they get 403.
	AllowUnregistered bool
	// RequireValidatorPermit refuses callers without a validator permit.
	RequireValidatorPermit bool
	// MinStake refuses callers with less stake (rao).
	MinStake uint64
	// Allow, if set, is the miner's own rule, run after the others; an
	// error refuses the caller with 403 and the error's text.
	Allow func(hotkey string, peer PeerInfo, registered bool) error
}

// admit returns the caller's peer info, or a 403 *synapse.Error.
func (p *Policy) admit(peers Peers, hotkey string) (PeerInfo, bool, error) {
	var info PeerInfo
	registered := false
	if peers != nil {
		info, registered = peers.Lookup(hotkey)
	}
	switch {
	case !registered && !p.AllowUnregistered:
		return info, false, synapse.Errorf(http.StatusForbidden, synapse.ReasonNotRegistered,
			"hotkey %s is not registered on this subnet", hotkey)
	case p.RequireValidatorPermit && !info.ValidatorPermit:
		return info, registered, synapse.Errorf(http.StatusForbidden, synapse.ReasonNoPermit,
			"hotkey %s has no validator permit; this axon serves validators only", hotkey)
	case info.Stake < p.MinStake:
		return info, registered, synapse.Errorf(http.StatusForbidden, synapse.ReasonLowStake,
			"hotkey %s has stake %d rao, below this axon's minimum of %d", hotkey, info.Stake, p.MinStake)
	}
	if p.Allow != nil {
		if err := p.Allow(hotkey, info, registered); err != nil {
			return info, registered, synapse.Errorf(http.StatusForbidden, synapse.ReasonBlacklisted,
				"hotkey %s refused: %v", hotkey, err)
		}
	}
	return info, registered, nil
}

func (p PeerInfo) String() string {
	return fmt.Sprintf("uid %d stake %d permit %t", p.UID, p.Stake, p.ValidatorPermit)
}
