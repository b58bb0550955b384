"""The classic Keras MNIST MLP on the CPU: minikeras vs Keras 3 (torch backend) vs plain PyTorch.

    cd /path/to/repo
    KERAS_BACKEND=torch PYTHONPATH=. /path/to/refvenv/bin/python benchmarks/mlp.py
    python benchmarks/mlp.py --epochs 10 --repeats 9      # longer, steadier
    python benchmarks/mlp.py --threads 1                  # every framework on one core
    python benchmarks/mlp.py --profile                    # where minikeras spends a step

Model: Input(784) -> Dense(512, relu) -> Dropout(0.2) -> Dense(512, relu) -> Dropout(0.2)
-> Dense(10, softmax); Adam (Keras defaults); sparse categorical crossentropy; accuracy;
batch size 128; data: minikeras.datasets.mnist.load_sample() (8,000 train / 2,000 test digits).

Measured for each framework, each in its own child process (see benchmarks/_common.py):
  * seconds per epoch of fit(verbose=0): median of epochs 2..N (epoch 1 is shown apart);
  * predict time on the 2,000 test digits: median of --repeats runs after one warm-up, at batch
    size 128 and at 32 (Keras's default predict batch size).
Keras and PyTorch are optional: a framework that cannot be imported is reported as skipped.
The plain PyTorch loop uses the idiomatic logits + CrossEntropyLoss (log-softmax fused into the
loss), glorot-uniform weights / zero biases like Keras, Adam(lr=1e-3, eps=1e-7), and tracks loss
and accuracy every step like Keras's fit does.
"""
import argparse
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _common  # noqa: E402
from _common import (emit_result, epoch_timer, median, repeat_timed,  # noqa: E402
                     steady_epoch_time)

FRAMEWORKS = ("minikeras", "keras", "torch")
TARGETS = {"epoch": 0.8, "predict": 0.7}  # minikeras / Keras 3 must be at most this
PREDICT_BATCH_SIZES = (128, 32)


# -- one framework per child process --------------------------------------------------------
def _accuracy(probabilities, labels):
    return float((probabilities.argmax(axis=-1) == labels).mean())


def _common_result(name, label, epoch_times, epoch_cpu_times, predict_times, probabilities,
                   y_test, final_loss):
    """predict_times: {batch size: (wall seconds list, CPU seconds list)}."""
    return {
        "name": name,
        "label": label,
        "epoch_times": epoch_times,
        "epoch": steady_epoch_time(epoch_times),
        "epoch_cpu": steady_epoch_time(epoch_cpu_times),
        "predict": {str(bs): median(t[0]) for bs, t in predict_times.items()},
        "predict_cpu": {str(bs): median(t[1]) for bs, t in predict_times.items()},
        "predict_runs": {str(bs): t[0] for bs, t in predict_times.items()},
        "test_accuracy": _accuracy(probabilities, y_test),
        "final_loss": final_loss,
    }


