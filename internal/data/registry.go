package data

import (
	"fmt"
	"strings"
)

// Dataset describes one data set: its name, input shape, classes, what
// "auto" normalisation and augmentation mean for it, its files with their
// checksums and sources, and how to read them. Every question about a set
// (its shape, its folder, how to fetch, verify or load it) is answered
// here; the rest of resexp asks Lookup instead of switching on names.
// Datasets are read-only: callers must not modify them.
type Dataset struct {
	Name          string
	C, H, W       int // input shape of one image
	Classes       int // number of classes (CIFAR-100: fine labels)
	CoarseClasses int // CIFAR-100's 20 superclasses (LoadOptions.Label "coarse"); 0 for the other sets
	// Normalize is the NormModes value that data.normalize "auto" means.
	Normalize string
	// Augment reports whether data.augment "auto" means on (the paper's
	// pad-crop-flip) or off.
	Augment bool
	// FetchOnFirstUse reports whether training fetches the set (as
	// `resexp data download` does) when its folder lacks it: true for
	// small sets whose sources need no manual step (MNIST).
	FetchOnFirstUse bool

	classNames  []string // in label order
	coarseNames []string // in coarse label order; nil unless CoarseClasses > 0
	hint        string   // how to get a missing file by hand; "" means the default (downloadHint)

	// fetch returns the files, checksums, sources and manual instructions
	// (built when called, so tests can re-point the source variables); nil
	// for a set generated in memory.
	fetch func() *setSpec
	// load reads the train and test splits from dir (already resolved).
	load func(d *Dataset, dir string, opt LoadOptions) (train, test *Set, err error)
	// resolve, if not nil, maps the folder asked for to the folder the
	// files are read from (Fashion-MNIST's Debian fallback).
	resolve func(dir string) string
}

// registry lists every data set, in the order `resexp data list` shows
// them. Adding a data set is one file defining its *Dataset and one line
// here. It is filled by init because the sets' readers ask Lookup for
// their hints, which a package-level initialiser would make a cycle.
var registry []*Dataset

func init() {
	registry = []*Dataset{
		mnist,
		fashionMNIST,
		cifar10,
		cifar100,
		synthetic,
	}
}

// All returns every data set in listing order.
func All() []*Dataset { return registry }

// Lookup returns the data set called name, or an error naming the known
// sets.
func Lookup(name string) (*Dataset, error) {
	for _, d := range registry {
		if d.Name == name {
			return d, nil
		}
	}
	return nil, errUnknown(name)
}

// Names returns the known data set names, in listing order.
func Names() []string {
	names := make([]string, len(registry))
	for i, d := range registry {
		names[i] = d.Name
	}
	return names
}

// errUnknown is the error for a data set name that is not one of Names().
func errUnknown(name string) error {
	return fmt.Errorf("unknown data set %q: want one of %s", name, strings.Join(Names(), ", "))
}

// Builtin reports whether d is generated in memory: no files, no folder,
// nothing to download or verify.
func (d *Dataset) Builtin() bool { return d.fetch == nil }

// Sources returns where Download gets d's files, in the order tried; nil
// for a built-in set.
func (d *Dataset) Sources() []string {
	if d.Builtin() {
		return nil
	}
	var out []string
	for _, s := range d.fetch().sources {
		out = append(out, s.String())
	}
	return out
}

// ClassNames returns d's class names in label order, for the labels opt
// selects; nil for an invalid opt.
func (d *Dataset) ClassNames(opt LoadOptions) []string {
	if opt.validate(d) != nil {
		return nil
	}
	if opt.Label == LabelCoarse {
		return d.coarseNames
	}
	return d.classNames
}

// ResolveDir returns the folder d is read from, given dir: DefaultDir if
// dir is empty; for Fashion-MNIST, Debian's package folder
// (/usr/share/datasets/fashion-mnist) when dir lacks the training images
// and that folder has them; "" for a built-in set.
func (d *Dataset) ResolveDir(dir string) string {
	switch {
	case d.Builtin():
		return ""
	case dir == "":
		dir = DefaultDir(d.Name)
	}
	if d.resolve != nil {
		return d.resolve(dir)
	}
	return dir
}

// Load reads the train and test splits of d from dir (ignored for a
// built-in set; empty means DefaultDir), with the labels opt selects.
// Every file is checked (sizes, magic numbers, counts, label ranges);
// errors are *FileError naming the file, offset, expectation and remedy,
// or a plain error for an invalid opt.
func (d *Dataset) Load(dir string, opt LoadOptions) (train, test *Set, err error) {
	if err := opt.validate(d); err != nil {
		return nil, nil, fmt.Errorf("data set %s: %w", d.Name, err)
	}
	return d.load(d, d.ResolveDir(dir), opt)
}

// downloadHint is what to do about a missing or damaged file of set name.
func downloadHint(name string) string {
	if d, err := Lookup(name); err == nil && d.hint != "" {
		return d.hint
	}
	return fmt.Sprintf("run `resexp data download %s` or `make data`", name)
}
