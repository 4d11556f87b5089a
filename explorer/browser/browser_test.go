package browser_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/explorer/store"
	"github.com/gotensor/gotensor/explorer/web"
	"github.com/gotensor/gotensor/localnet"
	"github.com/gotensor/gotensor/sdk/chain"
	"github.com/gotensor/gotensor/sim/stats"
	"github.com/gotensor/gotensor/subnets/forecast/standings"
	"github.com/gotensor/gotensor/x/subnet/types"
)

// chromium finds the browser, installing Debian's package where it is missing and the test may
// (as root); otherwise the test is skipped with the reason.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("no chromium here and not root to install it: `apt-get install -y chromium` runs this test")
	}
	out, err := exec.Command("sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium").CombinedOutput()
	if err != nil {
		t.Skipf("chromium could not be installed (%v): %s", err, lastLine(out))
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Skipf("chromium was installed but is not on PATH: %v", err)
	}
	return p
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// lockedBuffer collects the network's progress while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	for range 100 {
		p := 20_000 + rand.IntN(12_000)
		if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p)); err == nil {
			_ = l.Close()
			return p
		}
	}
	t.Fatal("no free port")
	return 0
}

var explorerLine = regexp.MustCompile(`(?m)^explorer (http://\S+)$`)

// network starts a local network with the forecasting subnet and its explorer, and returns the
// explorer's URL (read from the line localnet prints) and a client of the node.
func network(t *testing.T) (string, *chain.Client) {
	t.Helper()
	ports := localnet.Ports{P2P: freePort(t), RPC: freePort(t), GRPC: freePort(t), API: freePort(t)}
	roster := localnet.NewRoster(3, 2)
	roster.Tempo = 5
	progress := &lockedBuffer{}
	opts := localnet.Options{
		Home: filepath.Join(t.TempDir(), "home"), ChainID: localnet.DefaultChainID, Ports: ports, BlockTime: 250 * time.Millisecond,
		JSON: true, Out: &lockedBuffer{}, Progress: progress, Roster: roster, AxonPort: freePort(t),
		Subnets: []string{localnet.SubnetForecast}, ExplorerPort: freePort(t),
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := localnet.Run(ctx, opts)
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && ctx.Err() == nil {
				t.Errorf("localnet: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("localnet did not stop")
		}
	})
	var url string
	require.Eventually(t, func() bool {
		select {
		case err := <-done:
			t.Fatalf("localnet stopped: %v\n%s", err, progress.String())
		default:
		}
		m := explorerLine.FindStringSubmatch(progress.String())
		if m != nil {
			url = m[1]
		}
		return m != nil
	}, time.Minute, 100*time.Millisecond, "localnet prints an 'explorer http://' line")
	c, err := chain.Dial(context.Background(), chain.Config{Node: fmt.Sprintf("127.0.0.1:%d", ports.GRPC), ChainID: localnet.DefaultChainID})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return url, c
}

// paidMetagraph waits until the explorer holds an epoch of the forecasting subnet that paid its
// miners.
func paidMetagraph(t *testing.T, url string, netuid uint16) store.Metagraph {
	t.Helper()
	var mg store.Metagraph
	require.Eventually(t, func() bool {
		res, err := http.Get(fmt.Sprintf("%s/api/subnets/%d/metagraph", url, netuid))
		if err != nil {
			return false
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&mg) != nil {
			return false
		}
		return slices.ContainsFunc(mg.Neurons, func(n store.Neuron) bool { return n.Incentive > 0 && n.Role() == "miner" })
	}, 75*time.Second, 250*time.Millisecond, "an epoch pays the miners")
	return mg
}

