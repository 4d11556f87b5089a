package synapse

import "encoding/binary"

// canon builds the byte strings that signatures and MACs cover. Every
// variable-length field is length-prefixed and every message starts with its
// own label, so no two different field lists, and no two kinds of message,
// can produce the same bytes.
type canon []byte

func newCanon(label string, sizeHint int) canon {
	c := make(canon, 0, len(label)+1+sizeHint)
	c = append(c, label...)
	return append(c, 0)
}

func (c canon) str(s string) canon {
	c = binary.BigEndian.AppendUint32(c, uint32(len(s)))
	return append(c, s...)
}

func (c canon) bytes(b []byte) canon {
	c = binary.BigEndian.AppendUint32(c, uint32(len(b)))
	return append(c, b...)
}

func (c canon) u64(v uint64) canon { return binary.BigEndian.AppendUint64(c, v) }

func (c canon) i64(v int64) canon { return c.u64(uint64(v)) }

// fixed appends a fixed-size field (hash, MAC) without a length prefix.
func (c canon) fixed(b []byte) canon { return append(c, b...) }

func (c canon) flag(b bool) canon {
	if b {
		return append(c, 1)
	}
	return append(c, 0)
}
