package forecast

import (
	"crypto/sha256"
	"encoding/binary"
)

// secretKey derives a 32-byte key for one purpose from the validator's
// secret, so that no two uses share a stream.
func secretKey(secret []byte, purpose string) []byte {
	h := sha256.New()
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write(secret)
	return h.Sum(nil)
}

// secretSeed is the seed of the validator's i-th live series: secret, so
// that nobody can regenerate its history, and distinct per series.
func secretSeed(secret []byte, i int) uint64 {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(i))
	return binary.BigEndian.Uint64(secretKey(append(append([]byte(nil), secret...), n[:]...), "forecast/validator/series"))
}
