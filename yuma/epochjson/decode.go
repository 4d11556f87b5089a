package epochjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/gotensor/gotensor/yuma"
)

// Decode reads one epoch input document. Numbers are read from their
// literal text (json.Number), never through float64, and must be integers
// within their field's type; unknown fields are rejected. Every error
// names the offending field.
func Decode(r io.Reader) (yuma.Input, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return yuma.Input{}, fmt.Errorf("input is not a JSON document: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return yuma.Input{}, errors.New("input: unexpected data after the JSON document")
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return yuma.Input{}, errors.New("input: want a JSON object")
	}
	p := parser{obj: obj}
	in := p.input()
	if p.err != nil {
		return yuma.Input{}, p.err
	}
	for key := range obj {
		if !p.known[key] {
			return yuma.Input{}, fmt.Errorf("%s: unknown field", key)
		}
	}
	return in, nil
}

// parser reads fields one by one, keeping the first error.
type parser struct {
	obj   map[string]any
	known map[string]bool
	err   error
}

func (p *parser) input() yuma.Input {
	var in yuma.Input
	in.Block = p.u64("block", nil)
	in.Tempo = uint16(p.uint("tempo", 16, nil))
	in.ActivityCutoffFactorMilli = uint32(p.uint("activity_cutoff_factor_milli", 32, ptr[uint64](yuma.DefaultActivityCutoffFactorMilli)))
	in.AlphaStake = p.u64s("alpha_stake", false)
	n := len(in.AlphaStake)
	in.RootStake = p.u64s("root_stake", true)
	in.TaoWeight = p.u64("tao_weight", ptr[uint64](0))
	in.StakeThreshold = p.u64("stake_threshold", ptr[uint64](0))
	in.OwnerUID = p.ownerUID()
	in.ValidatorPermit = p.bools("validator_permit")
	in.MaxAllowedValidators = uint16(p.uint("max_allowed_validators", 16, nil))
	in.LastUpdate = p.u64s("last_update", false)
	if p.err == nil && len(in.LastUpdate) != n {
		p.fail("last_update: has %d entries, want n = %d (the length of alpha_stake)", len(in.LastUpdate), n)
	}
	in.BlockAtRegistration = p.u64s("block_at_registration", false)
	in.CommitBlock = p.u64s("commit_block", true)
	in.Weights = p.rows("weights")
	in.Bonds = p.rows("bonds")
	in.Kappa = uint16(p.uint("kappa", 16, ptr[uint64](yuma.DefaultKappa)))
	in.BondsPenalty = uint16(p.uint("bonds_penalty", 16, ptr[uint64](yuma.DefaultBondsPenalty)))
	in.BondsMovingAverage = p.u64("bonds_moving_average", ptr[uint64](yuma.DefaultBondsMovingAverage))
	in.Yuma3 = p.bool("yuma3", ptr(true))
	in.LiquidAlpha = p.bool("liquid_alpha", ptr(false))
	in.AlphaLow = uint16(p.uint("alpha_low", 16, ptr[uint64](yuma.DefaultAlphaLow)))
	in.AlphaHigh = uint16(p.uint("alpha_high", 16, ptr[uint64](yuma.DefaultAlphaHigh)))
	in.AlphaSigmoidSteepness = p.i16("alpha_sigmoid_steepness", yuma.DefaultAlphaSigmoidSteepness)
	in.LastMechanismStepBlock = p.u64("last_mechanism_step_block", ptr[uint64](0))
	in.Emission = p.u64("emission", nil)
	return in
}

func ptr[T any](v T) *T { return &v }

func (p *parser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf(format, args...)
	}
}

// field returns the value of key, or nil when it is absent or null; a
// required field (no default) that is missing is an error.
func (p *parser) field(key string, required bool) any {
	if p.known == nil {
		p.known = map[string]bool{}
	}
	p.known[key] = true
	if p.err != nil {
		return nil
	}
	v, ok := p.obj[key]
	if (!ok || v == nil) && required {
		p.fail("%s: missing (required)", key)
	}
	return v
}

