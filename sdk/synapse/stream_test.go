package synapse_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gotensor/gotensor/sdk/synapse"
)

// sealStream returns the lines an axon would send: n chunks and a final frame.
func sealStream(t *testing.T, s *synapse.Session, request synapse.MAC, n int, final *synapse.Error) [][]byte {
	t.Helper()
	sealer := s.NewStreamSealer(request)
	var lines [][]byte
	for i := range n {
		f := &synapse.Frame{Data: json.RawMessage(fmt.Sprintf(`{"index":%d,"text":"<a&b>"}`, i))}
		sealer.Seal(f)
		lines = append(lines, f.AppendLine(nil))
	}
	end := &synapse.Frame{End: true, Status: http.StatusOK}
	if final != nil {
		end.Status, end.Reason, end.Message = final.Status, final.Reason, final.Message
	}
	sealer.Seal(end)
	return append(lines, end.AppendLine(nil))
}

// openStream plays the dendrite: it returns the chunks handed over and the outcome.
func openStream(s *synapse.Session, request synapse.MAC, lines [][]byte) ([]string, error) {
	opener := s.NewStreamOpener(request)
	var chunks []string
	for _, line := range lines {
		var f synapse.Frame
		if err := json.Unmarshal(line, &f); err != nil {
			return chunks, err
		}
		if err := opener.Open(&f); err != nil {
			return chunks, err
		}
		if f.End {
			return chunks, f.Outcome()
		}
		chunks = append(chunks, string(f.Data))
	}
	return chunks, fmt.Errorf("cut short after %d frames", opener.Seq())
}

func TestStreamFrames(t *testing.T) {
	ds, as := pair(t)
	req := sampleRequest(ds)
	mac := ds.RequestMAC(&req)
	other := req
	other.Nonce++
	otherMAC := ds.RequestMAC(&other)

	good := sealStream(t, as, mac, 4, nil)
	foreign := sealStream(t, as, otherMAC, 4, nil) // same session, another request

	swap := func(i, j int) [][]byte {
		l := append([][]byte(nil), good...)
		l[i], l[j] = l[j], l[i]
		return l
	}
	without := func(i int) [][]byte {
		return append(append([][]byte(nil), good[:i]...), good[i+1:]...)
	}
	replace := func(i int, line []byte) [][]byte {
		l := append([][]byte(nil), good...)
		l[i] = line
		return l
	}
	for _, tc := range []struct {
		name   string
		lines  [][]byte
		chunks int
		err    string
	}{
		{"whole", good, 4, ""},
		{"reordered", swap(1, 2), 1, "frame 2 arrived where frame 1 was due"},
		{"middle frame dropped", without(2), 2, "frame 3 arrived where frame 2 was due"},
		{"first frame dropped", without(0), 0, "frame 1 arrived where frame 0 was due"},
		{"duplicated", append(good[:2:2], good[1:]...), 2, "frame 1 arrived where frame 2 was due"},
		{"final frame dropped", good[:4], 4, "cut short"},
		{"spliced from another response", replace(2, foreign[2]), 2, "frame 2: MAC does not match"},
		{"another response's final frame", replace(4, foreign[4]), 4, "frame 4: MAC does not match"},
		{"chunk altered", replace(1, bytes.Replace(good[1], []byte(`"index":1`), []byte(`"index":7`), 1)), 1, "frame 1: MAC does not match"},
		{"end marker forged on a chunk", replace(3, bytes.Replace(good[3], []byte(`"seq":3,`), []byte(`"seq":3,"end":true,"status":200,`), 1)),
			3, "frame 3: MAC does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			chunks, err := openStream(ds, mac, tc.lines)
			require.Len(t, chunks, tc.chunks)
			if tc.err == "" {
				require.NoError(t, err)
				require.Equal(t, `{"index":3,"text":"<a&b>"}`, chunks[3], "data is carried verbatim")
				return
			}
			require.ErrorContains(t, err, tc.err)
		})
	}

	t.Run("error outcome", func(t *testing.T) {
		lines := sealStream(t, as, mac, 2, synapse.Errorf(http.StatusRequestTimeout, synapse.ReasonDeadline, "took \"too\" long\n"))
		chunks, err := openStream(ds, mac, lines)
		require.Len(t, chunks, 2)
		var e *synapse.Error
		require.ErrorAs(t, err, &e)
		require.Equal(t, synapse.Error{Status: 408, Reason: synapse.ReasonDeadline, Message: "took \"too\" long\n"}, *e)
	})

	t.Run("frame after the final frame", func(t *testing.T) {
		opener := ds.NewStreamOpener(mac)
		for _, line := range good {
			var f synapse.Frame
			require.NoError(t, json.Unmarshal(line, &f))
			require.NoError(t, opener.Open(&f))
		}
		f := synapse.Frame{Seq: 5, MAC: synapse.MAC{}.String()}
		require.ErrorContains(t, opener.Open(&f), "after the final frame")
	})
}
