package experiments

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"syscall"
	"time"

	"github.com/resexp/resexp/internal/data"
	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/models"
	"github.com/resexp/resexp/internal/nn/optim"
	"github.com/resexp/resexp/internal/runfiles"
)

// Trainer is one prepared run: data, model, optimiser and open run files.
type Trainer struct {
	Cfg   Config
	Dir   string
	Model *models.Model
	Total int // iterations

	train, test *data.Set
	val         *data.Set // nil without data.validation
	norm        *data.Normalizer
	loader      *data.Loader
	loss        *nn.SoftmaxCrossEntropy
	opt         *optim.SGD
	sched       optim.Schedule
	files       *runWriter
	meta        runfiles.Meta

	x      *nn.Tensor
	xPart  nn.Tensor // a view of x for partial batches
	y      []uint8
	gnorms []float64
	cur    Step                // the iteration observers see
	row    runfiles.MetricsRow // the metrics row observers see
	obs    observers
	window window
	start  time.Time

	startStep int     // iterations done before this process (resume)
	elapsed0  float64 // seconds of training before this process
	unlock    func()
	held      func() // Options.held
}

// Options are the choices of a train command that are not part of the
// experiment itself.
type Options struct {
	Dir    string // run directory; "" means runs/<name>
	Force  bool   // replace an existing run directory
	Resume bool   // continue the run in Dir from its checkpoint
	// InitWeights is a safetensors weights file a new run starts from
	// instead of its random initialisation (see LoadWeights); "" for none.
	InitWeights string
	// ForceMemory skips the memory pre-flight (checkMemory) that refuses
	// a run whose estimated memory exceeds what the machine has.
	ForceMemory bool
	// held, if not nil, releases the lock of Dir that the caller took
	// (lockDir) to decide what to do with it; the Trainer then owns it.
	held func()
}

// Prepare validates cfg, loads the data and builds the model, then creates
// the run directory, or with opt.Resume restores the run in opt.Dir from its
// checkpoint. Every problem with the input is an InputError and leaves the
// file system untouched. The run directory stays locked against other
// processes until Run returns (or Close, if Run is never called).
func Prepare(cfg Config, opt Options) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, BadInput(err)
	}
	t := &Trainer{Cfg: cfg, Dir: opt.Dir, unlock: func() {}, held: opt.held}
	if t.Dir == "" {
		t.Dir = "runs/" + cfg.RunName()
	}
	if !opt.Resume {
		if err := checkRunDir(t.Dir, opt.Force); err != nil {
			return nil, err
		}
	}
	if err := t.setup(); err != nil {
		return nil, err
	}
	if !opt.ForceMemory {
		if err := t.checkMemory(); err != nil {
			t.loader.Close()
			return nil, err
		}
	}
	var err error
	if opt.Resume {
		err = t.resume()
	} else {
		err = t.createFrom(opt, "")
	}
	if err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// Close releases the data loader and the run directory's lock. Run calls it.
func (t *Trainer) Close() {
	t.loader.Close()
	t.unlock()
}

// setup loads the data, builds and initialises the model and makes the
// optimiser, without touching the file system.
func (t *Trainer) setup() error {
	t.Cfg.ResolveAuto()
	if err := t.setupData(); err != nil {
		return err
	}
	if err := t.setupModel(); err != nil {
		return err
	}
	return t.setupOptimiser()
}

func (t *Trainer) setupData() error {
	var err error
	if t.train, t.test, err = data.LoadWith(t.Cfg.Data.Dataset, t.Cfg.DataDir(), t.Cfg.loadOptions()); err != nil {
		return BadInput(err)
	}
	if err := t.splitValidation(); err != nil {
		return err
	}
	if t.norm, err = data.NewNormalizer(t.Cfg.Data.Normalize, t.train); err != nil {
		return BadInput(fmt.Errorf("key data.normalize: %w", err))
	}
	if bs := t.Cfg.Train.BatchSize; bs > t.train.Len() {
		return BadInput(fmt.Errorf("key train.batch_size: %d is larger than the %d training images of %s", bs, t.train.Len(), t.train.Name))
	}
	return nil
}

// setupModel builds the net for the data's shape and draws its weights from
// the one RNG seeded by the config's seed.
func (t *Trainer) setupModel() error {
	s := t.train
	var err error
	if t.Model, err = models.Build(t.Cfg.Spec(s.C, s.H, s.W, s.Classes)); err != nil {
		return BadInput(err)
	}
	rng := rand.New(rand.NewPCG(t.Cfg.Seed, 0x5eed))
	if err = t.Model.Init(rng, t.Cfg.Model.Init); err != nil {
		return BadInput(fmt.Errorf("key model.init: %w", err))
	}
	bs := t.Cfg.Train.BatchSize
	t.x = nn.NewTensor(bs, s.C, s.H, s.W)
	t.y = make([]uint8, bs)
	t.gnorms = make([]float64, len(t.Model.Weighted))
	t.loss = nn.NewSoftmaxCrossEntropy()
	return nil
}

