package yuma

// EpochSplit runs Epoch with its rows split across the given number of
// goroutines whatever the epoch's size, for the tests that check that
// the split changes no bit of the output.
func EpochSplit(in Input, workers int) (Output, error) {
	return new(Workspace).epoch(in, schedule{workers: workers})
}
