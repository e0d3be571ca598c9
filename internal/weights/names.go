package weights

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/models"
)

// Naming schemes of a weights file.
const (
	// NamesPyTorch is resnet_cifar.py's CifarResNet state_dict names.
	NamesPyTorch = "pytorch"
	// NamesResexp is resexp's own layer names (those of gradnorms.csv and
	// checkpoints), for architectures the reference cannot express.
	NamesResexp = "resexp"
)

// Expressible returns nil if resnet_cifar.py's CifarResNet can express s
// (post-activation basic blocks with BatchNorm and ReLU; plain, or residual
// with shortcut option A, B or C), else an error naming what it cannot.
func Expressible(s models.Spec) error {
	var why string
	switch {
	case s.BlockKind() != models.Basic:
		why = s.Block.String() + " blocks"
	case s.PreAct:
		why = "pre-activation blocks"
	case s.Norm != models.BatchNorm:
		why = "norm " + s.Norm.String()
	case s.Activation != nn.ReLU:
		why = "activation " + s.Activation.String()
	default:
		return nil
	}
	return fmt.Errorf("%s: resnet_cifar.py's CifarResNet has no %s; use resexp's own names (--names resexp)", s.Label(), why)
}

// TorchShortcut is the CifarResNet shortcut argument of s: "plain", "A",
// "B" or "C".
func TorchShortcut(s models.Spec) string {
	if !s.Residual {
		return "plain"
	}
	return s.ShortcutKind().String()
}

// TorchName maps a resexp tensor name (a Param name, or a BatchNorm name
// with ".running_mean" or ".running_var") of a net with n blocks per stage
// to its CifarResNet state_dict name: stageS.blockB becomes
// layers.{(S-1)*n+B-1}, a block's "shortcut" conv "proj.0" and its
// "shortcut.bn" "proj.1"; conv1, bn1 and fc keep their names. It returns
// an error for a name outside this scheme or a block index beyond n.
func TorchName(name string, n int) (string, error) {
	parts := strings.Split(name, ".")
	if !strings.HasPrefix(parts[0], "stage") {
		if parts[0] == "conv1" || parts[0] == "bn1" || parts[0] == "fc" {
			return name, nil
		}
		return "", fmt.Errorf("weights: no PyTorch name for %q", name)
	}
	s, err1 := strconv.Atoi(strings.TrimPrefix(parts[0], "stage"))
	b, err2 := strconv.Atoi(strings.TrimPrefix(parts[1], "block"))
	if err1 != nil || err2 != nil || s < 1 || s > 3 || b < 1 || b > n || len(parts) < 3 {
		return "", fmt.Errorf("weights: no PyTorch name for %q with %d blocks per stage", name, n)
	}
	rest := parts[2:]
	if rest[0] == "shortcut" {
		rest = append([]string{"proj", "0"}, rest[1:]...)
		if len(rest) > 2 && rest[2] == "bn" {
			rest = append([]string{"proj", "1"}, rest[3:]...)
		}
	}
	return fmt.Sprintf("layers.%d.%s", (s-1)*n+b-1, strings.Join(rest, ".")), nil
}
