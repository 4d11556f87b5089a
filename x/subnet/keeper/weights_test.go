package keeper_test

import (
	"fmt"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// The checks of §9.1 in their order. Each row breaks the check it names and, where the checks
// allow it, every later one too, so the error proves that the first failure wins; none writes.
func TestSetWeightsValidationOrder_9_1(t *testing.T) {
	c := newWorkChain(t, func(p *types.Params) { p.StakeThreshold = 1_000 })
	w := newWorkNet(t, c, 1, 8, func(h *types.Hyperparams) {
		h.CommitReveal = false
		h.WeightsVersionKey = 5
		h.WeightsSetRateLimit = 100
		h.MinAllowedWeights = 4
		h.MaxWeightsLimit = 30_000
	})
	crNet := newWorkNet(t, c, 2, 4, func(h *types.Hyperparams) { h.CommitReveal = true })
	now := w.block()
	// uid 3 has no stake and set weights this block; uid 4 has stake but also set weights this
	// block; uid 5 may set weights but has no permit; uid 6 is a validator.
	w.setNeuron(3, func(n *types.Neuron) { n.LastUpdate = now })
	w.stake(4, types.RaoPerTAO)
	w.setNeuron(4, func(n *types.Neuron) { n.LastUpdate = now })
	w.stake(5, types.RaoPerTAO)
	w.stake(6, types.RaoPerTAO)
	w.setNeuron(6, func(n *types.Neuron) { n.ValidatorPermit = true })

	stranger := newWorkKey()
	bad := []uint32{1, 1, 99}           // a duplicate, uid 99 beyond n = 8, only 3 of the 4 weights required
	badValues := []uint32{65_535, 0, 0} // all the weight on one uid: above 30000/65535
	nine := []uint32{1, 1, 2, 3, 4, 5, 6, 7, 99}
	rows := []struct {
		name   string
		from   string
		netuid uint32
		uids   []uint32
		values []uint32
		vk     uint64
		want   error
	}{
		{"hotkey not an address", "tao1notanaddress", 0, bad, []uint32{1}, 1, types.ErrInvalidAddress},
		{"netuid beyond u16", stranger.String(), 70_000, bad, []uint32{1}, 1, types.ErrValueOutOfRange},
		{"uid beyond u16", stranger.String(), 0, []uint32{70_000, 1}, []uint32{1}, 1, types.ErrValueOutOfRange},
		{"value beyond u16", stranger.String(), 0, bad, []uint32{70_000}, 1, types.ErrValueOutOfRange},
		{"commit-reveal subnet", crNet.keys[1].String(), 2, bad, []uint32{1}, 1, types.ErrCommitRevealEnabled},
		{"1 root netuid", stranger.String(), 0, bad, []uint32{1}, 1, types.ErrRootNetuid},
		{"2 lengths differ", stranger.String(), 99, bad, []uint32{1}, 1, types.ErrWeightVecNotEqualSize},
		{"3 no such subnet", stranger.String(), 99, nine, nine, 1, types.ErrSubnetNotFound},
		{"4 more uids than neurons", stranger.String(), 1, nine, nine, 1, types.ErrUidsLengthExceedsN},
		{"5 not registered", stranger.String(), 1, bad, badValues, 1, types.ErrHotkeyNotRegistered},
		{"6 stake below the threshold", w.keys[3].String(), 1, bad, badValues, 1, types.ErrNotEnoughStakeForWeights},
		{"7 old version key", w.keys[4].String(), 1, bad, badValues, 1, types.ErrIncorrectVersionKey},
		{"8 rate limit", w.keys[4].String(), 1, bad, badValues, 5, types.ErrSettingWeightsTooFast},
		{"9 no validator permit", w.keys[5].String(), 1, bad, badValues, 5, types.ErrNoValidatorPermit},
		{"10 duplicate uid", w.keys[6].String(), 1, bad, badValues, 5, types.ErrDuplicateUids},
		{"10 uid not on the subnet", w.keys[6].String(), 1, []uint32{1, 2, 99}, badValues, 5, types.ErrInvalidUid},
		{"11 too few weights", w.keys[6].String(), 1, []uint32{1, 2, 3}, badValues, 5, types.ErrWeightVecLengthIsLow},
		{"12 weight above the limit", w.keys[6].String(), 1, []uint32{1, 2, 3, 4}, []uint32{65_535, 0, 0, 0}, 5, types.ErrMaxWeightExceeded},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			before, beforeCR := w.state(), crNet.state()
			_, err := w.srv.SetWeights(c.Ctx(), &types.MsgSetWeights{
				Hotkey: r.from, Netuid: r.netuid, Uids: r.uids, Values: r.values, VersionKey: r.vk,
			})
			require.ErrorIs(t, err, r.want)
			require.Equal(t, before, w.state(), "a refused message writes nothing")
			require.Equal(t, beforeCR, crNet.state())
		})
	}

	// The messages say what was wrong and what to do.
	_, err := w.srv.SetWeights(c.Ctx(), &types.MsgSetWeights{Hotkey: w.keys[4].String(), Netuid: 1, Uids: bad, Values: badValues, VersionKey: 5})
	require.ErrorContains(t, err, fmt.Sprintf("weights set at block %d, the subnet's rate limit is 100 blocks: next allowed at block %d", now, now+100))
	_, err = w.srv.SetWeights(c.Ctx(), &types.MsgSetWeights{Hotkey: w.keys[3].String(), Netuid: 1, Uids: bad, Values: badValues, VersionKey: 5})
	require.ErrorContains(t, err, "has 0 alpha rao staked on subnet 1; setting weights needs 1000")

	// With every check passed the row is stored: 100/100/100/50 is at most 0.29 of the row.
	_, err = w.srv.SetWeights(c.Ctx(), &types.MsgSetWeights{
		Hotkey: w.keys[6].String(), Netuid: 1, Uids: []uint32{1, 2, 3, 4}, Values: []uint32{100, 100, 100, 50}, VersionKey: 5,
	})
	require.NoError(t, err)
	row, ok := w.weights(6)
	require.True(t, ok)
	require.Equal(t, []types.WeightEntry{{Uid: 1, Value: 65_535}, {Uid: 2, Value: 65_535}, {Uid: 3, Value: 65_535}, {Uid: 4, Value: 32_768}}, row.Entries)
}