// A user's tour of a live local network: the figures on the pages are the chain's own at the
// heights the pages name, the metagraph sorts, links lead to the uid's history and the fairness
// panel, and a new block redraws the page without a reload.
func TestExplorerInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a local network and a browser for about a minute")
	}
	browser := chromium(t)
	url, c := network(t)
	const netuid = 1
	mg := paidMetagraph(t, url, netuid)
	shots := t.ArtifactDir()

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1400, 1000))...)
	defer cancelAlloc()
	tab, cancel := chromedp.NewContext(alloc)
	defer cancel()
	// The first action starts the browser, which lives as long as that action's context: only
	// the later ones are bounded.
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(url+"/")))
	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, 30*time.Second)
		defer cancel()
		require.NoError(t, chromedp.Do(ctx, steps...))
	}
	// text reads an element's text in one step in the page: found and read apart, a live
	// redraw between the two leaves the read on a node that is gone.
	text := func(sel string) string {
		t.Helper()
		return get(t, tab, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).innerText`, sel)))
	}
	// click clicks in one step in the page, so that a live redraw between finding the element and
	// clicking it cannot leave the click on a node that is gone.
	click := func(sel string) {
		t.Helper()
		require.True(t, get(t, tab, chromedp.Evaluate[bool](fmt.Sprintf(`(e => e ? (e.click(), true) : false)(document.querySelector(%q))`, sel))), sel)
	}
	shot := func(name string) {
		t.Helper()
		png := get(t, tab, chromedp.FullScreenshot(100))
		require.NoError(t, os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644))
	}
	column := func(col int) []string {
		t.Helper()
		return get(t, tab, chromedp.Evaluate[[]string](fmt.Sprintf(
			`Array.from(document.querySelectorAll("#metagraph tbody tr")).map(r => r.cells[%d].getAttribute("data-v"))`, col)))
	}
	// snapshot reads several figures in one step in the page, so that a live redraw cannot fall
	// between reading the height a page names and reading the figures it shows for that height.
	snapshot := func(exprs ...string) []string {
		t.Helper()
		return get(t, tab, chromedp.Evaluate[[]string]("["+strings.Join(exprs, ", ")+"]"))
	}
	textOf := func(sel string) string { return fmt.Sprintf(`document.querySelector(%q).textContent.trim()`, sel) }
	attrOf := func(sel, name string) string {
		return fmt.Sprintf(`document.querySelector(%q).getAttribute(%q)`, sel, name)
	}
	q := context.Background()

	// The network page: the supply at the height it shows is the chain's.
	do(chromedp.WaitVisible(chromedp.ID("net-height")))
	net := snapshot(textOf("#net-height"), attrOf("#issuance", "data-v"))
	h, err := strconv.ParseInt(net[0], 10, 64)
	require.NoError(t, err)
	sp, err := c.Query().Supply(chain.AtHeight(q, h), &types.QuerySupplyRequest{})
	require.NoError(t, err)
	require.Equal(t, strconv.FormatUint(sp.TotalIssuance, 10), net[1], "issuance at %d", h)
	require.Contains(t, text("#cap"), types.FormatTAO(sp.MaxSupply), "the 21M cap")
	shot("network")

	// The subnets page: the forecasting subnet's price and reserve at the page's height.
	do(chromedp.Navigate(url+"/subnets"), chromedp.WaitVisible(chromedp.CSS(`tr[data-netuid="1"]`)))
	subnets := snapshot(textOf("h1 small"), attrOf(`tr[data-netuid="1"] td:nth-child(3)`, "data-v"),
		attrOf(`tr[data-netuid="1"] td:nth-child(4)`, "data-v"))
	h, err = strconv.ParseInt(strings.TrimPrefix(subnets[0], "at block "), 10, 64)
	require.NoError(t, err, subnets[0])
	sn, err := c.Query().Subnet(chain.AtHeight(q, h), &types.QuerySubnetRequest{Netuid: netuid})
	require.NoError(t, err)
	require.Equal(t, sn.Subnet.Price, subnets[1], "price at %d", h)
	require.Equal(t, strconv.FormatUint(sn.Subnet.TaoReserve, 10), subnets[2], "TAO reserve at %d", h)
	shot("subnets")

	// The metagraph: every uid's incentive and dividends are the chain's at the epoch's block;
	// sorting by incentive orders the rows.
	do(chromedp.Navigate(fmt.Sprintf("%s/subnets/%d/metagraph", url, netuid)), chromedp.WaitVisible(chromedp.ID("metagraph")))
	type shownMetagraph struct {
		Epoch      string   `json:"epoch"`
		Incentives []string `json:"incentives"`
		Dividends  []string `json:"dividends"`
	}
	shown := get(t, tab, chromedp.Evaluate[shownMetagraph](`(() => {
		const col = c => Array.from(document.querySelectorAll("#metagraph tbody tr")).map(r => r.cells[c].getAttribute("data-v"));
		return {epoch: document.querySelector("#epoch-block").textContent.trim(), incentives: col(5), dividends: col(6)};
	})()`))
	epoch, err := strconv.ParseInt(shown.Epoch, 10, 64)
	require.NoError(t, err)
	require.GreaterOrEqual(t, epoch, mg.Block)
	incentives, dividends := shown.Incentives, shown.Dividends
	chainMG, err := c.Query().Metagraph(chain.AtHeight(q, epoch), &types.QueryMetagraphRequest{Netuid: netuid})
	require.NoError(t, err)
	require.Len(t, incentives, len(chainMG.Neurons))
	for i, n := range chainMG.Neurons {
		require.Equal(t, strconv.FormatUint(uint64(n.Incentive), 10), incentives[i], "uid %d's incentive at %d", n.Uid, epoch)
		require.Equal(t, strconv.FormatUint(uint64(n.Dividends), 10), dividends[i], "uid %d's dividends at %d", n.Uid, epoch)
	}
	asNumbers := func(v []string) []int {
		out := make([]int, len(v))
		for i, s := range v {
			out[i], _ = strconv.Atoi(s)
		}
		return out
	}
	click(`#metagraph th:nth-child(6)`)
	sortedDesc := column(5)
	shot("metagraph-by-incentive")
	click(`#metagraph th:nth-child(6)`)
	sortedAsc := column(5)
	desc := asNumbers(sortedDesc)
	require.True(t, slices.IsSortedFunc(desc, func(a, b int) int { return b - a }), "descending by incentive: %v", desc)
	require.True(t, slices.IsSorted(asNumbers(sortedAsc)), "then ascending: %v", sortedAsc)
	require.ElementsMatch(t, incentives, sortedDesc, "sorting moves rows, it does not change them")

	// Live: a new block redraws the page in place (the page's own state survives: no reload).
	get(t, tab, chromedp.Evaluate[string](`window.__notReloaded = "yes"`))
	before, err := strconv.Atoi(text("#height"))
	require.NoError(t, err)
	redrawn := func() int {
		return get(t, tab, chromedp.Evaluate[int](`+(document.body.getAttribute("data-live-height") || 0)`))
	}
	require.Eventually(t, func() bool { return redrawn() > before }, 20*time.Second, 100*time.Millisecond,
		"a block after %d redraws the page", before)
	require.Equal(t, "yes", get(t, tab, chromedp.Evaluate[string](`window.__notReloaded || "reloaded"`)))

	// Links: a miner's uid leads to its history; the fairness panel shows the four measures and
	// the validators' scores.
	miner := slices.IndexFunc(chainMG.Neurons, func(n types.NeuronView) bool { return n.Incentive > 0 })
	click(fmt.Sprintf(`#metagraph tr[data-uid="%d"] td:first-child a`, chainMG.Neurons[miner].Uid))
	do(chromedp.WaitVisible(chromedp.ID("uid-history")))
	require.Equal(t, fmt.Sprintf("Subnet %d uid %d", netuid, chainMG.Neurons[miner].Uid), text("h1"))
	shot("uid")
	do(chromedp.Navigate(fmt.Sprintf("%s/subnets/%d/fairness", url, netuid)), chromedp.WaitVisible(chromedp.ID("fairness-now")))
	require.Equal(t, 4, get(t, tab, chromedp.Evaluate[int](`document.querySelectorAll("#fairness-now tbody tr").length`)),
		"incentive and dividends, per uid and per coldkey")
	require.Positive(t, get(t, tab, chromedp.Evaluate[int](`document.querySelectorAll("#validators tbody tr").length`)))
	shot("fairness")

	// Published skill: the validators publish their standings, signed, on the endpoint the chain
	// lists as their axon; the panel's correlation is the Spearman of the skill they published
	// for that epoch (pooled over challenges) with the chain's incentive at the epoch.
	skill := publishedSkill(t, url, netuid, 3) // the roster's three miners
	do(chromedp.Navigate(fmt.Sprintf("%s/subnets/%d/fairness", url, netuid)), chromedp.WaitVisible(chromedp.ID("skill-spearman")))
	shownSkill := snapshot(textOf("#skill-spearman"), textOf("#skill-publishers"),
		`Array.from(document.querySelectorAll("#skill-validators tbody tr")).map(r => r.cells[2].textContent).join(",")`)
	latest := skill.Skill.Latest
	if shownSkill[0] != fmt.Sprintf("%.3f", *latest.Spearman) {
		skill = publishedSkill(t, url, netuid, 3) // a newer epoch was read between the two requests
		latest = skill.Skill.Latest
	}
	require.Equal(t, fmt.Sprintf("%.3f", *latest.Spearman), shownSkill[0])
	require.Equal(t, strconv.Itoa(latest.Publishers), shownSkill[1])
	// The panel lists both roster validators as published; any other uid counted as a validator
	// (the owner's, which runs only the referee) publishes nothing.
	statuses, listed := strings.Split(shownSkill[2], ","), 0
	for _, st := range statuses {
		require.Contains(t, []string{store.SkillPublished, store.SkillNotPublished}, st)
		if st == store.SkillPublished {
			listed++
		}
	}
	require.Equal(t, 2, listed, "%v", statuses)
	var pooledSkill, incentive []float64
	var weightSum, challenges = map[string]float64{}, map[string]float64{}
	var order []string
	published := 0
	for _, r := range latest.Readings {
		if r.Status != store.SkillPublished {
			continue
		}
		published++
		for _, m := range r.Miners {
			if _, seen := challenges[m.Hotkey]; !seen {
				order = append(order, m.Hotkey)
			}
			weightSum[m.Hotkey] += m.Skill * float64(m.Challenges)
			challenges[m.Hotkey] += float64(m.Challenges)
		}
	}
	require.Equal(t, 2, published, "both validators publish: %+v", latest.Readings)
	epochMG, err := c.Query().Metagraph(chain.AtHeight(q, latest.Block), &types.QueryMetagraphRequest{Netuid: netuid})
	require.NoError(t, err)
	for _, hk := range order {
		if challenges[hk] == 0 {
			continue
		}
		uid := slices.IndexFunc(epochMG.Neurons, func(n types.NeuronView) bool { return n.Hotkey == hk })
		require.GreaterOrEqual(t, uid, 0, "a published miner %s is on the subnet", hk)
		pooledSkill = append(pooledSkill, weightSum[hk]/challenges[hk])
		incentive = append(incentive, float64(epochMG.Neurons[uid].Incentive))
	}
	rho, ok := stats.SpearmanDefined(pooledSkill, incentive)
	require.True(t, ok)
	require.InDelta(t, rho, *latest.Spearman, 1e-9, "the panel's correlation is the published skill's against the chain's incentive")
	// What the validators publish now verifies against their hotkeys, at the address the chain
	// lists for them, and is no older than what the panel shows.
	for _, r := range latest.Readings {
		if r.Status != store.SkillPublished {
			continue
		}
		n := epochMG.Neurons[r.UID]
		require.NotNil(t, n.Axon, "validator %d announces its endpoint", r.UID)
		require.Equal(t, standings.AxonVersion, n.Axon.Version)
		now, err := standings.Fetch(q, http.DefaultClient, fmt.Sprintf("%s:%d", n.Axon.Ip, n.Axon.Port),
			standings.Check{ChainID: localnet.DefaultChainID, Netuid: netuid, Hotkey: n.Hotkey})
		require.NoError(t, err)
		require.GreaterOrEqual(t, now.Block, r.StandingsBlock)
		require.Len(t, now.Miners, len(r.Miners), "validator %d measures the same miners", r.UID)
	}
	shot("fairness-skill")
	t.Logf("screenshots in %s", shots)
}

// publishedSkill waits until the explorer holds the validators' published skill for an epoch of
// the subnet whose correlation is defined, over at least minMiners miners, and returns it.
func publishedSkill(t *testing.T, url string, netuid uint16, minMiners int) web.FairnessView {
	t.Helper()
	var v web.FairnessView
	require.Eventually(t, func() bool {
		res, err := http.Get(fmt.Sprintf("%s/api/subnets/%d/fairness", url, netuid))
		if err != nil {
			return false
		}
		defer res.Body.Close()
		v = web.FairnessView{}
		if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&v) != nil {
			return false
		}
		l := v.Skill.Latest
		return l != nil && l.Spearman != nil && l.Publishers == 2 && l.Miners >= max(minMiners, 2)
	}, 60*time.Second, 250*time.Millisecond, "the validators' published skill is read at an epoch")
	return v
}

// get runs one action in the browser, within 30 s.
func get[T any](t *testing.T, tab context.Context, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	require.NoError(t, err)
	return v
}
