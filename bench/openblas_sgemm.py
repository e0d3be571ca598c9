#!/usr/bin/python3
"""OpenBLAS sgemm at the GEMM shapes of internal/nn/kernels/bench_test.go.

Runs numpy's float32 matmul (Debian's python3-numpy links OpenBLAS) on one
thread and prints one line per shape: name, median and max GFLOP/s
(2*M*N*K / time) over the repeats. Transposed operands are transposed views,
so OpenBLAS sees the same trans flags as Sgemm. Run it beside
`go test -run '^$' -bench 'Sgemm|Conv3x3' ./internal/nn/kernels/`:

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/openblas_sgemm.py [REPEATS]
"""
import statistics
import sys
import time

import numpy as np

# name, transA, transB, m, n, k
SHAPES = [
    ("fwd/M16_N1024_K144", 0, 0, 16, 1024, 144),
    ("fwd/M32_N256_K288", 0, 0, 32, 256, 288),
    ("fwd/M64_N64_K576", 0, 0, 64, 64, 576),
    ("fwd/M16_N1024x32_K144", 0, 0, 16, 1024 * 32, 144),
    ("fwd/M32_N256x32_K288", 0, 0, 32, 256 * 32, 288),
    ("fwd/M64_N64x32_K576", 0, 0, 64, 64 * 32, 576),
    ("dW/M16_N144_K1024", 0, 1, 16, 144, 1024),
    ("dW/M32_N288_K256", 0, 1, 32, 288, 256),
    ("dW/M64_N576_K64", 0, 1, 64, 576, 64),
    ("dW/M16_N144_K1024x32", 0, 1, 16, 144, 1024 * 32),
    ("dW/M64_N576_K64x32", 0, 1, 64, 576, 64 * 32),
    ("dX/M144_N1024_K16", 1, 0, 144, 1024, 16),
    ("dX/M288_N256_K32", 1, 0, 288, 256, 32),
    ("dX/M576_N64_K64", 1, 0, 576, 64, 64),
    ("dX/M576_N64x32_K64", 1, 0, 576, 64 * 32, 64),
    ("square/M512_N512_K512", 0, 0, 512, 512, 512),
]


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    rng = np.random.default_rng(1)
    for name, ta, tb, m, n, k in SHAPES:
        a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
        b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
        A = a.T if ta else a
        B = b.T if tb else b
        c = np.empty((m, n), dtype=np.float32)
        flops = 2.0 * m * n * k
        iters = max(1, int(2e9 / flops))  # ~20 ms at 100 GFLOP/s
        res = []
        for _ in range(repeats):
            t = time.perf_counter()
            for _ in range(iters):
                np.matmul(A, B, out=c)
            res.append(flops * iters / (time.perf_counter() - t) / 1e9)
        print(f"{name:28s} med {statistics.median(res):7.1f}  max {max(res):7.1f}")


if __name__ == "__main__":
    main()
