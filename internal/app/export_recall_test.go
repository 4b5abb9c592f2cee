package app

// SetRecallBatch sets how many lines a recall transaction takes up, for a test; it
// returns the function that puts it back.
func SetRecallBatch(n int) (restore func()) {
	old := recallBatchSize
	recallBatchSize = n
	return func() { recallBatchSize = old }
}
