package experiments

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/resexp/resexp/internal/data"
	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/models"
	"github.com/resexp/resexp/internal/weights"
)

// DefaultProbeCount is the number of records Probe reads by default.
const DefaultProbeCount = 128

// ProbeOptions selects the weights and the batch of a probe.
type ProbeOptions struct {
	Weights string // safetensors weights file (see LoadWeights)
	// Batch is a CIFAR-10 binary batch (records of a label byte and a
	// 3x32x32 image) or an IDX image file (MNIST, Fashion-MNIST; gzipped
	// or not), recognised by its content.
	Batch string
	// Labels is the IDX labels file of an IDX Batch; "" looks beside Batch
	// for the standard name ("images-idx3" replaced by "labels-idx1", with
	// or without .gz).
	Labels string
	Count  int // the first Count records (0 means DefaultProbeCount)
	// Run, when set, is the run whose net is probed: with Weights "" its
	// checkpoint's weights are loaded (see Run.Weights otherwise).
	Run *Run
	// InferDataset sets data.dataset from the batch's format (cifar10 or
	// mnist) instead of checking cfg's against it.
	InferDataset bool
}

// ProbeLayer is one recorded layer's gradient norm: Layer is its resexp
// name (as in gradnorms.csv), PyTorch the name of its module in
// resnet_cifar.py's CifarResNet ("" if the reference cannot express the
// net).
type ProbeLayer struct {
	Index   int     `json:"index"`
	Layer   string  `json:"layer"`
	PyTorch string  `json:"pytorch,omitempty"`
	Norm    float64 `json:"norm"`
}

// ProbeResult is the loss and per-layer gradient norms of one batch.
type ProbeResult struct {
	Label     string       `json:"label"`
	Dataset   string       `json:"dataset"`
	Weights   string       `json:"weights"`
	Batch     string       `json:"batch"`
	Images    int          `json:"images"`
	Normalize string       `json:"normalize"`
	Loss      float64      `json:"loss"`
	Wrong     int          `json:"wrong"`
	Layers    []ProbeLayer `json:"layers"`
}

// Probe builds cfg's model, loads the weights file, and runs one forward
// pass in training mode (BatchNorm with batch statistics) and one backward
// pass on the first opt.Count records of the batch file, without
// augmentation. The input is normalised by cfg's data.normalize with
// statistics computed from the batch itself ("none" is bytes/255). It
// returns the mean softmax cross-entropy and the L2 norm of dLoss/dW of
// every conv and fc weight (before weight decay), in gradnorms.csv's order.
// Bad input (config, weights, batch) is an InputError, found before the
// forward pass.
func Probe(cfg Config, opt ProbeOptions) (ProbeResult, error) {
	if opt.Count == 0 {
		opt.Count = DefaultProbeCount
	}
	batch, err := readBatch(opt.Batch, opt.Labels, opt.Count)
	if err != nil {
		return ProbeResult{}, BadInput(err)
	}
	if opt.InferDataset {
		cfg.Data.Dataset = batch.Name
	}
	m, norm, err := probeModel(cfg, batch, opt)
	if err != nil {
		return ProbeResult{}, err
	}
	x := nn.NewTensor(batch.Len(), batch.C, batch.H, batch.W)
	y := make([]uint8, batch.Len())
	batch.Fill(x.Data, y, 0, batch.Len(), norm)
	ce := nn.NewSoftmaxCrossEntropy()
	loss, wrong := ce.Forward(m.Net.Forward(x, true), y)
	m.Net.Backward(ce.Backward())
	norms := make([]float64, len(m.Weighted))
	gradNorms(norms, m.Weighted)
	from := opt.Weights
	if from == "" && opt.Run != nil {
		from = CheckpointPath(opt.Run.Dir)
	}
	return ProbeResult{Label: m.Spec.Label(), Dataset: cfg.Data.Dataset, Weights: from, Batch: opt.Batch,
		Images: batch.Len(), Normalize: cfg.Data.Normalize, Loss: loss, Wrong: wrong, Layers: probeLayers(m, norms)}, nil
}

