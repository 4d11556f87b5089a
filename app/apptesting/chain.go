package apptesting

import (
	"encoding/json"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/stretchr/testify/require"

	coreheader "cosmossdk.io/core/header"
	"cosmossdk.io/log/v2"
	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	cryptotypes "github.com/cosmos/cosmos-sdk/crypto/types"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	"github.com/cosmos/gogoproto/proto"

	"github.com/gotensor/gotensor/app"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// ChainID names every test chain.
const ChainID = "gotensor-test"

// Account is a funded test key.
type Account struct {
	Priv    cryptotypes.PrivKey
	Address sdk.AccAddress
}

// Chain is an app at some height, advanced one block at a time.
type Chain struct {
	t        testing.TB
	App      *app.App
	Accounts []Account
	height   int64
	time     time.Time
	ctx      sdk.Context
}

// Option adjusts the genesis of a test chain.
type Option func(*setup)

type setup struct {
	accounts int
	balance  uint64
	params   func(*subnettypes.Params)
	subnet   func(*subnettypes.GenesisState)
}

// WithAccounts funds n accounts with balance rao each (default 5 accounts of 100 000 TAO).
func WithAccounts(n int, balance uint64) Option {
	return func(s *setup) { s.accounts, s.balance = n, balance }
}

// WithParams adjusts the subnet economy's root parameters.
func WithParams(f func(*subnettypes.Params)) Option { return func(s *setup) { s.params = f } }

// WithSubnetGenesis adjusts x/subnet's genesis state.
func WithSubnetGenesis(f func(*subnettypes.GenesisState)) Option {
	return func(s *setup) { s.subnet = f }
}

// New starts a chain at height 1 (genesis plus one block) with funded accounts and one bonded
// chain validator.
func New(t testing.TB, opts ...Option) *Chain {
	t.Helper()
	s := setup{accounts: 5, balance: 100_000 * subnettypes.RaoPerTAO}
	for _, o := range opts {
		o(&s)
	}
	a, err := app.New(log.NewNopLogger(), dbm.NewMemDB(), true, simtestutil.EmptyAppOptions{}, baseapp.SetChainID(ChainID))
	require.NoError(t, err)

	c := &Chain{t: t, App: a, time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var (
		genAccounts []authtypes.GenesisAccount
		balances    []banktypes.Balance
	)
	for range s.accounts {
		priv := secp256k1.GenPrivKey()
		addr := sdk.AccAddress(priv.PubKey().Address())
		c.Accounts = append(c.Accounts, Account{Priv: priv, Address: addr})
		genAccounts = append(genAccounts, authtypes.NewBaseAccount(addr, priv.PubKey(), 0, 0))
		balances = append(balances, banktypes.Balance{
			Address: addr.String(),
			Coins:   sdk.NewCoins(sdk.NewCoin(subnettypes.Denom, sdkmath.NewIntFromUint64(s.balance))),
		})
	}
	valSet, err := simtestutil.CreateRandomValidatorSet()
	require.NoError(t, err)
	state, err := simtestutil.GenesisStateWithValSet(a.AppCodec(), a.DefaultGenesis(), valSet, genAccounts, balances...)
	require.NoError(t, err)
	if s.params != nil || s.subnet != nil {
		var gs subnettypes.GenesisState
		a.AppCodec().MustUnmarshalJSON(state[subnettypes.ModuleName], &gs)
		if s.params != nil {
			s.params(&gs.Params)
		}
		if s.subnet != nil {
			s.subnet(&gs)
		}
		state[subnettypes.ModuleName] = a.AppCodec().MustMarshalJSON(&gs)
	}
	stateBytes, err := json.Marshal(state)
	require.NoError(t, err)
	_, err = a.InitChain(&abci.RequestInitChain{
		Validators: []abci.ValidatorUpdate{}, ConsensusParams: simtestutil.DefaultConsensusParams,
		AppStateBytes: stateBytes, ChainId: ChainID, Time: c.time,
	})
	require.NoError(t, err)
	c.NextBlock()
	return c
}

// Height is the last committed height.
func (c *Chain) Height() int64 { return c.height }

// NextBlock finalizes and commits one block, then opens a context on the next one, in which tests
// call keepers and message servers as transactions of that block would.
func (c *Chain) NextBlock() *abci.ResponseFinalizeBlock {
	c.t.Helper()
	c.height++
	c.time = c.time.Add(time.Second)
	res, err := c.App.FinalizeBlock(&abci.RequestFinalizeBlock{Height: c.height, Time: c.time})
	require.NoError(c.t, err)
	_, err = c.App.Commit()
	require.NoError(c.t, err)
	header := cmtproto.Header{Height: c.height + 1, Time: c.time.Add(time.Second), ChainID: ChainID}
	c.ctx = c.App.NewNextBlockContext(header).WithHeaderInfo(coreheader.Info{Height: header.Height, Time: header.Time, ChainID: header.ChainID})
	return res
}

// Ctx is a context in the block after the last committed one. What a test writes through it is
// committed with that block (its begin-block step runs first on the same state).
func (c *Chain) Ctx() sdk.Context { return c.ctx }

// Events returns the typed events of a kind from a block's result.
func Events(res *abci.ResponseFinalizeBlock, kind string) []abci.Event {
	var out []abci.Event
	for _, e := range res.Events {
		if e.Type == kind {
			out = append(out, e)
		}
	}
	return out
}

// TypedEvents decodes a block's typed events of one proto type, e.g.
// TypedEvents[*types.EventEpoch](res). Attributes CometBFT adds (such as "mode") are left out.
func TypedEvents[T proto.Message](t testing.TB, res *abci.ResponseFinalizeBlock) []T {
	t.Helper()
	var zero T
	kind := proto.MessageName(zero)
	var out []T
	for _, e := range Events(res, kind) {
		clean := abci.Event{Type: e.Type}
		for _, a := range e.Attributes {
			if a.Key != "mode" {
				clean.Attributes = append(clean.Attributes, a)
			}
		}
		msg, err := sdk.ParseTypedEvent(clean)
		require.NoError(t, err)
		out = append(out, msg.(T))
	}
	return out
}

// Export is the app's whole state at the last committed height, as `gotensor export` writes it.
func (c *Chain) Export() json.RawMessage {
	c.t.Helper()
	exported, err := c.App.ExportAppStateAndValidators(false, nil, nil)
	require.NoError(c.t, err)
	return exported.AppState
}

// NewFromState starts a chain from an exported app state, as a network restarting from an
// exported genesis does.
func NewFromState(t testing.TB, appState json.RawMessage) *Chain {
	t.Helper()
	a, err := app.New(log.NewNopLogger(), dbm.NewMemDB(), true, simtestutil.EmptyAppOptions{}, baseapp.SetChainID(ChainID))
	require.NoError(t, err)
	c := &Chain{t: t, App: a, time: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	_, err = a.InitChain(&abci.RequestInitChain{
		Validators: []abci.ValidatorUpdate{}, ConsensusParams: simtestutil.DefaultConsensusParams,
		AppStateBytes: appState, ChainId: ChainID, Time: c.time,
	})
	require.NoError(t, err)
	c.NextBlock()
	return c
}
