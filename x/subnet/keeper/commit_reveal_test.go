package keeper_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Commit-reveal tests run on a subnet with tempo 0, whose schedule never fires by itself: each
// test moves epochs with w.epoch(), as a run epoch would (§3.1), to put commits exactly where it
// wants them. TestCommitEpochLookAhead_3_1 covers a real tempo.

func newCommitRevealNet(t *testing.T, tune func(*types.Hyperparams)) *workNet {
	c := newWorkChain(t, nil)
	w := newWorkNet(t, c, 1, 5, func(h *types.Hyperparams) {
		h.CommitReveal = true
		h.Tempo = 0
		h.WeightsSetRateLimit = 0
		if tune != nil {
			tune(h)
		}
	})
	for uid := range uint32(5) {
		w.setNeuron(uid, func(n *types.Neuron) { n.ValidatorPermit = true })
	}
	return w
}

// weightsReveal is one validator's weights and the secret that hides them until the reveal.
type weightsReveal struct {
	uids, values []uint32
	salt         []byte
	versionKey   uint64
}

func (r weightsReveal) hash(hotkey string, netuid uint32) []byte {
	return types.CommitHash(&types.WeightCommitPayload{
		Hotkey: hotkey, Netuid: netuid, Uids: r.uids, Values: r.values, Salt: r.salt, VersionKey: r.versionKey,
	})
}

func (w *workNet) commit(uid uint32, r weightsReveal) (*types.MsgCommitWeightsResponse, error) {
	return w.srv.CommitWeights(w.c.Ctx(), &types.MsgCommitWeights{
		Hotkey: w.keys[uid].String(), Netuid: w.netuid, Hash: r.hash(w.keys[uid].String(), w.netuid),
	})
}

func (w *workNet) reveal(uid uint32, r weightsReveal) error {
	_, err := w.srv.RevealWeights(w.c.Ctx(), &types.MsgRevealWeights{
		Hotkey: w.keys[uid].String(), Netuid: w.netuid, Uids: r.uids, Values: r.values, Salt: r.salt, VersionKey: r.versionKey,
	})
	return err
}

func salted(salt string, uids, values []uint32) weightsReveal {
	return weightsReveal{uids: uids, values: values, salt: []byte(salt)}
}

// A commit is revealed exactly RevealPeriodEpochs later: before is too early, after is expired.
func TestCommitRevealTiming_9_2(t *testing.T) {
	w := newCommitRevealNet(t, nil)
	require.Equal(t, uint64(1), w.hyperparams().RevealPeriodEpochs, "the spec's default reveal period")
	r := salted("first", []uint32{2, 3}, []uint32{1, 3})

	ctx := w.c.Ctx().WithEventManager(sdk.NewEventManager())
	res, err := w.srv.CommitWeights(ctx, &types.MsgCommitWeights{Hotkey: w.keys[1].String(), Netuid: 1, Hash: r.hash(w.keys[1].String(), 1)})
	require.NoError(t, err)
	require.Equal(t, &types.MsgCommitWeightsResponse{CommitEpoch: 0, RevealEpoch: 1}, res)
	require.Equal(t, []proto.Message{&types.EventWeightsCommitted{Netuid: 1, Hotkey: w.keys[1].String(), CommitEpoch: 0, RevealEpoch: 1}},
		typedEvents(t, ctx, "gotensor.subnet.v1.EventWeightsCommitted"))
	committedAt := w.block()
	require.Equal(t, []types.WeightCommit{{Hash: r.hash(w.keys[1].String(), 1), CommitEpoch: 0, CommitBlock: committedAt}}, w.commits(1))

	// Same epoch: too early, and nothing changes.
	before := w.state()
	err = w.reveal(1, r)
	require.ErrorIs(t, err, types.ErrRevealTooEarly)
	require.ErrorContains(t, err, "revealable in epoch 1; subnet 1 is in epoch 0")
	require.Equal(t, before, w.state())

	// The next epoch, some blocks later: the reveal stores the weights; LastUpdate stays the
	// commit's block, and the queue is gone.
	w.next()
	w.next()
	w.epoch()
	require.NoError(t, w.reveal(1, r))
	row, ok := w.weights(1)
	require.True(t, ok)
	require.Equal(t, entries(2, 21_845, 3, 65_535), row.Entries)
	require.Equal(t, committedAt, w.neuron(1).LastUpdate, "a reveal does not touch LastUpdate")
	require.Nil(t, w.commits(1))
	_, err = w.k.Commits.Get(w.c.Ctx(), collections.Join(uint32(1), w.keys[1].addr))
	require.Error(t, err, "an empty queue is deleted")

	// Committed in epoch 1, revealed in epoch 3: expired (epoch 3 > 1 + 1).
	late := salted("late", []uint32{4}, []uint32{1})
	_, err = w.commit(1, late)
	require.NoError(t, err)
	w.epoch()
	w.epoch()
	before = w.state()
	err = w.reveal(1, late)
	require.ErrorIs(t, err, types.ErrCommitExpired)
	require.ErrorContains(t, err, "the commit of epoch 1 could be revealed only in epoch 2 and subnet 1 is in epoch 3")
	require.Equal(t, before, w.state())
	// The next commit drops the expired one from the front of the queue.
	_, err = w.commit(1, r)
	require.NoError(t, err)
	require.Len(t, w.commits(1), 1)
	require.Equal(t, uint64(3), w.commits(1)[0].CommitEpoch)
}

