package metagraph_test

import (
	"os"
	"testing"

	"github.com/gotensor/gotensor/sdk/chain/chaintest"
)

func TestMain(m *testing.M) { os.Exit(chaintest.Main(m)) }
