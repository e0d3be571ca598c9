package models

import (
	"fmt"
	"strings"
)

// Block is the kind of a net's blocks. The zero value means Basic.
type Block string

// The block kinds.
const (
	Basic      Block = "basic"      // two 3x3 convs
	Bottleneck Block = "bottleneck" // 1x1 reduce, 3x3, 1x1 expand to Expansion times the stage width
)

// Shortcut is a residual net's shortcut option (He et al. 2015, §3.3). The
// zero value means ShortcutA.
type Shortcut string

// The shortcut options.
const (
	ShortcutA Shortcut = "A" // identity, zero-padded where dimensions change
	ShortcutB Shortcut = "B" // 1x1 projection where dimensions change, identity elsewhere
	ShortcutC Shortcut = "C" // 1x1 projection on every shortcut
)

// Norm is the normalisation after each conv.
type Norm string

// The normalisations.
const (
	BatchNorm Norm = "batch" // BatchNorm2D
	NoNorm    Norm = "none"  // none
)

// The values each kind accepts, in the order error messages list them.
var (
	Blocks    = []Block{Basic, Bottleneck}
	Shortcuts = []Shortcut{ShortcutA, ShortcutB, ShortcutC}
	Norms     = []Norm{BatchNorm, NoNorm}
)

// String returns the name ParseBlock accepts.
func (b Block) String() string { return string(b) }

// String returns the name ParseShortcut accepts.
func (s Shortcut) String() string { return string(s) }

// String returns the name ParseNorm accepts.
func (n Norm) String() string { return string(n) }

// ParseBlock returns the block kind named s ("basic" or "bottleneck").
func ParseBlock(s string) (Block, error) { return parseKind("block", s, Blocks) }

// ParseShortcut returns the shortcut option named s ("A", "B" or "C").
func ParseShortcut(s string) (Shortcut, error) { return parseKind("shortcut", s, Shortcuts) }

// ParseNorm returns the normalisation named s ("batch" or "none").
func ParseNorm(s string) (Norm, error) { return parseKind("norm", s, Norms) }

// parseKind returns the value of all named s, or an error "WHAT "S" is not
// one of A, B, C".
func parseKind[K ~string](what, s string, all []K) (K, error) {
	for _, k := range all {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("%s %q is not one of %s", what, s, strings.Join(KindNames(all), ", "))
}

// KindNames returns the names of the values in all, for messages and
// lists of allowed values.
func KindNames[K ~string](all []K) []string {
	names := make([]string, len(all))
	for i, k := range all {
		names[i] = string(k)
	}
	return names
}
