package web

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/explorer/store"
)

// The tables written in Go escape what they show as html/template would: a hostile value stays
// text, and figures keep their sort values.
func TestTableRowsEscape(t *testing.T) {
	mg := store.Metagraph{Netuid: 3, Neurons: []store.Neuron{{
		UID: 7, Hotkey: `tao1"><script>x</script>`, Coldkey: "tao1cold", AlphaStake: 1_500_000_000,
		Incentive: 65535, Axon: "<b>1.2.3.4:80</b>",
	}}}
	got := string(metagraphRows(mg))
	require.NotContains(t, got, "<script>")
	require.NotContains(t, got, "<b>")
	require.Contains(t, got, `<tr data-uid="7"><td data-v="7"><a href="/subnets/3/uids/7">7</a></td>`)
	require.Contains(t, got, `title="tao1&#34;&gt;&lt;script&gt;x&lt;/script&gt;"`)
	require.Contains(t, got, `<td data-v="1500000000">1.500000000</td>`)
	require.Contains(t, got, `<td data-v="65535">1.0000</td>`)

	take, nominators, rate := uint32(65535/10), 0, 0.25
	v := string(validatorRows([]store.ValidatorRow{
		{Netuid: 1, UID: 2, Hotkey: "tao1hot", Coldkey: "tao1cold", Take: &take, Nominators: &nominators, DividendRate: &rate},
		{Netuid: 1, UID: 3, Hotkey: "tao1other", Coldkey: "tao1cold"},
	}))
	require.Contains(t, v, `<td class="take" data-v="6553">10.00 %</td><td class="nominators" data-v="0">0</td>`)
	require.Contains(t, v, `<td class="take" data-v="">–</td><td class="nominators" data-v="">–</td>`, "none recorded")
	require.Contains(t, v, `<td data-v="0.25">0.250</td>`)
}
