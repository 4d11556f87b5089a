package types

import "fmt"

const (
	// Denom is the base unit of TAO. Alpha is not a bank coin: it is accounting inside this module.
	Denom = "rao"
	// DisplayDenom is the unit people read; 1 TAO = RaoPerTAO rao.
	DisplayDenom = "TAO"
	RaoPerTAO    = 1_000_000_000

	// MaxSupply is the 21M TAO cap on TotalIssuance (§5.1).
	MaxSupply = 21_000_000 * RaoPerTAO
	// InitialBlockEmission is what a block mints before the first halving (§5.1).
	InitialBlockEmission = 1 * RaoPerTAO
)

// FormatTAO renders rao as TAO with all nine decimals, e.g. 1500000000 → "1.500000000".
func FormatTAO(rao uint64) string {
	return fmt.Sprintf("%d.%09d", rao/RaoPerTAO, rao%RaoPerTAO)
}
