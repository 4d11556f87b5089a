package gateway_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// curl against the gateway, as the lines localnet prints show it: a plain
// and a streamed chat, and the errors for a missing key and an unknown
// model, each with the status it should have.
func TestCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed: the curl check cannot run")
	}
	nw := startNetwork(t)
	f := newFront(t, nw, nw.honestV, nil)
	curl := func(key, body string, extra ...string) (string, string) {
		args := append([]string{"-s", "-w", "\n%{http_code}", f.url + "/chat/completions", "-H", "Content-Type: application/json", "-d", body}, extra...)
		if key != "" {
			args = append(args, "-H", "Authorization: Bearer "+key)
		}
		out, err := exec.Command("curl", args...).Output()
		require.NoError(t, err)
		s := string(out)
		i := strings.LastIndex(s, "\n")
		return s[:i], s[i+1:]
	}
	chat := `{"model":"` + model + `","messages":[{"role":"user","content":"In the beginning"}],"max_tokens":6`

	body, status := curl(f.key, chat+`}`)
	require.Equal(t, "200", status, body)
	var whole struct {
		Choices []struct {
			Message struct{ Content string } `json:"message"`
		} `json:"choices"`
		Usage struct {
			TotalTokens int `json:"total_tokens"`
		} `json:"usage"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &whole), body)
	require.NotEmpty(t, whole.Choices[0].Message.Content)
	require.Positive(t, whole.Usage.TotalTokens)

	body, status = curl(f.key, chat+`,"stream":true,"stream_options":{"include_usage":true}}`, "-N")
	require.Equal(t, "200", status, body)
	events := strings.Split(strings.TrimSpace(body), "\n\n")
	require.Equal(t, "data: [DONE]", events[len(events)-1])
	var text strings.Builder
	for _, e := range events[:len(events)-1] {
		data, ok := strings.CutPrefix(e, "data: ")
		require.True(t, ok, "an event is one data line: %q", e)
		var chunk struct {
			Object  string `json:"object"`
			Choices []struct {
				Delta struct{ Content string } `json:"delta"`
			} `json:"choices"`
		}
		require.NoError(t, json.Unmarshal([]byte(data), &chunk))
		require.Equal(t, "chat.completion.chunk", chunk.Object)
		for _, c := range chunk.Choices {
			text.WriteString(c.Delta.Content)
		}
	}
	require.NotEmpty(t, text.String())

	body, status = curl("", chat+`}`)
	require.Equal(t, "401", status)
	require.Contains(t, body, `"code":"invalid_api_key"`)
	body, status = curl(f.key, `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`)
	require.Equal(t, "404", status)
	require.Contains(t, body, `"code":"model_not_found"`)
}