// Stored rows are max-upscaled (§1.4: the largest becomes 65535, the rest round half away from
// zero) in the order given, explicit zeros kept; LastUpdate moves to the block (§9.1 effects).
func TestSetWeightsStoresTheUpscaledRow_9_1(t *testing.T) {
	c := newWorkChain(t, nil)
	w := newWorkNet(t, c, 1, 5, func(h *types.Hyperparams) { h.CommitReveal = false; h.WeightsSetRateLimit = 0 })
	w.setNeuron(1, func(n *types.Neuron) { n.ValidatorPermit = true })
	cases := []struct {
		uids, values []uint32
		want         []types.WeightEntry
	}{
		// 3·65535/6 = 32767.5 rounds up; the zero stays as an entry.
		{[]uint32{4, 2, 3}, []uint32{0, 3, 6}, entries(4, 0, 2, 32_768, 3, 65_535)},
		// max above 32768: each times 65535/40000 (10000 → 16383.75 → 16384).
		{[]uint32{0, 2, 3}, []uint32{40_000, 10_000, 1}, entries(0, 65_535, 2, 16_384, 3, 2)},
		// an all-zero row is stored as zeros.
		{[]uint32{2, 3}, []uint32{0, 0}, entries(2, 0, 3, 0)},
	}
	for _, tc := range cases {
		ctx := c.Ctx().WithEventManager(sdk.NewEventManager())
		_, err := w.srv.SetWeights(ctx, &types.MsgSetWeights{Hotkey: w.keys[1].String(), Netuid: 1, Uids: tc.uids, Values: tc.values})
		require.NoError(t, err)
		row, ok := w.weights(1)
		require.True(t, ok)
		require.Equal(t, tc.want, row.Entries)
		require.Equal(t, w.block(), w.neuron(1).LastUpdate)
		require.Equal(t, []proto.Message{&types.EventWeightsSet{Netuid: 1, Uid: 1, Hotkey: w.keys[1].String()}},
			typedEvents(t, ctx, "gotensor.subnet.v1.EventWeightsSet"))
	}
}

// Who may set what (§9.1 steps 6, 9, 11, 12 and §13 quirk 4): a miner without a permit may set a
// lone weight on itself, whatever the minimum length and weight cap; the owner's hotkey needs
// neither stake nor permit.
func TestSelfWeightAndOwnerExemptions_9_1(t *testing.T) {
	c := newWorkChain(t, func(p *types.Params) { p.StakeThreshold = 1_000 })
	w := newWorkNet(t, c, 1, 6, func(h *types.Hyperparams) {
		h.CommitReveal = false
		h.MinAllowedWeights = 3
		h.MaxWeightsLimit = 20_000
		h.WeightsSetRateLimit = 0
	})
	w.stake(4, types.RaoPerTAO)
	set := func(uid uint32, uids, values []uint32) error {
		_, err := w.srv.SetWeights(c.Ctx(), &types.MsgSetWeights{Hotkey: w.keys[uid].String(), Netuid: 1, Uids: uids, Values: values})
		return err
	}
	require.NoError(t, set(4, []uint32{4}, []uint32{7}), "a lone weight on itself")
	row, _ := w.weights(4)
	require.Equal(t, entries(4, 65_535), row.Entries)
	require.ErrorIs(t, set(4, []uint32{3}, []uint32{7}), types.ErrNoValidatorPermit, "a lone weight on another uid")
	require.ErrorIs(t, set(5, []uint32{5}, []uint32{7}), types.ErrNotEnoughStakeForWeights, "self-weight still needs stake")

	// The owner's hotkey (uid 0): no stake, no permit, not even its own diagonal is special.
	require.NoError(t, set(0, []uint32{0, 1, 2, 3}, []uint32{1, 1, 1, 1}))
	require.ErrorIs(t, set(0, []uint32{0, 1}, []uint32{1, 1}), types.ErrWeightVecLengthIsLow, "the owner still gives enough weights")
	require.ErrorIs(t, set(0, []uint32{0, 1, 2}, []uint32{9, 1, 1}), types.ErrMaxWeightExceeded, "and respects the cap")
}

