package chain

import (
	"context"
	"errors"
	"fmt"

	"github.com/cosmos/gogoproto/proto"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// The subnet economy's writes. Coldkeys sign what moves TAO, hotkeys sign work. The messages these
// helpers do not cover (MsgMoveStake, MsgTransferStake, MsgSetDelegateTake, …) go through Send.

// Register registers hotkey on the subnet for the current burn, paid by coldkey; maxBurn refuses a
// price above it, in rao (0: no limit). The response holds the uid and the price paid.
func (c *Client) Register(ctx context.Context, coldkey Signer, netuid uint16, hotkey string, maxBurn uint64) (*types.MsgBurnedRegisterResponse, *TxResult, error) {
	if err := synapse.CheckAddress(hotkey); err != nil {
		return nil, nil, err
	}
	return sendFor(ctx, c, coldkey, &types.MsgBurnedRegister{
		Coldkey: addressOf(coldkey), Netuid: uint32(netuid), Hotkey: hotkey, MaxBurn: maxBurn,
	}, &types.MsgBurnedRegisterResponse{})
}

// RegisterNetwork creates a subnet owned by coldkey, with hotkey as its uid 0, locking the current
// lock cost; maxLockCost refuses a cost above it, in rao (0: no limit).
func (c *Client) RegisterNetwork(ctx context.Context, coldkey Signer, hotkey, name string, maxLockCost uint64) (*types.MsgRegisterNetworkResponse, *TxResult, error) {
	if err := synapse.CheckAddress(hotkey); err != nil {
		return nil, nil, err
	}
	return sendFor(ctx, c, coldkey, &types.MsgRegisterNetwork{
		Coldkey: addressOf(coldkey), Hotkey: hotkey, Name: name, MaxLockCost: maxLockCost,
	}, &types.MsgRegisterNetworkResponse{})
}

// StartCall starts a subnet's emission and staking; owner is its coldkey.
func (c *Client) StartCall(ctx context.Context, owner Signer, netuid uint16) (*TxResult, error) {
	return c.Send(ctx, owner, &types.MsgStartCall{Owner: addressOf(owner), Netuid: uint32(netuid)})
}

// SetHyperparameter sets one of a subnet's hyperparameters by its name in the Hyperparameters
// query ("weights_set_rate_limit") to a value written as text ("0", "true"); signer is the
// subnet's owner coldkey or the chain authority.
func (c *Client) SetHyperparameter(ctx context.Context, signer Signer, netuid uint16, name, value string) (*TxResult, error) {
	return c.Send(ctx, signer, &types.MsgSetHyperparameter{Signer: addressOf(signer), Netuid: uint32(netuid), Name: name, Value: value})
}

// ServeAxon publishes where hotkey's axon serves (axon.Axon.ServeInfo gives it).
func (c *Client) ServeAxon(ctx context.Context, hotkey Signer, netuid uint16, info axon.ServeInfo) (*TxResult, error) {
	if !info.IP.IsValid() || info.Port == 0 {
		return nil, fmt.Errorf("chain: serve-axon needs an IP address and a port, not %s", info)
	}
	return c.Send(ctx, hotkey, &types.MsgServeAxon{
		Hotkey: addressOf(hotkey), Netuid: uint32(netuid), Version: info.Version,
		Ip: info.IP.Unmap().String(), Port: uint32(info.Port), Protocol: uint32(info.Protocol),
	})
}

// Limit bounds a stake's or unstake's price, in rao per alpha: the highest to pay when staking,
// the lowest to accept when unstaking. AllowPartial fills what the price allows instead of
// failing. The zero Limit (NoLimit) takes any price.
type Limit struct {
	Price        uint64
	AllowPartial bool
}

// NoLimit takes any price.
var NoLimit = Limit{}

// AddStake swaps amount rao of coldkey's TAO (fee included) for alpha on the subnet and stakes it
// to hotkey.
func (c *Client) AddStake(ctx context.Context, coldkey Signer, hotkey string, netuid uint16, amount uint64, limit Limit) (*types.MsgAddStakeResponse, *TxResult, error) {
	if err := synapse.CheckAddress(hotkey); err != nil {
		return nil, nil, err
	}
	return sendFor(ctx, c, coldkey, &types.MsgAddStake{
		Coldkey: addressOf(coldkey), Hotkey: hotkey, Netuid: uint32(netuid), Amount: amount,
		LimitPrice: limit.Price, AllowPartial: limit.AllowPartial,
	}, &types.MsgAddStakeResponse{})
}

// RemoveStake unstakes alpha (in alpha rao) of coldkey's stake on hotkey and swaps it for TAO.
func (c *Client) RemoveStake(ctx context.Context, coldkey Signer, hotkey string, netuid uint16, alpha uint64, limit Limit) (*types.MsgRemoveStakeResponse, *TxResult, error) {
	if err := synapse.CheckAddress(hotkey); err != nil {
		return nil, nil, err
	}
	return sendFor(ctx, c, coldkey, &types.MsgRemoveStake{
		Coldkey: addressOf(coldkey), Hotkey: hotkey, Netuid: uint32(netuid), Alpha: alpha,
		LimitPrice: limit.Price, AllowPartial: limit.AllowPartial,
	}, &types.MsgRemoveStakeResponse{})
}

// Transfer sends amount rao of TAO from one account to another.
func (c *Client) Transfer(ctx context.Context, from Signer, to string, amount uint64) (*TxResult, error) {
	if err := synapse.CheckAddress(to); err != nil {
		return nil, err
	}
	if amount == 0 {
		return nil, errors.New("chain: a transfer of 0 rao moves nothing")
	}
	coins := sdk.NewCoins(sdk.NewCoin(types.Denom, sdkmath.NewIntFromUint64(amount)))
	return c.Send(ctx, from, &banktypes.MsgSend{FromAddress: addressOf(from), ToAddress: to, Amount: coins})
}

// sendFor sends one message and decodes its response into resp.
func sendFor[R proto.Message](ctx context.Context, c *Client, signer Signer, msg sdk.Msg, resp R) (R, *TxResult, error) {
	var zero R
	res, err := c.Send(ctx, signer, msg)
	if err != nil {
		return zero, nil, err
	}
	if err := res.Response(0, resp); err != nil {
		return zero, res, err
	}
	return resp, res, nil
}

// addressOf is a signer's address, or "" for none (which Send then refuses).
func addressOf(s Signer) string {
	if s == nil {
		return ""
	}
	return s.Address()
}
