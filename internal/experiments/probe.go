package experiments

import (
	"errors"
	"fmt"
	"math"
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

// ProbeInputValues is the number of values of the input gradient a probe
// reports, at the flat NCHW indices ProbeInputIndex gives.
const ProbeInputValues = 8

// ProbeInputIndex is the flat NCHW index of the k-th reported value
// (k < ProbeInputValues) of an input gradient of n values: k·(n−1)/7,
// rounded down, evenly spread from the first value to the last.
func ProbeInputIndex(k, n int) int { return k * (n - 1) / (ProbeInputValues - 1) }

// ProbeValue is one value of a tensor at a flat NCHW index.
type ProbeValue struct {
	Index int     `json:"index"`
	Value float64 `json:"value"`
}

// ProbeInputGrad is dLoss/dx, the gradient of the mean loss with respect
// to the probed batch's input (after normalisation): its L2 norm over the
// whole batch and its values at ProbeInputIndex(k, N·C·H·W).
type ProbeInputGrad struct {
	Norm   float64      `json:"norm"`
	Values []ProbeValue `json:"values"`
}

// ProbeResult is the loss and per-layer gradient norms of one batch.
type ProbeResult struct {
	Label     string         `json:"label"`
	Dataset   string         `json:"dataset"`
	Weights   string         `json:"weights"`
	Batch     string         `json:"batch"`
	Images    int            `json:"images"`
	Normalize string         `json:"normalize"`
	Loss      float64        `json:"loss"`
	Wrong     int            `json:"wrong"`
	Layers    []ProbeLayer   `json:"layers"`
	InputGrad ProbeInputGrad `json:"input_grad"`
}

// Probe builds cfg's model, loads the weights file, and runs one forward
// pass in training mode (BatchNorm with batch statistics) and one backward
// pass on the first opt.Count records of the batch file, without
// augmentation. The input is normalised by cfg's data.normalize with
// statistics computed from the batch itself ("none" is bytes/255). It
// returns the mean softmax cross-entropy and the L2 norm of dLoss/dW of
// every conv and fc weight (before weight decay), in gradnorms.csv's order,
// and the loss's gradient with respect to the input (ProbeInputGrad, from
// Sequential.BackwardInput, whose parameter gradients are Backward's).
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
	dx := m.Net.BackwardInput(ce.Backward())
	norms := make([]float64, len(m.Weighted))
	gradNorms(norms, m.Weighted)
	from := opt.Weights
	if from == "" && opt.Run != nil {
		from = CheckpointPath(opt.Run.Dir)
	}
	return ProbeResult{Label: m.Spec.Label(), Dataset: cfg.Data.Dataset, Weights: from, Batch: opt.Batch,
		Images: batch.Len(), Normalize: cfg.Data.Normalize, Loss: loss, Wrong: wrong, Layers: probeLayers(m, norms),
		InputGrad: probeInputGrad(dx.Data)}, nil
}

// probeInputGrad summarises the input gradient dx (see ProbeInputGrad).
func probeInputGrad(dx []float32) ProbeInputGrad {
	g := ProbeInputGrad{Norm: math.Sqrt(dot(dx, dx))}
	for k := range ProbeInputValues {
		i := ProbeInputIndex(k, len(dx))
		g.Values = append(g.Values, ProbeValue{Index: i, Value: float64(dx[i])})
	}
	return g
}

// probeModel validates cfg against the batch, builds the model with the
// weights loaded, and returns the batch's normaliser.
func probeModel(cfg Config, batch *data.Set, opt ProbeOptions) (*models.Model, *data.Normalizer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, BadInput(err)
	}
	in, err := data.Lookup(cfg.Data.Dataset)
	if err != nil {
		return nil, nil, BadInput(err)
	}
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

// readBatch reads the first count records of a CIFAR-10 binary batch or an
// IDX image file (with its labels file) with data.ReadBatch. Errors name
// the file, as "batch file PATH: ..." or "labels file PATH: ...", and
// what is wrong.
func readBatch(path, labels string, count int) (*data.Set, error) {
	if count < 1 {
		return nil, fmt.Errorf("--count %d: must be at least 1", count)
	}
	s, err := data.ReadBatch(path, labels, count)
	var fe *data.FileError
	switch {
	case err == nil:
		return s, nil
	case errors.As(err, &fe) && fe.Path != path:
		return nil, fmt.Errorf("labels file %w", err)
	}
	return nil, fmt.Errorf("batch file %w", err)
}
