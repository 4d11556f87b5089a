package web

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gotensor/gotensor/explorer/store"
	"github.com/gotensor/gotensor/sdk/synapse"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// historyEpochs is how many epochs the per-uid and fairness pages show.
const historyEpochs = 500

func (s *Server) network(r *http.Request) (any, error) { return s.cfg.Store.Network(r.Context()) }

// SubnetsPage is the list of subnets at a height.
type SubnetsPage struct {
	Height  int64             `json:"height"`
	Subnets []store.SubnetRow `json:"subnets"`
}

func (s *Server) subnets(r *http.Request) (any, error) {
	h, rows, err := s.cfg.Store.Subnets(r.Context())
	return SubnetsPage{Height: h, Subnets: rows}, err
}

// SubnetView is a subnet's page: its figures and charts, and its metagraph after the latest
// epoch (absent before its first) with the distribution of its incentive and dividends (each
// sorted from the largest; x is the rank).
type SubnetView struct {
	Subnet       store.SubnetPage `json:"subnet"`
	Metagraph    *store.Metagraph `json:"metagraph"`
	Distribution store.Series     `json:"distribution"`
	// Registrations are the latest uids taken, each naming the hotkey it replaced (deregistered).
	Registrations []store.Registration `json:"registrations"`
}

func (s *Server) subnet(r *http.Request) (any, error) {
	netuid, err := netuidOf(r)
	if err != nil {
		return nil, err
	}
	var v SubnetView
	if v.Subnet, err = s.cfg.Store.Subnet(r.Context(), netuid); err != nil {
		return nil, err
	}
	switch mg, err := s.cfg.Store.Metagraph(r.Context(), netuid); {
	case err == nil:
		v.Metagraph = &mg
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	if v.Registrations, err = s.cfg.Store.Registrations(r.Context(), netuid, 50); err != nil {
		return nil, err
	}
	v.Distribution = store.Series{X: []int64{}, Y: map[string][]float64{"incentive": {}, "dividends": {}}}
	if v.Metagraph != nil {
		var inc, div []float64
		for i, n := range v.Metagraph.Neurons {
			v.Distribution.X = append(v.Distribution.X, int64(i+1))
			inc, div = append(inc, share(n.Incentive)), append(div, share(n.Dividends))
		}
		for name, x := range map[string][]float64{"incentive": inc, "dividends": div} {
			slices.SortFunc(x, func(a, b float64) int { return cmp.Compare(b, a) })
			v.Distribution.Y[name] = x
		}
	}
	return v, nil
}

func (s *Server) metagraph(r *http.Request) (any, error) {
	netuid, err := netuidOf(r)
	if err != nil {
		return nil, err
	}
	return s.cfg.Store.Metagraph(r.Context(), netuid)
}

// UIDView is one uid's history over epochs, with its chart.
type UIDView struct {
	Netuid  uint16           `json:"netuid"`
	UID     uint16           `json:"uid"`
	History []store.NeuronAt `json:"history"`
	Chart   store.Series     `json:"chart"`
}

func (s *Server) uid(r *http.Request) (any, error) {
	netuid, err := netuidOf(r)
	if err != nil {
		return nil, err
	}
	uid, err := strconv.ParseUint(r.PathValue("uid"), 10, 16)
	if err != nil {
		return nil, badRequest{fmt.Errorf("uid %q is not a number (0–65535)", r.PathValue("uid"))}
	}
	v := UIDView{Netuid: netuid, UID: uint16(uid)}
	if v.History, err = s.cfg.Store.UIDHistory(r.Context(), netuid, uint16(uid), historyEpochs); err != nil {
		return nil, err
	}
	v.Chart = store.Series{X: []int64{}, Y: map[string][]float64{"incentive": {}, "dividends": {}, "validator_trust": {}, "emission_alpha": {}}}
	for _, h := range v.History {
		v.Chart.X = append(v.Chart.X, h.Block)
		v.Chart.Y["incentive"] = append(v.Chart.Y["incentive"], share(h.Incentive))
		v.Chart.Y["dividends"] = append(v.Chart.Y["dividends"], share(h.Dividends))
		v.Chart.Y["validator_trust"] = append(v.Chart.Y["validator_trust"], share(h.ValidatorTrust))
		v.Chart.Y["emission_alpha"] = append(v.Chart.Y["emission_alpha"], float64(h.Emission)/1e9)
	}
	return v, nil
}

// validatorsShown bounds the validators page: the largest by stake over every subnet.
const validatorsShown = 256

func (s *Server) validators(r *http.Request) (any, error) {
	rows, err := s.cfg.Store.Validators(r.Context(), validatorsShown)
	if err != nil || len(rows) == 0 {
		return rows, err
	}
	blockTime, err := s.cfg.Store.BlockTime(r.Context())
	if err != nil {
		return nil, err
	}
	_, subnets, err := s.cfg.Store.Subnets(r.Context())
	if err != nil {
		return nil, err
	}
	tempo := map[uint16]uint32{}
	for _, sn := range subnets {
		tempo[sn.Netuid] = sn.Tempo
	}
	for i, v := range rows {
		if t := tempo[v.Netuid]; t > 0 && v.AlphaStake > 0 && blockTime > 0 {
			epochsADay := 86400 / blockTime / float64(t)
			ret := float64(v.Emission) / float64(v.AlphaStake) * 1000 * epochsADay
			rows[i].DailyReturn = &ret
		}
	}
	return rows, nil
}

// AccountView is an address: what the node says of it now (balance, stakes and their TAO value,
// the hotkey's owner and take) and the events that named it.
type AccountView struct {
	Address string                     `json:"address"`
	Stakes  *types.QueryStakesResponse `json:"stakes,omitempty"`
	Hotkey  *types.QueryHotkeyResponse `json:"hotkey,omitempty"`
	// StakedValue is the TAO value of every stake, in rao.
	StakedValue uint64           `json:"staked_value"`
	Neurons     []store.NeuronOn `json:"neurons"`
	Events      []store.Event    `json:"events"`
}

func (s *Server) account(r *http.Request) (any, error) {
	addr := r.PathValue("address")
	if err := synapse.CheckAddress(addr); err != nil {
		return nil, badRequest{fmt.Errorf("%q is not an account address: %v", addr, err)}
	}
	v := AccountView{Address: addr}
	ctx := r.Context()
	var err error
	if s.cfg.Chain != nil {
		if v.Stakes, err = s.cfg.Chain.Stakes(ctx, addr); err != nil {
			return nil, fmt.Errorf("the node's account query: %w", err)
		}
		for _, st := range v.Stakes.Stakes {
			v.StakedValue += st.TaoValue
		}
		if v.Hotkey, err = s.cfg.Chain.Hotkey(ctx, addr); err != nil {
			return nil, fmt.Errorf("the node's hotkey query: %w", err)
		}
	}
	if v.Neurons, err = s.cfg.Store.HotkeyNeurons(ctx, addr); err != nil {
		return nil, err
	}
	v.Events, err = s.cfg.Store.AddressEvents(ctx, addr, 100)
	return v, err
}

// BlocksPage lists blocks, newest first.
type BlocksPage struct {
	Blocks []store.BlockRow `json:"blocks"`
	// Older is the height the next page starts below (0: none).
	Older int64 `json:"older"`
}

func (s *Server) blocks(r *http.Request) (any, error) {
	below, err := s.cfg.Store.Height(r.Context())
	if err != nil {
		return nil, err
	}
	if q := r.URL.Query().Get("below"); q != "" {
		if below, err = strconv.ParseInt(q, 10, 64); err != nil {
			return nil, badRequest{fmt.Errorf("below=%q is not a height", q)}
		}
	}
	const pageSize = 50
	rows, err := s.cfg.Store.Blocks(r.Context(), below, pageSize)
	p := BlocksPage{Blocks: rows}
	if len(rows) == pageSize && rows[len(rows)-1].Height > 1 {
		p.Older = rows[len(rows)-1].Height - 1
	}
	return p, err
}

func (s *Server) block(r *http.Request) (any, error) {
	h, err := strconv.ParseInt(r.PathValue("height"), 10, 64)
	if err != nil || h < 1 {
		return nil, badRequest{fmt.Errorf("height %q is not a block height", r.PathValue("height"))}
	}
	return s.cfg.Store.Block(r.Context(), h)
}

func (s *Server) tx(r *http.Request) (any, error) {
	hash := r.PathValue("hash")
	if len(hash) != 64 || !isHex(hash) {
		return nil, badRequest{fmt.Errorf("%q is not a transaction hash (64 hex digits)", hash)}
	}
	return s.cfg.Store.Tx(r.Context(), hash)
}

// share is a u16 proportion as a fraction.
func share(v uint32) float64 { return float64(v) / 65535 }

// The formats of figures, shared by the templates (funcs) and the tables written in Go (tables.go).
func formatShare(v uint32) string { return strconv.FormatFloat(share(v), 'f', 4, 64) }
func formatPct(f float64) string  { return strconv.FormatFloat(100*f, 'f', 2, 64) + " %" }

// formatTake is a u16 take as a percentage, or a dash where none is recorded.
func formatTake(t *uint32) string {
	if t == nil {
		return "–"
	}
	return formatPct(share(*t))
}

// formatF3 is a figure to three decimals, or a dash where there is none; sortValue is its exact
// value for sorting, empty where there is none.
func formatF3(f *float64) string {
	if f == nil || math.IsNaN(*f) {
		return "–"
	}
	return strconv.FormatFloat(*f, 'f', 3, 64)
}

func sortValue(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'g', -1, 64)
}

