package nn

// SetTrainFusion sets trainFusion for the external tests and benchmarks
// and returns its previous value.
func SetTrainFusion(on bool) bool {
	old := trainFusion
	trainFusion = on
	return old
}
