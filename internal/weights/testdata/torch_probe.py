"""Reference side of resexp's PyTorch cross-check (internal/weights/torch_test.go).

usage: torch_probe.py OUT_DIR CASE...   CASE = name:depth:shortcut:dataset:count

For each case it builds the repository's reference net, bench/pytorch/resnet_cifar.py's
CifarResNet(depth, shortcut, in_ch),
with a fixed seed (BatchNorm affine parameters and running statistics randomised too, so that
a swapped or misnamed BN tensor shows), writes OUT_DIR/NAME.safetensors (its state_dict, the
format written by hand: 8-byte little-endian header length, JSON header, raw little-endian
data), a float64 copy (NAME-f64.safetensors, which resexp must refuse),
and one batch of random images and labels, as a CIFAR-10 binary batch (NAME.bin) for
cifar10 or as IDX files (NAME-images-idx3-ubyte, NAME-labels-idx1-ubyte) for mnist. The input
is x = float32(byte) * float32(1/255), resexp probe's data.normalize none. It then runs one
forward pass in training mode and one backward pass, in float32 and (from the same weights)
in float64, and prints JSON: per case the mean cross-entropy, the L2 norm of the weight
gradient of every Conv2d and Linear module, by module name, and the input gradient x.grad: its
L2 norm and its values at the flat NCHW indices k*(n-1)//7, k = 0..7 (resexp probe's).
"""
import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# bench/pytorch of this repository (this file is internal/weights/testdata/).
BENCH_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "bench", "pytorch")


def save_safetensors(sd, path, dtype=None):
    header, blobs, off = {}, [], 0
    for k, v in sd.items():
        v = v.detach().cpu().contiguous()
        if v.dtype.is_floating_point:
            v = v.to(dtype or torch.float32)
        code = {torch.float32: ("F32", "<f4"), torch.float64: ("F64", "<f8"), torch.int64: ("I64", "<i8")}[v.dtype]
        b = v.numpy().astype(code[1]).tobytes()
        header[k] = {"dtype": code[0], "shape": list(v.shape), "data_offsets": [off, off + len(b)]}
        off += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def write_batch(prefix, dataset, images, labels):
    if dataset == "cifar10":
        with open(prefix + ".bin", "wb") as f:
            for img, y in zip(images, labels):
                f.write(bytes([int(y)]) + img.tobytes())
        return prefix + ".bin"
    n, _, h, w = images.shape
    with open(prefix + "-images-idx3-ubyte", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, h, w) + images.tobytes())
    with open(prefix + "-labels-idx1-ubyte", "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + labels.astype(np.uint8).tobytes())
    return prefix + "-images-idx3-ubyte"


def grad_norms(model, x, y):
    model.zero_grad()
    x = x.clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    norms = {}
    for name, m in model.named_modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            norms[name] = m.weight.grad.double().norm().item()
    g = x.grad.flatten()
    idx = [k * (g.numel() - 1) // 7 for k in range(8)]
    input_grad = dict(norm=g.double().norm().item(), indices=idx, values=[g[i].item() for i in idx])
    return loss.item(), norms, input_grad


def run_case(resnet_cifar, out, spec, seed):
    name, depth, shortcut, dataset, count = spec.split(":")
    depth, count = int(depth), int(count)
    in_ch, hw = (3, 32) if dataset == "cifar10" else (1, 28)
    torch.manual_seed(seed)
    model = resnet_cifar.CifarResNet(depth, shortcut, in_ch, 10)
    g = torch.Generator().manual_seed(seed + 1)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data = 0.5 + torch.rand(m.num_features, generator=g)
            m.bias.data = 0.2 * torch.randn(m.num_features, generator=g)
            m.running_mean = 0.1 * torch.randn(m.num_features, generator=g)
            m.running_var = 0.5 + torch.rand(m.num_features, generator=g)
            m.num_batches_tracked.fill_(7)
    save_safetensors(model.state_dict(), f"{out}/{name}.safetensors")
    save_safetensors(model.state_dict(), f"{out}/{name}-f64.safetensors", torch.float64)  # for the dtype refusal
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(count, in_ch, hw, hw), dtype=np.uint8)
    labels = rng.integers(0, 10, size=count)
    batch = write_batch(f"{out}/{name}", dataset, images, labels)
    x32 = torch.from_numpy(images.astype(np.float32) * np.float32(1 / 255))
    y = torch.from_numpy(labels.astype(np.int64))
    model.train()
    loss32, norms32, input32 = grad_norms(model, x32, y)
    model64 = resnet_cifar.CifarResNet(depth, shortcut, in_ch, 10).double()
    model64.load_state_dict(model.state_dict())
    model64.train()
    loss64, norms64, input64 = grad_norms(model64, x32.double(), y)
    return dict(name=name, weights=f"{out}/{name}.safetensors", batch=batch, depth=depth, shortcut=shortcut,
                dataset=dataset, count=count, loss32=loss32, loss64=loss64, norms32=norms32, norms64=norms64,
                input_grad32=input32, input_grad64=input64)


def main():
    out, cases = sys.argv[1], sys.argv[2:]
    sys.path.insert(0, BENCH_DIR)
    import resnet_cifar

    # oneDNN's per-shape primitive creation makes each new net's first pass take seconds;
    # the native float32 convolution is as much PyTorch and fast here.
    torch.backends.mkldnn.enabled = False
    torch.set_num_threads(1)
    results = [run_case(resnet_cifar, out, c, 1000 + i) for i, c in enumerate(cases)]
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
