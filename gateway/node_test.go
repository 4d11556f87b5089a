package gateway_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
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
out.completion = (await c.completions.create({model, prompt: 'And God said', max_tokens: 4})).choices[0].text;
const fail = async (f) => { try { await f(); return 'no error'; } catch (e) { return {name: e.constructor.name, status: e.status ?? 0, code: e.code ?? ''}; } };
out.notFound = await fail(() => c.chat.completions.create({model: 'gpt-4o', messages}));
out.unauthorized = await fail(() => new OpenAI({apiKey: 'gt-wrong-wrong-wrong-wrong', maxRetries: 0}).models.list());
const broken = new OpenAI({baseURL: process.env.BROKEN_BASE_URL, apiKey: process.env.BROKEN_API_KEY, maxRetries: 0});
out.midStream = await fail(async () => {
  const s = await broken.chat.completions.create({model, messages, max_tokens: 16, stream: true});
  for await (const _ of s) {}
});
console.log(JSON.stringify(out));
`

// The official Node client (openai on npm) against the gateway: models,
// chat plain and streamed with usage, legacy completions, 404, 401 and a
// stream failing mid-way. It installs the package itself, so it runs only
// when GATEWAY_NODE_TEST=1 (network access to npm, about a minute).
func TestNodeClient(t *testing.T) {
	if os.Getenv("GATEWAY_NODE_TEST") == "" {
		t.Skip("set GATEWAY_NODE_TEST=1 to install openai from npm and run the Node client against the gateway")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed: the Node client check cannot run")
	}
	dir := t.TempDir()
	install := exec.Command("npm", "install", "--no-audit", "--no-fund", "--prefix", dir, "openai@6.30.1")
	if b, err := install.CombinedOutput(); err != nil {
		t.Skipf("cannot install openai@6.30.1 from npm (%v): %s", err, b)
	}
	script := filepath.Join(dir, "check.mjs")
	require.NoError(t, os.WriteFile(script, []byte(nodeScript), 0o600))

	nw := startNetwork(t)
	f := newFront(t, nw, nw.honestV, nil)
	bf := newFront(t, nw, nw.brokenV, nil)
	run := exec.Command("node", script)
	run.Dir = dir
	run.Env = append(os.Environ(), "OPENAI_BASE_URL="+f.url, "OPENAI_API_KEY="+f.key, "MODEL="+model, "BROKEN_BASE_URL="+bf.url, "BROKEN_API_KEY="+bf.key)
	b, err := run.Output()
	var stderr []byte
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = ee.Stderr
	}
	require.NoError(t, err, "%s", stderr)
	var out struct {
		Models []string `json:"models"`
		Chat   struct {
			Content string         `json:"content"`
			Usage   map[string]int `json:"usage"`
		} `json:"chat"`
		Stream struct {
			Text  string         `json:"text"`
			Usage map[string]int `json:"usage"`
		} `json:"stream"`
		Completion   string         `json:"completion"`
		NotFound     map[string]any `json:"notFound"`
		Unauthorized map[string]any `json:"unauthorized"`
		MidStream    map[string]any `json:"midStream"`
	}
	require.NoError(t, json.Unmarshal(b, &out), "%s", b)
	require.Equal(t, []string{model}, out.Models)
	require.NotEmpty(t, out.Chat.Content)
	require.Equal(t, out.Chat.Usage["prompt_tokens"]+out.Chat.Usage["completion_tokens"], out.Chat.Usage["total_tokens"])
	require.NotEmpty(t, out.Stream.Text)
	require.Positive(t, out.Stream.Usage["completion_tokens"])
	require.NotEmpty(t, out.Completion)
	require.Equal(t, map[string]any{"name": "NotFoundError", "status": 404.0, "code": "model_not_found"}, out.NotFound)
	require.Equal(t, "AuthenticationError", out.Unauthorized["name"])
	require.Equal(t, 401.0, out.Unauthorized["status"])
	require.Equal(t, "APIError", out.MidStream["name"], "an error event raises APIError: %v", out.MidStream)
	require.Equal(t, "miner_failed", out.MidStream["code"])
}
