package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/gateway"
)

// nodeScript drives the gateway with the official Node client and prints
// what it saw as one JSON object.
const nodeScript = `
import OpenAI from 'openai';
const model = process.env.MODEL;
const messages = [{role: 'user', content: 'In the beginning'}];
const c = new OpenAI({maxRetries: 0});
const out = {};
out.models = (await c.models.list()).data.map(m => m.id);
const chat = await c.chat.completions.create({model, messages, max_tokens: 6});
out.chat = {content: chat.choices[0].message.content, usage: chat.usage};
const stream = await c.chat.completions.create({model, messages, max_tokens: 6, stream: true, stream_options: {include_usage: true}});
let text = '', usage = null;
for await (const ch of stream) {
  if (ch.choices[0]) text += ch.choices[0].delta.content ?? '';
  if (ch.usage) usage = ch.usage;
}
out.stream = {text, usage};
const done = await c.completions.create({model, prompt: 'And God said', max_tokens: 4, seed: 5});
out.completion = {text: done.choices[0].text, usage: done.usage};
const cs = await c.completions.create({model, prompt: 'And God said', max_tokens: 4, seed: 5, stream: true, stream_options: {include_usage: true}});
let ctext = '', cusage = null;
for await (const ch of cs) {
  if (ch.choices[0]) ctext += ch.choices[0].text;
  if (ch.usage) cusage = ch.usage;
}
out.completionStream = {text: ctext, usage: cusage};
const fail = async (f) => { try { await f(); return 'no error'; } catch (e) { return {name: e.constructor.name, status: e.status ?? 0, code: e.code ?? '', retryAfter: e.headers?.get?.('retry-after') ?? ''}; } };
out.notFound = await fail(() => c.chat.completions.create({model: 'gpt-4o', messages}));
out.unauthorized = await fail(() => new OpenAI({apiKey: 'gt-wrong-wrong-wrong-wrong', maxRetries: 0}).models.list());
// A key allowed 60 requests a minute: the 61st is refused with Retry-After,
// and a client that retries gets through a second later.
const limited = (retries) => new OpenAI({apiKey: process.env.LIMITED_API_KEY, maxRetries: retries});
for (let i = 0; i < 60; i++) await limited(0).models.list();
out.rateLimited = await fail(() => limited(0).models.list());
out.retried = (await limited(2).models.list()).data.length;
const broken = new OpenAI({baseURL: process.env.BROKEN_BASE_URL, apiKey: process.env.BROKEN_API_KEY, maxRetries: 0});
out.midStream = await fail(async () => {
  const s = await broken.chat.completions.create({model, messages, max_tokens: 16, stream: true});
  for await (const _ of s) {}
});
console.log(JSON.stringify(out));
`

// openaiNode is the version of the openai npm package tested: the newest
// that runs on Node 20 (7.x needs Node 22).
const openaiNode = "openai@6.30.1"

// installOpenAINode returns a folder holding openaiNode's node_modules,
// installing it the first time into the user's cache (so that reruns take
// no network), or says why it cannot.
func installOpenAINode(t *testing.T) (string, error) {
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", fmt.Errorf("%s is not installed", tool)
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder: %w", err)
	}
	root := filepath.Join(cache, "gotensor", "npm")
	dir := filepath.Join(root, openaiNode)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "openai", "package.json")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(root, "install-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	install := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefer-offline",
		"--fetch-retries=1", "--fetch-timeout=30000", "--prefix", tmp, openaiNode)
	if b, err := install.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm install %s: %v: %s", openaiNode, err, b)
	}
	// Another test process may have put it there meanwhile: either copy is whole.
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "node_modules", "openai", "package.json")); statErr != nil {
			return "", err
		}
	}
	t.Logf("installed %s in %s", openaiNode, dir)
	return dir, nil
}

