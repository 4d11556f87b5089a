package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/explorer/internal/synth"
	"github.com/gotensor/gotensor/explorer/store"
	"github.com/gotensor/gotensor/explorer/web"
)

func serve(t *testing.T) (*httptest.Server, *store.DB, *web.Server) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "explorer.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, synth.Write(ctx, db, synth.Spec{Subnets: 3, UIDs: 12, Validators: 3, Blocks: 60, Tempo: 10, BlockTime: 12 * time.Second, Seed: 1}))
	srv, err := web.New(web.Config{Store: db})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, db, srv
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(body), res.Header
}

// The JSON twins other programs rely on say what the store says.
func TestSubnetsAndMetagraphJSON(t *testing.T) {
	ts, db, _ := serve(t)
	ctx := context.Background()
	code, body, hdr := get(t, ts.URL+"/api/subnets")
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, "application/json", hdr.Get("Content-Type"))
	var subnets web.SubnetsPage
	require.NoError(t, json.Unmarshal([]byte(body), &subnets))
	h, want, err := db.Subnets(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(60), h)
	require.Equal(t, h, subnets.Height)
	require.Len(t, subnets.Subnets, 3)
	for i := range want {
		require.Equal(t, want[i].Price, subnets.Subnets[i].Price)
		require.Equal(t, want[i].TaoReserve, subnets.Subnets[i].TaoReserve)
		require.InDelta(t, want[i].MarketCapTAO, subnets.Subnets[i].MarketCapTAO, 1e-9)
	}

	code, body, _ = get(t, ts.URL+"/api/subnets/2/metagraph")
	require.Equal(t, http.StatusOK, code, body)
	var mg store.Metagraph
	require.NoError(t, json.Unmarshal([]byte(body), &mg))
	require.Len(t, mg.Neurons, 12)
	require.Equal(t, uint64(mg.Block), want[1].LastEpochBlock, "the metagraph is the latest epoch's")
}

// Every page renders, links to its JSON twin's data, and bad input is named, not a crash.
func TestPagesAndErrors(t *testing.T) {
	ts, _, _ := serve(t)
	account := "/accounts/" + synth.Address("hot", 1004)
	for _, p := range []struct{ page, api, want string }{
		{"/", "/api/network", "Emission shares"},
		{"/subnets", "/api/subnets", "subnet-3"},
		{"/subnets/1", "/api/subnets/1", "Incentive distribution"},
		{"/subnets/1/metagraph", "/api/subnets/1/metagraph", `id="metagraph"`},
		{"/subnets/1/uids/4", "/api/subnets/1/uids/4", "uid 4"},
		{"/subnets/1/fairness", "/api/subnets/1/fairness", "NAK51"},
		{"/validators", "/api/validators", "dominance"},
		{"/blocks", "/api/blocks", "/blocks/60"},
		{"/blocks/12", "/api/blocks/12", "Block 12"},
		{account, "/api" + account, "Uids"},
	} {
		code, body, _ := get(t, ts.URL+p.page)
		require.Equal(t, http.StatusOK, code, "%s: %s", p.page, body)
		require.Contains(t, body, p.want, p.page)
		code, body, _ = get(t, ts.URL+p.api)
		require.Equal(t, http.StatusOK, code, "%s: %s", p.api, body)
		require.True(t, json.Valid([]byte(body)), p.api)
	}
	for path, want := range map[string]int{
		"/api/subnets/x/metagraph": http.StatusBadRequest,
		"/api/subnets/9/metagraph": http.StatusNotFound,
		"/api/blocks/0":            http.StatusBadRequest,
		"/api/blocks/61":           http.StatusNotFound,
		"/api/txs/xyz":             http.StatusBadRequest,
		"/subnets/1/uids/999":      http.StatusNotFound,
	} {
		code, body, _ := get(t, ts.URL+path)
		require.Equal(t, want, code, "%s: %s", path, body)
	}
	code, body, _ := get(t, ts.URL+"/api/subnets/x/metagraph")
	require.Equal(t, http.StatusBadRequest, code)
	require.Contains(t, body, `netuid \"x\" is not a subnet number`)
}

// The validators' daily return is their epoch's emission over their stake, times the epochs a day.
func TestValidatorsDailyReturn(t *testing.T) {
	ts, db, _ := serve(t)
	code, body, _ := get(t, ts.URL+"/api/validators")
	require.Equal(t, http.StatusOK, code, body)
	var rows []store.ValidatorRow
	require.NoError(t, json.Unmarshal([]byte(body), &rows))
	require.Len(t, rows, 9, "three validators on each of three subnets")
	net, err := db.Network(context.Background())
	require.NoError(t, err)
	require.InDelta(t, 12, net.BlockTime, 1e-9)
	for _, v := range rows {
		require.NotNil(t, v.DailyReturn)
		want := float64(v.Emission) / float64(v.AlphaStake) * 1000 * 86400 / 12 / 10 // tempo 10
		require.InDelta(t, want, *v.DailyReturn, 1e-9*want)
	}
}

// The validators page shows each validator's take and nominators as stored with its epoch.
func TestValidatorsTakeAndNominators(t *testing.T) {
	ts, _, _ := serve(t)
	code, body, _ := get(t, ts.URL+"/api/validators")
	require.Equal(t, http.StatusOK, code, body)
	var rows []store.ValidatorRow
	require.NoError(t, json.Unmarshal([]byte(body), &rows))
	require.NotEmpty(t, rows)
	code, page, _ := get(t, ts.URL+"/validators")
	require.Equal(t, http.StatusOK, code, page)
	for _, v := range rows {
		require.NotNil(t, v.Take)
		require.Equal(t, synth.Take(int(v.UID)), *v.Take)
		require.NotNil(t, v.Nominators)
		require.Equal(t, synth.Nominators(int(v.UID)), *v.Nominators)
		take := fmt.Sprintf(`<td class="take" data-v="%d">%.2f %%</td>`, *v.Take, 100*float64(*v.Take)/65535)
		require.Contains(t, page, take)
		require.Contains(t, page, fmt.Sprintf(`<td class="nominators" data-v="%d">%d</td>`, *v.Nominators, *v.Nominators))
	}
}

func TestSearch(t *testing.T) {
	ts, _, _ := serve(t)
	for q, want := range map[string]string{
		"42":                     "/blocks/42",
		"sn2":                    "/subnets/2",
		"2/5":                    "/subnets/2/uids/5",
		strings.Repeat("ab", 32): "/txs/" + strings.Repeat("AB", 32),
		synth.Address("cold", 1): "/accounts/" + synth.Address("cold", 1),
	} {
		code, body, _ := get(t, ts.URL+"/api/search?q="+q)
		require.Equal(t, http.StatusOK, code, body)
		require.Contains(t, body, `"url":"`+want+`"`, q)
	}
	code, _, _ := get(t, ts.URL+"/api/search?q=what")
	require.Equal(t, http.StatusNotFound, code)
}

// A stored block reaches an open live stream as an event.
func TestLiveStream(t *testing.T) {
	ts, _, srv := serve(t)
	res, err := http.Get(ts.URL + "/api/live")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
	lines := bufio.NewReader(res.Body)
	_, err = lines.ReadString('\n') // the stream's greeting: it is subscribed
	require.NoError(t, err)
	srv.Notify(61)
	for {
		line, err := lines.ReadString('\n')
		require.NoError(t, err)
		if strings.HasPrefix(line, "data: ") {
			require.Equal(t, `data: {"height":61}`, strings.TrimSpace(line))
			return
		}
	}
}
