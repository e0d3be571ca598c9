package experiments

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/nlpodyssey/safetensors"

	"github.com/resexp/resexp/internal/runfiles"
	"github.com/resexp/resexp/internal/weights"
)

// CheckpointName is the checkpoint file inside a run's checkpoint directory.
const CheckpointName = "state.safetensors"

// checkpointFormat is stored in every checkpoint's metadata; a file without
// it is not a resexp checkpoint.
const checkpointFormat = "resexp-checkpoint/1"

// CheckpointPath is the checkpoint file of the run in dir.
func CheckpointPath(dir string) string {
	return filepath.Join(dir, runfiles.CheckpointDir, CheckpointName)
}

// position is where a run stands at a checkpoint: the iterations done, the
// data loader's place, the metrics window in progress and the elapsed time.
type position struct {
	Step, Epoch, Pos int
	ElapsedS         float64
	Loss             float64
	Wrong, Images    int
	Steps            int
}

// checkpointTensors lists every float32 buffer a checkpoint holds, by name:
// the parameters (PyTorch-style names, e.g. "stage1.block1.conv1.weight"),
// BatchNorm running statistics and the optimiser's momentum buffers.
func (t *Trainer) checkpointTensors() map[string][]float32 {
	m := map[string][]float32{}
	for i, p := range t.opt.Params {
		m[p.Name] = p.Data
		m["optim.momentum."+p.Name] = t.opt.Velocity[i]
	}
	for _, bn := range t.Model.BNs {
		m[bn.Name+".running_mean"] = bn.RunningMean
		m[bn.Name+".running_var"] = bn.RunningVar
	}
	return m
}

// saveCheckpoint writes the state after step iterations to
// checkpoint/state.safetensors atomically. The checkpointer observer calls
// it after the recorders have flushed every row up to step.
func (t *Trainer) saveCheckpoint(step int) error {
	tensors := t.checkpointTensors()
	views := map[string]safetensors.TensorView{}
	h := sha256.New()
	for _, name := range sortedKeys(tensors) {
		b := weights.F32Bytes(tensors[name])
		h.Write(b)
		v, err := safetensors.NewTensorView(safetensors.F32, []uint64{uint64(len(tensors[name]))}, b)
		if err != nil {
			return err
		}
		views[name] = v
	}
	w := t.window
	meta := map[string]string{
		"format": checkpointFormat, "model": t.modelDigest(), "payload_sha256": hex.EncodeToString(h.Sum(nil)),
		"step": strconv.Itoa(step), "epoch": strconv.Itoa(t.loader.Epoch()), "pos": strconv.Itoa(t.loader.Pos()),
		"elapsed_s": formatFloat(t.elapsed()), "window_loss": formatFloat(w.loss),
		"window_wrong": strconv.Itoa(w.wrong), "window_images": strconv.Itoa(w.images), "window_steps": strconv.Itoa(w.steps),
	}
	buf, err := safetensors.Serialize(views, meta)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(t.Dir, runfiles.CheckpointDir), 0o755); err != nil {
		return err
	}
	return runfiles.WriteFileAtomic(CheckpointPath(t.Dir), buf)
}

// loadCheckpoint restores the state saved by saveCheckpoint into the
// trainer's model and optimiser and returns where the run stood. A file
// that is damaged, not a checkpoint, or from another model is refused with
// an InputError and nothing is changed.
func (t *Trainer) loadCheckpoint() (position, error) {
	path := CheckpointPath(t.Dir)
	buf, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return position{}, BadInput(fmt.Errorf("%s: no checkpoint in this run directory; it cannot be resumed (start a new run instead)", path))
	}
	if err != nil {
		return position{}, BadInput(err)
	}
	st, meta, err := parseCheckpoint(buf)
	if err != nil {
		return position{}, BadInput(fmt.Errorf("%s: %v; the checkpoint is damaged: start a new run or restore the file", path, err))
	}
	if meta["model"] != t.modelDigest() {
		return position{}, BadInput(fmt.Errorf("%s: checkpoint of model %q, but config.yaml builds %q; the run's config must not change on resume", path, meta["model"], t.modelDigest()))
	}
	tensors := t.checkpointTensors()
	if err := checkTensors(st, tensors, meta["payload_sha256"]); err != nil {
		return position{}, BadInput(fmt.Errorf("%s: %v; the checkpoint does not match the model or is damaged", path, err))
	}
	for name, dst := range tensors {
		v, _ := st.Tensor(name)
		weights.ReadF32(dst, v.Data())
	}
	return parsePosition(meta)
}

func parseCheckpoint(buf []byte) (safetensors.SafeTensors, map[string]string, error) {
	_, md, err := safetensors.ReadMetadata(buf)
	if err != nil {
		return safetensors.SafeTensors{}, nil, fmt.Errorf("not a valid safetensors file (%v)", err)
	}
	st, err := safetensors.Deserialize(buf)
	if err != nil {
		return st, nil, fmt.Errorf("not a valid safetensors file (%v)", err)
	}
	meta := md.Metadata()
	if meta["format"] != checkpointFormat {
		return st, nil, fmt.Errorf("metadata format is %q, want %q", meta["format"], checkpointFormat)
	}
	return st, meta, nil
}

// checkTensors verifies that st holds exactly the expected tensors with
// their sizes, and that their bytes hash to sum.
func checkTensors(st safetensors.SafeTensors, want map[string][]float32, sum string) error {
	if st.Len() != len(want) {
		return fmt.Errorf("%d tensors, want %d", st.Len(), len(want))
	}
	h := sha256.New()
	for _, name := range sortedKeys(want) {
		v, ok := st.Tensor(name)
		switch {
		case !ok:
			return fmt.Errorf("tensor %s is missing", name)
		case v.DType() != safetensors.F32 || v.DataLen() != uint64(4*len(want[name])):
			return fmt.Errorf("tensor %s is %v with %d bytes, want F32 with %d", name, v.DType(), v.DataLen(), 4*len(want[name]))
		}
		h.Write(v.Data())
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return fmt.Errorf("payload SHA-256 %s does not match the recorded %s", got, sum)
	}
	return nil
}

func parsePosition(meta map[string]string) (position, error) {
	var p position
	var errs []error
	atoi := func(k string) int {
		v, err := strconv.Atoi(meta[k])
		errs = append(errs, err)
		return v
	}
	p.Step, p.Epoch, p.Pos = atoi("step"), atoi("epoch"), atoi("pos")
	p.Wrong, p.Images, p.Steps = atoi("window_wrong"), atoi("window_images"), atoi("window_steps")
	var err error
	p.ElapsedS, err = strconv.ParseFloat(meta["elapsed_s"], 64)
	errs = append(errs, err)
	p.Loss, err = strconv.ParseFloat(meta["window_loss"], 64)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return p, BadInput(fmt.Errorf("checkpoint metadata: %v", err))
	}
	return p, nil
}

// modelDigest identifies what a checkpoint's tensors belong to: the model
// config and the input shape.
func (t *Trainer) modelDigest() string {
	return fmt.Sprintf("%s %+v %s", t.Model.Spec.Label(), t.Cfg.Model, t.Cfg.Data.Dataset)
}

func sortedKeys(m map[string][]float32) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
