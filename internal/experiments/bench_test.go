package experiments

import (
	"context"
	"testing"
	"time"

	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/models"
)

// BenchmarkTrainStep measures whole training and evaluation steps of
// CIFAR-shaped nets at batch 128 (images/s per mode are reported by Bench).
func BenchmarkTrainStep(b *testing.B) {
	for _, depth := range []int{20, 56} {
		b.Run(models.Spec{Depth: depth, Residual: true}.Label(), func(b *testing.B) {
			s := models.Spec{Depth: depth, Residual: true, Norm: "batch", Activation: nn.ReLU, InC: 3, H: 32, W: 32, Classes: 10}
			for b.Loop() {
				res, err := Bench(context.Background(), s, 128, time.Second)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(res[0].ImagesPerSec, "train-img/s")
				b.ReportMetric(res[1].ImagesPerSec, "eval-img/s")
			}
		})
	}
}
