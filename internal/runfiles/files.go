package runfiles

// Names of the files and folders inside a run directory.
const (
	ConfigFile    = "config.yaml"
	MetaFile      = "meta.json"
	MetricsFile   = "metrics.csv"
	GradNormsFile = "gradnorms.csv"
	ResponsesFile = "responses.csv"
	CheckpointDir = "checkpoint"
)

// MetricsRow is one row of metrics.csv. In the test and validation columns
// NaN means "not evaluated at this row" (an empty cell); elsewhere it is a
// measured NaN (a diverged run's loss, written "nan"). Errors are fractions
// in [0, 1].
type MetricsRow struct {
	Step         int
	Epoch        float64
	LR           float64
	TrainLoss    float64
	TrainErr     float64
	TestLoss     float64
	TestErr      float64
	ImagesPerSec float64
	ElapsedS     float64
	// ValLoss and ValErr are measured on the held-out validation split
	// (data.validation); NaN without one.
	ValLoss float64
	ValErr  float64
}

// GradNormRow is one row of gradnorms.csv: the L2 norm of dLoss/dW of the
// layer with depth-order Index and name Layer at training step Step. Norm may
// be 0, NaN or ±Inf; those are data, not errors.
type GradNormRow struct {
	Step  int
	Index int
	Layer string
	Norm  float64
}

// ResponseRow is one row of responses.csv: the mean and standard deviation of
// a layer's responses at training step Step. A response is a 3x3
// convolution's output after its batch norm and before the nonlinearity or
// the residual addition, over every image and position of the measured
// batch: the quantity of He et al. 2015's Fig. 7.
type ResponseRow struct {
	Step  int
	Index int
	Layer string
	Mean  float64
	Std   float64
}

// Header rows, in column order.
var (
	metricsHeader   = []string{"step", "epoch", "lr", "train_loss", "train_err", "test_loss", "test_err", "images_per_sec", "elapsed_s", "val_loss", "val_err"}
	gradNormsHeader = []string{"step", "index", "layer", "norm"}
	responsesHeader = []string{"step", "index", "layer", "mean", "std"}
)

// headerFor returns the header of the CSV file with the given base name.
func headerFor(name string) []string {
	switch name {
	case MetricsFile:
		return metricsHeader
	case GradNormsFile:
		return gradNormsHeader
	case ResponsesFile:
		return responsesHeader
	}
	panic("runfiles: no CSV header for " + name)
}
