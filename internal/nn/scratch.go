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

// gradPool recycles the gradient tensors handed between the layers of a
// network during one Backward. Such a tensor is dead as soon as the layer
// before has consumed it, so a network needs a few per shape, not one per
// layer. The Sequential or Residual whose Backward the caller runs owns the
// pool and lends it to the containers inside it; a pool is used by one
// goroutine at a time. After the first step every get finds a free tensor,
// so a step does not allocate.
type gradPool struct {
	free []*Tensor
	made int     // tensors made so far; cap(free) >= made, so put never allocates
	lent *Tensor // see lend
}

// get returns a tensor of shape s with unspecified contents; give it back
// with put once it is dead.
func (p *gradPool) get(s [4]int) *Tensor {
	for i, t := range p.free {
		if t.Shape() == s {
			last := len(p.free) - 1
			p.free[i] = p.free[last]
			p.free = p.free[:last]
			return t
		}
	}
	p.made++
	if cap(p.free) < p.made {
		p.free = append(make([]*Tensor, 0, 2*p.made), p.free...)
	}
	return NewTensor(s[0], s[1], s[2], s[3])
}

// put returns a tensor from get; the caller must not use it afterwards.
func (p *gradPool) put(t *Tensor) { p.free = append(p.free, t) }

// lend returns a tensor of shape s for use between two Backwards (see
// BatchNorm2D.Output). It stays lent until the next lend or reclaim; the
// owner of the pool reclaims it when its Backward starts.
func (p *gradPool) lend(s [4]int) *Tensor {
	p.reclaim()
	p.lent = p.get(s)
	return p.lent
}

// reclaim puts back the lent tensor, if any.
func (p *gradPool) reclaim() {
	if p.lent != nil {
		p.put(p.lent)
		p.lent = nil
	}
}
