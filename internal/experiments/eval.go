package experiments

// EvalResult is the test-set performance of a run's checkpoint.
type EvalResult struct {
	Run    string  `json:"run"`
	Label  string  `json:"label"`
	Step   int     `json:"step"`
	Images int     `json:"images"`
	Loss   float64 `json:"test_loss"`
	Err    float64 `json:"test_err"`
}

// Eval evaluates the run's net on the whole test set in inference mode
// (BatchNorm with running statistics): with the weights and BatchNorm
// statistics of the file FinalWeights names — the safetensors file
// weightsFile (see LoadWeights) if not "", else the run's checkpoint, else
// its exported weights.safetensors (a run committed without its
// checkpoint) — whose step (0 if a weights file records none) is the
// result's Step. A run with neither is an InputError naming both. It reads
// the run directory and writes nothing.
func (r *Run) Eval(weightsFile string) (EvalResult, error) {
	file, err := FinalWeights(r.Dir, weightsFile)
	if err != nil {
		return EvalResult{}, err
	}
	t := &Trainer{Cfg: r.Config, Dir: r.Dir, unlock: func() {}}
	if err := t.setup(); err != nil {
		return EvalResult{}, err
	}
	defer t.Close()
	step, err := r.loadFile(t.Model, file)
	if err != nil {
		return EvalResult{}, err
	}
	loss, errRate := t.Evaluate(t.test, 0)
	return EvalResult{Run: r.Dir, Label: t.Model.Spec.Label(), Step: step, Images: t.test.Len(), Loss: loss, Err: errRate}, nil
}
