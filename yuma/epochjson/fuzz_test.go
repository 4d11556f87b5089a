package epochjson

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/gotensor/gotensor/yuma"
	"github.com/gotensor/gotensor/yuma/internal/epochcheck"
)

// FuzzRun feeds arbitrary documents to the filter: it must never panic,
// must either succeed or reject the input cleanly, and what it prints
// must be well formed.
func FuzzRun(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"block": 1e400}`))
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "*.json"))
	for k, file := range files {
		if k%12 != 0 {
			continue // a sample of the golden scenarios' first inputs
		}
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var sc struct {
			Input json.RawMessage `json:"input"`
		}
		if err := json.Unmarshal(data, &sc); err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(sc.Input))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var stdout, stderr bytes.Buffer
		code := Run(bytes.NewReader(data), &stdout, &stderr)
		switch code {
		case ExitBadInput:
			if stdout.Len() != 0 || bytes.Count(stderr.Bytes(), []byte("\n")) != 1 {
				t.Fatalf("bad input must give one stderr line and no output; got %q / %q", stdout.String(), stderr.String())
			}
			return
		case ExitOK:
		default:
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		// The filter is exactly Decode → yuma.Epoch → Encode.
		in, err := Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("Run accepted what Decode rejects: %v", err)
		}
		out, err := yuma.Epoch(in)
		if err != nil {
			t.Fatalf("Run accepted what Epoch rejects: %v", err)
		}
		var want bytes.Buffer
		if err := Encode(&want, out); err != nil || !bytes.Equal(want.Bytes(), stdout.Bytes()) {
			t.Fatalf("output differs from Encode(Epoch(Decode(input)))")
		}
		var parsed map[string]json.RawMessage
		if err := json.Unmarshal(stdout.Bytes(), &parsed); err != nil || len(parsed) != 11 {
			t.Fatalf("output is not an 11-field JSON object: %v", err)
		}
		if err := epochcheck.Invariants(in, out); err != nil {
			t.Fatal(err)
		}
	})
}
