package model

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// Session is one sequence being read or written: the positions fed so far
// and their keys and values (the KV cache). A session belongs to one
// goroutine.
//
// Every number a session computes is independent of how its tokens were
// batched and of how many goroutines share the work: each output element is
// one sequential dot product in a fixed order, and goroutines split whole
// rows. So feeding a prompt at once or token by token gives the same logits
// to the bit, which is what lets a verifier's teacher-forced Score agree
// exactly with the logprobs a Generate reported.
type Session struct {
	m      *Model
	pos    int
	keys   [][]float32 // per layer: pos × KVHeads·HeadDim
	values [][]float32
}

// NewSession starts an empty sequence.
func (m *Model) NewSession() *Session {
	return &Session{m: m, keys: make([][]float32, m.Layers), values: make([][]float32, m.Layers)}
}

// Pos is the number of tokens fed so far.
func (s *Session) Pos() int { return s.pos }

// Feed runs tokens through the model at the next positions, extending the
// cache, and returns the logits after each token whose index is in want
// (indices into tokens), in the order of want.
func (s *Session) Feed(tokens []int, want []int) ([][]float32, error) {
	m := s.m
	if len(tokens) == 0 {
		return nil, fmt.Errorf("no tokens to feed")
	}
	if s.pos+len(tokens) > m.Context {
		return nil, fmt.Errorf("%d tokens after %d exceed the model's context of %d", len(tokens), s.pos, m.Context)
	}
	for i, id := range tokens {
		if id < 0 || id >= m.Vocab {
			return nil, fmt.Errorf("token %d (index %d) outside the vocabulary of %d", id, i, m.Vocab)
		}
	}
	for _, w := range want {
		if w < 0 || w >= len(tokens) {
			return nil, fmt.Errorf("logits wanted after token %d of %d", w, len(tokens))
		}
	}
	T, D, kvDim := len(tokens), m.Dim, m.KVHeads*m.HeadDim
	x := rows(T, D)
	for t, id := range tokens {
		copy(x[t], m.embed[id*D:(id+1)*D])
	}
	xb, att := rows(T, D), rows(T, D)
	q, k, v := rows(T, D), rows(T, kvDim), rows(T, kvDim)
	h1, h3 := rows(T, m.FFN), rows(T, m.FFN)
	tmp := rows(T, D)
	for li := range m.layers {
		l := &m.layers[li]
		for t := range x {
			rmsnorm(xb[t], x[t], l.attnNorm, m.RMSEps)
		}
		matmul(q, l.wq, xb)
		matmul(k, l.wk, xb)
		matmul(v, l.wv, xb)
		for t := range x {
			p := s.pos + t
			for h := 0; h < m.Heads; h++ {
				m.rope(q[t][h*m.HeadDim:(h+1)*m.HeadDim], p)
			}
			for h := 0; h < m.KVHeads; h++ {
				m.rope(k[t][h*m.HeadDim:(h+1)*m.HeadDim], p)
			}
			s.keys[li] = append(s.keys[li], k[t]...)
			s.values[li] = append(s.values[li], v[t]...)
		}
		s.attention(li, q, att)
		matmul(tmp, l.wo, att)
		for t := range x {
			add(x[t], tmp[t])
			rmsnorm(xb[t], x[t], l.ffnNorm, m.RMSEps)
		}
		matmul(h1, l.gate, xb)
		matmul(h3, l.up, xb)
		for t := range h1 {
			for i, g := range h1[t] {
				h1[t][i] = float32(float64(g)/(1+math.Exp(-float64(g)))) * h3[t][i]
			}
		}
		matmul(tmp, l.down, h1)
		for t := range x {
			add(x[t], tmp[t])
		}
	}
	s.pos += T
	sel := rows(len(want), D)
	for i, w := range want {
		rmsnorm(sel[i], x[w], m.outNorm, m.RMSEps)
	}
	logits := rows(len(want), m.Vocab)
	matmul(logits, m.output, sel)
	return logits, nil
}

// attention computes, for each new token, every query head's softmax-weighted
// sum of the cached values at positions up to its own (causal), query head h
// reading key/value head h / (Heads/KVHeads) as llama.cpp groups them.
func (s *Session) attention(li int, q, out [][]float32) {
	m := s.m
	hd, kvDim, group := m.HeadDim, m.KVHeads*m.HeadDim, m.Heads/m.KVHeads
	scale := float32(1 / math.Sqrt(float64(hd)))
	start := s.pos
	keys, values := s.keys[li], s.values[li]
	parallelFor(len(q)*m.Heads, len(q)*m.Heads*(start+len(q))*hd, func(lo, hi int) {
		scores := make([]float32, start+len(q))
		for job := lo; job < hi; job++ {
			t, h := job/m.Heads, job%m.Heads
			n := start + t + 1
			qh := q[t][h*hd : (h+1)*hd]
			off := (h / group) * hd
			mx := float32(math.Inf(-1))
			for p := 0; p < n; p++ {
				scores[p] = dot(qh, keys[p*kvDim+off:p*kvDim+off+hd]) * scale
				mx = max(mx, scores[p])
			}
			var sum float64
			for p := 0; p < n; p++ {
				e := math.Exp(float64(scores[p] - mx))
				scores[p] = float32(e)
				sum += e
			}
			o := out[t][h*hd : (h+1)*hd]
			clear(o)
			inv := float32(1 / sum)
			for p := 0; p < n; p++ {
				a := scores[p] * inv
				vp := values[p*kvDim+off : p*kvDim+off+hd]
				for i := range o {
					o[i] += float32(a * vp[i])
				}
			}
		}
	})
}

