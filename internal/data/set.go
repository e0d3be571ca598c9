package data

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Set is an image classification split held in memory as raw bytes.
type Set struct {
	Name    string // the Dataset's name
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
// is allowed, or that name is unknown.
func (o LoadOptions) Validate(name string) error {
	d, err := Lookup(name)
	if err != nil {
		return err
	}
	return o.validate(d)
}

// validate checks o for set d.
func (o LoadOptions) validate(d *Dataset) error {
	switch {
	case o.Label != "" && o.Label != LabelFine && o.Label != LabelCoarse:
		return fmt.Errorf("label %q: expected %q or %q", o.Label, LabelFine, LabelCoarse)
	case o.Label == LabelCoarse && d.CoarseClasses == 0:
		return fmt.Errorf("label %q: only %s has coarse labels; %s has one label, use %q",
			o.Label, strings.Join(coarseSets(), ", "), d.Name, LabelFine)
	}
	return nil
}

// coarseSets names the sets with coarse labels.
func coarseSets() []string {
	var names []string
	for _, d := range All() {
		if d.CoarseClasses > 0 {
			names = append(names, d.Name)
		}
	}
	return names
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
	d, err := Lookup(name)
	if err != nil {
		return nil
	}
	return d.ClassNames(opt)
}

// Load is LoadWith(name, dir, LoadOptions{}): CIFAR-100 with fine labels.
func Load(name, dir string) (train, test *Set, err error) {
	return LoadWith(name, dir, LoadOptions{})
}

// LoadWith is Lookup(name) and then Dataset.Load(dir, opt).
func LoadWith(name, dir string, opt LoadOptions) (train, test *Set, err error) {
	d, err := Lookup(name)
	if err != nil {
		return nil, nil, err
	}
	return d.Load(dir, opt)
}

// ResolveDir is Dataset.ResolveDir for set name; dir for an unknown name.
func ResolveDir(name, dir string) string {
	d, err := Lookup(name)
	if err != nil {
		return dir
	}
	return d.ResolveDir(dir)
}