// A longer reveal period moves the one reveal epoch (range [1, 100], §9.2).
func TestRevealPeriod_9_2(t *testing.T) {
	w := newCommitRevealNet(t, func(h *types.Hyperparams) { h.RevealPeriodEpochs = 3 })
	r := salted("s", []uint32{1}, []uint32{1})
	res, err := w.commit(2, r)
	require.NoError(t, err)
	require.Equal(t, uint64(3), res.RevealEpoch)
	for range 2 {
		w.epoch()
		require.ErrorIs(t, w.reveal(2, r), types.ErrRevealTooEarly)
	}
	w.epoch()
	require.NoError(t, w.reveal(2, r))
}

// At most 10 unrevealed commits; expired ones no longer count.
func TestAtMostTenUnrevealedCommits_9_2(t *testing.T) {
	w := newCommitRevealNet(t, nil)
	for i := range types.MaxUnrevealedCommits {
		_, err := w.commit(1, salted(fmt.Sprint(i), []uint32{2}, []uint32{1}))
		require.NoError(t, err, "commit %d", i)
	}
	before := w.state()
	_, err := w.commit(1, salted("eleventh", []uint32{2}, []uint32{1}))
	require.ErrorIs(t, err, types.ErrTooManyCommits)
	require.ErrorContains(t, err, "10 unrevealed commits on subnet 1, at most 10")
	require.Equal(t, before, w.state())

	w.epoch()
	w.epoch()
	_, err = w.commit(1, salted("after expiry", []uint32{2}, []uint32{1}))
	require.NoError(t, err)
	require.Len(t, w.commits(1), 1, "the ten expired commits were dropped")
}

// Revealing a commit pops it and every older one: a validator reveals its latest weights.
func TestRevealPopsEarlierCommits_9_2(t *testing.T) {
	w := newCommitRevealNet(t, nil)
	a := salted("a", []uint32{2}, []uint32{1})
	b := salted("b", []uint32{3}, []uint32{1})
	c := salted("c", []uint32{4}, []uint32{1})
	for _, r := range []weightsReveal{a, b, c} {
		_, err := w.commit(1, r)
		require.NoError(t, err)
	}
	w.epoch()
	require.NoError(t, w.reveal(1, b))
	require.Len(t, w.commits(1), 1)
	require.Equal(t, c.hash(w.keys[1].String(), 1), w.commits(1)[0].Hash)
	require.ErrorIs(t, w.reveal(1, a), types.ErrNoCommitFound, "a went with b")
	require.NoError(t, w.reveal(1, c))
	row, _ := w.weights(1)
	require.Equal(t, entries(4, 65_535), row.Entries)
	require.ErrorIs(t, w.reveal(1, c), types.ErrNoCommitFound, "nothing left to reveal")
}

