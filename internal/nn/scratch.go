package nn

import "sync"

// scratch holds the float32 work buffers that layers need only during one
// call (im2col matrices, per-chunk partial sums). Layers run one after
// another, so a network needs as many buffers as are in use at once (a few
// per core), not one per layer and chunk. Unlike a sync.Pool, the free list
// is never emptied by the garbage collector; getScratch hands out the
// smallest buffer that fits and grows a buffer to the largest size asked for
// yet, so after the first steps no step allocates.
var scratch struct {
	mu   sync.Mutex
	free []*[]float32
	max  int // the largest length asked for so far
}

// getScratch returns a buffer of length n with unspecified contents; give it
// back with putScratch when the call is done with it.
func getScratch(n int) *[]float32 {
	scratch.mu.Lock()
	scratch.max = max(scratch.max, n)
	size := scratch.max
	best := -1 // the smallest buffer that fits, else the largest
	for i, p := range scratch.free {
		c, fits := cap(*p), cap(*p) >= n
		switch {
		case best < 0:
			best = i
		case fits && (cap(*scratch.free[best]) < n || c < cap(*scratch.free[best])):
			best = i
		case !fits && cap(*scratch.free[best]) < n && c > cap(*scratch.free[best]):
			best = i
		}
	}
	var p *[]float32
	if best >= 0 {
		last := len(scratch.free) - 1
		p, scratch.free[best] = scratch.free[best], scratch.free[last]
		scratch.free = scratch.free[:last]
	}
	scratch.mu.Unlock()
	if p == nil {
		p = new([]float32)
	}
	if cap(*p) < n {
		*p = make([]float32, size) // the largest size yet, so buffers stop growing soon
	}
	*p = (*p)[:n]
	return p
}

// putScratch returns a buffer from getScratch; the caller must not use it
// afterwards.
func putScratch(p *[]float32) {
	scratch.mu.Lock()
	scratch.free = append(scratch.free, p)
	scratch.mu.Unlock()
}
