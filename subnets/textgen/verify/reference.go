package verify

import (
	"context"
	"math"
	"slices"

	"github.com/gotensor/gotensor/subnets/textgen/protocol"
)

// Reference is the validator's own copy of the subnet's model: what one
// teacher-forced pass needs.
type Reference interface {
	// ModelID names the model; answers must carry it.
	ModelID() string
	// EOS is the end-of-text token's id.
	EOS() int
	// VocabSize is how many token ids there are.
	VocabSize() int
	// TokenText is the text of one token (raw bytes: a byte-level token may
	// hold part of a UTF-8 character).
	TokenText(id int) string
	// EncodePrompt tokenizes a prompt as the model reads it (with its
	// beginning-of-text token, if it uses one).
	EncodePrompt(text string) ([]int, error)
	// TeacherForce runs one pass over prompt then completion and returns
	// len(completion) rows of natural-log probabilities over the vocabulary:
	// row j is the model's distribution of completion[j] given the prompt
	// and completion[:j].
	TeacherForce(ctx context.Context, prompt, completion []int) ([][]float32, error)
}

// rank is the number of tokens the row rates strictly above id: 0 for the
// most likely (ties count in the token's favour, as a GPU's noise would).
func rank(row []float32, id int) int {
	r, lp := 0, row[id]
	for _, x := range row {
		if x > lp {
			r++
		}
	}
	return r
}

// sampleProb is the probability that a sampler following s draws id from
// row (log-probabilities): temperature, then the top-k cut, then the
// nucleus cut, as llama.cpp's and vLLM's samplers order them. Temperature
// 0 is greedy: every token tied for the top has probability 1, as the miner
// may break the tie either way.
func sampleProb(row []float32, id int, s protocol.Sampling) float64 {
	if s.Temperature == 0 {
		if rank(row, id) == 0 {
			return 1
		}
		return 0
	}
	order := make([]int, len(row))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case row[a] > row[b]:
			return -1
		case row[a] < row[b]:
			return 1
		}
		return 0
	})
	if s.TopK > 0 && s.TopK < len(order) {
		// Tokens tied with the k-th stay in: which of them a sampler keeps is
		// its own business.
		k := s.TopK
		for k < len(order) && row[order[k]] == row[order[s.TopK-1]] {
			k++
		}
		order = order[:k]
	}
	top := float64(row[order[0]])
	p := make([]float64, len(order))
	var z float64
	for i, t := range order {
		p[i] = math.Exp((float64(row[t]) - top) / s.Temperature)
		z += p[i]
	}
	keep := len(order)
	if s.TopP > 0 && s.TopP < 1 {
		var cum float64
		for i := range p {
			cum += p[i] / z
			if cum >= s.TopP {
				keep = i + 1
				break
			}
		}
		z = 0
		for i := range keep {
			z += p[i]
		}
	}
	for i := range keep {
		if order[i] == id {
			return p[i] / z
		}
	}
	return 0
}

// cutTolerance is how far (in log-probability) below a top-k or top-p cut a
// token may sit and still count as inside it: a backend on other hardware
// rounds differently, and a token at the edge may fall either side.
const cutTolerance = 1e-3

// sampleable reports whether a sampler following s could draw id from row:
// greedy picks the top (within cutTolerance), top-k and top-p keep a token
// no more than cutTolerance below the last one they keep.
func sampleable(row []float32, id int, s protocol.Sampling) bool {
	lp := float64(row[id])
	if s.Temperature == 0 {
		return float64(maxOf(row))-lp <= cutTolerance
	}
	edge := math.Inf(-1) // the lowest log-probability a cut keeps
	if s.TopK > 0 && s.TopK < len(row) {
		sorted := slices.Clone(row)
		slices.SortFunc(sorted, func(a, b float32) int {
			switch {
			case a > b:
				return -1
			case a < b:
				return 1
			}
			return 0
		})
		edge = float64(sorted[s.TopK-1])
	}
	if s.TopP > 0 && s.TopP < 1 {
		// The nucleus is cut from the tempered, top-k-cut distribution: the
		// smallest set of most likely tokens whose mass reaches top_p.
		sorted := slices.Clone(row)
		slices.SortFunc(sorted, func(a, b float32) int {
			switch {
			case a > b:
				return -1
			case a < b:
				return 1
			}
			return 0
		})
		if s.TopK > 0 && s.TopK < len(sorted) {
			sorted = sorted[:s.TopK]
		}
		top := float64(sorted[0])
		var z float64
		w := make([]float64, len(sorted))
		for i, x := range sorted {
			w[i] = math.Exp((float64(x) - top) / s.Temperature)
			z += w[i]
		}
		var cum float64
		for i := range w {
			cum += w[i] / z
			if cum >= s.TopP {
				edge = max(edge, float64(sorted[i]))
				break
			}
		}
	}
	return lp >= edge-cutTolerance
}

func maxOf(row []float32) float32 {
	m := row[0]
	for _, x := range row[1:] {
		m = max(m, x)
	}
	return m
}