// probeModel validates cfg against the batch, builds the model with the
// weights loaded, and returns the batch's normaliser.
func probeModel(cfg Config, batch *data.Set, opt ProbeOptions) (*models.Model, *data.Normalizer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, BadInput(err)
	}
	in, _ := data.Describe(cfg.Data.Dataset)
	if in.C != batch.C || in.H != batch.H || in.W != batch.W {
		return nil, nil, BadInput(fmt.Errorf("key data.dataset: %s images are %dx%dx%d, but the batch file's are %dx%dx%d",
			cfg.Data.Dataset, in.C, in.H, in.W, batch.C, batch.H, batch.W))
	}
	for i, l := range batch.Labels {
		if int(l) >= in.Classes {
			return nil, nil, BadInput(fmt.Errorf("batch: label %d of record %d is not below the %d classes of %s", l, i, in.Classes, cfg.Data.Dataset))
		}
	}
	norm, err := data.NewNormalizer(cfg.Data.Normalize, batch)
	if err != nil {
		return nil, nil, BadInput(fmt.Errorf("key data.normalize: %w", err))
	}
	m, err := models.Build(cfg.Spec(batch.C, batch.H, batch.W, in.Classes))
	if err != nil {
		return nil, nil, BadInput(err)
	}
	if opt.Run != nil {
		_, err = opt.Run.load(m, opt.Weights)
	} else {
		_, err = LoadWeights(m, opt.Weights)
	}
	if err != nil {
		return nil, nil, err
	}
	return m, norm, nil
}

// probeLayers pairs each recorded layer with its norm and PyTorch name.
func probeLayers(m *models.Model, norms []float64) []ProbeLayer {
	n := 0
	if weights.Expressible(m.Spec) == nil {
		n, _ = models.StageBlocks("basic", m.Spec.Depth)
	}
	layers := make([]ProbeLayer, len(norms))
	for i, w := range m.Weighted {
		layers[i] = ProbeLayer{Index: i, Layer: w.Name, Norm: norms[i]}
		if t, err := weights.TorchName(w.Name+".weight", n); n > 0 && err == nil {
			layers[i].PyTorch = strings.TrimSuffix(t, ".weight")
		}
	}
	return layers
}

// CIFAR-10 binary and IDX layouts (see package data).
const (
	cifarRecordBytes = 1 + 3*32*32
	idxImagesMagic   = 0x00000803
	idxLabelsMagic   = 0x00000801
)

// readBatch reads the first count records of a CIFAR-10 binary batch or an
// IDX image file (with its labels file) into a Set named "cifar10" or
// "mnist". Errors name the file and what is wrong.
func readBatch(path, labels string, count int) (*data.Set, error) {
	if count < 1 {
		return nil, fmt.Errorf("--count %d: must be at least 1", count)
	}
	buf, err := readMaybeGzip(path)
	if err != nil {
		return nil, fmt.Errorf("batch file %s: %v", path, err)
	}
	switch {
	case len(buf) >= 4 && binary.BigEndian.Uint32(buf) == idxImagesMagic:
		return readIDXBatch(path, buf, labels, count)
	case len(buf) > 0 && len(buf)%cifarRecordBytes == 0:
		return readCIFARBatch(path, buf, count)
	}
	return nil, fmt.Errorf("batch file %s: neither a CIFAR-10 binary batch (records of %d bytes: a label and a 3x32x32 image) nor an IDX image file (magic 0x%08x); its %d bytes fit neither",
		path, cifarRecordBytes, idxImagesMagic, len(buf))
}

// readMaybeGzip returns the content of path, gunzipped if it is gzip.
func readMaybeGzip(path string) ([]byte, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, pe.Err
		}
		return nil, err
	}
	if len(buf) < 2 || buf[0] != 0x1f || buf[1] != 0x8b {
		return buf, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(buf))
	if err != nil {
		return nil, fmt.Errorf("damaged gzip file: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("damaged gzip file: %v", err)
	}
	return out, nil
}

