"""The big keras.ops against the bare NumPy code that computes the same thing (forward only).

minikeras's ops are NumPy plus bookkeeping (argument checks, dtype rules, the autodiff record),
so each should cost little more than the NumPy it runs: issue 17 asks for at most 1.5x on
`einsum`, `conv`, `dot_product_attention`, `top_k` and `sort`. Each case runs the minikeras op and
its NumPy equivalent alternately, `--rounds` times, and keeps each side's best time (the least
disturbed by other processes); the table shows both and their ratio, with the load average.

    python benchmarks/ops.py [--rounds 7] [--repeats 5]
"""
import argparse
import pathlib
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import cpu_model, format_table, load_average  # noqa: E402
from minikeras import ops  # noqa: E402
from minikeras.backend.autodiff import Tensor  # noqa: E402

RNG = np.random.default_rng(0)


def _f32(*shape):
    return RNG.standard_normal(shape).astype("float32")


def numpy_conv2d(x, kernel):
    """'valid' 2-D convolution (cross-correlation), channels last: a sliding window view of x
    contracted with the kernel by tensordot (the usual NumPy idiom)."""
    kh, kw = kernel.shape[:2]
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))
    # windows: (batch, out_h, out_w, channels, kh, kw)
    return np.tensordot(windows, kernel, axes=([4, 5, 3], [0, 1, 2]))


def numpy_attention(q, k, v):
    """softmax(q k^T / sqrt(d)) v over (batch, time, heads, depth) tensors: heads moved next
    to the batch, two batched matmuls (NumPy's fastest way; einsum without `optimize` is
    several times slower)."""
    qh, kh, vh = (np.swapaxes(t, 1, 2) for t in (q, k, v))      # (batch, heads, time, depth)
    logits = (qh @ np.swapaxes(kh, -1, -2)) * np.float32(1 / np.sqrt(q.shape[-1]))
    logits -= logits.max(axis=-1, keepdims=True)
    weights = np.exp(logits)
    weights /= weights.sum(axis=-1, keepdims=True)
    return np.swapaxes(weights @ vh, 1, 2)


def numpy_top_k(x, k):
    """The k largest values of each row, sorted, and their indices: argpartition, then a sort
    of the k kept."""
    part = np.argpartition(-x, k - 1, axis=-1)[..., :k]
    values = np.take_along_axis(x, part, axis=-1)
    order = np.argsort(-values, axis=-1, kind="stable")
    return np.take_along_axis(values, order, axis=-1), np.take_along_axis(part, order, axis=-1)


def cases():
    """[(name, shapes, minikeras call, NumPy call)] on fixed random float32 data."""
    a, b = _f32(64, 128, 128), _f32(64, 128, 128)
    images, kernel = _f32(32, 28, 28, 16), _f32(3, 3, 16, 32)
    q, k, v = _f32(8, 128, 8, 64), _f32(8, 128, 8, 64), _f32(8, 128, 8, 64)
    rows = _f32(256, 1000)
    ta, tb, timages, tkernel = Tensor(a), Tensor(b), Tensor(images), Tensor(kernel)
    tq, tk, tv, trows = Tensor(q), Tensor(k), Tensor(v), Tensor(rows)
    return [
        ("einsum bij,bjk->bik", "64x128x128 @ 64x128x128",
         lambda: ops.einsum("bij,bjk->bik", ta, tb), lambda: np.einsum("bij,bjk->bik", a, b)),
        ("conv 3x3 valid", "32x28x28x16 * 3x3x16x32",
         lambda: ops.conv(timages, tkernel), lambda: numpy_conv2d(images, kernel)),
        ("dot_product_attention", "8x128x8x64 (q, k, v)",
         lambda: ops.dot_product_attention(tq, tk, tv), lambda: numpy_attention(q, k, v)),
        ("top_k k=10", "256x1000",
         lambda: ops.top_k(trows, 10), lambda: numpy_top_k(rows, 10)),
        ("sort", "256x1000", lambda: ops.sort(trows), lambda: np.sort(rows, axis=-1)),
    ]


def check_same_results(name, ours, theirs):
    ours = ours if isinstance(ours, tuple) else (ours,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.numpy(), reference, rtol=2e-4, atol=2e-4, err_msg=name)


def best_time(fn, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (best kept)")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per round")
    args = parser.parse_args(argv)
    print(f"CPU: {cpu_model()}; numpy {np.__version__}; load average before: {load_average()}")
    rows = []
    for name, shapes, ours, theirs in cases():
        check_same_results(name, ours(), theirs())
        mine, numpy_time = float("inf"), float("inf")
        for _ in range(args.rounds):
            mine = min(mine, best_time(ours, args.repeats))
            numpy_time = min(numpy_time, best_time(theirs, args.repeats))
        rows.append([name, shapes, f"{numpy_time * 1e3:.2f}", f"{mine * 1e3:.2f}",
                     f"{mine / numpy_time:.2f}x"])
    print(format_table(["op", "shapes", "NumPy ms", "minikeras ms", "ratio"], rows))
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
