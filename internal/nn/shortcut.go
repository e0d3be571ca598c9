package nn

// PadShortcut is the paper's parameter-free option-A shortcut: it subsamples
// x [N, C, H, W] by Stride and zero-pads the channels from C to OC, with
// (OC-C)/2 zero channels before the input's and the rest after, as
// resnet_cifar.py's F.pad(x[:, :, ::s, ::s], (0, 0, 0, 0, pad//2, pad-pad//2)):
//
//	out[n, (OC-C)/2 + c, h, w] = x[n, c, h*Stride, w*Stride]
//
// with out [N, OC, ceil(H/Stride), ceil(W/Stride)] and zeros elsewhere.
type PadShortcut struct {
	C, OC, Stride int

	x, out, dout *Tensor
	dx           *Tensor // the running Backward's destination
	ownDx        *Tensor // the buffer Backward returns
	fwdFn, bwdFn func(c, lo, hi int)
}

// NewPadShortcut returns the option-A shortcut from c to oc >= c channels.
func NewPadShortcut(c, oc, stride int) *PadShortcut {
	if c < 1 || oc < c || stride < 1 {
		panic("nn: NewPadShortcut: need 1 <= c <= oc and stride >= 1")
	}
	return &PadShortcut{C: c, OC: oc, Stride: stride}
}

// Params returns nil: the shortcut has no parameters.
func (l *PadShortcut) Params() []*Param { return nil }

// Forward returns the subsampled, channel-padded x.
func (l *PadShortcut) Forward(x *Tensor, train bool) *Tensor {
	if x.C != l.C {
		panic("nn: PadShortcut: input channels differ from C")
	}
	if l.fwdFn == nil {
		l.fwdFn, l.bwdFn = l.forwardChunk, l.backwardChunk
	}
	l.x = x
	s := l.Stride
	l.out = ensure(l.out, x.N, l.OC, (x.H+s-1)/s, (x.W+s-1)/s)
	parallelFor(x.N, l.fwdFn)
	return l.out
}

func (l *PadShortcut) forwardChunk(_, lo, hi int) {
	before := (l.OC - l.C) / 2
	for n := lo; n < hi; n++ {
		for o := range l.OC {
			dst := plane(l.out, n, o)
			if c := o - before; c >= 0 && c < l.C {
				l.subsample(dst, plane(l.x, n, c))
			} else {
				clear(dst)
			}
		}
	}
}

// subsample sets dst [OH, OW] to src [H, W] at every Stride-th row and column.
func (l *PadShortcut) subsample(dst, src []float32) {
	ow, w, s := l.out.W, l.x.W, l.Stride
	for h := range l.out.H {
		d, r := dst[h*ow:(h+1)*ow], src[h*s*w:]
		if s == 2 && len(r) >= 2*ow { // the nets' case, without bounds checks
			r = r[:2*ow]
			for j := range d {
				d[j] = r[2*j]
			}
			continue
		}
		for j := range d {
			d[j] = r[j*s]
		}
	}
}

// Backward takes dout [N, OC, OH, OW] and returns dx [N, C, H, W]: dout of
// the kept positions scattered back, zero at the skipped ones.
func (l *PadShortcut) Backward(dout *Tensor) *Tensor {
	return backwardOwn(l, &l.ownDx, l.x, dout)
}

// backwardInto is Backward writing dx to the caller's tensor.
func (l *PadShortcut) backwardInto(dx, dout *Tensor, _ *gradPool) {
	checkBackward(l.x, l.out, dx, dout)
	l.dout, l.dx = dout, dx
	parallelFor(l.x.N, l.bwdFn)
	l.dout, l.dx = nil, nil
}

func (l *PadShortcut) backwardChunk(_, lo, hi int) {
	before := (l.OC - l.C) / 2
	ow, w, s := l.out.W, l.x.W, l.Stride
	for n := lo; n < hi; n++ {
		for c := range l.C {
			dst, src := plane(l.dx, n, c), plane(l.dout, n, before+c)
			if s > 1 {
				clear(dst)
			}
			for h := range l.out.H {
				d, r := dst[h*s*w:], src[h*ow:(h+1)*ow]
				if s == 2 && len(d) >= 2*ow { // the nets' case, without bounds checks
					d = d[:2*ow]
					for j, v := range r {
						d[2*j] = v
					}
					continue
				}
				for j, v := range r {
					d[j*s] = v
				}
			}
		}
	}
}
