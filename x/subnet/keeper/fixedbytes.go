package keeper

import (
	"encoding/binary"

	"github.com/gotensor/gotensor/fixed"
)

// Fixed-point values kept in records as their 16 raw bytes (hi, lo; big-endian), so what the store
// holds is exactly what the arithmetic produced. An empty field reads as zero.

func i96f32FromBytes(b []byte) fixed.I96F32 {
	if len(b) != 16 {
		return fixed.I96F32FromUint(0)
	}
	return fixed.I96F32FromBits(int64(binary.BigEndian.Uint64(b[:8])), binary.BigEndian.Uint64(b[8:]))
}

func i96f32Bytes(v fixed.I96F32) []byte {
	hi, lo := v.Bits()
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b[:8], uint64(hi))
	binary.BigEndian.PutUint64(b[8:], lo)
	return b
}

func u96f32FromBytes(b []byte) fixed.U96F32 {
	if len(b) != 16 {
		return fixed.U96F32FromUint(0)
	}
	return fixed.U96F32FromBits(binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:]))
}

func u96f32Bytes(v fixed.U96F32) []byte {
	hi, lo := v.Bits()
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo)
	return b
}
