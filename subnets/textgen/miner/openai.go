package miner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gotensor/gotensor/subnets/textgen/protocol"
)

// OpenAI serves the subnet's model through an OpenAI-compatible HTTP
// server that the operator runs (llama.cpp's llama-server, vLLM, SGLang,
// Ollama), streaming POST /v1/completions with logprobs. The server must run
// the subnet's model; tok is that model's vocabulary, which maps the
// server's token texts back to ids.
type OpenAI struct {
	base   string // server URL up to /v1
	name   string // the model's name on the server
	tok    Tokenizer
	ids    map[string]int
	client *http.Client
}

// NewOpenAI returns a backend for the server at baseURL (e.g.
// http://127.0.0.1:8080/v1), asking for the model the server calls name
// (empty: the server's default). client nil is http.DefaultClient.
func NewOpenAI(baseURL, name string, tok Tokenizer, client *http.Client) (*OpenAI, error) {
	if baseURL == "" || tok == nil {
		return nil, errors.New("miner: an OpenAI-compatible backend needs the server's URL and the model's vocabulary")
	}
	if client == nil {
		client = http.DefaultClient
	}
	o := &OpenAI{base: strings.TrimRight(baseURL, "/"), name: name, tok: tok, ids: map[string]int{}, client: client}
	for id := range tok.VocabSize() {
		if id == tok.EOS() {
			continue
		}
		// A server reports texts as JSON strings: keyed the same way. The
		// first id wins where two byte-level pieces look alike.
		if text := protocol.JSONText(tok.TokenText(id)); text != "" {
			if _, dup := o.ids[text]; !dup {
				o.ids[text] = id
			}
		}
	}
	return o, nil
}

// Model is the subnet's model id.
func (o *OpenAI) Model() string { return o.tok.ModelID() }

// completionRequest is the body of POST /v1/completions. top_k is not
// OpenAI's but llama-server, vLLM and SGLang take it; stop is never sent
// (see the package doc).
type completionRequest struct {
	Model         string         `json:"model,omitempty"`
	Prompt        string         `json:"prompt"`
	MaxTokens     int            `json:"max_tokens"`
	Temperature   float64        `json:"temperature"`
	TopP          float64        `json:"top_p,omitempty"`
	TopK          int            `json:"top_k,omitempty"`
	Seed          uint64         `json:"seed"`
	Logprobs      int            `json:"logprobs"`
	Stream        bool           `json:"stream"`
	StreamOptions map[string]any `json:"stream_options,omitempty"`
}

// completionChunk is one streamed event of a legacy completion.
type completionChunk struct {
	Choices []struct {
		Text     string `json:"text"`
		Logprobs *struct {
			Tokens        []string             `json:"tokens"`
			TokenLogprobs []float64            `json:"token_logprobs"`
			TopLogprobs   []map[string]float64 `json:"top_logprobs"`
		} `json:"logprobs"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *protocol.Usage `json:"usage"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// Generate streams one completion from the server. Closing the stream
// (a stop sequence matched, the caller went away) makes the server abandon
// the rest.
func (o *OpenAI) Generate(ctx context.Context, req protocol.Request, emit func(protocol.Chunk) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	body, err := json.Marshal(completionRequest{
		Model: o.name, Prompt: req.Text(), MaxTokens: req.MaxTokens,
		Temperature: req.Temperature, TopP: req.TopP, TopK: req.TopK, Seed: req.Seed,
		Logprobs: req.TopLogprobs, Stream: true, StreamOptions: map[string]any{"include_usage": true},
	})
	if err != nil {
		return err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, o.base+"/completions", bytes.NewReader(body))
	if err != nil {
		return err
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "text/event-stream")
	resp, err := o.client.Do(hreq)
	if err != nil {
		return fmt.Errorf("openai backend: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("openai backend: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}

	st := newStopper(req.Stop)
	n := 0
	finish := ""
	var usage *protocol.Usage
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte("data:")) {
			continue // blank lines between events, ": keep-alive" comments
		}
		data := bytes.TrimSpace(line[len("data:"):])
		if string(data) == "[DONE]" {
			break
		}
		var c completionChunk
		if err := json.Unmarshal(data, &c); err != nil {
			return fmt.Errorf("openai backend: an event is not a completion chunk: %v", err)
		}
		if c.Error != nil {
			return fmt.Errorf("openai backend: the server failed mid-stream: %s", c.Error.Message)
		}
		if c.Usage != nil {
			usage = c.Usage
		}
		if len(c.Choices) == 0 {
			continue
		}
		ch := c.Choices[0]
		if lp := ch.Logprobs; lp != nil {
			for i, text := range lp.Tokens {
				t, err := o.token(text, lp.TokenLogprobs, lp.TopLogprobs, i, req.TopLogprobs)
				if err != nil {
					return err
				}
				n++
				if err := emit(protocol.Chunk{Tokens: []protocol.Token{t}}); err != nil {
					return err
				}
				if st.add(t.Text) {
					prompt := 0
					if usage != nil {
						prompt = usage.PromptTokens
					} else if p, err := o.tok.EncodePrompt(req.Text()); err == nil {
						prompt = len(p)
					}
					return emit(finalChunk(o.Model(), prompt, n, false, st.matched))
				}
			}
		} else if ch.Text != "" {
			return errors.New("openai backend: the server sent text without logprobs: it must support the logprobs parameter")
		}
		if ch.FinishReason != nil && *ch.FinishReason != "" {
			finish = *ch.FinishReason
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("openai backend: reading the stream: %w", err)
	}
	if finish == "" {
		return errors.New("openai backend: the stream ended without a finish reason")
	}
	prompt := 0
	if usage != nil {
		prompt = usage.PromptTokens
	} else if p, err := o.tok.EncodePrompt(req.Text()); err == nil {
		prompt = len(p)
	}
	return emit(finalChunk(o.Model(), prompt, n, finish == protocol.FinishStop, ""))
}

// token turns the i-th token of a logprobs block into the protocol's.
func (o *OpenAI) token(text string, lps []float64, tops []map[string]float64, i, k int) (protocol.Token, error) {
	id, ok := o.id(text)
	if !ok {
		return protocol.Token{}, fmt.Errorf("openai backend: the server's token %q is not in the subnet model's vocabulary: is it running another model?", text)
	}
	if i >= len(lps) {
		return protocol.Token{}, fmt.Errorf("openai backend: token %d has no logprob", i)
	}
	t := protocol.Token{ID: id, Text: o.tok.TokenText(id), Logprob: lps[i]}
	if i < len(tops) {
		for alt, lp := range tops[i] {
			if aid, ok := o.id(alt); ok {
				t.Top = append(t.Top, protocol.Alternative{ID: aid, Text: o.tok.TokenText(aid), Logprob: lp})
			}
		}
	}
	slices.SortFunc(t.Top, func(a, b protocol.Alternative) int {
		switch {
		case a.Logprob > b.Logprob:
			return -1
		case a.Logprob < b.Logprob:
			return 1
		}
		return a.ID - b.ID
	})
	if len(t.Top) > k {
		t.Top = t.Top[:k]
	}
	return t, nil
}

// id maps a server's token text to an id: by text, or by vLLM's
// "token_id:N" form (return_tokens_as_token_ids).
func (o *OpenAI) id(text string) (int, bool) {
	if rest, ok := strings.CutPrefix(text, "token_id:"); ok {
		if id, err := strconv.Atoi(rest); err == nil && id >= 0 && id < o.tok.VocabSize() {
			return id, true
		}
	}
	id, ok := o.ids[protocol.JSONText(text)]
	return id, ok
}