// A reveal must open exactly what was committed, by the hotkey that committed it, and the weights
// must then pass §9.1 like any others.
func TestRevealMustMatchTheCommit_9_2(t *testing.T) {
	w := newCommitRevealNet(t, func(h *types.Hyperparams) { h.WeightsVersionKey = 7 })
	r := weightsReveal{uids: []uint32{2, 3}, values: []uint32{5, 5}, salt: []byte("secret"), versionKey: 7}
	_, err := w.commit(1, r)
	require.NoError(t, err)
	dup := weightsReveal{uids: []uint32{2, 2}, values: []uint32{5, 5}, salt: []byte("dup"), versionKey: 7}
	_, err = w.commit(2, dup)
	require.NoError(t, err)
	w.epoch()

	wrong := []weightsReveal{
		{uids: r.uids, values: r.values, salt: []byte("secreT"), versionKey: 7},
		{uids: r.uids, values: []uint32{5, 6}, salt: r.salt, versionKey: 7},
		{uids: []uint32{3, 2}, values: r.values, salt: r.salt, versionKey: 7},
		{uids: r.uids, values: r.values, salt: r.salt, versionKey: 8},
	}
	before := w.state()
	for i, x := range wrong {
		err := w.reveal(1, x)
		require.ErrorIs(t, err, types.ErrNoCommitFound, "variant %d", i)
		require.ErrorContains(t, err, "reveal exactly what was committed")
	}
	require.ErrorIs(t, w.reveal(3, r), types.ErrNoCommitFound, "another hotkey cannot reveal it")
	// The committed weights themselves are checked at the reveal (§9.1): a duplicate uid fails and
	// the commit stays.
	require.ErrorIs(t, w.reveal(2, dup), types.ErrDuplicateUids)
	require.Equal(t, before, w.state())

	// The chain hashes the canonical address, so an upper-case bech32 hotkey still opens it.
	_, err = w.srv.RevealWeights(w.c.Ctx(), &types.MsgRevealWeights{
		Hotkey: strings.ToUpper(w.keys[1].String()), Netuid: 1, Uids: r.uids, Values: r.values, Salt: r.salt, VersionKey: 7,
	})
	require.NoError(t, err)
}

// The switch (§9.2, subtensor's dispatch): commit and reveal need commit-reveal on, set-weights
// needs it off; the commit checks run in subtensor's order.
func TestCommitRevealSwitch_9_2(t *testing.T) {
	w := newCommitRevealNet(t, nil)
	off := newWorkNet(t, w.c, 2, 3, func(h *types.Hyperparams) { h.CommitReveal = false })
	stranger := newWorkKey()
	r := salted("x", []uint32{1}, []uint32{1})
	good := r.hash(w.keys[1].String(), 1)
	rows := []struct {
		name string
		msg  types.MsgCommitWeights
		want error
	}{
		{"netuid beyond u16", types.MsgCommitWeights{Hotkey: stranger.String(), Netuid: 1 << 16, Hash: []byte{1}}, types.ErrValueOutOfRange},
		{"hash not 32 bytes", types.MsgCommitWeights{Hotkey: stranger.String(), Netuid: 0, Hash: good[:31]}, types.ErrInvalidCommitHash},
		{"no hash", types.MsgCommitWeights{Hotkey: stranger.String(), Netuid: 0}, types.ErrInvalidCommitHash},
		{"bad hotkey", types.MsgCommitWeights{Hotkey: "tao1", Netuid: 0, Hash: good}, types.ErrInvalidAddress},
		{"root", types.MsgCommitWeights{Hotkey: stranger.String(), Netuid: 0, Hash: good}, types.ErrRootNetuid},
		{"unknown subnet", types.MsgCommitWeights{Hotkey: stranger.String(), Netuid: 9, Hash: good}, types.ErrSubnetNotFound},
		{"commit-reveal off", types.MsgCommitWeights{Hotkey: stranger.String(), Netuid: 2, Hash: good}, types.ErrCommitRevealDisabled},
		{"not registered", types.MsgCommitWeights{Hotkey: stranger.String(), Netuid: 1, Hash: good}, types.ErrHotkeyNotRegistered},
		{"registered elsewhere", types.MsgCommitWeights{Hotkey: off.keys[1].String(), Netuid: 1, Hash: good}, types.ErrHotkeyNotRegistered},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			before := w.state()
			_, err := w.srv.CommitWeights(w.c.Ctx(), &row.msg)
			require.ErrorIs(t, err, row.want)
			require.Equal(t, before, w.state())
		})
	}
	require.ErrorIs(t, off.reveal(1, r), types.ErrCommitRevealDisabled)
	_, err := w.srv.SetWeights(w.c.Ctx(), &types.MsgSetWeights{Hotkey: w.keys[1].String(), Netuid: 1, Uids: []uint32{2}, Values: []uint32{1}})
	require.ErrorIs(t, err, types.ErrCommitRevealEnabled)
	require.ErrorContains(t, err, "commit the hash with commit-weights")
	require.ErrorIs(t, w.reveal(1, r), types.ErrNoCommitFound, "nothing committed yet")
}

