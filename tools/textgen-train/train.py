#!/usr/bin/env python3
"""Train the small llama-style test model that subnets/textgen ships, and export it as GGUF.

The model is a test model, not an assistant: a ~1 M-parameter decoder trained for minutes on the
King James Bible (Debian's bible-kjv-text, public domain). It exists so that the Go runtime,
miners and verifiers have a real, deterministic language model to run without downloading one.

Everything is seeded: the same torch build, thread count and arguments give the same file.

    apt-get install -y python3-torch libopenblas0-pthread bible-kjv bible-kjv-text
    /usr/bin/python3 tools/textgen-train/train.py --out subnets/textgen/model/testdata

Writes kjv-tiny.gguf (F16 matrices, F32 norms), reference.json (token ids and logits the Go
runtime must reproduce), and train.json (the run's settings, losses and timing).
"""

import argparse
import json
import math
import os
import struct
import subprocess
import time
import unicodedata

import torch
import torch.nn as nn
import torch.nn.functional as F

EOT = "<|endoftext|>"

# ---------------------------------------------------------------- corpus


def load_kjv(path):
    """One verse per line, references stripped: `bible -f` prints 'Ge1:1 In the beginning ...';
    the reference is dropped so that the model learns prose, not numbering."""
    if path:
        with open(path, encoding="utf-8") as f:
            raw = f.read()
    else:
        raw = subprocess.run(
            ["bible", "-f", "gen1:1-rev22:21"], check=True, capture_output=True, text=True
        ).stdout
    verses = []
    for line in raw.splitlines():
        ref, _, text = line.strip().partition(" ")
        if ":" not in ref:  # every line of `bible -f` starts with a reference such as 1Chr4:10
            raise ValueError(f"unexpected line in the KJV dump: {line[:60]!r}")
        text = " ".join(text.split())
        if text:
            verses.append(text)
    return verses


# ---------------------------------------------------------------- byte-level BPE (GPT-2 style)


def bytes_to_unicode():
    """GPT-2's reversible map from bytes to printable code points (tokens are stored this way)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def is_letter(c):
    return unicodedata.category(c).startswith("L")


def is_number(c):
    return unicodedata.category(c).startswith("N")


def is_space(c):
    return c in " \t\n\v\f\r\x85\xa0" or unicodedata.category(c) == "Zs" or c in "\u2028\u2029"


def pretokenize(text):
    """The GPT-2 pre-tokenizer regex, written out by hand (the Go runtime has the same scanner):
    's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "'":
            for suf in ("s", "t", "re", "ve", "m", "ll", "d"):
                if text.startswith(suf, i + 1):
                    out.append(text[i : i + 1 + len(suf)])
                    i += 1 + len(suf)
                    break
            else:
                suf = None
            if suf is not None:
                continue
        j = i + 1 if (c == " " and i + 1 < n) else i
        if j < n:
            d = text[j]
            for cls in (is_letter, is_number):
                if cls(d):
                    k = j
                    while k < n and cls(text[k]):
                        k += 1
                    out.append(text[i:k])
                    i = k
                    break
            else:
                cls = None
            if cls is not None:
                continue
            if not is_space(d) and not is_letter(d) and not is_number(d):
                k = j
                while k < n and not (is_space(text[k]) or is_letter(text[k]) or is_number(text[k])):
                    k += 1
                out.append(text[i:k])
                i = k
                continue
        # whitespace run: \s+(?!\S) leaves the last space to the next token when a non-space follows
        k = i
        while k < n and is_space(text[k]):
            k += 1
        if k < n and k - i > 1:
            k -= 1
        out.append(text[i:k])
        i = k
    return out


