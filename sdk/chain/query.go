package chain

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// Reads. Each answers from the node's latest committed state unless the context pins a height
// (AtHeight); those that report a height report the one they read.

// Height is the node's latest committed height: the height it answers a cheap read at (its
// parameters), so that polling for new blocks does not download them.
func (c *Client) Height(ctx context.Context) (int64, error) {
	var md metadata.MD
	if _, err := c.query.Params(ctx, &types.QueryParamsRequest{}, grpc.Header(&md)); err != nil {
		return 0, err
	}
	h := heightOf(md)
	if h <= 0 {
		return 0, fmt.Errorf("chain: %s answered without its height", c.Node())
	}
	return h, nil
}

// WaitForHeight returns once the node has committed height h (checking every PollInterval), or
// when ctx ends. It returns the height reached.
func (c *Client) WaitForHeight(ctx context.Context, h int64) (int64, error) {
	for {
		now, err := c.Height(ctx)
		if err != nil && ctx.Err() != nil {
			return 0, err
		}
		if err == nil && now >= h {
			return now, nil
		}
		if !sleep(ctx, c.s.PollInterval) {
			return now, fmt.Errorf("chain: waiting for height %d (at %d): %w", h, now, ctx.Err())
		}
	}
}

// Params are the chain's root parameters.
func (c *Client) Params(ctx context.Context) (types.Params, error) {
	res, err := c.query.Params(ctx, &types.QueryParamsRequest{})
	if err != nil {
		return types.Params{}, err
	}
	return res.Params, nil
}

// Subnet is one subnet's summary and the height it was read at.
func (c *Client) Subnet(ctx context.Context, netuid uint16) (types.SubnetSummary, int64, error) {
	res, err := c.query.Subnet(ctx, &types.QuerySubnetRequest{Netuid: uint32(netuid)})
	if err != nil {
		return types.SubnetSummary{}, 0, err
	}
	return res.Subnet, res.Height, nil
}

// Subnets lists every subnet, and the height they were read at.
func (c *Client) Subnets(ctx context.Context) ([]types.SubnetSummary, int64, error) {
	res, err := c.query.Subnets(ctx, &types.QuerySubnetsRequest{})
	if err != nil {
		return nil, 0, err
	}
	return res.Subnets, res.Height, nil
}

// Hyperparameters are a subnet's hyperparameters.
func (c *Client) Hyperparameters(ctx context.Context, netuid uint16) (types.Hyperparams, error) {
	res, err := c.query.Hyperparameters(ctx, &types.QueryHyperparametersRequest{Netuid: uint32(netuid)})
	if err != nil {
		return types.Hyperparams{}, err
	}
	return res.Hyperparameters, nil
}

// Metagraph reads every uid of a subnet; weights and bonds add those matrices (package metagraph
// builds a snapshot from it).
func (c *Client) Metagraph(ctx context.Context, netuid uint16, weights, bonds bool) (*types.QueryMetagraphResponse, error) {
	return c.query.Metagraph(ctx, &types.QueryMetagraphRequest{Netuid: uint32(netuid), Weights: weights, Bonds: bonds})
}

// Hotkey is a hotkey's owner, take and neurons on every subnet.
func (c *Client) Hotkey(ctx context.Context, hotkey string) (*types.QueryHotkeyResponse, error) {
	if err := synapse.CheckAddress(hotkey); err != nil {
		return nil, err
	}
	return c.query.Hotkey(ctx, &types.QueryHotkeyRequest{Hotkey: hotkey})
}

// Stakes are a coldkey's balance and its stakes on every hotkey and subnet, with their TAO value.
func (c *Client) Stakes(ctx context.Context, coldkey string) (*types.QueryStakesResponse, error) {
	if err := synapse.CheckAddress(coldkey); err != nil {
		return nil, err
	}
	return c.query.Stakes(ctx, &types.QueryStakesRequest{Coldkey: coldkey})
}

// RegistrationCost is what registering a hotkey on the subnet costs now, in rao.
func (c *Client) RegistrationCost(ctx context.Context, netuid uint16) (uint64, error) {
	res, err := c.query.RegistrationCost(ctx, &types.QueryRegistrationCostRequest{Netuid: uint32(netuid)})
	if err != nil {
		return 0, err
	}
	return res.Burn, nil
}

// LockCost is what registering a subnet costs now, in rao.
func (c *Client) LockCost(ctx context.Context) (uint64, error) {
	res, err := c.query.LockCost(ctx, &types.QueryLockCostRequest{})
	if err != nil {
		return 0, err
	}
	return res.LockCost, nil
}

// Balance is an account's TAO, in rao.
func (c *Client) Balance(ctx context.Context, address string) (uint64, error) {
	if err := synapse.CheckAddress(address); err != nil {
		return 0, err
	}
	res, err := c.bank.Balance(ctx, &banktypes.QueryBalanceRequest{Address: address, Denom: types.Denom})
	if err != nil {
		return 0, err
	}
	if res.Balance == nil {
		return 0, nil
	}
	if !res.Balance.Amount.IsUint64() {
		return 0, fmt.Errorf("chain: balance of %s is %s rao, beyond any TAO supply", address, res.Balance.Amount)
	}
	return res.Balance.Amount.Uint64(), nil
}

// ErrNoAccount is an address the chain has no account for: it never received TAO (a coldkey) or
// was never registered (a hotkey), so it cannot sign yet.
var ErrNoAccount = errors.New("no account on chain")

// account is what signing needs: the account's number and next sequence, and the height they were
// read at.
type account struct {
	number, sequence uint64
	height           int64
}

func (c *Client) account(ctx context.Context, address string) (account, error) {
	var md metadata.MD
	res, err := c.auth.Account(ctx, &authtypes.QueryAccountRequest{Address: address}, grpc.Header(&md))
	if err != nil {
		if status.Code(err) == codes.NotFound {
			return account{}, fmt.Errorf("chain: %s: %w: fund it (a coldkey) or register it (a hotkey) first", address, ErrNoAccount)
		}
		return account{}, err
	}
	var acc sdk.AccountI
	if err := c.enc.InterfaceRegistry.UnpackAny(res.Account, &acc); err != nil {
		return account{}, fmt.Errorf("chain: decoding the account of %s: %w", address, err)
	}
	return account{number: acc.GetAccountNumber(), sequence: acc.GetSequence(), height: heightOf(md)}, nil
}
