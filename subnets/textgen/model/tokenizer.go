package model

import (
	"container/heap"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gotensor/gotensor/subnets/textgen/model/gguf"
)

// Token types as llama.cpp stores them in tokenizer.ggml.token_type.
const (
	tokenNormal      = 1
	tokenUnknown     = 2
	tokenControl     = 3
	tokenUserDefined = 4
	tokenByte        = 6
)

// tokenizer turns text into the model's token ids and back. It reads the
// two vocabularies llama-family GGUF files use: "gpt2" (byte-level BPE with
// ranked merges and GPT-2's pre-tokenizer) and "llama" (SentencePiece pieces
// with scores and <0xXX> byte fallback). Special tokens in the text are
// never parsed: "<|endoftext|>" typed by a user is text, not the end token.
type tokenizer struct {
	kind   string
	tokens []string
	types  []int32
	ids    map[string]int
	bos    int  // beginning-of-text id (-1 if none)
	eos    int  // end-of-text id (-1 if none)
	addBOS bool // whether a prompt starts with BOS
	unk    int

	// gpt2
	ranks    map[[2]string]int
	byteRune [256]rune
	runeByte map[rune]byte
	// llama
	scores      []float32
	byteToken   [256]int
	spacePrefix bool
}

func newTokenizer(f *gguf.File) (*tokenizer, error) {
	kind, err := f.String("tokenizer.ggml.model")
	if err != nil {
		return nil, err
	}
	v, ok := f.Get("tokenizer.ggml.tokens")
	tokens, isStrings := v.([]string)
	if !ok || !isStrings || len(tokens) == 0 {
		return nil, fmt.Errorf("tokenizer.ggml.tokens is missing or not a list of strings")
	}
	t := &tokenizer{kind: kind, tokens: tokens, ids: make(map[string]int, len(tokens)), bos: -1, eos: -1, unk: -1}
	for i, s := range tokens {
		if _, dup := t.ids[s]; !dup {
			t.ids[s] = i
		}
	}
	t.types = make([]int32, len(tokens))
	if v, ok := f.Get("tokenizer.ggml.token_type"); ok {
		ty, isInts := v.([]int32)
		if !isInts || len(ty) != len(tokens) {
			return nil, fmt.Errorf("tokenizer.ggml.token_type is %T of length %d, want %d int32", v, len(ty), len(tokens))
		}
		copy(t.types, ty)
	} else {
		for i := range t.types {
			t.types[i] = tokenNormal
		}
	}
	id := func(key string) (int, error) {
		if _, ok := f.Get(key); !ok {
			return -1, nil
		}
		n, err := f.Uint(key)
		if err != nil {
			return -1, err
		}
		if n >= uint64(len(tokens)) {
			return -1, fmt.Errorf("%s is %d, the vocabulary has %d tokens", key, n, len(tokens))
		}
		return int(n), nil
	}
	if t.bos, err = id("tokenizer.ggml.bos_token_id"); err != nil {
		return nil, err
	}
	if t.eos, err = id("tokenizer.ggml.eos_token_id"); err != nil {
		return nil, err
	}
	if t.unk, err = id("tokenizer.ggml.unknown_token_id"); err != nil {
		return nil, err
	}
	flag := func(key string, def bool) (bool, error) {
		v, ok := f.Get(key)
		if !ok {
			return def, nil
		}
		b, isBool := v.(bool)
		if !isBool {
			return false, fmt.Errorf("%s is %T, want a bool", key, v)
		}
		return b, nil
	}
	switch kind {
	case "gpt2":
		if t.addBOS, err = flag("tokenizer.ggml.add_bos_token", false); err != nil {
			return nil, err
		}
		if pre, err := f.String("tokenizer.ggml.pre"); err == nil && pre != "gpt-2" && pre != "default" {
			return nil, fmt.Errorf("tokenizer.ggml.pre %q is not supported (only GPT-2's pre-tokenizer, \"gpt-2\", is)", pre)
		}
		v, _ := f.Get("tokenizer.ggml.merges")
		merges, isStrings := v.([]string)
		if !isStrings {
			return nil, fmt.Errorf("tokenizer.ggml.merges is missing or not a list of strings")
		}
		t.ranks = make(map[[2]string]int, len(merges))
		for i, m := range merges {
			a, b, ok := strings.Cut(m, " ")
			if !ok || a == "" || b == "" {
				return nil, fmt.Errorf("merge %d is %q, want two pieces separated by a space", i, m)
			}
			if _, dup := t.ranks[[2]string{a, b}]; !dup {
				t.ranks[[2]string{a, b}] = i
			}
		}
		t.byteRune = gpt2ByteRunes()
		t.runeByte = make(map[rune]byte, 256)
		for b, r := range t.byteRune {
			t.runeByte[r] = byte(b)
		}
	case "llama":
		if t.addBOS, err = flag("tokenizer.ggml.add_bos_token", true); err != nil {
			return nil, err
		}
		if t.spacePrefix, err = flag("tokenizer.ggml.add_space_prefix", true); err != nil {
			return nil, err
		}
		v, _ := f.Get("tokenizer.ggml.scores")
		scores, isFloats := v.([]float32)
		if !isFloats || len(scores) != len(tokens) {
			return nil, fmt.Errorf("tokenizer.ggml.scores is %T of length %d, want %d float32", v, len(scores), len(tokens))
		}
		t.scores = scores
		for b := range t.byteToken {
			t.byteToken[b] = -1
			if i, ok := t.ids[fmt.Sprintf("<0x%02X>", b)]; ok {
				t.byteToken[b] = i
			}
		}
	default:
		return nil, fmt.Errorf("tokenizer.ggml.model %q is not supported (gpt2 and llama are)", kind)
	}
	return t, nil
}

