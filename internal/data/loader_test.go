package data

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// indexSet returns a set of n 1x1x2 images whose two bytes encode the
// image's index, so a batch tells which images it holds.
func indexSet(n int) *Set {
	s := &Set{Name: "index", C: 1, H: 1, W: 2, Classes: 10, Images: make([]uint8, 2*n), Labels: make([]uint8, n)}
	for i := range n {
		s.Images[2*i], s.Images[2*i+1] = byte(i>>8), byte(i)
		s.Labels[i] = byte(i % 10)
	}
	return s
}

// indices decodes the image indices of a batch of indexSet images
// normalised with Mode "none".
func indices(x []float32) []int {
	idx := make([]int, len(x)/2)
	for i := range idx {
		idx[i] = int(x[2*i]*255+0.5)<<8 | int(x[2*i+1]*255+0.5)
	}
	return idx
}

// batches returns the next k batches of l.
func batches(l *Loader, k int, sz int) [][]float32 {
	var out [][]float32
	y := make([]uint8, l.Batch())
	for range k {
		x := make([]float32, l.Batch()*sz)
		l.Next(x, y)
		out = append(out, x)
	}
	return out
}

// TestLoaderEpochIsPermutation checks that each epoch visits Len()/batch*batch
// distinct images, that labels follow their images, that epochs differ in
// order, and the Epoch/Pos bookkeeping.
func TestLoaderEpochIsPermutation(t *testing.T) {
	s := indexSet(1000)
	l := NewLoader(s, 64, 7, nil, Augment{})
	defer l.Close()
	if l.StepsPerEpoch() != 15 {
		t.Fatalf("StepsPerEpoch = %d, want 15 (1000/64, remainder dropped)", l.StepsPerEpoch())
	}
	var epochs [2][]int
	x, y := make([]float32, 64*2), make([]uint8, 64)
	for e := range 2 {
		for p := range 15 {
			if l.Epoch() != e || l.Pos() != p {
				t.Fatalf("before batch %d of epoch %d: Epoch, Pos = %d, %d", p, e, l.Epoch(), l.Pos())
			}
			l.Next(x, y)
			idx := indices(x)
			for k, i := range idx {
				if y[k] != byte(i%10) {
					t.Fatalf("label %d for image %d", y[k], i)
				}
			}
			epochs[e] = append(epochs[e], idx...)
		}
	}
	if l.Epoch() != 2 || l.Pos() != 0 {
		t.Errorf("after 2 epochs: Epoch, Pos = %d, %d; want 2, 0", l.Epoch(), l.Pos())
	}
	for e, seen := range epochs {
		if u := slices.Compact(slices.Sorted(slices.Values(seen))); len(u) != 960 {
			t.Errorf("epoch %d: %d distinct images of 960", e, len(u))
		}
	}
	if slices.Equal(epochs[0], epochs[1]) {
		t.Error("epochs 0 and 1 have the same order")
	}
}

// TestLoaderDeterministic checks that the same seed gives the same batches
// (with augmentation), another seed others, and that Seek resumes exactly,
// on a new loader and on one in mid-stream.
func TestLoaderDeterministic(t *testing.T) {
	s := Synthetic(300, 3)
	norm, err := NewNormalizer("pixel", s)
	if err != nil {
		t.Fatal(err)
	}
	aug := Augment{PadCrop: 4, FlipH: true}
	sz := s.ImageSize()
	mk := func(seed uint64) *Loader { return NewLoader(s, 32, seed, norm, aug) }
	a, b, c := mk(1), mk(1), mk(2)
	defer a.Close()
	defer b.Close()
	defer c.Close()
	ref := batches(a, 25, sz) // 9 steps per epoch: crosses two epoch boundaries
	if got := batches(b, 25, sz); !slices.EqualFunc(got, ref, slices.Equal) {
		t.Error("same seed, different batches")
	}
	if got := batches(c, 1, sz); slices.Equal(got[0], ref[0]) {
		t.Error("seeds 1 and 2 give the same first batch")
	}
	r := mk(1)
	defer r.Close()
	r.Seek(1, 4) // batch 13
	if got := batches(r, 12, sz); !slices.EqualFunc(got, ref[13:], slices.Equal) {
		t.Error("Seek(1, 4) on a new loader does not resume at batch 13")
	}
	b.Seek(0, 7) // b has batches in flight
	if got := batches(b, 3, sz); !slices.EqualFunc(got, ref[7:10], slices.Equal) {
		t.Error("Seek(0, 7) in mid-stream does not resume at batch 7")
	}
}