// The official Node client (openai on npm) against the gateway: models,
// chat and legacy completions plain and streamed with usage, 404, 401,
// 429 with Retry-After and a retry that gets through, and a stream failing
// mid-way. The test installs the package itself (once, into the user's
// cache) and is skipped, saying why, only when node or npm is missing or
// the install fails.
func TestNodeClient(t *testing.T) {
	dir, err := installOpenAINode(t)
	if err != nil {
		t.Skipf("the Node client check cannot run: %v", err)
	}
	// Beside node_modules: an ES module finds its imports only up its own path.
	sf, err := os.CreateTemp(dir, "check-*.mjs")
	require.NoError(t, err)
	script := sf.Name()
	t.Cleanup(func() { os.Remove(script) })
	_, err = sf.WriteString(nodeScript)
	require.NoError(t, errors.Join(err, sf.Close()))

	nw := startNetwork(t)
	f := newFront(t, nw, nw.honestV, nil)
	bf := newFront(t, nw, nw.brokenV, nil)
	limited, _, err := f.keys.Add(context.Background(), "limited", gateway.Limits{RequestsPerMinute: 60})
	require.NoError(t, err)
	run := exec.Command("node", script)
	run.Env = append(os.Environ(), "OPENAI_BASE_URL="+f.url, "OPENAI_API_KEY="+f.key, "MODEL="+model,
		"LIMITED_API_KEY="+limited, "BROKEN_BASE_URL="+bf.url, "BROKEN_API_KEY="+bf.key)
	b, err := run.Output()
	var stderr []byte
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = ee.Stderr
	}
	require.NoError(t, err, "%s", stderr)
	type usage map[string]int
	var out struct {
		Models []string `json:"models"`
		Chat   struct {
			Content string `json:"content"`
			Usage   usage  `json:"usage"`
		} `json:"chat"`
		Stream struct {
			Text  string `json:"text"`
			Usage usage  `json:"usage"`
		} `json:"stream"`
		Completion, CompletionStream struct {
			Text  string `json:"text"`
			Usage usage  `json:"usage"`
		}
		NotFound     map[string]any `json:"notFound"`
		Unauthorized map[string]any `json:"unauthorized"`
		RateLimited  map[string]any `json:"rateLimited"`
		Retried      int            `json:"retried"`
		MidStream    map[string]any `json:"midStream"`
	}
	require.NoError(t, json.Unmarshal(b, &out), "%s", b)
	require.Equal(t, []string{model}, out.Models)
	require.NotEmpty(t, out.Chat.Content)
	require.Positive(t, out.Chat.Usage["completion_tokens"])
	require.Equal(t, out.Chat.Usage["prompt_tokens"]+out.Chat.Usage["completion_tokens"], out.Chat.Usage["total_tokens"])
	require.NotEmpty(t, out.Stream.Text)
	require.Positive(t, out.Stream.Usage["completion_tokens"])
	require.NotEmpty(t, out.Completion.Text)
	require.Equal(t, out.Completion.Text, out.CompletionStream.Text, "seeded: plain and streamed agree")
	require.Equal(t, out.Completion.Usage, out.CompletionStream.Usage)
	require.Equal(t, map[string]any{"name": "NotFoundError", "status": 404.0, "code": "model_not_found", "retryAfter": ""}, out.NotFound)
	require.Equal(t, "AuthenticationError", out.Unauthorized["name"])
	require.Equal(t, 401.0, out.Unauthorized["status"])
	require.Equal(t, map[string]any{"name": "RateLimitError", "status": 429.0, "code": "rate_limit_exceeded", "retryAfter": "1"}, out.RateLimited)
	require.Equal(t, 1, out.Retried, "the retry after Retry-After got the model list")
	require.Equal(t, "APIError", out.MidStream["name"], "an error event raises APIError: %v", out.MidStream)
	require.Equal(t, "miner_failed", out.MidStream["code"])
	// What the Node client was served is charged: four generations.
	require.EqualValues(t, 4, f.usage(t, "test").Requests)
}
