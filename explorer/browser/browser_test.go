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
	"github.com/gotensor/gotensor/localnet"
	"github.com/gotensor/gotensor/sdk/chain"
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
	t.Logf("screenshots in %s", shots)
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