// rope rotates adjacent pairs (x[2i], x[2i+1]) of the first RopeDim values
// by pos·base^(−2i/RopeDim): llama.cpp's layout for general.architecture
// llama (its converter permutes Hugging Face's q and k into it).
func (m *Model) rope(x []float32, pos int) {
	half := m.RopeDim / 2
	cs, sn := m.ropeCos[pos*half:(pos+1)*half], m.ropeSin[pos*half:(pos+1)*half]
	for i := 0; i < half; i++ {
		x0, x1 := x[2*i], x[2*i+1]
		x[2*i] = float32(x0*cs[i]) - float32(x1*sn[i])
		x[2*i+1] = float32(x0*sn[i]) + float32(x1*cs[i])
	}
}

func rmsnorm(dst, x, w []float32, eps float32) {
	var ss float64
	for _, v := range x {
		ss += float64(v) * float64(v)
	}
	r := float32(1 / math.Sqrt(ss/float64(len(x))+float64(eps)))
	for i, v := range x {
		dst[i] = float32(v*r) * w[i]
	}
}

func add(dst, x []float32) {
	for i, v := range x {
		dst[i] += v
	}
}

func rows(n, width int) [][]float32 {
	buf := make([]float32, n*width)
	out := make([][]float32, n)
	for i := range out {
		out[i] = buf[i*width : (i+1)*width]
	}
	return out
}

// matmul sets out[t][r] = W[r]·x[t] for a row-major W with len(out[0]) rows.
// Goroutines split W's rows; each takes four rows at a time, so the four
// rows are read once per token and each element of x serves four sums.
// Every element is still one plain sequential sum (see rowDot), whoever
// computes it and however many tokens share the call.
func matmul(out [][]float32, w []float32, x [][]float32) {
	if len(out) == 0 {
		return
	}
	n, in := len(out[0]), len(x[0])
	parallelFor(n, n*in*len(x), func(lo, hi int) {
		r := lo
		for ; r+4 <= hi; r += 4 {
			w0, w1, w2, w3 := w[r*in:(r+1)*in], w[(r+1)*in:(r+2)*in], w[(r+2)*in:(r+3)*in], w[(r+3)*in:(r+4)*in]
			for t := range x {
				out[t][r], out[t][r+1], out[t][r+2], out[t][r+3] = rowDot4(w0, w1, w2, w3, x[t])
			}
		}
		for ; r < hi; r++ {
			for t := range x {
				out[t][r] = rowDot(w[r*in:(r+1)*in], x[t])
			}
		}
	})
}

// rowDot is a·b summed from the first element to the last in float32, each
// product rounded before it is added (the explicit conversion forbids fused
// multiply-add), so the result is the same on every IEEE architecture.
func rowDot(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for i, v := range a {
		s += float32(v * b[i])
	}
	return s
}

// rowDot4 is rowDot of four rows with the same x, four independent sums in
// flight; each equals rowDot of its row bit for bit.
func rowDot4(w0, w1, w2, w3, x []float32) (float32, float32, float32, float32) {
	n := len(x)
	w0, w1, w2, w3 = w0[:n], w1[:n], w2[:n], w3[:n]
	var s0, s1, s2, s3 float32
	for i, v := range x {
		s0 += float32(w0[i] * v)
		s1 += float32(w1[i] * v)
		s2 += float32(w2[i] * v)
		s3 += float32(w3[i] * v)
	}
	return s0, s1, s2, s3
}

// dot is a float32 dot product with four accumulators in a fixed order
// (attention scores; products rounded as in rowDot).
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	for len(a) >= 4 {
		x, y := a[:4:4], b[:4:4]
		s0 += float32(x[0] * y[0])
		s1 += float32(x[1] * y[1])
		s2 += float32(x[2] * y[2])
		s3 += float32(x[3] * y[3])
		a, b = a[4:], b[4:]
	}
	for i, v := range a {
		s0 += float32(v * b[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// parallelWork is the number of multiply-adds below which a job runs on the
// calling goroutine: starting goroutines costs more than small work.
const parallelWork = 1 << 16

// parallelFor runs body over [0, n) split into contiguous ranges, one per
// available CPU when the job is worth it.
func parallelFor(n, work int, body func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = n
	}
	if workers <= 1 || work < parallelWork {
		body(0, n)
		return
	}
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		lo, hi := i*n/workers, (i+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			body(lo, hi)
		}()
	}
	wg.Wait()
}
