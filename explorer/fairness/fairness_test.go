package fairness

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestByOwnerIsOrderFree(t *testing.T) {
	a := ByOwner([]string{"b", "a", "b"}, []float64{1, 2, 3})
	b := ByOwner([]string{"a", "b", "b"}, []float64{2, 3, 1})
	require.Equal(t, []float64{2, 4}, a)
	require.Equal(t, a, b)
}
