package data

import (
	"path/filepath"
	"slices"
	"testing"
)

// Class counts and first labels of the real sets, from the published
// files (LeCun et al.'s MNIST; Xiao et al.'s Fashion-MNIST: 6000 / 1000
// per class).
var (
	mnistTrainCounts = []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}
	mnistTestCounts  = []int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}
	mnistTrainFirst  = []uint8{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}
	mnistTestFirst   = []uint8{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}
)

// TestMNISTReal reads real MNIST from the repo's data/mnist, or else
// downloads it through the Go module into a temp folder, and checks
// counts, class counts, first labels and a pixel.
func TestMNISTReal(t *testing.T) {
	dir := filepath.Join("..", "..", "data", "mnist")
	if !hasIDX(dir, "train-images-idx3-ubyte") {
		dir = mnistViaModule(t)
	}
	train, test, err := Load("mnist", dir)
	if err != nil {
		t.Fatal(err)
	}
	checkReal(t, train, 60000, mnistTrainCounts, mnistTrainFirst)
	checkReal(t, test, 10000, mnistTestCounts, mnistTestFirst)
	// The top-left corner of every MNIST digit is background.
	if img := train.Image(0); img[0] != 0 || img[27] != 0 {
		t.Errorf("train image 0 corners %d, %d; want 0 (background)", img[0], img[27])
	}
	if len(train.Files) != 2 || train.Files[0].Size != 9912422 {
		t.Errorf("train files %+v: want train-images-idx3-ubyte.gz of 9912422 bytes first", train.Files)
	}
}

// TestFashionMNISTReal loads Fashion-MNIST from an empty folder, which
// falls back to Debian's package folder; skipped without the package.
func TestFashionMNISTReal(t *testing.T) {
	if !hasIDX(fashionSystemDir, "train-images-idx3-ubyte") {
		t.Skip("Debian's dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)")
	}
	train, test, err := Load("fashion-mnist", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const per = 6000
	checkReal(t, train, 60000, slices.Repeat([]int{per}, 10), []uint8{9, 0, 0, 3, 0, 2, 7, 2, 5, 5})
	checkReal(t, test, 10000, slices.Repeat([]int{per / 6}, 10), []uint8{9, 2, 1, 1, 6, 1, 4, 6, 5, 7})
	if d := filepath.Dir(train.Files[0].Path); d != fashionSystemDir {
		t.Errorf("read from %s, want the fallback %s", d, fashionSystemDir)
	}
}

// checkReal checks size, class counts and first labels of a real split.
func checkReal(t *testing.T, s *Set, n int, counts []int, first []uint8) {
	t.Helper()
	if s.Len() != n || s.C != 1 || s.H != 28 || s.W != 28 {
		t.Fatalf("%s: %d images %dx%dx%d, want %d of 1x28x28", s.Name, s.Len(), s.C, s.H, s.W, n)
	}
	if got := s.ClassCounts(); !slices.Equal(got, counts) {
		t.Errorf("%s: class counts %v, want %v", s.Name, got, counts)
	}
	if got := s.Labels[:len(first)]; !slices.Equal(got, first) {
		t.Errorf("%s: first labels %v, want %v", s.Name, got, first)
	}
}

// BenchmarkLoaderCIFAR10 measures the loader on real CIFAR-10 with the
// paper's input pipeline (per-pixel mean, 4-px pad-crop, flip), batch 128:
// the rate at which the background goroutine prepares batches.
func BenchmarkLoaderCIFAR10(b *testing.B) {
	dir := cifarDir(b)
	train, _, err := Load("cifar10", dir)
	if err != nil {
		b.Fatal(err)
	}
	norm, _ := NewNormalizer("pixel", train)
	l := NewLoader(train, 128, 1, norm, Augment{PadCrop: 4, FlipH: true})
	defer l.Close()
	x, y := make([]float32, 128*train.ImageSize()), make([]uint8, 128)
	l.Next(x, y)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		l.Next(x, y)
	}
	b.ReportMetric(float64(b.N*128)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkLoadCIFAR10 measures reading and checking the six .bin files.
func BenchmarkLoadCIFAR10(b *testing.B) {
	dir := cifarDir(b)
	for b.Loop() {
		if _, _, err := Load("cifar10", dir); err != nil {
			b.Fatal(err)
		}
	}
}
