"""The reference network of resexp: He et al. (2015) CIFAR nets in PyTorch.

CifarResNet(depth, shortcut, in_ch, num_classes) is the net resexp builds for
the same depth and shortcut, and its state_dict() names are the ones
`resexp export` writes and `resexp probe --weights` reads
(internal/weights/names.go):

    conv1.weight [16, in_ch, 3, 3]     bn1.*                     stem
    layers.i.conv1.weight, layers.i.bn1.*, layers.i.conv2.weight, layers.i.bn2.*
    layers.i.proj.0.weight [OC, C, 1, 1], layers.i.proj.1.*      projection shortcut
    fc.weight [num_classes, 64], fc.bias [num_classes]

depth = 6n + 2: a 3x3 stem conv to 16 channels, then three stages of n basic
blocks (16, 32, 64 channels; the first block of stages 2 and 3 halves the
resolution with stride 2), global average pooling and a linear classifier.
Block i (0-based over all stages) is layers.i.

shortcut
    "plain"  no shortcut: the plain net of the same depth
    "A"      identity; where the shape changes, take every second pixel and
             zero-pad the new channels (half before, half after the old ones)
    "B"      identity; where the shape changes, a 1x1 convolution (stride 2)
             and BatchNorm (proj.0, proj.1)
    "C"      a 1x1 convolution and BatchNorm on every block's shortcut

in_ch is 3 for CIFAR-10 (32x32) and 1 for MNIST / Fashion-MNIST (28x28).
Convolutions have no bias; they are initialised with He's normal init
(fan_out), as torchvision does. Run the file to print parameter counts and
multiply-accumulates per image.
"""
import torch
import torch.nn.functional as F
from torch import nn

SHORTCUTS = ("plain", "A", "B", "C")
WIDTHS = (16, 32, 64)


def blocks_per_stage(depth):
    """n of depth = 6n + 2, or ValueError."""
    if depth < 8 or (depth - 2) % 6:
        raise ValueError(f"depth {depth}: want 6n+2 with n >= 1 (8, 14, 20, 32, 44, 56, 110, ...)")
    return (depth - 2) // 6


def block_shapes(depth, stem=16):
    """(in_channels, out_channels, stride) of every block, in order."""
    n, c, shapes = blocks_per_stage(depth), stem, []
    for stage, oc in enumerate(WIDTHS):
        for b in range(n):
            shapes.append((c, oc, 2 if stage > 0 and b == 0 else 1))
            c = oc
    return shapes


def has_projection(shortcut, c, oc, stride):
    """Whether a block with this shape has a 1x1 projection shortcut."""
    return shortcut == "C" or (shortcut == "B" and (c != oc or stride != 1))


class BasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN, plus the shortcut, then ReLU."""

    def __init__(self, c, oc, stride, shortcut):
        super().__init__()
        self.conv1 = nn.Conv2d(c, oc, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(oc)
        self.conv2 = nn.Conv2d(oc, oc, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(oc)
        self.residual = shortcut != "plain"
        self.stride, self.extra = stride, oc - c
        if has_projection(shortcut, c, oc, stride):
            self.proj = nn.Sequential(nn.Conv2d(c, oc, 1, stride=stride, bias=False), nn.BatchNorm2d(oc))
        else:
            self.proj = None

    def identity(self, x):
        """Option A's shortcut: subsample, then zero-pad the channels."""
        if self.stride != 1:
            x = x[:, :, :: self.stride, :: self.stride]
        if self.extra:
            before = self.extra // 2
            x = F.pad(x, (0, 0, 0, 0, before, self.extra - before))
        return x

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        if self.residual:
            y = y + (self.proj(x) if self.proj is not None else self.identity(x))
        return F.relu(y)


class CifarResNet(nn.Module):
    """A plain or residual CIFAR net of the given depth (see the module doc)."""

    def __init__(self, depth=20, shortcut="A", in_ch=3, num_classes=10):
        super().__init__()
        if shortcut not in SHORTCUTS:
            raise ValueError(f"shortcut {shortcut!r}: want one of {', '.join(SHORTCUTS)}")
        self.conv1 = nn.Conv2d(in_ch, WIDTHS[0], 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(WIDTHS[0])
        self.layers = nn.Sequential(*(BasicBlock(c, oc, s, shortcut) for c, oc, s in block_shapes(depth)))
        self.fc = nn.Linear(WIDTHS[-1], num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = self.layers(F.relu(self.bn1(self.conv1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def macs(depth, shortcut="A", in_ch=3, hw=32, num_classes=10):
    """Multiply-accumulates of one image's forward pass through convolutions
    and the classifier (BatchNorm, ReLU and pooling not counted)."""
    total = hw * hw * WIDTHS[0] * in_ch * 9
    for c, oc, stride in block_shapes(depth):
        hw = (hw - 1) // stride + 1
        total += hw * hw * oc * (c + oc) * 9
        if shortcut != "plain" and has_projection(shortcut, c, oc, stride):
            total += hw * hw * oc * c
    return total + WIDTHS[-1] * num_classes


def main():
    for depth in (20, 56, 110):
        for shortcut in ("A", "B"):
            net = CifarResNet(depth, shortcut)
            params = sum(p.numel() for p in net.parameters())
            print(f"resnet{depth}{'' if shortcut == 'A' else shortcut}: params={params} "
                  f"fwd_MACs/img={macs(depth, shortcut)}")


if __name__ == "__main__":
    main()