// Size is the vocabulary size.
func (t *tokenizer) Size() int { return len(t.tokens) }

// Encode tokenizes text, without BOS. Text must be UTF-8.
func (t *tokenizer) Encode(text string) ([]int, error) {
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("text is not valid UTF-8")
	}
	if t.kind == "llama" {
		return t.encodeSPM(text)
	}
	var out []int
	for _, word := range pretokenizeGPT2(text) {
		syms := make([]string, 0, len(word))
		for i := 0; i < len(word); i++ {
			syms = append(syms, string(t.byteRune[word[i]]))
		}
		for len(syms) > 1 {
			best, at := -1, -1
			for i := 0; i+1 < len(syms); i++ {
				if r, ok := t.ranks[[2]string{syms[i], syms[i+1]}]; ok && (best < 0 || r < best) {
					best, at = r, i
				}
			}
			if at < 0 {
				break
			}
			syms[at] += syms[at+1]
			syms = append(syms[:at+1], syms[at+2:]...)
		}
		for _, s := range syms {
			if id, ok := t.ids[s]; ok {
				out = append(out, id)
				continue
			}
			// A merge result missing from the vocabulary: spell it in bytes.
			for _, r := range s {
				id, ok := t.ids[string(r)]
				if !ok {
					if t.unk < 0 {
						return nil, fmt.Errorf("byte %#x has no token and the vocabulary has no unknown token", t.runeByte[r])
					}
					id = t.unk
				}
				out = append(out, id)
			}
		}
	}
	return out, nil
}

// gpt2ByteRunes is GPT-2's reversible byte alphabet: printable Latin-1
// bytes stand for themselves, the others for code points from 256 up (so a
// space is Ġ). Byte-level vocabularies spell their tokens in it.
func gpt2ByteRunes() [256]rune {
	var out [256]rune
	n := 0
	for b := range out {
		out[b] = rune(b)
		if !(b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF) {
			out[b] = rune(256 + n)
			n++
		}
	}
	return out
}

// pretokenizeGPT2 splits text as GPT-2's pattern does, written out by hand
// because RE2 has no look-ahead:
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// (tools/textgen-train has the same scanner in Python.)
func pretokenizeGPT2(text string) []string {
	var out []string
	rs := []rune(text)
	n := len(rs)
	other := func(r rune) bool { return !unicode.IsSpace(r) && !unicode.IsLetter(r) && !unicode.IsNumber(r) }
	run := func(from int, class func(rune) bool) int {
		for from < n && class(rs[from]) {
			from++
		}
		return from
	}
	for i := 0; i < n; {
		if rs[i] == '\'' {
			matched := false
			for _, suf := range []string{"s", "t", "re", "ve", "m", "ll", "d"} {
				if i+1+len(suf) <= n && string(rs[i+1:i+1+len(suf)]) == suf {
					out = append(out, string(rs[i:i+1+len(suf)]))
					i += 1 + len(suf)
					matched = true
					break
				}
			}
			if matched {
				continue
			}
		}
		j := i
		if rs[i] == ' ' && i+1 < n {
			j = i + 1
		}
		if j < n {
			var class func(rune) bool
			switch d := rs[j]; {
			case unicode.IsLetter(d):
				class = unicode.IsLetter
			case unicode.IsNumber(d):
				class = unicode.IsNumber
			case other(d):
				class = other
			}
			if class != nil {
				k := run(j, class)
				out = append(out, string(rs[i:k]))
				i = k
				continue
			}
		}
		// A whitespace run; \s+(?!\S) leaves its last space to a following word.
		k := run(i, unicode.IsSpace)
		if k < n && k-i > 1 {
			k--
		}
		out = append(out, string(rs[i:k]))
		i = k
	}
	return out
}

