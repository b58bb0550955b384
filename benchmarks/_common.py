"""Helpers shared by the benchmarks: data, timing, environment report, isolated runs, tables.

Every framework is measured in its own child process (the benchmark script re-runs itself with
`--only NAME`), so that one framework's thread pools (OpenBLAS, torch's OpenMP) and memory
state cannot slow down the next one, and so that a missing optional package only skips its own
column. The child prints one line `RESULT {json}` that the parent collects.
"""
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULT_PREFIX = "RESULT "
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
BLAS_ENV_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") + THREAD_ENV_VARS


# -- data -------------------------------------------------------------------------------------
def load_mnist_flat():
    """The bundled MNIST sample as ((x_train, y_train), (x_test, y_test)).

    x: (n, 784) float32 in [0, 1]; y: (n,) uint8 labels 0..9. Uses
    `minikeras.datasets.mnist.load_sample()`; when minikeras cannot be imported (the Keras and
    PyTorch columns still run) the same .npz file is read directly.
    """
    try:
        from minikeras.datasets import mnist
        (x_train, y_train), (x_test, y_test) = mnist.load_sample()
    except Exception:  # noqa: BLE001 - any import failure: fall back to the file itself
        path = os.path.join(REPO_ROOT, "minikeras", "datasets", "data", "mnist_sample.npz")
        with np.load(path) as data:
            x_train, y_train = data["x_train"], data["y_train"]
            x_test, y_test = data["x_test"], data["y_test"]
    x_train = x_train.reshape(-1, 784).astype("float32") / 255
    x_test = x_test.reshape(-1, 784).astype("float32") / 255
    return (x_train, y_train), (x_test, y_test)


# -- timing -----------------------------------------------------------------------------------
def epoch_timer(callback_base):
    """An instance of a callback (subclassing the framework's `Callback`) that records every
    epoch's wall-clock seconds in `.times` and the process's CPU seconds (all threads) in
    `.cpu_times`."""

    class EpochTimer(callback_base):
        def __init__(self):
            super().__init__()
            self.times, self.cpu_times = [], []
            self._start = self._cpu_start = None

        def on_epoch_begin(self, epoch, logs=None):
            self._start, self._cpu_start = time.perf_counter(), time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self._start)
            self.cpu_times.append(time.process_time() - self._cpu_start)

    return EpochTimer()


def repeat_timed(fn, repeats, warmup=1):
    """Call fn() `warmup` times untimed, then `repeats` times timed.

    Returns (wall seconds list, CPU seconds list). With one thread the CPU time barely moves
    when other processes compete for the cores; the wall time does.
    """
    for _ in range(warmup):
        fn()
    times, cpu_times = [], []
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    return times, cpu_times


def median(values):
    return statistics.median(values) if values else float("nan")


def steady_epoch_time(epoch_times):
    """Median of epochs 2..N (epoch 1 pays for building, first-touch allocation, warm-up)."""
    return median(epoch_times[1:] if len(epoch_times) > 1 else epoch_times)


# -- environment ------------------------------------------------------------------------------
def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average():
    """The 1-minute load average as text ('n/a' where the OS has none): other processes
    competing for the cores slow multi-threaded BLAS a lot, so the report shows it."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (OSError, AttributeError):
        return "n/a"


def blas_env():
    """The thread / OpenBLAS kernel variables that are set, as {name: value}."""
    return {k: os.environ[k] for k in BLAS_ENV_VARS if k in os.environ}


def thread_pools():
    """What threadpoolctl sees in this process (after the framework is imported), as short
    strings like 'openblas 0.3.31 (SkylakeX) 2 threads'; [] without threadpoolctl."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [f"threadpoolctl not installed; numpy BLAS: {numpy_blas()}"]
    pools = []
    for info in threadpool_info():
        name = info.get("internal_api") or info.get("user_api")
        arch = info.get("architecture")
        lib = os.path.basename(info.get("filepath", ""))
        text = f"{name} {info.get('version') or ''}".strip()
        if arch:
            text += f" ({arch})"
        pools.append(f"{text} {info.get('num_threads')} threads [{lib}]")
    return pools


def numpy_blas():
    """numpy's BLAS as numpy itself reports it, e.g. 'scipy-openblas 0.3.31'."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - older numpy: no dict mode
        return "unknown"


def limit_threads(n):
    """Cap every BLAS/OpenMP pool this process has loaded to n threads (needs threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=n)


# -- isolated runs ----------------------------------------------------------------------------
def run_child(script, name, argv, extra_env=None, timeout=1800):
    """Run `python script --only name *argv` and return its RESULT dict (or an error dict)."""
    env = dict(os.environ)
    env.update(extra_env or {})
    path = env.get("PYTHONPATH", "")
    if REPO_ROOT not in path.split(os.pathsep):
        env["PYTHONPATH"] = REPO_ROOT + (os.pathsep + path if path else "")
    cmd = [sys.executable, script, "--only", name] + list(argv)
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"name": name, "error": f"timed out after {timeout} s"}
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-8:]
    return {"name": name, "error": f"exit {proc.returncode}: " + " | ".join(tail)}


def emit_result(result):
    print(RESULT_PREFIX + json.dumps(result), flush=True)


# -- output -----------------------------------------------------------------------------------
def format_table(header, rows):
    """A plain-text table; the first column is left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]

    def line(cells):
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))

    out = [line(header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out)