// shortKey shortens an address or hash to its head and tail.
func shortKey(s string) string {
	if len(s) <= 16 {
		return s
	}
	return s[:10] + "…" + s[len(s)-4:]
}

var funcs = template.FuncMap{
	"tao":     types.FormatTAO,
	"taof":    func(t float64) string { return strconv.FormatFloat(t, 'f', 3, 64) },
	"share":   formatShare,
	"pct":     formatPct,
	"takepct": formatTake,
	"f3":      formatF3,
	"fv":      sortValue,
	"short":   shortKey,
	// metagraphRows and validatorRows write the 256-row tables in Go: executing a template per
	// cell made them most of a page's time (BENCHMARKS.md).
	"metagraphRows": metagraphRows,
	"validatorRows": validatorRows,
	"when":          func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") },
	// chart is a series as the data-series attribute explorer.js draws.
	"chart": func(v store.Series) (template.HTMLAttr, error) {
		bz, err := json.Marshal(v)
		return template.HTMLAttr(`data-series="` + html.EscapeString(string(bz)) + `"`), err
	},
	"lastMeasures": func(h []store.FairnessAt) []store.Fairness {
		if len(h) == 0 {
			return nil
		}
		return h[len(h)-1].Measures
	},
	"inc": func(h int64) int64 { return h + 1 },
	"dec": func(h int64) int64 { return h - 1 },
}
