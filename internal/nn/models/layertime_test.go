//go:build resexp_layertime && unix

package models

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/kernels"
)

// TestLayerTimes is a measurement aid, built only with the tag
// resexp_layertime (nn.LayerTimer):
//
//	RESEXP_LAYERS=56/train go test -tags resexp_layertime -run LayerTimes -v ./internal/nn/models
//
// It builds the CIFAR ResNet of the depth in RESEXP_LAYERS (default 56)
// twice, with direct convolutions (ConvDirect) and with each layer's
// default (ConvAuto: RESEXP_CONV, else Winograd where the kernels measured
// it faster), runs steps of the mode (eval or train) of the two in turn,
// and logs, per Conv2D, the mean wall time of its forward pass (the fused
// batch norm's part included), its backward pass and the input-gradient
// part of that (summed over the chunks: CPU time when they run in
// parallel), and whether the default ran Winograd for the output and dx,
// and for the weight gradient. It fails only if a stride-1 3x3 layer with
// 16 or more channels did not run Winograd by default (with AVX-512 or
// AVX2 and RESEXP_CONV unset).
func TestLayerTimes(t *testing.T) {
	depth, mode := 56, "eval"
	if v := os.Getenv("RESEXP_LAYERS"); v != "" {
		if _, err := fmt.Sscanf(v, "%d/%s", &depth, &mode); err != nil {
			t.Fatalf("RESEXP_LAYERS=%q: want depth/mode, e.g. 56/train", v)
		}
	}
	s := Spec{Depth: depth, Residual: true, Norm: "batch", Activation: nn.ReLU, InC: 3, H: 32, W: 32, Classes: 10}
	steps := [2]func(){benchStep(t, s, nn.ConvDirect, mode), benchStep(t, s, nn.ConvAuto, mode)}
	type key struct {
		name, pass string
		algo       int
	}
	total := map[key]time.Duration{}
	var order []*nn.Conv2D
	seen := map[string]bool{}
	wino := map[string][2]bool{}
	cur := 0
	nn.LayerTimer = func(l *nn.Conv2D, pass string, d time.Duration) {
		total[key{l.Name, pass, cur}] += d
		if !seen[l.Name] {
			seen[l.Name] = true
			order = append(order, l)
		}
		if cur == 1 {
			f, g := l.Winograd()
			wino[l.Name] = [2]bool{f, g}
		}
	}
	defer func() { nn.LayerTimer = nil }()
	const rounds = 10
	var step [2]time.Duration
	for range rounds {
		for i, run := range steps {
			cur = i
			t0 := time.Now()
			run()
			step[i] += time.Since(t0)
		}
	}
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/rounds/1e6, 'f', 2, 64) }
	t.Logf("ResNet-%d %s, mean ms per step over %d steps each, direct / default (ratio)", depth, mode, rounds)
	t.Logf("| layer | C→OC, stride | default: winograd fwd/dx, dW | fwd | bwd | dx |")
	for _, l := range order {
		row := fmt.Sprintf("| %s | %d→%d, %d | %v, %v |", l.Name, l.C, l.OC, l.Stride, wino[l.Name][0], wino[l.Name][1])
		for _, pass := range []string{"fwd", "bwd", "dx"} {
			d, w := total[key{l.Name, pass, 0}], total[key{l.Name, pass, 1}]
			if d == 0 || w == 0 {
				row += " |"
				continue
			}
			row += fmt.Sprintf(" %s / %s (%.2f) |", ms(d), ms(w), float64(d)/float64(w))
		}
		t.Log(row)
		if l.KH == 3 && l.Stride == 1 && min(l.C, l.OC) >= 16 && !wino[l.Name][0] && os.Getenv("RESEXP_CONV") == "" && kernels.WinogradPays(l.C, l.OC, 32, 32) {
			t.Errorf("%s ran directly by default, want Winograd", l.Name)
		}
	}
	t.Logf("step: direct %s ms, default %s ms (%.3f)", ms(step[0]), ms(step[1]), float64(step[0])/float64(step[1]))
}