// setupOptimiser makes the data loader, the schedule and SGD; milestones in
// epochs become iterations here.
func (t *Trainer) setupOptimiser() error {
	tc := t.Cfg.Train
	t.loader = data.NewLoader(t.train, tc.BatchSize, t.Cfg.Seed, t.norm, t.Cfg.augment())
	t.Total = tc.Steps
	if tc.Epochs > 0 {
		t.Total = tc.Epochs * t.loader.StepsPerEpoch()
	}
	milestones := slices.Clone(tc.Milestones)
	for _, e := range tc.MilestoneEpochs {
		milestones = append(milestones, e*t.loader.StepsPerEpoch())
	}
	var err error
	if t.sched, err = optim.NewSchedule(tc.Schedule, tc.LR, tc.Gamma, milestones, tc.WarmupSteps, tc.WarmupLR, t.Total); err != nil {
		t.loader.Close()
		return BadInput(fmt.Errorf("key train.schedule: %w", err))
	}
	t.opt = optim.NewSGD(t.Model.Params(), float32(tc.Momentum), float32(tc.WeightDecay), tc.Nesterov)
	return nil
}

// splitValidation holds out the last data.validation training images.
func (t *Trainer) splitValidation() error {
	v, n := t.Cfg.Data.Validation, t.train.Len()
	if v == 0 {
		return nil
	}
	if v > n-t.Cfg.Train.BatchSize {
		return BadInput(fmt.Errorf("key data.validation: %d leaves fewer than one batch of the %d training images of %s", v, n, t.train.Name))
	}
	t.val = t.train.Slice(n-v, n)
	t.train = t.train.Slice(0, n-v)
	return nil
}

// Run trains for Total iterations and finishes the run directory's
// meta.json with the run's status. The run files and checkpoints are
// written by the run's own observers (see Observer); obs are called after
// them, in order, and before the checkpoint file is written. Run returns an
// error wrapping ErrDiverged or ErrInterrupted when the run stopped early.
func (t *Trainer) Run(ctx context.Context, obs ...Observer) (err error) {
	defer t.Close()
	defer func() { err = t.finish(err) }()
	t.obs = observers{}
	t.obs.add(t.files.recorders()...)
	t.obs.add(obs...)
	t.obs.add(checkpointer{})
	if err := t.obs.atStart(t); err != nil {
		return err
	}
	t.start = time.Now()
	t.window.since = t.start
	for step := t.startStep + 1; step <= t.Total; step++ {
		if ctx.Err() != nil {
			return t.interrupt(step - 1)
		}
		if err := t.step(step); err != nil {
			return err
		}
		if err := t.maybeLog(step); err != nil {
			return err
		}
		if step%t.Cfg.Log.CheckpointEvery == 0 || step == t.Total {
			if err := t.obs.atCheckpoint(t, step); err != nil {
				return err
			}
		}
	}
	return nil
}

// StartStep is the number of iterations done before this process: 0 for a
// new run, the checkpoint's step for a resumed one.
func (t *Trainer) StartStep() int { return t.startStep }

// interrupt saves a checkpoint after done iterations and returns the error
// of an interrupted run.
func (t *Trainer) interrupt(done int) error {
	if err := t.obs.atCheckpoint(t, done); err != nil {
		return fmt.Errorf("%w at step %d; saving the checkpoint failed: %v", ErrInterrupted, done+1, err)
	}
	return fmt.Errorf("%w after step %d; checkpoint saved, continue with: resexp train --resume %s", ErrInterrupted, done, t.Dir)
}

// elapsed is the run's training time in seconds, across resumes.
func (t *Trainer) elapsed() float64 { return t.elapsed0 + time.Since(t.start).Seconds() }

// step runs iteration n: forward, loss, backward, gradient norms and the
// divergence check, update, with the observers called between.
func (t *Trainer) step(n int) error {
	s := &t.cur
	*s = Step{N: n, GradNorms: t.gnorms}
	t.loader.Next(t.x.Data, t.y)
	out := t.Model.Net.Forward(t.x, true)
	s.Loss, s.Wrong = t.loss.Forward(out, t.y)
	if err := t.obs.afterForward(t, s); err != nil {
		return err
	}
	t.Model.Net.Backward(t.loss.Backward())
	t.window.add(s.Loss, s.Wrong, len(t.y))
	gradNorms(t.gnorms, t.Model.Weighted)
	s.Diverged = divergence(n, s.Loss, t.gnorms, t.Model.Weighted)
	if err := t.obs.afterBackward(t, s); err != nil {
		return err
	}
	if s.Diverged != nil {
		return t.logDivergence(s)
	}
	t.opt.Step(float32(t.sched.LR(n)))
	return t.obs.afterUpdate(t, s)
}

