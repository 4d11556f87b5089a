package testnet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// rpc reads a node's CometBFT RPC (the URI form over HTTP on loopback).
type rpc struct {
	base string
	http *http.Client
}

func newRPC(port int) rpc {
	return rpc{base: fmt.Sprintf("http://127.0.0.1:%d", port), http: &http.Client{Timeout: 3 * time.Second}}
}

func (r rpc) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Message string `json:"message"`
			Data    string `json:"data"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("%s%s: %w", r.base, path, err)
	}
	if env.Error != nil {
		return fmt.Errorf("%s%s: %s %s", r.base, path, env.Error.Message, env.Error.Data)
	}
	return json.Unmarshal(env.Result, v)
}

// Status is what a node says of itself.
type Status struct {
	Height         int64  `json:"height"`
	EarliestHeight int64  `json:"earliest_height"`
	AppHash        string `json:"app_hash"`
	CatchingUp     bool   `json:"catching_up"`
	Peers          int    `json:"peers"`
}

func (r rpc) status(ctx context.Context) (Status, error) {
	var s struct {
		SyncInfo struct {
			LatestHeight   int64  `json:"latest_block_height,string"`
			EarliestHeight int64  `json:"earliest_block_height,string"`
			AppHash        string `json:"latest_app_hash"`
			CatchingUp     bool   `json:"catching_up"`
		} `json:"sync_info"`
	}
	if err := r.get(ctx, "/status", &s); err != nil {
		return Status{}, err
	}
	var ni struct {
		NPeers int `json:"n_peers,string"`
	}
	if err := r.get(ctx, "/net_info", &ni); err != nil {
		return Status{}, err
	}
	return Status{Height: s.SyncInfo.LatestHeight, EarliestHeight: s.SyncInfo.EarliestHeight, AppHash: s.SyncInfo.AppHash,
		CatchingUp: s.SyncInfo.CatchingUp, Peers: ni.NPeers}, nil
}

func (r rpc) height(ctx context.Context) (int64, error) {
	var s struct {
		SyncInfo struct {
			LatestHeight int64 `json:"latest_block_height,string"`
			CatchingUp   bool  `json:"catching_up"`
		} `json:"sync_info"`
	}
	err := r.get(ctx, "/status", &s)
	return s.SyncInfo.LatestHeight, err
}

// header is one block as the fork check compares it.
type header struct {
	Height    int64
	BlockHash string
	AppHash   string
	Time      time.Time
}

// headers are the blocks min…max (at most 20, the node's page) as the node has them.
func (r rpc) headers(ctx context.Context, min, max int64) ([]header, error) {
	var res struct {
		BlockMetas []struct {
			BlockID struct {
				Hash string `json:"hash"`
			} `json:"block_id"`
			Header struct {
				Height  int64     `json:"height,string"`
				Time    time.Time `json:"time"`
				AppHash string    `json:"app_hash"`
			} `json:"header"`
		} `json:"block_metas"`
	}
	if err := r.get(ctx, fmt.Sprintf("/blockchain?minHeight=%d&maxHeight=%d", min, max), &res); err != nil {
		return nil, err
	}
	out := make([]header, 0, len(res.BlockMetas))
	for _, b := range res.BlockMetas {
		out = append(out, header{Height: b.Header.Height, BlockHash: b.BlockID.Hash, AppHash: b.Header.AppHash, Time: b.Header.Time})
	}
	return out, nil
}

// blockTxs are the hashes (upper-case hex SHA-256, as CometBFT names transactions) of the
// transactions in the node's block at height.
func (r rpc) blockTxs(ctx context.Context, height int64) (map[string]bool, error) {
	var res struct {
		Block struct {
			Data struct {
				Txs [][]byte `json:"txs"`
			} `json:"data"`
		} `json:"block"`
	}
	if err := r.get(ctx, fmt.Sprintf("/block?height=%d", height), &res); err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(res.Block.Data.Txs))
	for _, tx := range res.Block.Data.Txs {
		sum := sha256.Sum256(tx)
		out[strings.ToUpper(hex.EncodeToString(sum[:]))] = true
	}
	return out, nil
}

// txHeight is the height of the block in which the node has the transaction, 0 if none.
func (r rpc) txHeight(ctx context.Context, hash string) (int64, error) {
	var res struct {
		Height int64 `json:"height,string"`
	}
	if err := r.get(ctx, "/tx?hash=0x"+hash, &res); err != nil {
		return 0, err
	}
	return res.Height, nil
}