def bench_minikeras(args, data):
    import minikeras
    from minikeras import layers

    (x_train, y_train), (x_test, y_test) = data
    minikeras.utils.set_random_seed(args.seed)
    model = minikeras.Sequential([
        layers.Input((784,)),
        layers.Dense(512, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(512, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    timer = epoch_timer(minikeras.callbacks.Callback)
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                        verbose=0, callbacks=[timer])
    predict_times = {bs: repeat_timed(lambda bs=bs: model.predict(x_test, batch_size=bs, verbose=0),
                                      args.repeats)
                     for bs in PREDICT_BATCH_SIZES}
    probabilities = model.predict(x_test, batch_size=128, verbose=0)
    return _common_result("minikeras", f"minikeras {minikeras.__version__}", timer.times,
                          timer.cpu_times, predict_times, probabilities, y_test, history.history["loss"][-1])


def bench_keras(args, data):
    os.environ["KERAS_BACKEND"] = "torch"  # before the import; the parent sets it too
    import keras
    from keras import layers

    (x_train, y_train), (x_test, y_test) = data
    keras.utils.set_random_seed(args.seed)
    model = keras.Sequential([
        keras.Input((784,)),
        layers.Dense(512, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(512, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    timer = epoch_timer(keras.callbacks.Callback)
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                        verbose=0, callbacks=[timer])
    predict_times = {bs: repeat_timed(lambda bs=bs: model.predict(x_test, batch_size=bs, verbose=0),
                                      args.repeats)
                     for bs in PREDICT_BATCH_SIZES}
    probabilities = model.predict(x_test, batch_size=128, verbose=0)
    label = f"keras {keras.__version__} ({keras.backend.backend()})"
    return _common_result("keras", label, timer.times, timer.cpu_times, predict_times,
                          probabilities, y_test, history.history["loss"][-1])


def bench_torch(args, data):
    import torch
    from torch import nn

    (x_train, y_train), (x_test, y_test) = data
    torch.manual_seed(args.seed)
    model = nn.Sequential(
        nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(512, 10),  # softmax is fused into the loss (train) and applied in predict
    )
    for module in model:
        if isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)
            nn.init.zeros_(module.bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    xt = torch.from_numpy(x_train)
    yt = torch.from_numpy(y_train.astype("int64"))
    n, bs = len(xt), args.batch_size

    epoch_times, epoch_cpu_times, final_loss = [], [], float("nan")
    for _ in range(args.epochs):
        start, cpu_start = time.perf_counter(), time.process_time()
        model.train()
        order = torch.randperm(n)
        loss_sum = torch.zeros(())
        correct = torch.zeros((), dtype=torch.int64)
        for i in range(0, n, bs):
            index = order[i:i + bs]
            xb, yb = xt[index], yt[index]
            optimizer.zero_grad(set_to_none=True)
            logits = model(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            optimizer.step()
            with torch.no_grad():  # the running loss / accuracy Keras's fit keeps
                loss_sum += loss.detach() * len(yb)
                correct += (logits.argmax(dim=1) == yb).sum()
        final_loss = float(loss_sum) / n
        _ = int(correct)
        epoch_times.append(time.perf_counter() - start)
        epoch_cpu_times.append(time.process_time() - cpu_start)

    x_eval = torch.from_numpy(x_test)

    def predict(batch_size):
        model.eval()
        with torch.inference_mode():
            outputs = [torch.softmax(model(x_eval[i:i + batch_size]), dim=-1)
                       for i in range(0, len(x_eval), batch_size)]
            return torch.cat(outputs).numpy()

    predict_times = {b: repeat_timed(lambda b=b: predict(b), args.repeats) for b in PREDICT_BATCH_SIZES}
    return _common_result("torch", f"pytorch {torch.__version__} (plain loop)", epoch_times,
                          epoch_cpu_times, predict_times, predict(128), y_test, final_loss)


BENCHES = {"minikeras": bench_minikeras, "keras": bench_keras, "torch": bench_torch}
IMPORT_NAMES = {"minikeras": "minikeras", "keras": "keras", "torch": "torch"}


def run_one(args):
    """Child process: import, set threads, measure, print the RESULT line."""
    name = args.only
    try:
        __import__(IMPORT_NAMES[name])
    except Exception as error:  # noqa: BLE001 - any import failure means: skip this column
        emit_result({"name": name, "skipped": f"cannot import {IMPORT_NAMES[name]}: "
                                              f"{type(error).__name__}: {error}"})
        return
    torch_threads = None
    if "torch" in sys.modules:
        import torch
        if args.threads:
            torch.set_num_threads(args.threads)
        torch_threads = torch.get_num_threads()
    limiter = _common.limit_threads(args.threads) if args.threads else None
    data = _common.load_mnist_flat()
    result = BENCHES[name](args, data)
    result["torch_threads"] = torch_threads
    result["thread_pools"] = _common.thread_pools()
    if limiter is not None:
        limiter.restore_original_limits()
    emit_result(result)


# -- parent: run every framework, print the report -----------------------------------------
def _fmt(seconds):
    return "-" if seconds is None else f"{seconds:.3f}"


def _ratio_line(ours, theirs, other_label, with_targets, cpu=False):
    """'minikeras / Keras 3: epoch 0.61x (target <= 0.80: met), ...' on wall (or CPU) time."""
    epoch_key, predict_key = ("epoch_cpu", "predict_cpu") if cpu else ("epoch", "predict")
    parts = []
    for key, label in (("epoch", "epoch"), ("128", "predict b128"), ("32", "predict b32")):
        a = ours[epoch_key] if key == "epoch" else ours[predict_key][key]
        b = theirs[epoch_key] if key == "epoch" else theirs[predict_key][key]
        text = f"{label} {a / b:.2f}x"
        target = TARGETS["epoch"] if key == "epoch" else TARGETS["predict"] if key == "128" else None
        if with_targets and target is not None:
            text += f" (target <= {target:.2f}: {'met' if a / b <= target else 'MISSED'})"
        parts.append(text)
    kind = "CPU time" if cpu else "wall time"
    return f"minikeras / {other_label} ({kind}): " + ", ".join(parts)


def report(args, results, steps, loads):
    print(f"MNIST MLP benchmark: 784-512-512-10 (dropout 0.2), Adam, batch {args.batch_size}, "
          f"8,000 train / 2,000 test digits, {args.epochs} epochs, {steps} steps/epoch")
    print(f"machine: {_common.cpu_model()}, {os.cpu_count()} CPUs; python "
          f"{platform.python_version()}; numpy {__import__('numpy').__version__}")
    env = _common.blas_env()
    print("BLAS/thread env: " + (", ".join(f"{k}={v}" for k, v in env.items()) or "none set")
          + ("" if "OPENBLAS_CORETYPE" in env else " (OPENBLAS_CORETYPE not set)"))
    print(f"threads: {'--threads ' + str(args.threads) if args.threads else 'library defaults'}; "
          f"load average (1 min) before {loads[0]}, after {loads[1]}")
    for r in results:
        if "label" in r:
            pools = "; ".join(r["thread_pools"])
            torch_part = "" if r["torch_threads"] is None else f"torch.get_num_threads()={r['torch_threads']}; "
            print(f"  {r['label']}: {torch_part}{pools}")
    print()
    header = ["framework", "epoch s", "ms/step", "epoch1 s", "epoch cpu s", "predict s b128",
              "predict s b32", "predict cpu s b128", "test acc", "train loss"]
    rows = []
    for r in results:
        if "label" not in r:
            continue
        rows.append([r["label"], _fmt(r["epoch"]), f"{r['epoch'] / steps * 1e3:.1f}",
                     _fmt(r["epoch_times"][0]), _fmt(r["epoch_cpu"]), _fmt(r["predict"]["128"]),
                     _fmt(r["predict"]["32"]), _fmt(r["predict_cpu"]["128"]),
                     f"{r['test_accuracy']:.4f}", f"{r['final_loss']:.4f}"])
    print(_common.format_table(header, rows))
    note = f"(epoch s: median of epochs 2..{args.epochs}; predict: median of {args.repeats} runs " \
           f"after a warm-up, 2,000 digits"
    if args.rounds > 1:
        note += f"; best of {args.rounds} interleaved rounds"
    print(note + ")")
    if args.rounds > 1:
        for r in results:
            if "round_epochs" in r:
                print(f"  {r['label']}: epoch s per round " + ", ".join(f"{e:.3f}" for e in r["round_epochs"]))
    by_name = {r["name"]: r for r in results if "label" in r}
    for r in results:
        if "skipped" in r:
            print(f"skipped {r['name']}: {r['skipped']}")
        elif "error" in r:
            print(f"FAILED {r['name']}: {r['error']}")
    print()
    ours = by_name.get("minikeras")
    if ours is None:
        print("no minikeras result: no ratios")
        return
    if "keras" not in by_name and "torch" not in by_name:
        print("no Keras or PyTorch result: no ratios")
        return
    for cpu in (False, True):
        if "keras" in by_name:
            print(_ratio_line(ours, by_name["keras"], "Keras 3", with_targets=not cpu, cpu=cpu))
        if "torch" in by_name:
            print(_ratio_line(ours, by_name["torch"], "PyTorch", with_targets=False, cpu=cpu))
    print("(targets apply to wall time; CPU time = all threads' CPU seconds, which with one "
          "thread per library is the figure least moved by other processes on the machine)")


def run_all(args):
    argv = ["--epochs", str(args.epochs), "--repeats", str(args.repeats),
            "--batch-size", str(args.batch_size), "--seed", str(args.seed)]
    extra_env = {"KERAS_BACKEND": "torch"}
    if args.threads:
        argv += ["--threads", str(args.threads)]
        extra_env.update({k: str(args.threads) for k in _common.THREAD_ENV_VARS})
    load_before = _common.load_average()
    rounds = {name: [] for name in args.frameworks}
    for round_index in range(args.rounds):
        for name in args.frameworks:  # interleaved, so background load hits every framework
            print(f"round {round_index + 1}/{args.rounds}: {name} ...", file=sys.stderr, flush=True)
            rounds[name].append(_common.run_child(os.path.abspath(__file__), name, argv, extra_env))
    results = [_best_round(rounds[name]) for name in args.frameworks]
    steps = -(-8000 // args.batch_size)
    report(args, results, steps, (load_before, _common.load_average()))


def _best_round(round_results):
    """One result per framework: the round with the fastest steady epoch, and the fastest
    predict medians over all rounds (background load only ever adds time)."""
    good = [r for r in round_results if "label" in r]
    if not good:
        return round_results[0]
    best = dict(min(good, key=lambda r: r["epoch"]))
    for key in ("predict", "predict_cpu"):
        best[key] = {bs: min(r[key][bs] for r in good) for bs in best[key]}
    best["round_epochs"] = [r["epoch"] for r in good]
    return best


# -- profile: where does a minikeras step go? ---------------------------------------------
def profile_minikeras(args):
    """Per-phase time of a training step, a pure-NumPy floor for the same math, and cProfile."""
    import cProfile
    import pstats

    import numpy as np

    import minikeras
    from minikeras import layers
    from minikeras.backend.autodiff import gradients

    if args.threads:
        _common.limit_threads(args.threads)
    (x_train, y_train), (x_test, _) = _common.load_mnist_flat()
    minikeras.utils.set_random_seed(args.seed)
    model = minikeras.Sequential([
        layers.Input((784,)), layers.Dense(512, activation="relu"), layers.Dropout(0.2),
        layers.Dense(512, activation="relu"), layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    timer = epoch_timer(minikeras.callbacks.Callback)
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=3, verbose=0, callbacks=[timer])
    bs = args.batch_size
    steps_per_epoch = -(-len(x_train) // bs)
    fit_step = steady_epoch_time(timer.times) / steps_per_epoch

    # 1. the phases of train_step, run by hand on full batches.
    weights = model.trainable_weights
    phases = {k: [] for k in ("forward", "loss", "backward", "optimizer", "metrics", "logs")}
    batches = [(x_train[i:i + bs], y_train[i:i + bs]) for i in range(0, len(x_train) - bs + 1, bs)]
    dtypes = {}
    for _ in range(3):
        for xb, yb in batches:
            t0 = time.perf_counter()
            y_pred = model(xb, training=True)
            t1 = time.perf_counter()
            loss = model.compute_loss(xb, yb, y_pred, None)
            t2 = time.perf_counter()
            grads = gradients(loss, weights)
            t3 = time.perf_counter()
            model.optimizer.apply(grads, weights)
            t4 = time.perf_counter()
            model._update_metrics(loss.data, len(xb), yb, y_pred.data, None)
            t5 = time.perf_counter()
            model._logs()
            t6 = time.perf_counter()
            for key, a, b in zip(phases, (t0, t1, t2, t3, t4, t5), (t1, t2, t3, t4, t5, t6)):
                phases[key].append(b - a)
    dtypes = {"y_pred": str(y_pred.dtype), "loss": str(loss.dtype),
              "grads": sorted({str(getattr(g, "dtype", type(g).__name__)) for g in grads}),
              "weights": sorted({str(w.dtype) for w in weights})}
    medians = {k: median(v) for k, v in phases.items()}
    total = sum(medians.values())
    print(f"minikeras training step, batch {bs} (median over {len(phases['forward'])} steps):")
    for key, value in medians.items():
        print(f"  {key:<10} {value * 1e3:7.2f} ms  {value / fit_step * 100:5.1f}%")
    print(f"  {'sum':<10} {total * 1e3:7.2f} ms")
    rest = fit_step - total
    print(f"  fit() step {fit_step * 1e3:7.2f} ms  (epoch / {steps_per_epoch} steps; "
          + (f"the rest, {rest * 1e3:.2f} ms, is batching, shuffling, callbacks)" if rest > 0 else
             "the phases timed one by one add up to more than a fit() step: the loop "
             "overhead is within the noise)"))
    print(f"  dtypes: {dtypes}")

    # 2. the same math in bare NumPy: the floor a NumPy framework can approach.
    rng = np.random.default_rng(0)
    f32 = np.float32
    w = [rng.standard_normal(s).astype(f32) * f32(0.05) for s in ((784, 512), (512, 512), (512, 10))]
    b = [np.zeros(s.shape[1], f32) for s in w]
    m = [np.zeros_like(p) for p in w + b]
    v = [np.zeros_like(p) for p in w + b]
    xb, yb = batches[0]

    def numpy_step():
        h1 = np.maximum(xb @ w[0] + b[0], 0)
        h1 *= rng.random(h1.shape, dtype=f32) >= 0.2
        h2 = np.maximum(h1 @ w[1] + b[1], 0)
        h2 *= rng.random(h2.shape, dtype=f32) >= 0.2
        z = h2 @ w[2] + b[2]
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g3 = p
        g3[np.arange(len(yb)), yb] -= 1
        g3 /= len(yb)
        g2 = (g3 @ w[2].T) * (h2 > 0)
        g1 = (g2 @ w[1].T) * (h1 > 0)
        grads = [xb.T @ g1, h1.T @ g2, h2.T @ g3, g1.sum(0), g2.sum(0), g3.sum(0)]
        return grads

    def numpy_adam(grads, lr=1e-3, b1=0.9, b2=0.999, eps=1e-7):
        for p, g, mi, vi in zip(w + b, grads, m, v):
            mi += (g - mi) * (1 - b1)
            vi += (g * g - vi) * (1 - b2)
            p -= lr * mi / (np.sqrt(vi) + eps)

    fwd_bwd = median(repeat_timed(numpy_step, 50, warmup=5)[0])
    grads_np = numpy_step()
    adam = median(repeat_timed(lambda: numpy_adam(grads_np), 50, warmup=5)[0])
    print(f"bare NumPy floor for the same step: forward+backward {fwd_bwd * 1e3:.2f} ms, "
          f"Adam {adam * 1e3:.2f} ms, total {(fwd_bwd + adam) * 1e3:.2f} ms")
    pred = median(repeat_timed(lambda: model.predict(x_test, batch_size=128, verbose=0), 7)[0])
    print(f"predict b128 on 2,000 digits: {pred:.4f} s")
    print()

    # 3. cProfile of two epochs of fit.
    profiler = cProfile.Profile()
    profiler.enable()
    model.fit(x_train, y_train, batch_size=bs, epochs=2, verbose=0)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(args.profile_top)
    stats.sort_stats("cumulative").print_stats(args.profile_top)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6, help="epochs per fit (>= 2; default 6)")
    parser.add_argument("--repeats", type=int, default=7, help="timed predict runs (default 7)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--threads", type=int, default=None,
                        help="cap every BLAS/OpenMP pool (and torch) to N threads; "
                             "default: each library's own default")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run every framework R times, interleaved, and keep the best round "
                             "(use on a machine with background load)")
    parser.add_argument("--frameworks", nargs="+", choices=FRAMEWORKS, default=list(FRAMEWORKS))
    parser.add_argument("--profile", action="store_true",
                        help="profile minikeras only (step phases, NumPy floor, cProfile)")
    parser.add_argument("--profile-top", type=int, default=25)
    parser.add_argument("--only", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (epoch 1 is warm-up)")
    if args.only:
        run_one(args)
    elif args.profile:
        profile_minikeras(args)
    else:
        run_all(args)


if __name__ == "__main__":
    main()
