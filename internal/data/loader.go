package data

import (
	"fmt"
	"math/rand/v2"
)

// Loader yields shuffled, normalised, augmented training batches. The
// stream is a pure function of (seed, epoch, position): epoch e's order is
// a permutation drawn from a PCG generator seeded by (seed, e), and the
// augmentation of the sample at position i of epoch e (i = batch index *
// batch size + index in the batch) from one seeded by (seed, e, i). So the
// same seed gives the same batches on every run, and Seek(e, p) resumes
// the stream exactly. An epoch has Len()/batch full batches; the remainder
// is dropped (a different remainder each epoch, as the order changes).
//
// One background goroutine prepares the next two batches into two buffers
// while the caller trains on the current one; after the first batch, Next
// does not allocate. A Loader is not safe for concurrent use; call Close
// to stop the goroutine.
type Loader struct {
	batch        int
	steps        int
	imgSize      int
	epoch, pos   int // the next batch Next returns
	slots        [2]batchBuf
	jobs, done   chan job
	inflight     int
	closed       bool
	workerExited chan struct{}
}

// batchBuf holds one prepared batch.
type batchBuf struct {
	x []float32
	y []uint8
}

// cursor names batch pos of epoch.
type cursor struct{ epoch, pos int }

// job asks the worker to fill slot with a batch.
type job struct {
	slot int
	cursor
}

// NewLoader returns a Loader over s starting at epoch 0, batch 0. norm nil
// means Mode "none". It panics (programmer errors) if batch < 1, batch >
// s.Len(), aug.PadCrop < 0, or norm was computed for another image size.
func NewLoader(s *Set, batch int, seed uint64, norm *Normalizer, aug Augment) *Loader {
	if batch < 1 || batch > s.Len() {
		panic(fmt.Sprintf("data: NewLoader: batch size %d, want 1..%d (the size of set %s)", batch, s.Len(), s.Name))
	}
	aug.check()
	l := &Loader{batch: batch, steps: s.Len() / batch, imgSize: s.ImageSize(),
		jobs: make(chan job, 2), done: make(chan job, 2), workerExited: make(chan struct{})}
	for i := range l.slots {
		l.slots[i] = batchBuf{x: make([]float32, batch*s.ImageSize()), y: make([]uint8, batch)}
	}
	w := newWorker(s, batch, seed, norm.orNone(s), aug)
	go l.run(w)
	return l
}

// run is the worker goroutine: it fills the slot of every job, in order.
func (l *Loader) run(w *worker) {
	defer close(l.workerExited)
	for j := range l.jobs {
		w.fill(j, &l.slots[j.slot])
		l.done <- j
	}
}

// Next fills x (len batch*C*H*W, NCHW) and y (len batch) with the next
// batch and advances the position. It panics on wrong lengths or after
// Close.
func (l *Loader) Next(x []float32, y []uint8) {
	if l.closed {
		panic("data: Loader.Next after Close")
	}
	if len(x) != l.batch*l.imgSize || len(y) != l.batch {
		panic(fmt.Sprintf("data: Loader.Next: len(x)=%d, len(y)=%d, want %d and %d",
			len(x), len(y), l.batch*l.imgSize, l.batch))
	}
	cur := cursor{l.epoch, l.pos}
	if l.inflight == 0 {
		l.submit(0, cur)
		l.submit(1, l.after(cur))
	}
	j := <-l.done
	l.inflight--
	if j.cursor != cur {
		panic(fmt.Sprintf("data: Loader: internal error: got batch %v, want %v", j.cursor, cur))
	}
	copy(x, l.slots[j.slot].x)
	copy(y, l.slots[j.slot].y)
	next := l.after(cur)
	l.epoch, l.pos = next.epoch, next.pos
	l.submit(j.slot, l.after(next))
}

// submit queues a job for the worker.
func (l *Loader) submit(slot int, c cursor) {
	l.jobs <- job{slot, c}
	l.inflight++
}