// LastUpdate (§9.1 effects, §9.2): a commit sets it, a reveal does not; set-weights sets it only
// with commit-reveal off. Commits share set-weights' rate limit.
func TestLastUpdate_9_2(t *testing.T) {
	w := newCommitRevealNet(t, func(h *types.Hyperparams) { h.WeightsSetRateLimit = 100 })
	r := salted("r", []uint32{0, 2}, []uint32{1, 1})
	_, err := w.commit(1, r)
	require.NoError(t, err)
	committedAt := w.block()
	require.Equal(t, committedAt, w.neuron(1).LastUpdate)

	w.next()
	before := w.state()
	_, err = w.commit(1, salted("again", []uint32{2}, []uint32{1}))
	require.ErrorIs(t, err, types.ErrCommittingTooFast)
	require.ErrorContains(t, err, fmt.Sprintf("weights committed at block %d, the subnet's rate limit is 100 blocks: next allowed at block %d", committedAt, committedAt+100))
	require.Equal(t, before, w.state())

	w.epoch()
	require.NoError(t, w.reveal(1, r))
	require.Equal(t, committedAt, w.neuron(1).LastUpdate)

	w.setHyperparams(func(h *types.Hyperparams) { h.CommitReveal = false })
	w.advanceTo(int64(committedAt) + 100)
	_, err = w.srv.SetWeights(w.c.Ctx(), &types.MsgSetWeights{Hotkey: w.keys[1].String(), Netuid: 1, Uids: []uint32{2}, Values: []uint32{1}})
	require.NoError(t, err)
	require.Equal(t, w.block(), w.neuron(1).LastUpdate)
}

// Epochs count with look-ahead (§3.1): in a block where the subnet's epoch is due, a commit
// belongs to the epoch about to run, and so does a reveal.
func TestCommitEpochLookAhead_3_1(t *testing.T) {
	w := newCommitRevealNet(t, nil)
	w.advanceTo(20)
	w.setHyperparams(func(h *types.Hyperparams) { h.Tempo = 10 })
	now := w.block()
	schedule := func(lastEpoch uint64) {
		require.NoError(t, w.k.Schedules.Set(w.c.Ctx(), 1, types.Schedule{LastEpochBlock: lastEpoch, EpochIndex: 3}))
	}
	r := salted("r", []uint32{2}, []uint32{1})

	schedule(now - 9) // the epoch is due next block
	res, err := w.commit(1, r)
	require.NoError(t, err)
	require.Equal(t, &types.MsgCommitWeightsResponse{CommitEpoch: 3, RevealEpoch: 4}, res)

	schedule(now - 10) // due this block: everything here belongs to epoch 4
	res, err = w.commit(2, r)
	require.NoError(t, err)
	require.Equal(t, &types.MsgCommitWeightsResponse{CommitEpoch: 4, RevealEpoch: 5}, res)
	require.NoError(t, w.reveal(1, r), "epoch 3's commit reveals in the block that starts epoch 4")

	require.NoError(t, w.k.Schedules.Set(w.c.Ctx(), 1, types.Schedule{LastEpochBlock: now - 5, EpochIndex: 3, PendingEpochAt: now}))
	res, err = w.commit(3, r)
	require.NoError(t, err)
	require.Equal(t, uint64(4), res.CommitEpoch, "an owner-triggered or deferred epoch due now counts too")
}

