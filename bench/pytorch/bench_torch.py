"""PyTorch's CPU throughput for the nets resexp builds: the figure to compare
with `resexp bench` (same nets, batch 128, random N(0,1) inputs).

usage: bench_torch.py [--threads 1,2] [--configs resnet20,resnet56] [--modes train,eval]
                      [--batch 128] [--min-time 3] [--min-steps 3] [--warmup 2] [--rep R]

It prints one line per (config, mode, threads):

    torch threads=T cfg=NAME mode=train|eval img_s=X step_s=Y steps=N rep=R

train is a forward pass, cross-entropy, a backward pass and an SGD step
(momentum 0.9, weight decay 1e-4); eval is a forward pass in eval mode under
torch.no_grad(). Each measurement repeats steps until both --min-time seconds
and --min-steps steps have passed, after --warmup untimed steps. One process
is one repetition: run it several times with --rep 0, 1, 2, ... (the order of
the measurements is rotated by rep so that none always runs first) and quote
medians.
"""
import argparse
import os
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resnet_cifar import CifarResNet  # noqa: E402

# name -> (depth, shortcut, in_ch, hw, oneDNN on)
CONFIGS = {
    "resnet20": (20, "A", 3, 32, True),
    "plain20": (20, "plain", 3, 32, True),
    "resnet56": (56, "A", 3, 32, True),
    "plain56": (56, "plain", 3, 32, True),
    "resnet110": (110, "A", 3, 32, True),
    "resnet20B": (20, "B", 3, 32, True),
    "mnist_resnet20": (20, "A", 1, 28, True),
    # oneDNN off: PyTorch's own im2col + BLAS convolution
    "resnet20_nomkldnn": (20, "A", 3, 32, False),
}


def step_fn(model, mode, x, y):
    """One timed unit of work for mode."""
    if mode == "eval":
        model.eval()

        def run():
            with torch.no_grad():
                model(x)

        return run
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()

    def run():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()

    return run


def measure(run, min_time, min_steps, warmup):
    """(steps, seconds) of repeating run until both minimums are reached."""
    for _ in range(warmup):
        run()
    steps, start = 0, time.perf_counter()
    while True:
        run()
        steps += 1
        elapsed = time.perf_counter() - start
        if steps >= min_steps and elapsed >= min_time:
            return steps, elapsed


def bench(name, threads, mode, args):
    depth, shortcut, in_ch, hw, onednn = CONFIGS[name]
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = CifarResNet(depth, shortcut, in_ch)
    x = torch.randn(args.batch, in_ch, hw, hw)
    y = torch.randint(0, 10, (args.batch,))
    with torch.backends.mkldnn.flags(enabled=onednn):
        return measure(step_fn(model, mode, x, y), args.min_time, args.min_steps, args.warmup)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    p.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated: " + ", ".join(CONFIGS))
    p.add_argument("--modes", default="train,eval", help="train, eval or both")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--min-time", type=float, default=3.0, help="seconds per measurement, at least")
    p.add_argument("--min-steps", type=int, default=3, help="steps per measurement, at least")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    p.add_argument("--rep", type=int, default=0, help="repetition number (rotates the order)")
    args = p.parse_args()
    for name in args.configs.split(","):
        if name not in CONFIGS:
            p.error(f"--configs: {name!r} is not one of {', '.join(CONFIGS)}")
    for mode in args.modes.split(","):
        if mode not in ("train", "eval"):
            p.error(f"--modes: {mode!r} is not train or eval")
    return args


def main():
    args = parse_args()
    jobs = [(name, int(t), mode) for name in args.configs.split(",")
            for mode in args.modes.split(",") for t in args.threads.split(",")]
    shift = args.rep % len(jobs)
    for name, threads, mode in jobs[shift:] + jobs[:shift]:
        steps, secs = bench(name, threads, mode, args)
        print(f"torch threads={threads} cfg={name} mode={mode} img_s={args.batch * steps / secs:.1f} "
              f"step_s={secs / steps:.4f} steps={steps} rep={args.rep}", flush=True)


if __name__ == "__main__":
    main()
