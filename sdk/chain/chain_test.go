package chain_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/axon"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sdk/chain/chaintest"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// A transaction the chain refuses reaches the caller as the x/subnet error it is, whether the
// refusal comes from the simulation (the default) or from the block (a fixed gas limit skips the
// simulation): errors.Is works, and the chain's code and log are kept.
func TestRefusedTxIsTyped(t *testing.T) {
	n := chaintest.Shared(t)
	c := n.Dial(t)
	ctx := context.Background()
	coldkey := n.Fund(t, 10*types.RaoPerTAO)
	hotkey := synapse.GenerateKeySigner()

	_, _, err := c.Register(ctx, coldkey, 999, hotkey.Address(), 0)
	require.ErrorIs(t, err, types.ErrSubnetNotFound)
	var simulated *chain.Error
	require.ErrorAs(t, err, &simulated)
	require.Equal(t, types.ModuleName, simulated.Codespace)
	require.Equal(t, types.ErrSubnetNotFound.ABCICode(), simulated.Code)
	require.Zero(t, simulated.Height, "refused before it was broadcast")

	_, err = c.SendWith(ctx, coldkey, chain.TxOptions{Gas: 400_000},
		&types.MsgBurnedRegister{Coldkey: coldkey.Address(), Netuid: 999, Hotkey: hotkey.Address()})
	require.ErrorIs(t, err, types.ErrSubnetNotFound)
	var inBlock *chain.Error
	require.ErrorAs(t, err, &inBlock)
	require.Equal(t, types.ModuleName, inBlock.Codespace)
	require.Equal(t, types.ErrSubnetNotFound.ABCICode(), inBlock.Code)
	require.Positive(t, inBlock.Height, "refused in a block")
	require.NotEmpty(t, inBlock.TxHash)
	require.Contains(t, inBlock.Log, "999")

	// The failed transaction used its sequence; the next one signs with the next.
	_, err = c.Transfer(ctx, coldkey, hotkey.Address(), 1)
	require.NoError(t, err)
}

// A subnet's life through the client: create and start it, register a miner with a price limit,
// serve its axon (fee-less), set weights with the owner's hotkey and hit the rate limit, commit
// on a subnet without commit-reveal, stake and unstake.
func TestSubnetLifecycle(t *testing.T) {
	n := chaintest.Shared(t)
	c := n.Dial(t)
	ctx := context.Background()
	owner := n.Fund(t, 1_000*types.RaoPerTAO)
	ownerHotkey := synapse.GenerateKeySigner()
	netuid := n.Subnet(t, owner, ownerHotkey, "commit_reveal", "false", "weights_set_rate_limit", "4")

	summary, height, err := c.Subnet(ctx, netuid)
	require.NoError(t, err)
	require.Equal(t, uint32(netuid), summary.Netuid)
	require.Equal(t, owner.Address(), summary.Owner)
	require.Equal(t, ownerHotkey.Address(), summary.OwnerHotkey)
	require.True(t, summary.Started)
	require.Positive(t, height)
	all, _, err := c.Subnets(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, all)
	h, err := c.Hyperparameters(ctx, netuid)
	require.NoError(t, err)
	require.False(t, h.CommitReveal)
	require.Equal(t, uint64(4), h.WeightsSetRateLimit)

	coldkey := n.Fund(t, 100*types.RaoPerTAO)
	miner := synapse.GenerateKeySigner()
	price, err := c.RegistrationCost(ctx, netuid)
	require.NoError(t, err)
	require.Positive(t, price)
	require.LessOrEqual(t, price, uint64(types.InitialBurn), "a new subnet's price starts at 1 TAO and decays every block (§7.1)")

	_, _, err = c.Register(ctx, coldkey, netuid, miner.Address(), price/2)
	require.ErrorIs(t, err, types.ErrBurnTooHigh)
	reg, res, err := c.Register(ctx, coldkey, netuid, miner.Address(), price)
	require.NoError(t, err)
	require.Equal(t, uint32(1), reg.Uid)
	require.Positive(t, reg.Burn)
	require.LessOrEqual(t, reg.Burn, price, "the price only decays until someone registers")
	require.Positive(t, res.Height)
	_, _, err = c.Register(ctx, coldkey, netuid, miner.Address(), 0)
	require.ErrorIs(t, err, types.ErrAlreadyRegistered)
	next, err := c.RegistrationCost(ctx, netuid)
	require.NoError(t, err)
	require.Greater(t, next, reg.Burn, "each registration raises the price (×1.26, §7.1)")

	// The miner's hotkey holds no TAO: serving is free work.
	served, err := c.ServeAxon(ctx, miner, netuid, axon.ServeInfo{
		IP: netip.MustParseAddr("127.0.0.1"), Port: 8091, IPType: 4, Protocol: axon.ProtocolHTTP, Version: synapse.Version,
	})
	require.NoError(t, err)
	require.Zero(t, served.Fee)
	bal, err := c.Balance(ctx, miner.Address())
	require.NoError(t, err)
	require.Zero(t, bal)

	// The owner's hotkey sets weights without a permit, once the rate limit has passed since its
	// registration; the limit then refuses a second row.
	now, err := c.Height(ctx)
	require.NoError(t, err)
	_, err = c.WaitForHeight(ctx, now+4)
	require.NoError(t, err)
	w, err := chain.WeightsFromScores(map[uint16]float64{1: 1}, 0)
	require.NoError(t, err)
	_, err = c.SetWeights(ctx, ownerHotkey, netuid, w)
	require.NoError(t, err)
	_, err = c.SetWeights(ctx, ownerHotkey, netuid, w)
	require.ErrorIs(t, err, types.ErrSettingWeightsTooFast)
	// A miner without a permit may weight only itself.
	_, err = c.SetWeights(ctx, miner, netuid, chain.Weights{UIDs: []uint16{0}, Values: []uint16{65535}})
	require.ErrorIs(t, err, types.ErrNoValidatorPermit)

	commit, err := chain.NewCommit(ownerHotkey.Address(), netuid, w)
	require.NoError(t, err)
	_, _, err = c.CommitWeights(ctx, ownerHotkey, commit)
	require.ErrorIs(t, err, types.ErrCommitRevealDisabled)

	staked, _, err := c.AddStake(ctx, coldkey, miner.Address(), netuid, 10*types.RaoPerTAO, chain.NoLimit)
	require.NoError(t, err)
	require.Positive(t, staked.AlphaReceived)
	require.Equal(t, uint64(10*types.RaoPerTAO), staked.TaoSpent, "the whole amount, fee included")
	require.Positive(t, staked.Fee)
	stakes, err := c.Stakes(ctx, coldkey.Address())
	require.NoError(t, err)
	require.Len(t, stakes.Stakes, 1)
	require.Equal(t, miner.Address(), stakes.Stakes[0].Hotkey)
	require.Equal(t, uint32(netuid), stakes.Stakes[0].Netuid)
	require.Equal(t, staked.AlphaReceived, stakes.Stakes[0].Alpha)

	unstaked, _, err := c.RemoveStake(ctx, coldkey, miner.Address(), netuid, staked.AlphaReceived/2, chain.NoLimit)
	require.NoError(t, err)
	require.Equal(t, staked.AlphaReceived/2, unstaked.AlphaSpent)
	require.Positive(t, unstaked.TaoReceived)
}