// readCIFARBatch takes the first count records of a CIFAR-10 binary batch.
func readCIFARBatch(path string, buf []byte, count int) (*data.Set, error) {
	if n := len(buf) / cifarRecordBytes; n < count {
		return nil, fmt.Errorf("batch file %s holds %d CIFAR-10 records, fewer than the %d asked for; pass --count %d", path, n, count, n)
	}
	s := &data.Set{Name: "cifar10", C: 3, H: 32, W: 32, Classes: 10, Labels: make([]uint8, count)}
	for i := range count {
		r := buf[i*cifarRecordBytes : (i+1)*cifarRecordBytes]
		if r[0] >= 10 {
			return nil, fmt.Errorf("batch file %s: record %d has label %d; CIFAR-10 labels are 0..9", path, i, r[0])
		}
		s.Labels[i] = r[0]
		s.Images = append(s.Images, r[1:]...)
	}
	return s, nil
}

// readIDXBatch takes the first count images of an IDX image file and as
// many labels of its labels file.
func readIDXBatch(path string, buf []byte, labels string, count int) (*data.Set, error) {
	if len(buf) < 16 {
		return nil, fmt.Errorf("batch file %s: IDX header truncated (%d of 16 bytes)", path, len(buf))
	}
	be := binary.BigEndian
	n, h, w := int(be.Uint32(buf[4:])), int(be.Uint32(buf[8:])), int(be.Uint32(buf[12:]))
	switch {
	case len(buf) != 16+n*h*w:
		return nil, fmt.Errorf("batch file %s: header says %d images of %dx%d (%d bytes), the file has %d bytes of data", path, n, h, w, n*h*w, len(buf)-16)
	case n < count:
		return nil, fmt.Errorf("batch file %s holds %d images, fewer than the %d asked for; pass --count %d", path, n, count, n)
	}
	y, err := readIDXLabels(path, labels, count)
	if err != nil {
		return nil, err
	}
	return &data.Set{Name: "mnist", C: 1, H: h, W: w, Classes: 10, Images: buf[16 : 16+count*h*w], Labels: y}, nil
}

// readIDXLabels reads the first count labels of the labels file of the
// IDX images file images (labels, or found beside images).
func readIDXLabels(images, labels string, count int) ([]uint8, error) {
	if labels == "" {
		var err error
		if labels, err = findLabels(images); err != nil {
			return nil, err
		}
	}
	buf, err := readMaybeGzip(labels)
	if err != nil {
		return nil, fmt.Errorf("labels file %s: %v", labels, err)
	}
	switch {
	case len(buf) < 8 || binary.BigEndian.Uint32(buf) != idxLabelsMagic:
		return nil, fmt.Errorf("labels file %s: not an IDX labels file (magic 0x%08x)", labels, idxLabelsMagic)
	case len(buf)-8 < count || int(binary.BigEndian.Uint32(buf[4:])) != len(buf)-8:
		return nil, fmt.Errorf("labels file %s: header says %d labels, the file has %d; %d are needed", labels, binary.BigEndian.Uint32(buf[4:]), len(buf)-8, count)
	}
	return buf[8 : 8+count], nil
}

// findLabels returns the labels file beside an IDX images file: its base
// name with "images" replaced by "labels" and "idx3" by "idx1", gzipped or
// not.
func findLabels(images string) (string, error) {
	dir, base := filepath.Split(images)
	base = strings.TrimSuffix(base, ".gz")
	lb := strings.Replace(strings.Replace(base, "images", "labels", 1), "idx3", "idx1", 1)
	var tried []string
	for _, name := range []string{lb, lb + ".gz"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil && lb != base {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("batch file %s: no labels file beside it (looked for %s); pass --labels FILE", images, strings.Join(tried, " and "))
}
