"""Data-parallel scaling over MPI: samples/s of minikeras `fit` on 1, 2 (, 4, ...) processes.

    python benchmarks/distributed.py                    # 1 and 2 ranks (more if cores allow)
    python benchmarks/distributed.py --ranks 1 2 4 --epochs 5
    python benchmarks/distributed.py --models mlp --json results.json

Models: the MNIST MLP of benchmarks/mlp.py (784-512-512-10 with dropout, 669,706 weights) and
the convnet of benchmarks/cnn.py (conv32-pool-conv64-pool-dropout-dense10, 34,826 weights);
Adam, sparse categorical crossentropy, accuracy; 8,000 bundled MNIST digits; GLOBAL batch 128
(each of N ranks computes 128 / N samples per step: the same training as one process).

Runs, each in fresh processes (the script restarts itself with --worker):
  * 1 process, all cores: plain `python`, no MPI, BLAS and minikeras threads = core count;
  * 1 process, 1 thread: the per-core baseline;
  * N ranks: `mpiexec -n N python -m mpi4py benchmarks/distributed.py --worker ...` with
    minikeras.distribution.DataParallel(), each rank limited to cores / N threads.

Reported per run (epochs 2..E; epoch 1 builds and warms up):
  * samples/s = 8,000 / median epoch seconds, and the speedup over 1 process, 1 thread;
  * comm %: the share of the step spent inside MPI, in the one Allreduce per step (gradients
    and metric states in one float32 buffer; mean over ranks; it includes waiting for the
    slowest rank); sync %: the same plus packing and unpacking the buffer (everything
    DataParallel adds to a step);
  * Allreduce calls per step and the bytes of the fused buffer;
  * isolated Allreduce: the same gradient buffer all-reduced 30 times in a row after a barrier
    (no load imbalance), median ms: what the interconnect alone costs per step.

The machine's load average is printed: other processes on the cores distort every number.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.abspath(__file__)
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(1, os.path.dirname(os.path.dirname(HERE)))

import _common  # noqa: E402

RESULT_PREFIX = "RESULT "
BATCH_SIZE = 128


# -- the worker (one process of a run) --------------------------------------------------------
def build(minikeras, name):
    if name == "mlp":
        import mlp
        return mlp.build_minikeras(minikeras)
    import cnn
    return cnn.WORKLOAD.build_minikeras(minikeras)


def load(name):
    if name == "mlp":
        return _common.load_mnist_flat()[0]
    import cnn
    return cnn.load_images()[0]


def worker(args):
    import numpy as np

    import minikeras
    from minikeras import distribution

    distributed = distribution.world_size() > 1
    if distributed:
        distribution.set_distribution(distribution.DataParallel())
    rank = distribution.rank()
    x, y = load(args.model)
    minikeras.utils.set_random_seed(args.seed)
    model = build(minikeras, args.model)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    timer = _common.epoch_timer(minikeras.callbacks.Callback)

    class ResetStats(minikeras.callbacks.Callback):
        """Communication counted from epoch 2 on, like the epoch times."""
        start = None

        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                if distributed:
                    distribution.distribution().reset_stats()
                self.start = time.perf_counter()

    reset = ResetStats()
    history = model.fit(x, y, batch_size=BATCH_SIZE, epochs=args.epochs, verbose=0,
                        callbacks=[reset, timer])
    measured_seconds = time.perf_counter() - reset.start
    result = {"model": args.model, "ranks": distribution.world_size(), "threads": args.threads,
              "samples": len(x), "steps_per_epoch": -(-len(x) // BATCH_SIZE),
              "epoch_times": timer.times, "epoch": _common.steady_epoch_time(timer.times),
              "final_loss": history.history["loss"][-1],
              "weights": int(sum(np.prod(w.shape) for w in model.trainable_weights))}
    result["samples_per_s"] = len(x) / result["epoch"]
    if distributed:
        from mpi4py import MPI
        comm = MPI.COMM_WORLD
        stats = distribution.distribution().stats
        grads, logs = stats["gradients"], stats["logs"]
        mine = {"comm_share": (grads["comm_seconds"] + logs["comm_seconds"]) / measured_seconds,
                "sync_share": (grads["sync_seconds"] + logs["sync_seconds"]) / measured_seconds,
                "grad_calls": grads["calls"], "grad_bytes": grads["bytes"],
                "logs_calls": logs["calls"], "logs_bytes": logs["bytes"],
                "grad_ms": 1e3 * grads["comm_seconds"] / max(grads["calls"], 1),
                "logs_ms": 1e3 * logs["comm_seconds"] / max(logs["calls"], 1)}
        # the same buffer all-reduced back to back: the interconnect's cost without waiting
        buffer = np.zeros(grads["bytes"] // 4, dtype=np.float32)
        times = []
        for _ in range(30):
            comm.Barrier()
            start = time.perf_counter()
            comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)
            times.append(time.perf_counter() - start)
        mine["isolated_ms"] = 1e3 * statistics.median(times)
        per_rank = comm.gather(mine, root=0)
        if rank == 0:
            for key in ("comm_share", "sync_share", "grad_ms", "logs_ms", "isolated_ms"):
                result[key] = statistics.mean(r[key] for r in per_rank)
            result["comm_share_max"] = max(r["comm_share"] for r in per_rank)
            for key in ("grad_bytes", "logs_bytes", "grad_calls", "logs_calls"):
                result[key] = per_rank[0][key]
    if rank == 0:
        print(RESULT_PREFIX + json.dumps(result), flush=True)


# -- the driver -------------------------------------------------------------------------------
def mpiexec():
    for name in ("mpiexec", "mpirun"):
        beside = os.path.join(os.path.dirname(sys.executable), name)
        if os.path.exists(beside):
            return beside
    return shutil.which("mpiexec") or shutil.which("mpirun")


def run(model, ranks, threads, args):
    env = dict(os.environ)
    for name in _common.THREAD_ENV_VARS + ("MINIKERAS_NUM_THREADS",):
        env[name] = str(threads)
    env["PYTHONPATH"] = _common.REPO_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    worker_args = [HERE, "--worker", "--model", model, "--epochs", str(args.epochs),
                   "--threads", str(threads), "--seed", str(args.seed)]
    if ranks == 1:
        command = [sys.executable] + worker_args
    else:
        launcher = mpiexec()
        if launcher is None:
            return {"error": "no mpiexec (pip install -e '.[mpi]')"}
        command = [launcher, "-n", str(ranks), sys.executable, "-m", "mpi4py"] + worker_args
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    return {"error": f"exit {proc.returncode}: {proc.stderr.strip()[-800:]}"}


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["mlp", "cnn"], choices=["mlp", "cnn"])
    cores = os.cpu_count() or 1
    default_ranks = [n for n in (1, 2, 4, 8) if n <= cores] or [1]
    parser.add_argument("--ranks", nargs="+", type=int, default=default_ranks,
                        help=f"process counts to run (default: {default_ranks}, up to the "
                             f"{cores} cores)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)

    print(f"minikeras data-parallel scaling, global batch {BATCH_SIZE}, {args.epochs} epochs "
          f"(median of epochs 2..{args.epochs})")
    print(f"cpu: {_common.cpu_model()}, {cores} cores; load average before: "
          f"{_common.load_average()}")
    results = []
    for model in args.models:
        configs = [(1, cores), (1, 1)] if cores > 1 else [(1, 1)]
        configs += [(n, max(1, cores // n)) for n in args.ranks if n > 1]
        for ranks, threads in configs:
            result = run(model, ranks, threads, args)
            result.update(model=model, ranks=ranks, threads=threads)
            results.append(result)
            print(f"  {model} {ranks} rank(s) x {threads} thread(s): "
                  + (result["error"] if "error" in result else
                     f"{result['samples_per_s']:.0f} samples/s"), flush=True)
    print(f"load average after: {_common.load_average()}")
    print()
    header = ["model", "ranks x threads", "epoch s", "samples/s", "speedup", "comm %",
              "sync %", "Allreduce/step", "buffer", "in step ms", "isolated ms"]
    rows = []
    for model in args.models:
        mine = [r for r in results if r["model"] == model and "error" not in r]
        base = next((r for r in mine if r["ranks"] == 1 and r["threads"] == 1), None)
        for r in mine:
            speedup = r["samples_per_s"] / base["samples_per_s"] if base else None
            rows.append([model, f"{r['ranks']} x {r['threads']}", fmt(r["epoch"], ".3f"),
                         fmt(r["samples_per_s"], ".0f"), fmt(speedup, ".2f"),
                         fmt(r.get("comm_share") and 100 * r["comm_share"], ".1f"),
                         fmt(r.get("sync_share") and 100 * r["sync_share"], ".1f"),
                         fmt(r.get("grad_calls") and (r["grad_calls"] + r["logs_calls"])
                             / (r["steps_per_epoch"] * (len(r["epoch_times"]) - 1)), ".0f"),
                         f"{r['grad_bytes']:,} B" if "grad_bytes" in r else "-",
                         fmt(r.get("grad_ms"), ".2f"), fmt(r.get("isolated_ms"), ".2f")])
    print(_common.format_table(header, rows))
    failed = [r for r in results if "error" in r]
    for r in failed:
        print(f"{r['model']} {r['ranks']} rank(s): {r['error']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == "__main__":
    main()