// What the epoch's commit-reveal mask reads (§4.6 step 4): per uid, the block of its oldest live
// commit, u64::MAX without one; nothing at all when commit-reveal is off.
func TestEarliestCommitBlocks_4_6(t *testing.T) {
	w := newCommitRevealNet(t, nil)
	r := salted("r", []uint32{1}, []uint32{1})
	commit := func(uid uint32) {
		_, err := w.commit(uid, r)
		require.NoError(t, err)
	}
	commit(2)
	commit(3)
	w.epoch()
	w.epoch() // epoch 2: both commits of epoch 0 expired
	w.next()
	first := w.block()
	commit(1)
	commit(2)
	w.next()
	commit(1)
	// A hotkey that is no longer registered masks nobody.
	gone := newWorkKey()
	require.NoError(t, w.k.Commits.Set(w.c.Ctx(), collections.Join(uint32(1), gone.addr),
		types.CommitQueue{Commits: []types.WeightCommit{{Hash: make([]byte, 32), CommitEpoch: 2, CommitBlock: 1}}}))

	none := uint64(math.MaxUint64)
	got, err := w.k.EarliestCommitBlocks(w.c.Ctx(), 1, 5)
	require.NoError(t, err)
	require.Equal(t, []uint64{none, first, first, none, none}, got)
	got, err = w.k.EarliestCommitBlocks(w.c.Ctx(), 1, 2)
	require.NoError(t, err)
	require.Equal(t, []uint64{none, first}, got, "uids at or beyond n are left out")

	w.epoch()
	w.epoch()
	got, err = w.k.EarliestCommitBlocks(w.c.Ctx(), 1, 5)
	require.NoError(t, err)
	require.Equal(t, []uint64{none, none, none, none, none}, got, "all expired")

	w.setHyperparams(func(h *types.Hyperparams) { h.CommitReveal = false })
	got, err = w.k.EarliestCommitBlocks(w.c.Ctx(), 1, 5)
	require.NoError(t, err)
	require.Nil(t, got, "no mask without commit-reveal")
}

// Hostile reveals are refused with their errors and write nothing, even when the hostile payload
// was committed: the commit binds only a hash, and §9.1 then judges what it opens.
func TestRevealRefusesHostileInput_9_2(t *testing.T) {
	w := newCommitRevealNet(t, nil)
	huge := make([]uint32, 100_000)
	for i := range huge {
		huge[i] = uint32(i % 65_536)
	}
	big := weightsReveal{uids: huge, values: huge, salt: []byte("big")}
	_, err := w.commit(1, big)
	require.NoError(t, err)
	w.epoch()
	before := w.state()
	require.ErrorIs(t, w.reveal(1, big), types.ErrUidsLengthExceedsN)
	require.ErrorIs(t, w.reveal(1, weightsReveal{uids: []uint32{65_536}, values: []uint32{1}}), types.ErrValueOutOfRange)
	require.ErrorIs(t, w.reveal(1, weightsReveal{uids: []uint32{1}, values: []uint32{1 << 20}}), types.ErrValueOutOfRange)
	_, err = w.srv.RevealWeights(w.c.Ctx(), &types.MsgRevealWeights{Hotkey: w.keys[1].String(), Netuid: 9, Uids: []uint32{1}, Values: []uint32{1}})
	require.ErrorIs(t, err, types.ErrSubnetNotFound)
	require.Equal(t, before, w.state())
}
