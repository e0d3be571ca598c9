//go:build resexp_layertime

package nn

import (
	"sync"
	"time"
)

// With the build tag resexp_layertime, Conv2D reports the wall time of its
// passes to LayerTimer (a measurement aid: see the models package's
// TestLayerTimes); without it the hooks are empty and compile away.

// LayerTimer, if set, is called after each Conv2D pass with the layer, the
// pass ("fwd": Forward, its fused epilogue included; "bwd": Backward; "dx":
// the input-gradient part of Backward, summed over the chunks, so CPU time
// when they run in parallel) and its duration, one call at a time.
var LayerTimer func(l *Conv2D, pass string, d time.Duration)

var layerTimerMu sync.Mutex

// layerClock is the start of a timed pass.
type layerClock = time.Time

func layerStart() layerClock {
	if LayerTimer == nil {
		return time.Time{}
	}
	return time.Now()
}

func layerEnd(l *Conv2D, pass string, t0 layerClock) {
	if LayerTimer == nil {
		return
	}
	d := time.Since(t0)
	layerTimerMu.Lock()
	LayerTimer(l, pass, d)
	layerTimerMu.Unlock()
}

// Winograd reports whether the layer's latest Forward ran Winograd, and
// whether its latest Backward computed the weight gradient with Winograd.
func (l *Conv2D) Winograd() (forward, weightGrad bool) { return l.wino, l.winoGrad }