// TestLoaderNoAllocs checks that Next does not allocate after warm-up.
func TestLoaderNoAllocs(t *testing.T) {
	s := Synthetic(512, 1)
	norm, _ := NewNormalizer("pixel", s)
	l := NewLoader(s, 16, 1, norm, Augment{PadCrop: 4, FlipH: true})
	defer l.Close()
	x, y := make([]float32, 16*s.ImageSize()), make([]uint8, 16)
	l.Next(x, y)
	if n := testing.AllocsPerRun(100, func() { l.Next(x, y) }); n != 0 {
		t.Errorf("Next allocates %.1f times per batch", n)
	}
}

// TestLoaderPanics checks the programmer errors and Close.
func TestLoaderPanics(t *testing.T) {
	s := indexSet(10)
	mustPanic(t, "data: NewLoader: batch size 11, want 1..10", func() { NewLoader(s, 11, 0, nil, Augment{}) })
	mustPanic(t, "data: NewLoader: batch size 0, want 1..10", func() { NewLoader(s, 0, 0, nil, Augment{}) })
	mustPanic(t, "data: Augment.PadCrop = -1, want >= 0", func() { NewLoader(s, 2, 0, nil, Augment{PadCrop: -1}) })
	l := NewLoader(s, 2, 0, nil, Augment{})
	mustPanic(t, "data: Loader.Next: len(x)=3, len(y)=2", func() { l.Next(make([]float32, 3), make([]uint8, 2)) })
	mustPanic(t, "data: Loader.Seek(0, 5): want epoch >= 0 and pos in 0..4", func() { l.Seek(0, 5) })
	l.Close()
	l.Close()
	mustPanic(t, "data: Loader.Next after Close", func() { l.Next(make([]float32, 4), make([]uint8, 2)) })
	norm, _ := NewNormalizer("pixel", Synthetic(10, 1))
	mustPanic(t, "data: normalizer for images of", func() { NewLoader(s, 2, 0, norm, Augment{}) })
}

// mustPanic fails unless f panics with a message that starts with want
// (the package's programmer-error messages are "data: ...").
func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic", want)
		} else if msg := fmt.Sprint(r); !strings.HasPrefix(msg, want) {
			t.Errorf("panic %q, want it to start with %q", msg, want)
		}
	}()
	f()
}

// TestAugmentPadCrop checks that random pad-crops keep a whole
// (H-|dy|)x(W-|dx|) window of the image with |dy|, |dx| <= 4, zeros
// elsewhere, and that every shift -4..4 occurs.
func TestAugmentPadCrop(t *testing.T) {
	const n, h, w = 512, 8, 10
	s := &Set{Name: "ones", C: 2, H: h, W: w, Classes: 1, Images: make([]uint8, n*2*h*w), Labels: make([]uint8, n)}
	for i := range s.Images {
		s.Images[i] = 255
	}
	l := NewLoader(s, n, 5, nil, Augment{PadCrop: 4})
	defer l.Close()
	x, y := make([]float32, n*2*h*w), make([]uint8, n)
	l.Next(x, y)
	rows := map[int]bool{}
	for k := range n {
		img := x[k*2*h*w : (k+1)*2*h*w]
		r, c := onesBox(t, img[:h*w], h, w)
		if r < h-4 || c < w-4 {
			t.Fatalf("image %d: %dx%d window of ones, want >= %dx%d", k, r, c, h-4, w-4)
		}
		if r2, c2 := onesBox(t, img[h*w:], h, w); r2 != r || c2 != c {
			t.Fatalf("image %d: channels shifted differently", k)
		}
		rows[r] = true
	}
	if len(rows) != 5 {
		t.Errorf("heights seen %v, want all of 4..8", rows)
	}
}

// onesBox checks that the ones of a h x w plane form one rectangle that
// touches the top or bottom and the left or right edge (what a shifted
// image of ones looks like), and returns its height and width.
func onesBox(t *testing.T, p []float32, h, w int) (int, int) {
	t.Helper()
	ones, r0, r1, c0, c1 := 0, h, -1, w, -1
	for i, v := range p {
		if v != 0 && v != 1 {
			t.Fatalf("value %v, want 0 or 1", v)
		}
		if v == 1 {
			ones++
			r0, r1, c0, c1 = min(r0, i/w), max(r1, i/w), min(c0, i%w), max(c1, i%w)
		}
	}
	r, c := r1-r0+1, c1-c0+1
	if ones != r*c || (r0 != 0 && r1 != h-1) || (c0 != 0 && c1 != w-1) {
		t.Fatalf("ones do not form an edge-aligned rectangle: %d ones in rows %d..%d, cols %d..%d", ones, r0, r1, c0, c1)
	}
	return r, c
}

