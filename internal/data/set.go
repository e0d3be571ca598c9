package data

import (
	"fmt"
	"path/filepath"
	"slices"
)

// Set is an image classification split held in memory as raw bytes.
type Set struct {
	Name    string // "mnist", "fashion-mnist", "cifar10", "cifar100", "synthetic"
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
func Names() []string { return []string{"mnist", "fashion-mnist", "cifar10", "cifar100", "synthetic"} }

// DefaultDir returns the folder Load and Download use when dir is empty:
// data/NAME relative to the working directory (the repository root).
func DefaultDir(name string) string { return filepath.Join("data", name) }

// LoadOptions are the choices LoadWith offers beyond the set's name.
type LoadOptions struct {
	// Label is the label CIFAR-100 images get: "fine" (the default when
	// empty; 100 classes) or "coarse" (its 20 superclasses). The other
	// sets have one label: "" and "fine" mean it, "coarse" is an error.
	Label string
}

// Label kinds, for LoadOptions.Label.
const (
	LabelFine   = "fine"
	LabelCoarse = "coarse"
)

// LabelKinds returns the values LoadOptions.Label accepts besides "".
func LabelKinds() []string { return []string{LabelFine, LabelCoarse} }

// Validate checks o for set name: an error names the bad value and what
// is allowed.
func (o LoadOptions) Validate(name string) error {
	switch {
	case o.Label != "" && o.Label != LabelFine && o.Label != LabelCoarse:
		return fmt.Errorf("label %q: expected %q or %q", o.Label, LabelFine, LabelCoarse)
	case o.Label == LabelCoarse && name != "cifar100":
		return fmt.Errorf("label %q: only cifar100 has coarse labels; %s has one label, use %q", o.Label, name, LabelFine)
	}
	return nil
}

// cifar100Pick returns the label byte of a CIFAR-100 record o selects:
// 0 coarse, 1 fine.
func (o LoadOptions) cifar100Pick() int {
	if o.Label == LabelCoarse {
		return 0
	}
	return 1
}

// ClassNames returns the class names of set name in label order (fine
// labels for cifar100), or nil for an unknown name.
func ClassNames(name string) []string { return ClassNamesWith(name, LoadOptions{}) }

// ClassNamesWith returns the class names of set name in label order, for
// the labels opt selects; nil for an unknown name or invalid opt.
func ClassNamesWith(name string, opt LoadOptions) []string {
	if opt.Validate(name) != nil {
		return nil
	}
	switch name {
	case "mnist":
		return []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	case "fashion-mnist":
		return []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
	case "cifar10":
		return []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}
	case "cifar100":
		if opt.Label == LabelCoarse {
			return cifar100Coarse
		}
		return cifar100Fine
	case "synthetic":
		return []string{"g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8", "g9"}
	}
	return nil
}

// Load is LoadWith(name, dir, LoadOptions{}): CIFAR-100 with fine labels.
func Load(name, dir string) (train, test *Set, err error) {
	return LoadWith(name, dir, LoadOptions{})
}

// LoadWith reads the train and test splits of the named set from dir (for
// synthetic, dir is ignored; an empty dir means DefaultDir(name)), with
// the labels opt selects. For fashion-mnist, when dir lacks the files,
// LoadWith falls back to the folder where Debian's dataset-fashion-mnist
// package installs them (see ResolveDir). Every file is checked (sizes,
// magic numbers, counts, label ranges); errors are *FileError naming the
// file, offset, expectation and remedy, or a plain error for an unknown
// name or invalid opt.
func LoadWith(name, dir string, opt LoadOptions) (train, test *Set, err error) {
	if !isKnown(name) {
		return nil, nil, errUnknown(name)
	}
	if err := opt.Validate(name); err != nil {
		return nil, nil, fmt.Errorf("data set %s: %w", name, err)
	}
	dir = ResolveDir(name, dir)
	switch name {
	case "mnist", "fashion-mnist":
		return loadIDXSet(name, dir)
	case "cifar10":
		return loadCIFAR(cifar10Format, dir, 0)
	case "cifar100":
		return loadCIFAR(cifar100Format, dir, opt.cifar100Pick())
	}
	return Synthetic(SyntheticTrain, 1), Synthetic(SyntheticTest, 2), nil
}

// ResolveDir returns the folder LoadWith reads set name from, given dir:
// DefaultDir(name) if dir is empty; for fashion-mnist, Debian's package
// folder (/usr/share/datasets/fashion-mnist) when dir lacks the training
// images and that folder has them; "" for synthetic.
func ResolveDir(name, dir string) string {
	switch {
	case name == "synthetic":
		return ""
	case dir == "":
		dir = DefaultDir(name)
	}
	if name == "fashion-mnist" {
		return fashionDir(dir)
	}
	return dir
}

// isKnown reports whether name is one of Names().
func isKnown(name string) bool { return slices.Contains(Names(), name) }
