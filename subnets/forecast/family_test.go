package forecast

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/subnets/forecast/model"
	"github.com/gotensor/gotensor/subnets/forecast/series"
)

// familyRoundsEnv asks TestSkillByFamily for its table: the number of rounds
// per family and secret.
const familyRoundsEnv = "FORECAST_FAMILY_ROUNDS"

// familySecrets are the validators the table averages over.
var familySecrets = []string{"family-table-secret-one", "family-table-secret-two", "family-table-secret-three"}

// skillByFamily plays every model against validators that draw only one
// family (and against a replay of the CO2 record), and returns each model's
// skill per column, averaged over the secrets.
func skillByFamily(t testing.TB, rounds int) (columns []string, skill map[string][]float64) {
	skill = map[string][]float64{}
	add := func(col int, v *Validator) {
		for _, s := range play(t, v, rounds) {
			skill[s.Hotkey][col] += s.Skill / float64(len(familySecrets))
		}
	}
	for _, name := range model.Names() {
		skill[name] = make([]float64, len(series.Families())+1)
	}
	for col, f := range series.Families() {
		columns = append(columns, string(f))
		for _, secret := range familySecrets {
			cfg := DefaultValidatorConfig()
			cfg.Series, cfg.Families = 3, []series.Family{f}
			v, err := NewValidator(cfg, []byte(secret))
			require.NoError(t, err)
			add(col, v)
		}
	}
	columns = append(columns, "co2 replay")
	d, err := series.CO2()
	require.NoError(t, err)
	for _, secret := range familySecrets {
		replay, err := series.NewReplay("replay-0", d, []byte(secret), series.ReplayConfig{Disguise: true})
		require.NoError(t, err)
		v, err := NewValidatorWithSources(DefaultValidatorConfig(), []byte(secret), []series.Source{replay})
		require.NoError(t, err)
		add(len(columns)-1, v)
	}
	return columns, skill
}

// TestSkillByFamily prints each model's skill (improvement over the
// seasonal-naive reference, in scale units) on each live family and on the
// CO2 replay; BENCHMARKS.md quotes it. It runs only when asked:
//
//	FORECAST_FAMILY_ROUNDS=300 go test ./subnets/forecast/ -run TestSkillByFamily -v
func TestSkillByFamily(t *testing.T) {
	rounds, _ := strconv.Atoi(os.Getenv(familyRoundsEnv))
	if rounds <= 0 {
		t.Skipf("set %s to the rounds per family and secret (300 takes about a minute)", familyRoundsEnv)
	}
	columns, skill := skillByFamily(t, rounds)
	var table strings.Builder
	fmt.Fprintf(&table, "%d rounds per family and secret, %d secrets, horizon 8, quantiles 0.1/0.5/0.9\n\n| model | %s |\n|---|%s\n",
		rounds, len(familySecrets), strings.Join(columns, " | "), strings.Repeat("---:|", len(columns)))
	for _, name := range model.Names() {
		fmt.Fprintf(&table, "| %s |", name)
		for _, v := range skill[name] {
			fmt.Fprintf(&table, " %+.3f |", v)
		}
		table.WriteString("\n")
	}
	t.Log("\n" + table.String())
	for col := range columns {
		require.Zero(t, skill["seasonal-naive"][col], "the reference scores 0 in every column")
	}
}
