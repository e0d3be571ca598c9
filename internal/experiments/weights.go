package experiments

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"

	"github.com/resexp/resexp/internal/data"
	"github.com/resexp/resexp/internal/nn/models"
	"github.com/resexp/resexp/internal/runfiles"
	"github.com/resexp/resexp/internal/weights"
)

// LoadWeights reads the safetensors weights file at path (PyTorch names of
// resnet_cifar.py's CifarResNet, or resexp's own names; see package
// weights) into m, and returns the file's SHA-256 and size. Any problem —
// a missing or damaged file, a tensor missing, extra, or of another shape
// or dtype than m's — is an InputError naming the file and the tensor, and
// leaves m unchanged.
func LoadWeights(m *models.Model, path string) (runfiles.FileSum, error) {
	_, sum, err := loadWeights(m, path)
	return sum, err
}

// loadWeights is LoadWeights, also returning the parsed file.
func loadWeights(m *models.Model, path string) (*weights.File, runfiles.FileSum, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, runfiles.FileSum{}, BadInput(fmt.Errorf("weights file %s: %v", path, WithoutPath(err)))
	}
	f, err := weights.Parse(buf)
	if err == nil {
		err = f.Load(m)
	}
	if err != nil {
		return nil, runfiles.FileSum{}, BadInput(fmt.Errorf("weights file %s: %v", path, err))
	}
	sum := sha256.Sum256(buf)
	return f, runfiles.FileSum{Path: path, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(buf))}, nil
}

// createFrom starts a new run: it loads opt.InitWeights (if set) over the
// initialised weights, so that a bad file is refused before anything is
// written, then creates the run files and records the file in meta.json's
// init_weights. A wantSHA256 other than "" is the SHA-256 the file must
// have (a run started over from the file it first started from).
func (t *Trainer) createFrom(opt Options, wantSHA256 string) error {
	if opt.InitWeights == "" {
		return t.createFiles(opt.Force)
	}
	sum, err := LoadWeights(t.Model, opt.InitWeights)
	if err != nil {
		return err
	}
	if wantSHA256 != "" && sum.SHA256 != wantSHA256 {
		return BadInput(fmt.Errorf("weights file %s has changed since the run in %s started from it (SHA-256 %s, recorded %s); restore it or start a new run", opt.InitWeights, t.Dir, sum.SHA256, wantSHA256))
	}
	if err := t.createFiles(opt.Force); err != nil {
		return err
	}
	t.meta.InitWeights = &sum
	return runfiles.WriteMeta(t.Dir, &t.meta)
}

// buildModel validates cfg and builds its model (zero weights) for the
// input shape of cfg's data set.
func buildModel(cfg Config) (*models.Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, BadInput(err)
	}
	in, err := data.Lookup(cfg.Data.Dataset)
	if err != nil {
		return nil, BadInput(KeyErrorf("data.dataset", "unknown data set %q", cfg.Data.Dataset))
	}
	m, err := models.Build(cfg.Spec(in.C, in.H, in.W, in.Classes))
	if err != nil {
		return nil, BadInput(err)
	}
	return m, nil
}

// Exported is a run's weights as a safetensors file.
type Exported struct {
	Bytes   []byte // the file
	Label   string // the net, e.g. "resnet-20"
	Step    int    // the checkpoint's step
	PyTorch string // the resnet_cifar.py constructor of the net ("" with resexp names)
}

// Export is the run's net as a safetensors weights file: its checkpoint's
// weights and BatchNorm statistics named in scheme names
// (weights.NamesPyTorch or weights.NamesResexp), num_batches_tracked set
// to the checkpoint's step. A net resnet_cifar.py cannot express is an
// InputError with PyTorch names.
func (r *Run) Export(names string) (Exported, error) {
	m, step, err := r.LoadNet()
	if err != nil {
		return Exported{}, err
	}
	sd, err := weights.StateDict(m, names)
	if err != nil {
		return Exported{}, BadInput(fmt.Errorf("run %s: %v", r.Dir, err))
	}
	e := Exported{Label: m.Spec.Label(), Step: step}
	meta := map[string]string{"names": names, "model": e.Label, "dataset": r.Config.Data.Dataset}
	if names == weights.NamesPyTorch {
		e.PyTorch = TorchConstructor(m.Spec)
		meta["pytorch"] = e.PyTorch
	}
	e.Bytes, err = weights.Encode(sd, int64(step), meta)
	return e, err
}

// TorchConstructor is the resnet_cifar.py call that builds the reference
// net of s, e.g. "CifarResNet(depth=20, shortcut='A', in_ch=3, num_classes=10)".
func TorchConstructor(s models.Spec) string {
	return fmt.Sprintf("CifarResNet(depth=%d, shortcut='%s', in_ch=%d, num_classes=%d)", s.Depth, weights.TorchShortcut(s), s.InC, s.Classes)
}
