package localnet

import (
	"fmt"
	"io"
	"math"
	"os"

	"github.com/gotensor/gotensor/sdk/metagraph"
	"github.com/gotensor/gotensor/subnets/forecast/scoreboard"
	subnettypes "github.com/gotensor/gotensor/x/subnet/types"
)

// NeuronReport is one uid of the demo subnet as the summary and the live table show it. Shares are
// fractions of 1. Skill is the miner's average improvement over the seasonal-naive reference
// forecast (score.Skill, in scale units: 0 = as good as the reference) over every challenge the
// validators scored; RefereeSkill is the same measure over the referee's own challenges, which
// no validator saw.
type NeuronReport struct {
	UID        uint16  `json:"uid"`
	Role       string  `json:"role"`
	Name       string  `json:"name"`
	Model      string  `json:"model,omitempty"`
	Hotkey     string  `json:"hotkey"`
	StakeRao   uint64  `json:"stake_rao"`
	Skill      float64 `json:"skill"`
	Challenges int     `json:"challenges"`
	// RefereeSkill and RefereeChallenges are 0 for a uid the referee has not scored.
	RefereeSkill      float64 `json:"referee_skill"`
	RefereeChallenges int     `json:"referee_challenges"`
	Incentive         float64 `json:"incentive"`
	Dividends         float64 `json:"dividends"`
	ValidatorTrust    float64 `json:"validator_trust"`
	EmissionRao       uint64  `json:"emission_rao"`
}

// Roles of the demo's uids.
const (
	roleOwner     = "owner"
	roleMiner     = "miner"
	roleValidator = "validator"
	// roleOther is a hotkey registered by someone else, such as a user's own miner.
	roleOther = "other"
)

// neuronReports joins the metagraph with the roster and the validators' pooled scores.
func (d *demo) neuronReports(m *metagraph.Metagraph) []NeuronReport {
	if m == nil {
		return nil
	}
	type who struct{ role, name, model string }
	known := map[string]who{}
	if owner, err := d.hotkey(ownerHotkey); err == nil {
		known[owner.Address()] = who{roleOwner, ownerHotkey, ""}
	}
	for _, mn := range d.roster.Miners {
		if h, err := d.hotkey(hotkeyOf(mn.Name)); err == nil {
			known[h.Address()] = who{roleMiner, mn.Name, mn.Model}
		}
	}
	for _, v := range d.roster.Validators {
		if h, err := d.hotkey(hotkeyOf(v.Name)); err == nil {
			known[h.Address()] = who{roleValidator, v.Name, ""}
		}
	}
	var lists [][]scoreboard.Standing
	for _, v := range d.validators {
		lists = append(lists, v.Standings())
	}
	skills := map[string]scoreboard.Standing{}
	for _, s := range scoreboard.Pool(lists...) {
		skills[s.Hotkey] = s
	}
	refereed := map[string]scoreboard.Standing{}
	if d.referee != nil {
		for _, s := range d.referee.Standings() {
			refereed[s.Hotkey] = s
		}
	}
	out := make([]NeuronReport, m.N())
	for uid := range m.N() {
		hotkey := m.Hotkeys[uid]
		w, ok := known[hotkey]
		if !ok {
			w = who{role: roleOther}
		}
		out[uid] = NeuronReport{
			UID: uint16(uid), Role: w.role, Name: w.name, Model: w.model, Hotkey: hotkey,
			StakeRao: m.AlphaStake[uid], Skill: skills[hotkey].Skill, Challenges: skills[hotkey].Challenges,
			RefereeSkill: refereed[hotkey].Skill, RefereeChallenges: refereed[hotkey].Challenges,
			Incentive: metagraph.Share(m.Incentive[uid]), Dividends: metagraph.Share(m.Dividends[uid]),
			ValidatorTrust: metagraph.Share(m.ValidatorTrust[uid]), EmissionRao: m.Emission[uid],
		}
	}
	return out
}

// skillIncentiveSpearman is the rank correlation between the validators' measured skill and the
// incentive of the miners they scored: 1 when incentive orders the miners exactly as their skill
// does. It is undefined (nil) with fewer than two such miners or when either side has no spread.
// The validators' skill is the measurement their weights, and so the incentive, were made from;
// refereeSkillIncentiveSpearman is the check that does not lean on it.
func skillIncentiveSpearman(ns []NeuronReport) *float64 {
	return minerSpearman(ns, func(n NeuronReport) (float64, int) { return n.Skill, n.Challenges })
}

// refereeSkillIncentiveSpearman is the rank correlation between the referee's measured skill and
// the incentive of the miners it scored, undefined (nil) as skillIncentiveSpearman is.
func refereeSkillIncentiveSpearman(ns []NeuronReport) *float64 {
	return minerSpearman(ns, func(n NeuronReport) (float64, int) { return n.RefereeSkill, n.RefereeChallenges })
}

// minerSpearman correlates a measure of skill (and the challenges it rests on) with incentive
// over the miners (any uid but the owner and the demo's validators) that the measure covers, as
// scoreboard.SkillIncentive does for the explorer.
func minerSpearman(ns []NeuronReport, skillOf func(NeuronReport) (skill float64, challenges int)) *float64 {
	// A standing's UID is its report's index in ns (the uid itself, in a report of the metagraph).
	measured := make([]scoreboard.Standing, len(ns))
	for i, n := range ns {
		skill, challenges := skillOf(n)
		measured[i] = scoreboard.Standing{UID: uint16(i), Hotkey: n.Hotkey, Skill: skill, Challenges: challenges}
	}
	rho, _, ok := scoreboard.SkillIncentive(measured, func(s scoreboard.Standing) (float64, bool) {
		n := ns[s.UID]
		return n.Incentive, n.Role != roleValidator && n.Role != roleOwner
	})
	if !ok {
		return nil
	}
	return &rho
}

// bestBy is the model of the scored miner with the highest value of f.
func bestBy(ns []NeuronReport, f func(NeuronReport) float64) string {
	best, model := math.Inf(-1), ""
	for _, n := range ns {
		if n.Role == roleMiner && n.Challenges > 0 && f(n) > best {
			best, model = f(n), n.Model
		}
	}
	return model
}

// writeTable prints the metagraph as the live table: one row per uid.
func writeTable(w io.Writer, ns []NeuronReport) {
	fmt.Fprintf(w, "%4s  %-9s  %-11s  %-14s  %14s  %9s  %9s  %7s  %12s  %7s  %7s\n",
		"uid", "role", "name", "model", "stake α", "incentive", "dividends", "vtrust", "emission α", "skill", "referee")
	for _, n := range ns {
		model := n.Model
		if model == "" {
			model = "-"
		}
		fmt.Fprintf(w, "%4d  %-9s  %-11s  %-14s  %14s  %9.4f  %9.4f  %7.4f  %12s  %7s  %7s\n",
			n.UID, n.Role, truncate(n.Name, 11), truncate(model, 14), subnettypes.FormatTAO(n.StakeRao),
			n.Incentive, n.Dividends, n.ValidatorTrust, subnettypes.FormatTAO(n.EmissionRao),
			skillCell(n.Skill, n.Challenges), skillCell(n.RefereeSkill, n.RefereeChallenges))
	}
}

// skillCell prints a skill with its sign, or "-" when nothing was scored.
func skillCell(skill float64, challenges int) string {
	if challenges == 0 {
		return "-"
	}
	return fmt.Sprintf("%+.3f", skill)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// clearScreen moves a terminal's cursor home and clears it, so the table redraws in place.
const clearScreen = "\033[H\033[2J"

// isTerminal reports whether w is an interactive terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