def train_bpe(words, n_merges):
    """Merge the most frequent adjacent pair, ties broken by the pair's text (deterministic)."""
    vocab = {}
    for w, c in words.items():
        vocab[tuple(w)] = vocab.get(tuple(w), 0) + c
    merges = []
    for _ in range(n_merges):
        pairs = {}
        for sym, c in vocab.items():
            for a, b in zip(sym, sym[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + c
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        joined = best[0] + best[1]
        nv = {}
        for sym, c in vocab.items():
            out = []
            i = 0
            while i < len(sym):
                if i + 1 < len(sym) and sym[i] == best[0] and sym[i + 1] == best[1]:
                    out.append(joined)
                    i += 2
                else:
                    out.append(sym[i])
                    i += 1
            nv[tuple(out)] = nv.get(tuple(out), 0) + c
        vocab = nv
    return merges


class Tokenizer:
    def __init__(self, merges):
        b2u = bytes_to_unicode()
        self.b2u = b2u
        self.u2b = {v: k for k, v in b2u.items()}
        self.tokens = [b2u[b] for b in range(256)] + [a + b for a, b in merges] + [EOT]
        self.ids = {t: i for i, t in enumerate(self.tokens)}
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.merges = merges
        self.eot = self.ids[EOT]
        self.cache = {}

    def encode_word(self, w):
        if w in self.cache:
            return self.cache[w]
        sym = [self.b2u[b] for b in w.encode("utf-8")]
        while len(sym) > 1:
            best, bi = None, -1
            for i in range(len(sym) - 1):
                r = self.ranks.get((sym[i], sym[i + 1]))
                if r is not None and (best is None or r < best):
                    best, bi = r, i
            if best is None:
                break
            sym = sym[:bi] + [sym[bi] + sym[bi + 1]] + sym[bi + 2 :]
        ids = [self.ids[s] for s in sym]
        self.cache[w] = ids
        return ids

    def encode(self, text):
        out = []
        for w in pretokenize(text):
            out.extend(self.encode_word(w))
        return out

    def decode(self, ids):
        bs = bytearray()
        for i in ids:
            t = self.tokens[i]
            if t == EOT:
                continue
            bs.extend(self.u2b[c] for c in t)
        return bs.decode("utf-8", errors="replace")


# ---------------------------------------------------------------- model


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope(x, cos, sin):
    """Rotate adjacent pairs (x[2i], x[2i+1]): llama.cpp's layout for general.architecture=llama."""
    x0, x1 = x[..., 0::2], x[..., 1::2]
    r0 = x0 * cos - x1 * sin
    r1 = x0 * sin + x1 * cos
    return torch.stack((r0, r1), dim=-1).flatten(-2)


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, h, kv, hd = cfg["dim"], cfg["heads"], cfg["kv_heads"], cfg["dim"] // cfg["heads"]
        self.h, self.kv, self.hd = h, kv, hd
        self.attn_norm = RMSNorm(d, cfg["eps"])
        self.wq = nn.Linear(d, h * hd, bias=False)
        self.wk = nn.Linear(d, kv * hd, bias=False)
        self.wv = nn.Linear(d, kv * hd, bias=False)
        self.wo = nn.Linear(h * hd, d, bias=False)
        self.ffn_norm = RMSNorm(d, cfg["eps"])
        self.w_gate = nn.Linear(d, cfg["ffn"], bias=False)
        self.w_up = nn.Linear(d, cfg["ffn"], bias=False)
        self.w_down = nn.Linear(cfg["ffn"], d, bias=False)

    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        y = self.attn_norm(x)
        q = self.wq(y).view(B, T, self.h, self.hd)
        k = self.wk(y).view(B, T, self.kv, self.hd)
        v = self.wv(y).view(B, T, self.kv, self.hd)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        rep = self.h // self.kv
        k = k.repeat_interleave(rep, dim=2)  # query head j reads kv head j // rep, as llama.cpp
        v = v.repeat_interleave(rep, dim=2)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(self.hd)
        mask = torch.ones(T, T, dtype=torch.bool).triu(1)
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        o = (att @ v).transpose(1, 2).reshape(B, T, self.h * self.hd)
        x = x + self.wo(o)
        y = self.ffn_norm(x)
        return x + self.w_down(F.silu(self.w_gate(y)) * self.w_up(y))


class Model(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg["vocab"], cfg["dim"])
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg["layers"]))
        self.norm = RMSNorm(cfg["dim"], cfg["eps"])
        self.out = nn.Linear(cfg["dim"], cfg["vocab"], bias=False)
        hd = cfg["dim"] // cfg["heads"]
        inv = 1.0 / (cfg["rope_base"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
        ang = torch.arange(cfg["ctx"], dtype=torch.float64)[:, None] * inv[None, :]
        self.register_buffer("cos", ang.cos().float()[None, :, None, :], persistent=False)
        self.register_buffer("sin", ang.sin().float()[None, :, None, :], persistent=False)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)
        for b in self.blocks:
            nn.init.normal_(b.wo.weight, std=0.02 / math.sqrt(2 * cfg["layers"]))
            nn.init.normal_(b.w_down.weight, std=0.02 / math.sqrt(2 * cfg["layers"]))

    def forward(self, idx):
        T = idx.shape[1]
        x = self.embed(idx)
        cos, sin = self.cos[:, :T], self.sin[:, :T]
        for b in self.blocks:
            x = b(x, cos, sin)
        return self.out(self.norm(x))


# ---------------------------------------------------------------- GGUF v3 writer

GGUF_UINT32, GGUF_INT32, GGUF_FLOAT32, GGUF_BOOL, GGUF_STRING, GGUF_ARRAY = 4, 5, 6, 7, 8, 9
GGML_F32, GGML_F16 = 0, 1


def gguf_str(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def gguf_value(kind, v):
    if kind == GGUF_UINT32:
        return struct.pack("<I", v)
    if kind == GGUF_INT32:
        return struct.pack("<i", v)
    if kind == GGUF_FLOAT32:
        return struct.pack("<f", v)
    if kind == GGUF_BOOL:
        return struct.pack("<B", 1 if v else 0)
    if kind == GGUF_STRING:
        return gguf_str(v)
    raise ValueError(kind)


def write_gguf(path, kvs, tensors, align=32):
    """kvs: [(key, kind, value)] with kind GGUF_ARRAY -> value (elem_kind, list).
    tensors: [(name, np-like torch tensor in PyTorch [out, in] order, ggml type)]."""
    head = bytearray(b"GGUF")
    head += struct.pack("<IQQ", 3, len(tensors), len(kvs))
    for key, kind, val in kvs:
        head += gguf_str(key) + struct.pack("<I", kind)
        if kind == GGUF_ARRAY:
            ek, items = val
            head += struct.pack("<IQ", ek, len(items))
            for it in items:
                head += gguf_value(ek, it)
        else:
            head += gguf_value(kind, val)
    blobs, off = [], 0
    for name, t, typ in tensors:
        t = t.detach().contiguous()
        data = (t.to(torch.float16) if typ == GGML_F16 else t.to(torch.float32)).numpy().tobytes()
        dims = list(reversed(t.shape))  # ggml lists the fastest-varying dimension first
        head += gguf_str(name) + struct.pack("<I", len(dims))
        for d in dims:
            head += struct.pack("<Q", d)
        head += struct.pack("<IQ", typ, off)
        pad = (-len(data)) % align
        blobs.append(data + b"\0" * pad)
        off += len(data) + pad
    head += b"\0" * ((-len(head)) % align)
    with open(path, "wb") as f:
        f.write(head)
        for b in blobs:
            f.write(b)


def export(model, tok, cfg, path):
    kvs = [
        ("general.architecture", GGUF_STRING, "llama"),
        ("general.name", GGUF_STRING, "kjv-tiny"),
        ("general.description", GGUF_STRING, "test model trained on the King James Bible; not an assistant"),
        ("general.file_type", GGUF_UINT32, 1),
        ("general.alignment", GGUF_UINT32, 32),
        ("llama.context_length", GGUF_UINT32, cfg["ctx"]),
        ("llama.embedding_length", GGUF_UINT32, cfg["dim"]),
        ("llama.block_count", GGUF_UINT32, cfg["layers"]),
        ("llama.feed_forward_length", GGUF_UINT32, cfg["ffn"]),
        ("llama.attention.head_count", GGUF_UINT32, cfg["heads"]),
        ("llama.attention.head_count_kv", GGUF_UINT32, cfg["kv_heads"]),
        ("llama.rope.dimension_count", GGUF_UINT32, cfg["dim"] // cfg["heads"]),
        ("llama.rope.freq_base", GGUF_FLOAT32, cfg["rope_base"]),
        ("llama.attention.layer_norm_rms_epsilon", GGUF_FLOAT32, cfg["eps"]),
        ("llama.vocab_size", GGUF_UINT32, cfg["vocab"]),
        ("tokenizer.ggml.model", GGUF_STRING, "gpt2"),
        ("tokenizer.ggml.pre", GGUF_STRING, "gpt-2"),
        ("tokenizer.ggml.tokens", GGUF_ARRAY, (GGUF_STRING, tok.tokens)),
        ("tokenizer.ggml.token_type", GGUF_ARRAY, (GGUF_INT32, [1] * (len(tok.tokens) - 1) + [3])),
        ("tokenizer.ggml.merges", GGUF_ARRAY, (GGUF_STRING, [a + " " + b for a, b in tok.merges])),
        ("tokenizer.ggml.bos_token_id", GGUF_UINT32, tok.eot),
        ("tokenizer.ggml.eos_token_id", GGUF_UINT32, tok.eot),
        ("tokenizer.ggml.add_bos_token", GGUF_BOOL, True),
    ]
    ts = [("token_embd.weight", model.embed.weight, GGML_F16)]
    for i, b in enumerate(model.blocks):
        p = f"blk.{i}."
        ts += [
            (p + "attn_norm.weight", b.attn_norm.weight, GGML_F32),
            (p + "attn_q.weight", b.wq.weight, GGML_F16),
            (p + "attn_k.weight", b.wk.weight, GGML_F16),
            (p + "attn_v.weight", b.wv.weight, GGML_F16),
            (p + "attn_output.weight", b.wo.weight, GGML_F16),
            (p + "ffn_norm.weight", b.ffn_norm.weight, GGML_F32),
            (p + "ffn_gate.weight", b.w_gate.weight, GGML_F16),
            (p + "ffn_up.weight", b.w_up.weight, GGML_F16),
            (p + "ffn_down.weight", b.w_down.weight, GGML_F16),
        ]
    ts += [("output_norm.weight", model.norm.weight, GGML_F32), ("output.weight", model.out.weight, GGML_F16)]
    write_gguf(path, kvs, ts)


# ---------------------------------------------------------------- training


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--corpus", default="", help="KJV text file; default: run `bible`")
    ap.add_argument("--merges", type=int, default=255)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=384)
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    t0 = time.time()

    verses = load_kjv(args.corpus)
    # Held out: every 50th verse (spread over all books, so validation is in-distribution).
    train_v = [v for i, v in enumerate(verses) if i % 50 != 0]
    val_v = [v for i, v in enumerate(verses) if i % 50 == 0]
    b2u = bytes_to_unicode()
    words = {}  # pre-tokens spelled in GPT-2's byte alphabet, as the vocabulary stores them
    for v in train_v:
        for w in pretokenize(v):
            w = "".join(b2u[b] for b in w.encode("utf-8"))
            words[w] = words.get(w, 0) + 1
    merges = train_bpe(words, args.merges)
    tok = Tokenizer([(m[0], m[1]) for m in merges])
    print(f"corpus {len(verses)} verses, {sum(map(len, verses))} chars; bpe {len(merges)} merges in {time.time()-t0:.0f}s", flush=True)

    def stream(vs):
        ids = []
        for v in vs:
            ids.append(tok.eot)
            ids.extend(tok.encode(v))
        return torch.tensor(ids, dtype=torch.long)

    train_ids, val_ids = stream(train_v), stream(val_v)
    val_chars = sum(len(v) for v in val_v)
    print(f"tokens train {len(train_ids)} val {len(val_ids)}; chars/token {val_chars/len(val_ids):.2f}", flush=True)

    cfg = dict(vocab=len(tok.tokens), dim=args.dim, layers=args.layers, heads=args.heads,
               kv_heads=args.kv_heads, ffn=args.ffn, ctx=args.ctx, eps=1e-5, rope_base=10000.0)
    model = Model(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model {n_params} params {cfg}", flush=True)
    decay = [p for p in model.parameters() if p.dim() == 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))
    gen = torch.Generator().manual_seed(args.seed)
    warm = max(1, args.steps // 30)

    def lr_at(s):
        if s < warm:
            return args.lr * (s + 1) / warm
        return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, args.steps - warm))))

    def evaluate():
        """Nats per character over the whole held-out stream, in non-overlapping windows."""
        model.eval()
        total = 0.0
        with torch.no_grad():
            T = args.ctx
            n = (len(val_ids) - 1) // T
            x = val_ids[: n * T].view(n, T)
            y = val_ids[1 : n * T + 1].view(n, T)
            for i in range(0, n, 64):
                lg = model(x[i : i + 64])
                total += F.cross_entropy(lg.reshape(-1, lg.shape[-1]), y[i : i + 64].reshape(-1), reduction="sum").item()
            ntok = n * T
        model.train()
        # characters covered by the evaluated tokens, pro rata (the tail beyond n*T is dropped)
        return total / ntok, total / (val_chars * ntok / len(val_ids))

    log = []
    ts = time.time()
    for step in range(args.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        ix = torch.randint(0, len(train_ids) - args.ctx - 1, (args.batch,), generator=gen)
        x = torch.stack([train_ids[i : i + args.ctx] for i in ix])
        y = torch.stack([train_ids[i + 1 : i + args.ctx + 1] for i in ix])
        loss = F.cross_entropy(model(x).reshape(-1, cfg["vocab"]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 50 == 0 or step == args.steps - 1:
            el = time.time() - ts
            print(f"step {step} loss {loss.item():.4f} lr {lr_at(step):.2e} {el:.0f}s ({(step+1)*args.batch*args.ctx/el:.0f} tok/s)", flush=True)
            log.append({"step": step, "train_loss": loss.item(), "elapsed_s": round(el, 1)})
    train_s = time.time() - ts

    # Ship F16 matrices: round the trained weights so the reference below is what the file holds.
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.copy_(p.to(torch.float16).to(torch.float32))
    val_tok, val_char = evaluate()
    print(f"validation {val_tok:.4f} nats/token, {val_char:.4f} nats/char", flush=True)
    export(model, tok, cfg, os.path.join(args.out, "kjv-tiny.gguf"))

    # Reference for the Go runtime: encodings and full logits of a prompt, plus greedy text.
    model.eval()
    prompts = ["And God said, Let there be light: and there was light.",
               "In the beginning", "Jesus wept. The LORD's 12 tribes;  and\tthe  end\n"]
    ref = {"prompts": []}
    with torch.no_grad():
        for p in prompts:
            ids = [tok.eot] + tok.encode(p)
            lg = model(torch.tensor([ids]))[0]
            ref["prompts"].append({"text": p, "ids": ids,
                                   "last_logits": [round(v, 6) for v in lg[-1].tolist()],
                                   "first_logits": [round(v, 6) for v in lg[0].tolist()]})
        ids = [tok.eot] + tok.encode("And the LORD said unto Moses,")
        for _ in range(40):
            nxt = int(model(torch.tensor([ids[-args.ctx:]]))[0, -1].argmax())
            ids.append(nxt)
            if nxt == tok.eot:
                break
        ref["greedy"] = {"prompt": "And the LORD said unto Moses,", "ids": ids, "text": tok.decode(ids)}
    with open(os.path.join(args.out, "reference.json"), "w") as f:
        json.dump(ref, f)
    info = {"args": vars(args), "config": cfg, "params": n_params, "verses": len(verses),
            "train_tokens": len(train_ids), "val_tokens": len(val_ids), "val_chars": val_chars,
            "val_nats_per_token": val_tok, "val_nats_per_char": val_char, "train_seconds": round(train_s),
            "torch": torch.__version__, "log": log, "greedy_sample": ref["greedy"]["text"]}
    with open(os.path.join(args.out, "train.json"), "w") as f:
        json.dump(info, f, indent=1)
    print("greedy:", ref["greedy"]["text"], flush=True)
    print(f"done in {time.time()-t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
