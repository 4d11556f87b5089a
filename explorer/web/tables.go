package web

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/gotensor/gotensor/explorer/store"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// cell is one table cell: the value the page's sorting reads (data-v), the text shown, and a link
// (with the full value as its title where the text is shortened).
type cell struct {
	class, sort, text, href, title string
}

// rowWriter writes table rows, escaping every value as html/template would in these positions
// (quoted attributes and element text).
type rowWriter struct{ b strings.Builder }

func (w *rowWriter) row(attrs string, cells ...cell) {
	w.b.WriteString("<tr")
	w.b.WriteString(attrs)
	w.b.WriteString(">")
	for _, c := range cells {
		w.b.WriteString("<td")
		if c.class != "" {
			w.attr("class", c.class)
		}
		w.attr("data-v", c.sort)
		w.b.WriteString(">")
		if c.href != "" {
			w.b.WriteString("<a")
			w.attr("href", c.href)
			if c.title != "" {
				w.attr("title", c.title)
			}
			w.b.WriteString(">")
		}
		w.b.WriteString(template.HTMLEscapeString(c.text))
		if c.href != "" {
			w.b.WriteString("</a>")
		}
		w.b.WriteString("</td>")
	}
	w.b.WriteString("</tr>\n")
}

func (w *rowWriter) attr(name, value string) {
	w.b.WriteString(" ")
	w.b.WriteString(name)
	w.b.WriteString(`="`)
	w.b.WriteString(template.HTMLEscapeString(value))
	w.b.WriteString(`"`)
}

// html returns the rows written. They are safe: every value in them went through HTMLEscapeString.
func (w *rowWriter) html() template.HTML { return template.HTML(w.b.String()) } //nolint:gosec // escaped above

func u64(v uint64) string { return strconv.FormatUint(v, 10) }

// accountCell links an address to its account page, shortened, with the whole address as title.
func accountCell(addr string) cell {
	return cell{sort: addr, text: shortKey(addr), href: "/accounts/" + addr, title: addr}
}

// metagraphRows are the rows of a subnet's metagraph table (parts.html "metagraph-table").
func metagraphRows(mg store.Metagraph) template.HTML {
	var w rowWriter
	netuid := u64(uint64(mg.Netuid))
	for _, n := range mg.Neurons {
		uid := u64(uint64(n.UID))
		role := n.Role()
		w.row(` data-uid="`+uid+`"`,
			cell{sort: uid, text: uid, href: "/subnets/" + netuid + "/uids/" + uid},
			accountCell(n.Hotkey),
			accountCell(n.Coldkey),
			cell{sort: role, text: role},
			cell{sort: u64(n.AlphaStake), text: types.FormatTAO(n.AlphaStake)},
			cell{sort: u64(uint64(n.Incentive)), text: formatShare(n.Incentive)},
			cell{sort: u64(uint64(n.Dividends)), text: formatShare(n.Dividends)},
			cell{sort: u64(uint64(n.ValidatorTrust)), text: formatShare(n.ValidatorTrust)},
			cell{sort: u64(uint64(n.Consensus)), text: formatShare(n.Consensus)},
			cell{sort: u64(n.Emission), text: types.FormatTAO(n.Emission)},
			cell{sort: u64(n.LastUpdate), text: u64(n.LastUpdate)},
			cell{sort: n.Axon, text: n.Axon},
		)
	}
	return w.html()
}

// validatorRows are the rows of the validators page's table (validators.html).
func validatorRows(rows []store.ValidatorRow) template.HTML {
	var w rowWriter
	for _, v := range rows {
		netuid, uid := u64(uint64(v.Netuid)), u64(uint64(v.UID))
		take := cell{class: "take", text: formatTake(v.Take)}
		if v.Take != nil {
			take.sort = u64(uint64(*v.Take))
		}
		nominators := cell{class: "nominators", text: "–"}
		if v.Nominators != nil {
			nominators.sort = strconv.Itoa(*v.Nominators)
			nominators.text = nominators.sort
		}
		w.row("",
			cell{sort: netuid, text: netuid, href: "/subnets/" + netuid},
			cell{sort: uid, text: uid, href: "/subnets/" + netuid + "/uids/" + uid},
			cell{sort: v.Hotkey, text: shortKey(v.Hotkey), href: "/accounts/" + v.Hotkey},
			cell{sort: v.Coldkey, text: shortKey(v.Coldkey), href: "/accounts/" + v.Coldkey},
			cell{sort: u64(v.AlphaStake), text: types.FormatTAO(v.AlphaStake)},
			take,
			nominators,
			cell{sort: strconv.FormatFloat(v.Dominance, 'g', -1, 64), text: formatPct(v.Dominance)},
			cell{sort: u64(uint64(v.Dividends)), text: formatShare(v.Dividends)},
			cell{sort: u64(uint64(v.ValidatorTrust)), text: formatShare(v.ValidatorTrust)},
			cell{sort: sortValue(v.DailyReturn), text: formatF3(v.DailyReturn)},
			cell{sort: sortValue(v.DividendRate), text: formatF3(v.DividendRate)},
			cell{sort: sortValue(v.CopyPrev), text: formatF3(v.CopyPrev)},
		)
	}
	return w.html()
}