// TestAugmentFlip checks that FlipH alone yields each image or its mirror,
// both about half the time.
func TestAugmentFlip(t *testing.T) {
	s := Synthetic(400, 9)
	l := NewLoader(s, 400, 1, nil, Augment{FlipH: true})
	defer l.Close()
	x, y := make([]float32, 400*784), make([]uint8, 400)
	l.Next(x, y)
	plain := make([]float32, 784)
	flips := 0
	for k := range 400 {
		got := x[k*784 : (k+1)*784]
		idx := findImage(s, got)
		if idx < 0 {
			t.Fatalf("batch image %d is neither a set image nor its mirror", k)
		}
		noneNorm.apply(plain, s.Image(idx))
		if !slices.Equal(got, plain) {
			flips++
		}
	}
	if flips < 150 || flips > 250 {
		t.Errorf("%d of 400 flipped, want about 200", flips)
	}
}

// findImage returns the index of the image of s equal to x or to its
// mirror image (x normalised with "none"), or -1.
func findImage(s *Set, x []float32) int {
	v, m := make([]float32, s.ImageSize()), make([]float32, s.ImageSize())
	for i := range s.Len() {
		noneNorm.apply(v, s.Image(i))
		cropFlip(m, v, s.C, s.H, s.W, shift{flip: true})
		if slices.Equal(x, v) || slices.Equal(x, m) {
			return i
		}
	}
	return -1
}

// TestCropFlip checks cropFlip on a 2x3 image against hand-worked results
// and, on random shifts, against the naive pad-crop-mirror it equals.
func TestCropFlip(t *testing.T) {
	src := []float32{1, 2, 3, 4, 5, 6}
	cases := []struct {
		s    shift
		want []float32
	}{
		{shift{}, []float32{1, 2, 3, 4, 5, 6}},
		{shift{dx: 1}, []float32{2, 3, 0, 5, 6, 0}},
		{shift{dx: -1}, []float32{0, 1, 2, 0, 4, 5}},
		{shift{dy: 1}, []float32{4, 5, 6, 0, 0, 0}},
		{shift{dy: -1, dx: 2}, []float32{0, 0, 0, 3, 0, 0}},
		{shift{flip: true}, []float32{3, 2, 1, 6, 5, 4}},
		{shift{dx: 1, flip: true}, []float32{0, 3, 2, 0, 6, 5}},
		{shift{dx: 3}, []float32{0, 0, 0, 0, 0, 0}},
	}
	for _, c := range cases {
		got := make([]float32, 6)
		cropFlip(got, src, 1, 2, 3, c.s)
		if !slices.Equal(got, c.want) {
			t.Errorf("%+v: got %v, want %v", c.s, got, c.want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	img := make([]float32, 3*5*7)
	for i := range img {
		img[i] = float32(i + 1)
	}
	for range 200 {
		s := shift{dy: r.IntN(13) - 6, dx: r.IntN(17) - 8, flip: r.IntN(2) == 1}
		got, want := make([]float32, len(img)), naiveCropFlip(img, 3, 5, 7, s)
		cropFlip(got, img, 3, 5, 7, s)
		if !slices.Equal(got, want) {
			t.Fatalf("%+v: got %v, want %v", s, got, want)
		}
	}
}

// naiveCropFlip pads src with p = max(|dy|, |dx|) zeros, crops the window
// at (p+dy, p+dx) and mirrors it: the definition cropFlip implements.
func naiveCropFlip(src []float32, c, h, w int, s shift) []float32 {
	p := max(abs(s.dy), abs(s.dx))
	ph, pw := h+2*p, w+2*p
	pad := make([]float32, c*ph*pw)
	for ch := range c {
		for y := range h {
			copy(pad[(ch*ph+y+p)*pw+p:], src[(ch*h+y)*w:(ch*h+y+1)*w])
		}
	}
	out := make([]float32, c*h*w)
	for ch := range c {
		for y := range h {
			for x := range w {
				cx := x
				if s.flip {
					cx = w - 1 - x
				}
				out[(ch*h+y)*w+x] = pad[(ch*ph+y+p+s.dy)*pw+cx+p+s.dx]
			}
		}
	}
	return out
}

func abs(x int) int { return max(x, -x) }

// TestBounded checks that bounded draws cover [0, n) about uniformly.
func TestBounded(t *testing.T) {
	p := rand.NewPCG(3, 4)
	var counts [9]int
	for range 90000 {
		counts[bounded(p, 9)]++
	}
	for v, c := range counts {
		if c < 9400 || c > 10600 {
			t.Errorf("value %d drawn %d times of 90000, want about 10000", v, c)
		}
	}
}
