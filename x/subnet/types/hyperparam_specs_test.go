package types_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/x/subnet/types"
)

// Every field of the Hyperparams record has exactly one spec, in the record's order, so a field
// added to the proto cannot be left without rules.
func TestEveryHyperparameterHasASpec(t *testing.T) {
	var fields []string
	rt := reflect.TypeOf(types.Hyperparams{})
	for i := range rt.NumField() {
		tag := rt.Field(i).Tag.Get("protobuf")
		for _, part := range strings.Split(tag, ",") {
			if name, ok := strings.CutPrefix(part, "name="); ok {
				fields = append(fields, name)
			}
		}
	}
	var names []string
	for _, s := range types.HyperparamSpecs() {
		names = append(names, s.Name)
		require.NotEmpty(t, s.Doc, s.Name)
	}
	require.Equal(t, fields, names)
}

func TestLookupUnknownHyperparameter(t *testing.T) {
	_, err := types.LookupHyperparam("temp0")
	require.ErrorIs(t, err, types.ErrUnknownHyperparameter)
	require.Contains(t, err.Error(), "tempo, activity_cutoff_factor_milli", "the error lists the names")
	s, err := types.LookupHyperparam("burn_half_life")
	require.NoError(t, err)
	require.Equal(t, types.OwnerOrAuthority, s.Access)
	s, err = types.LookupHyperparam("kappa")
	require.NoError(t, err)
	require.Equal(t, types.AuthorityOnly, s.Access)
}

// TestHyperparameterRanges_10_1 checks §10.1's ranges, including those narrower for owners and
// those that depend on other hyperparameters or the uids registered.
func TestHyperparameterRanges_10_1(t *testing.T) {
	owner := types.HyperparamEnv{ByOwner: true, Neurons: 10}
	root := types.HyperparamEnv{Neurons: 10}
	liquid := func(h *types.Hyperparams) { h.LiquidAlpha = true }
	cases := []struct {
		name, value string
		env         types.HyperparamEnv
		prepare     func(*types.Hyperparams)
		ok          bool
	}{
		{"tempo", "360", owner, nil, true},
		{"tempo", "50400", owner, nil, true},
		{"tempo", "359", owner, nil, false},
		{"tempo", "50401", owner, nil, false},
		{"tempo", "0", root, nil, true},
		{"tempo", "65535", root, nil, true},
		{"tempo", "65536", root, nil, false},
		{"activity_cutoff_factor_milli", "1000", owner, nil, true},
		{"activity_cutoff_factor_milli", "999", owner, nil, false},
		{"activity_cutoff_factor_milli", "50001", root, nil, false},
		{"kappa", "65535", root, nil, true},
		{"kappa", "65536", root, nil, false},
		{"max_allowed_uids", "256", owner, nil, true},
		{"max_allowed_uids", "257", root, nil, false},
		{"max_allowed_uids", "63", owner, nil, false},                                                // below min_allowed_uids 64
		{"max_allowed_uids", "9", owner, func(h *types.Hyperparams) { h.MinAllowedUids = 0 }, false}, // below the 10 registered
		{"max_allowed_uids", "10", owner, func(h *types.Hyperparams) { h.MinAllowedUids = 0 }, true},
		{"max_allowed_uids", "0", root, func(h *types.Hyperparams) { h.MinAllowedUids = 0 }, false},
		{"min_allowed_uids", "9", root, nil, true},
		{"min_allowed_uids", "10", root, nil, false}, // not below the uids registered
		{"max_allowed_validators", "256", root, nil, true},
		{"max_allowed_validators", "257", root, nil, false},
		{"immunity_period", "65535", owner, nil, true},
		{"immunity_period", "65536", owner, nil, false},
		{"bonds_moving_average", "975000", owner, nil, true},
		{"bonds_moving_average", "975001", owner, nil, false},
		{"bonds_moving_average", "999999", root, nil, true},
		{"bonds_moving_average", "1000001", root, nil, false},
		{"alpha_low", "2000", owner, nil, false}, // liquid alpha off
		{"alpha_low", "2000", owner, liquid, true},
		{"alpha_low", "1637", owner, liquid, false},
		{"alpha_low", "58983", owner, liquid, false}, // above alpha_high
		{"alpha_high", "45874", owner, liquid, false},
		{"alpha_high", "65535", owner, liquid, true},
		{"alpha_sigmoid_steepness", "-1", owner, nil, false},
		{"alpha_sigmoid_steepness", "-32768", root, nil, true},
		{"alpha_sigmoid_steepness", "32768", root, nil, false},
		{"reveal_period_epochs", "0", owner, nil, false},
		{"reveal_period_epochs", "100", owner, nil, true},
		{"reveal_period_epochs", "101", owner, nil, false},
		{"min_burn", "999999999", owner, nil, true},
		{"min_burn", "1000000000", owner, nil, false}, // not below 1 TAO
		{"min_burn", "0", owner, nil, true},
		{"min_burn", "999999999", owner, func(h *types.Hyperparams) { h.MaxBurn = 999_999_999 }, false},
		{"max_burn", "100000000", owner, nil, false}, // not above 0.1 TAO
		{"max_burn", "100000001", owner, nil, true},
		{"max_burn", "500000", root, func(h *types.Hyperparams) { h.MinBurn = 500_000 }, false},
		{"burn_half_life", "1", owner, nil, true},
		{"burn_half_life", "0", owner, nil, false},
		{"burn_half_life", "36100", owner, nil, true},
		{"burn_half_life", "36101", owner, nil, false},
		{"burn_increase_mult", "1", owner, nil, true},
		{"burn_increase_mult", "3", owner, nil, true},
		{"burn_increase_mult", "1.7", owner, nil, true},
		{"burn_increase_mult", "0.999", owner, nil, false},
		{"burn_increase_mult", "3.001", owner, nil, false},
		{"burn_increase_mult", "1260", owner, nil, false},
		{"burn_increase_mult", "1e0", owner, nil, false},
		{"burn_increase_mult", "1/1", owner, nil, false},
		{"burn_increase_mult", "-1", owner, nil, false},
		{"burn_increase_mult", "", owner, nil, false},
		{"immune_owner_uids_limit", "10", owner, nil, true},
		{"immune_owner_uids_limit", "11", owner, nil, false},
		{"immune_owner_uids_limit", "0", root, nil, false},
		{"weights_version_key", "18446744073709551615", owner, nil, true},
		{"weights_version_key", "18446744073709551616", owner, nil, false},
		{"yuma3", "false", owner, nil, true},
		{"yuma3", "False", owner, nil, false},
		{"yuma3", "1", owner, nil, false},
		// Malformed numbers.
		{"serving_rate_limit", "", owner, nil, false},
		{"serving_rate_limit", " 5", owner, nil, false},
		{"serving_rate_limit", "+5", owner, nil, false},
		{"serving_rate_limit", "-5", owner, nil, false},
		{"serving_rate_limit", "5.0", owner, nil, false},
		{"serving_rate_limit", "0x10", owner, nil, false},
		{"serving_rate_limit", "1e3", owner, nil, false},
		{"serving_rate_limit", "٥", owner, nil, false}, // a non-ASCII digit
	}
	for _, tc := range cases {
		s, err := types.LookupHyperparam(tc.name)
		require.NoError(t, err)
		h := types.NewSubnetHyperparams()
		if tc.prepare != nil {
			tc.prepare(&h)
		}
		before := h
		err = s.Set(&h, tc.value, tc.env)
		if !tc.ok {
			require.ErrorIs(t, err, types.ErrHyperparameterValue, "%s = %q", tc.name, tc.value)
			require.Contains(t, err.Error(), tc.name)
			require.Equal(t, before, h, "a refused value changes nothing")
			continue
		}
		require.NoError(t, err, "%s = %q", tc.name, tc.value)
		require.Equal(t, tc.value, s.Get(h))
	}
}