// encodeSPM is SentencePiece's BPE as llama.cpp runs it: spaces become ▁,
// the text is split into characters, pairs are merged (mergeSPM), and
// pieces left outside the vocabulary are spelled with <0xXX> byte tokens.
func (t *tokenizer) encodeSPM(text string) ([]int, error) {
	if text == "" {
		return nil, nil
	}
	if t.spacePrefix {
		text = " " + text
	}
	text = strings.ReplaceAll(text, " ", "▁")
	syms := t.mergeSPM(text)
	var out []int
	for _, s := range syms {
		if id, ok := t.ids[s]; ok {
			out = append(out, id)
			continue
		}
		for i := 0; i < len(s); i++ {
			id := t.byteToken[s[i]]
			if id < 0 {
				if t.unk < 0 {
					return nil, fmt.Errorf("byte %#x has no <0x%02X> token and the vocabulary has no unknown token", s[i], s[i])
				}
				id = t.unk
			}
			out = append(out, id)
		}
	}
	return out, nil
}

// Piece is the bytes token id stands for; control tokens (BOS, EOS) are
// empty. A byte-level token may hold part of a UTF-8 sequence.
func (t *tokenizer) Piece(id int) (string, error) {
	if id < 0 || id >= len(t.tokens) {
		return "", fmt.Errorf("token id %d outside the vocabulary of %d", id, len(t.tokens))
	}
	s := t.tokens[id]
	switch t.types[id] {
	case tokenControl, tokenUnknown:
		return "", nil
	case tokenUserDefined:
		return s, nil
	}
	if t.kind == "llama" {
		if t.types[id] == tokenByte || (len(s) == 6 && strings.HasPrefix(s, "<0x") && s[5] == '>') {
			if b, err := strconv.ParseUint(s[3:5], 16, 8); err == nil {
				return string([]byte{byte(b)}), nil
			}
		}
		return strings.ReplaceAll(s, "▁", " "), nil
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		c, ok := t.runeByte[r]
		if !ok {
			return s, nil // not byte-encoded (an added token): its text as stored
		}
		b = append(b, c)
	}
	return string(b), nil
}

// Decode joins the pieces of ids.
func (t *tokenizer) Decode(ids []int) (string, error) {
	var b strings.Builder
	for _, id := range ids {
		p, err := t.Piece(id)
		if err != nil {
			return "", err
		}
		b.WriteString(p)
	}
	return b.String(), nil
}

// mergeSPM splits text into characters and merges, again and again, the
// adjacent pair whose joined piece is in the vocabulary with the highest
// score, the leftmost on a tie, until no pair is. A heap of candidate pairs
// makes that O(n log n); entries outdated by a merge next to them are
// skipped when they surface.
func (t *tokenizer) mergeSPM(text string) []string {
	type symbol struct{ start, end, prev, next int } // text[start:end]; -1 ends the list
	var syms []symbol
	for i := 0; i < len(text); {
		_, size := utf8.DecodeRuneInString(text[i:])
		syms = append(syms, symbol{i, i + size, len(syms) - 1, len(syms) + 1})
		i += size
	}
	syms[len(syms)-1].next = -1
	h := &pairHeap{}
	push := func(l, r int) {
		if l < 0 || r < 0 {
			return
		}
		if id, ok := t.ids[text[syms[l].start:syms[r].end]]; ok {
			heap.Push(h, pair{left: l, right: r, score: t.scores[id], size: syms[r].end - syms[l].start})
		}
	}
	for i := 0; i+1 < len(syms); i++ {
		push(i, i+1)
	}
	for h.Len() > 0 {
		p := heap.Pop(h).(pair)
		l, r := &syms[p.left], &syms[p.right]
		if l.end == l.start || r.end == r.start || l.next != p.right || r.end-l.start != p.size {
			continue // one side was merged into something else since
		}
		l.end, l.next = r.end, r.next
		r.start, r.end = 0, 0
		if l.next >= 0 {
			syms[l.next].prev = p.left
		}
		push(l.prev, p.left)
		push(p.left, l.next)
	}
	var out []string
	for i := 0; i >= 0; i = syms[i].next {
		out = append(out, text[syms[i].start:syms[i].end])
	}
	return out
}

type pair struct {
	left, right int
	score       float32
	size        int // bytes of the joined piece when the pair was found
}

// pairHeap pops the highest score first, the leftmost pair on a tie.
type pairHeap []pair

func (h pairHeap) Len() int { return len(h) }
func (h pairHeap) Less(i, j int) bool {
	if h[i].score != h[j].score {
		return h[i].score > h[j].score
	}
	return h[i].left < h[j].left
}
func (h pairHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pairHeap) Push(x any)   { *h = append(*h, x.(pair)) }
func (h *pairHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	*h = old[:len(old)-1]
	return p
}