// after returns the batch that follows c.
func (l *Loader) after(c cursor) cursor {
	if c.pos+1 == l.steps {
		return cursor{c.epoch + 1, 0}
	}
	return cursor{c.epoch, c.pos + 1}
}

// Epoch returns the epoch of the batch Next returns next (0 at the start;
// e+1 right after the last batch of epoch e).
func (l *Loader) Epoch() int { return l.epoch }

// Pos returns the index within its epoch of the batch Next returns next.
func (l *Loader) Pos() int { return l.pos }

// StepsPerEpoch returns the number of batches per epoch, Len()/batch.
func (l *Loader) StepsPerEpoch() int { return l.steps }

// Batch returns the batch size.
func (l *Loader) Batch() int { return l.batch }

// Seek makes batch pos of epoch the next batch Next returns, for resuming
// from a checkpoint that saved Epoch() and Pos(). It panics unless
// epoch >= 0 and 0 <= pos < StepsPerEpoch().
func (l *Loader) Seek(epoch, pos int) {
	if epoch < 0 || pos < 0 || pos >= l.steps {
		panic(fmt.Sprintf("data: Loader.Seek(%d, %d): want epoch >= 0 and pos in 0..%d", epoch, pos, l.steps-1))
	}
	l.drain()
	l.epoch, l.pos = epoch, pos
}

// drain waits for the batches in flight and discards them.
func (l *Loader) drain() {
	for ; l.inflight > 0; l.inflight-- {
		<-l.done
	}
}

// Close stops the background goroutine and waits for it to exit. Calling
// Close again does nothing.
func (l *Loader) Close() {
	if l.closed {
		return
	}
	l.closed = true
	l.drain()
	close(l.jobs)
	<-l.workerExited
}

// worker is the state of the goroutine that prepares batches.
type worker struct {
	set       *Set
	batch     int
	seed      uint64
	norm      *Normalizer
	aug       Augment
	perm      []int32
	permEpoch int
	pcg       rand.PCG
	scratch   []float32 // one normalised image before augmentation
}

// newWorker returns a worker with its buffers allocated.
func newWorker(s *Set, batch int, seed uint64, norm *Normalizer, aug Augment) *worker {
	return &worker{set: s, batch: batch, seed: seed, norm: norm, aug: aug,
		perm: make([]int32, s.Len()), permEpoch: -1, scratch: make([]float32, s.ImageSize())}
}

// fill writes batch j.pos of epoch j.epoch into b.
func (w *worker) fill(j job, b *batchBuf) {
	w.ensurePerm(j.epoch)
	sz := w.set.ImageSize()
	for k := range w.batch {
		i := j.pos*w.batch + k
		idx := int(w.perm[i])
		b.y[k] = w.set.Labels[idx]
		w.sample(b.x[k*sz:(k+1)*sz], w.set.Image(idx), j.epoch, i)
	}
}

// sample writes the normalised, augmented image img, at position i of
// epoch, into dst.
func (w *worker) sample(dst []float32, img []uint8, epoch, i int) {
	if !w.aug.on() {
		w.norm.apply(dst, img)
		return
	}
	w.pcg.Seed(w.seed^0x9e3779b97f4a7c15, mix64(uint64(epoch)<<32|uint64(i)))
	s := w.aug.draw(&w.pcg)
	w.norm.apply(w.scratch, img)
	cropFlip(dst, w.scratch, w.set.C, w.set.H, w.set.W, s)
}

// ensurePerm makes w.perm the order of epoch.
func (w *worker) ensurePerm(epoch int) {
	if w.permEpoch == epoch {
		return
	}
	w.pcg.Seed(w.seed, mix64(uint64(epoch)))
	shuffle(w.perm, &w.pcg)
	w.permEpoch = epoch
}

// mix64 is SplitMix64's finaliser: it spreads nearby inputs (epoch 0, 1,
// 2...) over unrelated PCG streams.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