// The rate limit (§9.1 step 8) with the spec's 100 blocks: LastUpdate 0 means never set.
func TestSetWeightsRateLimit_9_1(t *testing.T) {
	c := newWorkChain(t, nil)
	w := newWorkNet(t, c, 1, 3, func(h *types.Hyperparams) { h.CommitReveal = false })
	require.Equal(t, uint64(100), w.hyperparams().WeightsSetRateLimit)
	w.setNeuron(1, func(n *types.Neuron) { n.ValidatorPermit = true })
	set := func() error {
		_, err := w.srv.SetWeights(c.Ctx(), &types.MsgSetWeights{Hotkey: w.keys[1].String(), Netuid: 1, Uids: []uint32{2}, Values: []uint32{1}})
		return err
	}
	require.NoError(t, set(), "LastUpdate 0: never set")
	first := w.block()
	w.advanceTo(int64(first) + 99)
	err := set()
	require.ErrorIs(t, err, types.ErrSettingWeightsTooFast)
	require.ErrorContains(t, err, fmt.Sprintf("weights set at block %d, the subnet's rate limit is 100 blocks: next allowed at block %d", first, first+100))
	require.Equal(t, first, w.neuron(1).LastUpdate, "a refused set-weights leaves LastUpdate")
	w.next()
	require.NoError(t, set())
	require.Equal(t, first+100, w.neuron(1).LastUpdate)
}

// Hostile sizes and values are refused with their errors before any work, and write nothing.
func TestSetWeightsRefusesHostileInput_9_1(t *testing.T) {
	c := newWorkChain(t, nil)
	w := newWorkNet(t, c, 1, 4, func(h *types.Hyperparams) { h.CommitReveal = false; h.WeightsSetRateLimit = 0 })
	w.setNeuron(1, func(n *types.Neuron) { n.ValidatorPermit = true })
	huge := make([]uint32, 100_000)
	for i := range huge {
		huge[i] = uint32(i % 65_536)
	}
	beyond := make([]uint32, 100_000)
	for i := range beyond {
		beyond[i] = uint32(i)
	}
	hotkey := w.keys[1].String()
	rows := []struct {
		name string
		msg  types.MsgSetWeights
		want error
	}{
		{"unknown netuid", types.MsgSetWeights{Hotkey: hotkey, Netuid: 7, Uids: []uint32{0}, Values: []uint32{1}}, types.ErrSubnetNotFound},
		{"duplicate uids", types.MsgSetWeights{Hotkey: hotkey, Netuid: 1, Uids: []uint32{2, 2}, Values: []uint32{1, 1}}, types.ErrDuplicateUids},
		{"100 000 uids", types.MsgSetWeights{Hotkey: hotkey, Netuid: 1, Uids: huge, Values: huge}, types.ErrUidsLengthExceedsN},
		{"100 000 uids past 65535", types.MsgSetWeights{Hotkey: hotkey, Netuid: 1, Uids: beyond, Values: huge}, types.ErrValueOutOfRange},
		{"value 65536", types.MsgSetWeights{Hotkey: hotkey, Netuid: 1, Uids: []uint32{2}, Values: []uint32{65_536}}, types.ErrValueOutOfRange},
		{"uid 65536", types.MsgSetWeights{Hotkey: hotkey, Netuid: 1, Uids: []uint32{65_536}, Values: []uint32{1}}, types.ErrValueOutOfRange},
		{"uid 65535", types.MsgSetWeights{Hotkey: hotkey, Netuid: 1, Uids: []uint32{65_535}, Values: []uint32{1}}, types.ErrInvalidUid},
		{"empty hotkey", types.MsgSetWeights{Netuid: 1, Uids: []uint32{2}, Values: []uint32{1}}, types.ErrInvalidAddress},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			before := w.state()
			_, err := w.srv.SetWeights(c.Ctx(), &r.msg)
			require.ErrorIs(t, err, r.want)
			require.Equal(t, before, w.state())
		})
	}
}

// entries builds a weight row from (uid, value) pairs.
func entries(pairs ...uint32) []types.WeightEntry {
	out := make([]types.WeightEntry, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, types.WeightEntry{Uid: pairs[i], Value: pairs[i+1]})
	}
	return out
}

// typedEvents decodes the typed events of a kind emitted so far in ctx.
func typedEvents(t *testing.T, ctx sdk.Context, kind string) []proto.Message {
	t.Helper()
	var out []proto.Message
	for _, e := range ctx.EventManager().Events() {
		if e.Type != kind {
			continue
		}
		msg, err := sdk.ParseTypedEvent(abci.Event(e))
		require.NoError(t, err)
		out = append(out, msg)
	}
	return out
}