// On a commit-reveal subnet a commit is accepted and its reveal refused until the reveal epoch.
func TestCommitThenEarlyReveal(t *testing.T) {
	n := chaintest.Shared(t)
	c := n.Dial(t)
	ctx := context.Background()
	owner := n.Fund(t, 1_000*types.RaoPerTAO)
	ownerHotkey := synapse.GenerateKeySigner()
	netuid := n.Subnet(t, owner, ownerHotkey, "commit_reveal", "true", "reveal_period_epochs", "1", "weights_set_rate_limit", "0")

	w, err := chain.WeightsFromScores(map[uint16]float64{0: 1}, 0)
	require.NoError(t, err)
	_, err = c.SetWeights(ctx, ownerHotkey, netuid, w)
	require.ErrorIs(t, err, types.ErrCommitRevealEnabled)

	commit, err := chain.NewCommit(ownerHotkey.Address(), netuid, w)
	require.NoError(t, err)
	resp, _, err := c.CommitWeights(ctx, ownerHotkey, commit)
	require.NoError(t, err)
	require.Equal(t, resp.CommitEpoch+1, resp.RevealEpoch)
	_, err = c.RevealWeights(ctx, ownerHotkey, commit)
	require.ErrorIs(t, err, types.ErrRevealTooEarly)

	other := commit
	other.Salt = append([]byte{1}, commit.Salt[1:]...)
	_, err = c.RevealWeights(ctx, ownerHotkey, other)
	require.ErrorIs(t, err, types.ErrNoCommitFound)
}

// One key's transactions sent at once from many goroutines all land: the client orders them on
// the key's sequence instead of racing itself.
func TestConcurrentSendsFromOneKey(t *testing.T) {
	n := chaintest.Shared(t)
	c := n.Dial(t)
	ctx := context.Background()
	from := n.Fund(t, 10*types.RaoPerTAO)
	to := synapse.GenerateKeySigner()
	const sends = 6
	errs := make(chan error, sends)
	for range sends {
		go func() {
			_, err := c.Transfer(ctx, from, to.Address(), types.RaoPerTAO)
			errs <- err
		}()
	}
	for range sends {
		require.NoError(t, <-errs)
	}
	bal, err := c.Balance(ctx, to.Address())
	require.NoError(t, err)
	require.Equal(t, uint64(sends*types.RaoPerTAO), bal)
}
