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

// Eval loads the checkpoint of the run in dir, whose resolved config is cfg,
// and evaluates it on the whole test set in inference mode (BatchNorm with
// running statistics). It reads the run directory and writes nothing.
func Eval(cfg Config, dir string) (EvalResult, error) {
	if err := cfg.Validate(); err != nil {
		return EvalResult{}, BadInput(err)
	}
	t := &Trainer{Cfg: cfg, Dir: dir, unlock: func() {}}
	if err := t.setup(); err != nil {
		return EvalResult{}, err
	}
	defer t.Close()
	pos, err := t.loadCheckpoint()
	if err != nil {
		return EvalResult{}, err
	}
	loss, errRate := t.Evaluate(t.test, 0)
	return EvalResult{Run: dir, Label: t.Model.Spec.Label(), Step: pos.Step, Images: t.test.Len(), Loss: loss, Err: errRate}, nil
}