// logDivergence gives the observers the metrics row of the interval the run
// diverged in, so the files end at the failing step, and returns the
// divergence.
func (t *Trainer) logDivergence(s *Step) error {
	t.setRow(s.N)
	return errors.Join(s.Diverged, t.obs.atMetrics(t, s, &t.row))
}

// maybeLog gives the observers a metrics row when one is due after step,
// with the evaluation when that is due too, and starts a new window.
func (t *Trainer) maybeLog(step int) error {
	l := t.Cfg.Log
	evalNow := step%l.EvalEvery == 0 || step == t.Total
	if step%l.Every != 0 && !evalNow {
		return nil
	}
	t.setRow(step)
	if evalNow {
		limit := l.EvalSamples
		if step == t.Total {
			limit = 0
		}
		t.row.TestLoss, t.row.TestErr = t.Evaluate(t.test, limit)
		if t.val != nil {
			t.row.ValLoss, t.row.ValErr = t.Evaluate(t.val, limit)
		}
	}
	t.row.ElapsedS = t.elapsed()
	if err := t.obs.atMetrics(t, &t.cur, &t.row); err != nil {
		return err
	}
	t.window.reset(time.Now())
	return nil
}

// setRow sets t.row to the window's metrics after step, evaluations NaN.
func (t *Trainer) setRow(step int) {
	t.row = t.window.row(step, time.Now())
	t.row.Epoch = float64(step*t.Cfg.Train.BatchSize) / float64(t.train.Len())
	t.row.LR = t.sched.LR(step)
	t.row.TestLoss, t.row.TestErr = math.NaN(), math.NaN()
	t.row.ValLoss, t.row.ValErr = math.NaN(), math.NaN()
	t.row.ElapsedS = t.elapsed()
}

// Evaluate returns the mean loss and error of the model in inference mode on
// the first limit images of s (all when limit is 0).
func (t *Trainer) Evaluate(s *data.Set, limit int) (loss, errRate float64) {
	return t.evaluateNet(t.Model.Net, s, limit)
}

// evaluateNet is Evaluate of net, a network with the model's input and
// output shapes (the model's own, or one built from its layers such as a
// lesioned net), in the same batches and summation order, so that the same
// net gives the same bits.
func (t *Trainer) evaluateNet(net nn.Layer, s *data.Set, limit int) (loss, errRate float64) {
	n := s.Len()
	if limit > 0 && limit < n {
		n = limit
	}
	bs := t.Cfg.Train.BatchSize
	var sum float64
	wrong := 0
	for lo := 0; lo < n; lo += bs {
		hi := min(lo+bs, n)
		x := t.batchView(hi - lo)
		s.Fill(x.Data, t.y[:hi-lo], lo, hi, t.norm)
		l, w := t.loss.Forward(net.Forward(x, false), t.y[:hi-lo])
		sum += l * float64(hi-lo)
		wrong += w
	}
	return sum / float64(n), float64(wrong) / float64(n)
}

// batchView returns the first n images of the input buffer as a tensor,
// sharing its storage (the last, partial batch of an evaluation).
func (t *Trainer) batchView(n int) *nn.Tensor {
	if n == t.x.N {
		return t.x
	}
	t.xPart = *t.x
	t.xPart.N, t.xPart.Data = n, t.x.Data[:n*t.x.Size()]
	return &t.xPart
}

// finish closes the run files and writes the final status into meta.json.
// A run stopped by a full disk is "interrupted" (resumable, also by a
// sweep) and its error says how to continue.
func (t *Trainer) finish(runErr error) error {
	if errors.Is(runErr, syscall.ENOSPC) {
		runErr = fmt.Errorf("%w; the disk is full: the last checkpoint and the rows before it are intact; free space and continue with: resexp train --resume %s", runErr, t.Dir)
	}
	now := time.Now()
	t.meta.End = &now
	t.meta.Status = status(runErr)
	if runErr != nil {
		t.meta.Message = runErr.Error()
	}
	if err := t.files.close(); err != nil && runErr == nil {
		runErr = err
	}
	if err := runfiles.WriteMeta(t.Dir, &t.meta); err != nil && runErr == nil {
		runErr = err
	}
	return runErr
}
