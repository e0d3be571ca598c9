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
// statistics of its checkpoint when weightsFile is "", else of the
// safetensors file weightsFile (see LoadWeights), whose recorded step (0 if
// none) is the result's Step. It reads the run directory and writes
// nothing.
func (r *Run) Eval(weightsFile string) (EvalResult, error) {
	t := &Trainer{Cfg: r.Config, Dir: r.Dir, unlock: func() {}}
	if err := t.setup(); err != nil {
		return EvalResult{}, err
	}
	defer t.Close()
	step, err := r.load(t.Model, weightsFile)
	if err != nil {
		return EvalResult{}, err
	}
	loss, errRate := t.Evaluate(t.test, 0)
	return EvalResult{Run: r.Dir, Label: t.Model.Spec.Label(), Step: step, Images: t.test.Len(), Loss: loss, Err: errRate}, nil
}
