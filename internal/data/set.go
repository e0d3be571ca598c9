package data

import (
	"fmt"
	"path/filepath"
)

// Set is an image classification split held in memory as raw bytes.
type Set struct {
	Name    string // "mnist", "fashion-mnist", "cifar10", "synthetic"
	C, H, W int
	Classes int
	Images  []uint8   // N*C*H*W bytes, NCHW order, one image after another
	Labels  []uint8   // N labels in [0, Classes)
	Files   []FileSum // the files read, with their SHA-256 (for meta.json); nil for synthetic
}

// FileSum identifies a file read from disk: its path, SHA-256 (lower-case
// hex) and size in bytes.
type FileSum struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Len returns the number of images N.
func (s *Set) Len() int { return len(s.Labels) }

// ImageSize returns C*H*W, the number of bytes of one image.
func (s *Set) ImageSize() int { return s.C * s.H * s.W }

// Image returns the bytes of image i (CHW order), sharing s.Images.
func (s *Set) Image(i int) []uint8 {
	n := s.ImageSize()
	return s.Images[i*n : (i+1)*n]
}

// Slice returns images lo..hi-1 of s as a Set sharing s's memory, e.g.
// s.Slice(0, 45000) and s.Slice(45000, 50000) for the paper's 45k/5k
// train/validation split. It panics unless 0 <= lo <= hi <= s.Len().
func (s *Set) Slice(lo, hi int) *Set {
	if lo < 0 || lo > hi || hi > s.Len() {
		panic(fmt.Sprintf("data: Slice(%d, %d) out of range [0, %d]", lo, hi, s.Len()))
	}
	t := *s
	n := s.ImageSize()
	t.Images = s.Images[lo*n : hi*n : hi*n]
	t.Labels = s.Labels[lo:hi:hi]
	return &t
}

// ClassCounts returns the number of images of each class.
func (s *Set) ClassCounts() []int {
	c := make([]int, s.Classes)
	for _, l := range s.Labels {
		c[l]++
	}
	return c
}

// Fill writes images lo..hi-1 of s (in order, no augmentation), normalised
// by norm (nil means Mode "none"), into x and their labels into y; used for
// evaluation. It panics unless len(x) == (hi-lo)*C*H*W and len(y) == hi-lo.
func (s *Set) Fill(x []float32, y []uint8, lo, hi int, norm *Normalizer) {
	n := s.ImageSize()
	if lo < 0 || lo > hi || hi > s.Len() || len(x) != (hi-lo)*n || len(y) != hi-lo {
		panic(fmt.Sprintf("data: Fill(len(x)=%d, len(y)=%d, %d, %d) on a set of %d images of %d values",
			len(x), len(y), lo, hi, s.Len(), n))
	}
	norm = norm.orNone(s)
	for i := lo; i < hi; i++ {
		norm.apply(x[(i-lo)*n:(i-lo+1)*n], s.Image(i))
	}
	copy(y, s.Labels[lo:hi])
}

// Names returns the known data set names.
func Names() []string { return []string{"mnist", "fashion-mnist", "cifar10", "synthetic"} }

// DefaultDir returns the folder Load and Download use when dir is empty:
// data/NAME relative to the working directory (the repository root).
func DefaultDir(name string) string { return filepath.Join("data", name) }

// ClassNames returns the class names of set name in label order, or nil
// for an unknown name.
func ClassNames(name string) []string {
	switch name {
	case "mnist":
		return []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	case "fashion-mnist":
		return []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
	case "cifar10":
		return []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}
	case "synthetic":
		return []string{"g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8", "g9"}
	}
	return nil
}

// Load reads the train and test splits of the named set from dir (for
// synthetic, dir is ignored; an empty dir means DefaultDir(name)). For
// fashion-mnist, when dir lacks the files, Load falls back to the folder
// where Debian's dataset-fashion-mnist package installs them. Every file
// is checked (sizes, magic numbers, counts, label ranges); errors are
// *FileError naming the file, offset, expectation and remedy, or a plain
// error for an unknown name.
func Load(name, dir string) (train, test *Set, err error) {
	if dir == "" {
		dir = DefaultDir(name)
	}
	switch name {
	case "mnist":
		return loadIDXSet(name, dir)
	case "fashion-mnist":
		return loadIDXSet(name, fashionDir(dir))
	case "cifar10":
		return loadCIFAR10(dir)
	case "synthetic":
		return Synthetic(SyntheticTrain, 1), Synthetic(SyntheticTest, 2), nil
	}
	return nil, nil, fmt.Errorf("unknown data set %q: want one of %v", name, Names())
}
