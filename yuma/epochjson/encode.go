package epochjson

import (
	"encoding/json"
	"io"

	"github.com/gotensor/gotensor/yuma"
)

// output is the document of spec/epoch-json.md, keys in its order.
type output struct {
	Active             []bool        `json:"active"`
	StakeWeight        []uint16      `json:"stake_weight"`
	NewValidatorPermit []bool        `json:"new_validator_permit"`
	Consensus          []uint16      `json:"consensus"`
	Incentive          []uint16      `json:"incentive"`
	Dividends          []uint16      `json:"dividends"`
	ValidatorTrust     []uint16      `json:"validator_trust"`
	ServerEmission     []uint64      `json:"server_emission"`
	ValidatorEmission  []uint64      `json:"validator_emission"`
	Emission           []uint64      `json:"emission"`
	Bonds              [][][2]uint16 `json:"bonds"`
}

// Encode writes the epoch's outputs as one compact JSON line.
func Encode(w io.Writer, out yuma.Output) error {
	doc := output{
		Active:             nonNil(out.Active),
		StakeWeight:        nonNil(out.StakeWeight),
		NewValidatorPermit: nonNil(out.NewValidatorPermit),
		Consensus:          nonNil(out.Consensus),
		Incentive:          nonNil(out.Incentive),
		Dividends:          nonNil(out.Dividends),
		ValidatorTrust:     nonNil(out.ValidatorTrust),
		ServerEmission:     nonNil(out.ServerEmission),
		ValidatorEmission:  nonNil(out.ValidatorEmission),
		Emission:           nonNil(out.Emission),
		Bonds:              make([][][2]uint16, len(out.Bonds)),
	}
	for i, row := range out.Bonds {
		doc.Bonds[i] = make([][2]uint16, len(row))
		for k, e := range row {
			doc.Bonds[i][k] = [2]uint16{e.UID, e.Value}
		}
	}
	return json.NewEncoder(w).Encode(doc)
}

// nonNil makes empty vectors print as [] rather than null.
func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}