func (p *parser) u64(key string, def *uint64) uint64 {
	return p.uint(key, 64, def)
}

func (p *parser) uint(key string, bitSize int, def *uint64) uint64 {
	v := p.field(key, def == nil)
	if v == nil {
		if def != nil {
			return *def
		}
		return 0
	}
	return p.number(key, v, bitSize)
}

// number parses an unsigned integer of bitSize bits from its JSON text.
func (p *parser) number(path string, v any, bitSize int) uint64 {
	num, ok := v.(json.Number)
	if !ok {
		p.fail("%s: want an integer, got %s", path, describe(v))
		return 0
	}
	u, err := strconv.ParseUint(string(num), 10, bitSize)
	if err != nil {
		p.fail("%s: %s is not a u%d", path, num, bitSize)
		return 0
	}
	return u
}

func (p *parser) i16(key string, def int16) int16 {
	v := p.field(key, false)
	if v == nil {
		return def
	}
	num, ok := v.(json.Number)
	if !ok {
		p.fail("%s: want an integer, got %s", key, describe(v))
		return 0
	}
	i, err := strconv.ParseInt(string(num), 10, 16)
	if err != nil {
		p.fail("%s: %s is not an i16", key, num)
		return 0
	}
	return int16(i)
}

func (p *parser) bool(key string, def *bool) bool {
	v := p.field(key, def == nil)
	if v == nil {
		if def != nil {
			return *def
		}
		return false
	}
	b, ok := v.(bool)
	if !ok {
		p.fail("%s: want true or false, got %s", key, describe(v))
	}
	return b
}

func (p *parser) ownerUID() *uint16 {
	v := p.field("owner_uid", false)
	if v == nil {
		return nil
	}
	uid := uint16(p.number("owner_uid", v, 16))
	return &uid
}

func (p *parser) list(path string, v any) []any {
	l, ok := v.([]any)
	if !ok {
		p.fail("%s: want a list, got %s", path, describe(v))
	}
	return l
}

// u64s reads a list of u64; an optional list that is absent is nil.
func (p *parser) u64s(key string, optional bool) []uint64 {
	v := p.field(key, !optional)
	if v == nil {
		return nil
	}
	items := p.list(key, v)
	out := make([]uint64, len(items))
	for i, item := range items {
		out[i] = p.number(fmt.Sprintf("%s[%d]", key, i), item, 64)
	}
	return out
}

func (p *parser) bools(key string) []bool {
	v := p.field(key, true)
	if v == nil {
		return nil
	}
	items := p.list(key, v)
	out := make([]bool, len(items))
	for i, item := range items {
		b, ok := item.(bool)
		if !ok {
			p.fail("%s[%d]: want true or false, got %s", key, i, describe(item))
		}
		out[i] = b
	}
	return out
}

// rows reads [[[uid, u16]]]; the ranges of the uids against n and
// duplicates are checked by yuma.Epoch.
func (p *parser) rows(key string) [][]yuma.Entry {
	v := p.field(key, true)
	if v == nil {
		return nil
	}
	rows := p.list(key, v)
	out := make([][]yuma.Entry, len(rows))
	for i, r := range rows {
		path := fmt.Sprintf("%s[%d]", key, i)
		cells := p.list(path, r)
		out[i] = make([]yuma.Entry, len(cells))
		for k, c := range cells {
			cpath := fmt.Sprintf("%s[%d]", path, k)
			pair := p.list(cpath, c)
			if p.err == nil && len(pair) != 2 {
				p.fail("%s: want [uid, value], got %d items", cpath, len(pair))
			}
			if p.err != nil {
				return nil
			}
			out[i][k] = yuma.Entry{
				UID:   uint16(p.number(cpath+"[0]", pair[0], 16)),
				Value: uint16(p.number(cpath+"[1]", pair[1], 16)),
			}
		}
	}
	return out
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return "the number " + string(x)
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
