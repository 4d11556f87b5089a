package model

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/gotensor/gotensor/subnets/textgen/model/gguf"
)

func TestPretokenizeGPT2(t *testing.T) {
	for text, want := range map[string][]string{
		"Hello world's  end\n\nX 12ab?!  ": {"Hello", " world", "'s", " ", " end", "\n", "\n", "X", " 12", "ab", "?!", "  "},
		"I'M they'll":                      {"I", "'", "M", " they", "'ll"},
		" ":                                {" "},
		"a  ":                              {"a", "  "},
		"café 日本 🙂🙂":                       {"café", " 日本", " 🙂🙂"},
		"x\t\ty":                           {"x", "\t", "\t", "y"},
	} {
		if got := pretokenizeGPT2(text); !reflect.DeepEqual(got, want) {
			t.Errorf("pretokenize(%q) = %q, want %q", text, got, want)
		}
	}
}

// A gpt2 vocabulary with hand-picked merges (Ġ is GPT-2's byte alphabet
// for a space): ranks decide, not position, and bytes without a merge stay
// single.
func TestGPT2Merges(t *testing.T) {
	f := &gguf.File{}
	tokens := []string{"a", "b", "c", "Ġ", "ab", "bc", "Ġa", "Ġab", "<|end|>"}
	f.KV = kvs(
		"tokenizer.ggml.model", "gpt2", "tokenizer.ggml.tokens", tokens,
		"tokenizer.ggml.token_type", []int32{1, 1, 1, 1, 1, 1, 1, 1, 3},
		// "b c" outranks "a b": "abc" becomes a+bc
		"tokenizer.ggml.merges", []string{"b c", "Ġ a", "a b", "Ġa b"},
		"tokenizer.ggml.eos_token_id", uint32(8),
	)
	tok, err := newTokenizer(f)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := tok.Encode("abc ab c")
	if err != nil {
		t.Fatal(err)
	}
	// "abc" → a bc; " ab" → Ġa b → Ġab; " c" → Ġ c
	if want := []int{0, 5, 7, 3, 2}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("ids %v, want %v", ids, want)
	}
	if s, _ := tok.Decode(append(ids, 8)); s != "abc ab c" {
		t.Fatalf("decoded %q", s)
	}
	if _, err := tok.Encode("d"); err == nil {
		t.Fatal("a byte outside the vocabulary without an unknown token was accepted")
	}
	if _, err := tok.Piece(9); err == nil {
		t.Fatal("id 9 of 9 decoded")
	}
}

// SentencePiece vocabularies merge by score, spell unknown pieces in bytes
// and turn ▁ back into spaces.
func TestSPM(t *testing.T) {
	tokens := []string{"<unk>", "<s>", "</s>", "▁", "a", "b", "c", "▁a", "ab", "▁ab", "<0xC3>", "<0xA9>"}
	scores := []float32{0, 0, 0, -3, -4, -4, -4, -1, -2, -0.5, 0, 0}
	types := []int32{2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 6, 6}
	f := &gguf.File{KV: kvs(
		"tokenizer.ggml.model", "llama", "tokenizer.ggml.tokens", tokens,
		"tokenizer.ggml.scores", scores, "tokenizer.ggml.token_type", types,
		"tokenizer.ggml.bos_token_id", uint32(1), "tokenizer.ggml.eos_token_id", uint32(2),
		"tokenizer.ggml.unknown_token_id", uint32(0),
	)}
	tok, err := newTokenizer(f)
	if err != nil {
		t.Fatal(err)
	}
	if !tok.addBOS {
		t.Fatal("llama vocabularies add BOS unless told otherwise")
	}
	// "▁ab▁c": ▁a (−1) beats ab (−2); then ▁a+b = ▁ab (−0.5); ▁ and c stay.
	ids, err := tok.Encode("ab c")
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{9, 3, 6}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("ab c: %v, want %v", ids, want)
	}
	ids, err = tok.Encode("ab é")
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{9, 3, 10, 11}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("ab é: %v, want %v", ids, want)
	}
	if s, _ := tok.Decode(append([]int{1}, ids...)); s != " ab é" {
		t.Fatalf("decoded %q", s)
	}
	// "z" has no piece and no byte token: the unknown token.
	if ids, _ := tok.Encode("z"); !reflect.DeepEqual(ids, []int{3, 0}) {
		t.Fatalf("z: %v", ids)
	}
}

// mergeNaive is mergeSPM's definition run literally: rescan every pair,
// merge the best, repeat (quadratic).
func mergeNaive(t *tokenizer, text string) []string {
	var syms []string
	for _, r := range text {
		syms = append(syms, string(r))
	}
	for len(syms) > 1 {
		at := -1
		var best float32
		for i := 0; i+1 < len(syms); i++ {
			if id, ok := t.ids[syms[i]+syms[i+1]]; ok && (at < 0 || t.scores[id] > best) {
				best, at = t.scores[id], i
			}
		}
		if at < 0 {
			break
		}
		syms[at] += syms[at+1]
		syms = append(syms[:at+1], syms[at+2:]...)
	}
	return syms
}

// The heap-based merge gives what the definition gives, on random texts
// over a random vocabulary with many tied scores.
func TestSPMMergeMatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "b", "c", "▁", "é"}
	word := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	for round := 0; round < 200; round++ {
		tok := &tokenizer{ids: map[string]int{}}
		for len(tok.scores) < 40 {
			w := word(2 + r.IntN(4))
			if _, dup := tok.ids[w]; dup {
				continue
			}
			tok.ids[w] = len(tok.scores)
			tok.scores = append(tok.scores, float32(r.IntN(5))) // ties on purpose
		}
		text := word(1 + r.IntN(60))
		if got, want := tok.mergeSPM(text), mergeNaive(tok, text); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: heap merge %q, definition %q", text, got, want)
		}
	}
}
