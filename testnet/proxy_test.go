package testnet

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// echoServer answers every line with the same line.
func echoServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := c.Write([]byte(line)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// proxyTo starts a proxy a→b in front of target on a free port and returns its address.
func proxyTo(t *testing.T, f *Fabric, a, b, target string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	require.NoError(t, f.Listen(addr, a, b, target))
	return addr
}

func roundTrip(c net.Conn, r *bufio.Reader, timeout time.Duration) (string, error) {
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return "", err
	}
	return r.ReadString('\n')
}

func TestProxyForwardsHoldsCutsAndDelays(t *testing.T) {
	f := NewFabric()
	t.Cleanup(f.Close)
	addr := proxyTo(t, f, "a", "b", echoServer(t))

	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	r := bufio.NewReader(c)
	got, err := roundTrip(c, r, 2*time.Second)
	require.NoError(t, err)
	require.Equal(t, "ping\n", got)

	// Held: the bytes wait until the partition heals, on the same connection.
	f.Set(NetFaults{Partition: [][]string{{"a"}}})
	_, err = roundTrip(c, r, 300*time.Millisecond)
	require.Error(t, err, "no answer crosses a held partition")
	_ = c.SetDeadline(time.Time{})
	f.Set(NetFaults{})
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	got, err = r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "ping\n", got, "the held bytes arrive once the partition heals")

	// Latency: each direction waits the sum of both ends' delays.
	f.Set(NetFaults{LatencyMS: map[string]int{"b": 100}})
	began := time.Now()
	got, err = roundTrip(c, r, 3*time.Second)
	require.NoError(t, err)
	require.Equal(t, "ping\n", got)
	require.GreaterOrEqual(t, time.Since(began), 200*time.Millisecond, "100 ms each way")

	// Cut: the connection is closed and new ones are refused until the cut heals.
	f.Set(NetFaults{Partition: [][]string{{"b"}}, Cut: true})
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	_, err = r.ReadString('\n')
	require.Error(t, err, "a cut closes the connection")
	c2, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	_, err = roundTrip(c2, bufio.NewReader(c2), time.Second)
	require.Error(t, err, "a new connection across a cut is closed at once")
	c2.Close()

	f.Set(NetFaults{})
	c3, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c3.Close()
	got, err = roundTrip(c3, bufio.NewReader(c3), 2*time.Second)
	require.NoError(t, err)
	require.Equal(t, "ping\n", got)
}

func TestPartitionGroups(t *testing.T) {
	f := NetFaults{Partition: [][]string{{"node0", "node1"}, {"node2", "node3"}}}
	require.True(t, f.Connected("node0", "node1"))
	require.False(t, f.Connected("node1", "node2"))
	require.True(t, f.Connected("node4", "node5"), "nodes in no group form one group")
	require.False(t, f.Connected("node4", "node0"))
	require.True(t, NetFaults{}.Connected("node0", "node3"))
}

func TestLongestOutside(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	span := interval{at(0), at(10)}
	require.Equal(t, 10*time.Second, longestOutside(span, nil))
	require.Equal(t, 6*time.Second, longestOutside(span, []interval{{at(1), at(4)}}))
	require.Equal(t, 4*time.Second, longestOutside(span, []interval{{at(6), at(12)}, {at(-1), at(2)}}))
	require.Equal(t, time.Duration(0), longestOutside(span, []interval{{at(-1), at(11)}}))

	blocks := []header{{Time: at(0)}, {Time: at(1)}, {Time: at(9)}, {Time: at(9.5)}}
	withQuorum, overall := longestHalts(blocks, []interval{{at(2), at(7)}}, at(0), at(20))
	require.InDelta(t, 8, overall, 1e-9)
	require.InDelta(t, 2, withQuorum, 1e-9, "1→2 and 7→9 had a quorum, 2→7 did not")
}