// Every default value can be written back by the authority as the query shows it.
func TestHyperparameterRoundTrip(t *testing.T) {
	h := types.NewSubnetHyperparams()
	h.LiquidAlpha = true
	for _, s := range types.HyperparamSpecs() {
		if s.Name == "min_allowed_uids" {
			continue // must be below the uids registered
		}
		next := h
		require.NoError(t, s.Set(&next, s.Get(h), types.HyperparamEnv{Neurons: 1}), s.Name)
		require.Equal(t, h, next, s.Name)
	}
}

// TestOwnerRateLimits_10: owners wait OwnerHyperparamRateLimit tempos per hyperparameter, 360
// blocks for the tempo, WeightsVersionKeyRateLimit tempos for the version key.
func TestOwnerRateLimits_10(t *testing.T) {
	h := types.NewSubnetHyperparams()
	p := types.DefaultParams()
	limit := func(name string) uint64 {
		s, err := types.LookupHyperparam(name)
		require.NoError(t, err)
		return s.OwnerRateLimit(h, p)
	}
	require.Equal(t, uint64(720), limit("immunity_period"))
	require.Equal(t, uint64(360), limit("tempo"))
	require.Equal(t, uint64(1_800), limit("weights_version_key"))
	h.Tempo = 0
	require.Equal(t, uint64(0), limit("immunity_period"))
	h.Tempo = 65_535
	p.OwnerHyperparamRateLimit = 1 << 62
	require.Equal(t, uint64(1<<64-1), limit("immunity_period"), "saturates")
}
