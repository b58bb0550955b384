"""The benchmark driver shared by mlp.py and cnn.py: one workload, three frameworks.

A `Workload` says what to train (a model builder per framework, the data, the targets); this
module runs each framework in its own child process, times `fit` epochs and `predict`, and
prints the table and the minikeras / Keras 3 and minikeras / PyTorch ratios.

    minikeras and Keras 3 train with `fit(verbose=0)` and a callback timing each epoch;
    PyTorch trains with an idiomatic hand-written loop (logits + CrossEntropyLoss, Adam with
    Keras's defaults), keeping the running loss and accuracy that Keras's fit also keeps.
"""
import argparse
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

import _common
from _common import emit_result, epoch_timer, median, repeat_timed, steady_epoch_time

FRAMEWORKS = ("minikeras", "keras", "torch")
PREDICT_BATCH_SIZES = (128, 32)


@dataclass
class Workload:
    """What a benchmark script trains.

    build_minikeras(minikeras) / build_keras(keras) return an uncompiled model that ends in
    softmax; build_torch(torch) returns an nn.Module producing logits from `torch_inputs(x)`.
    load_data() returns ((x_train, y_train), (x_test, y_test)) as float32 / integer arrays.
    targets: the most minikeras / Keras 3 may take, e.g. {"epoch": 1.0, "predict": 0.7}.
    """
    title: str
    load_data: Callable
    build_minikeras: Callable
    build_keras: Callable
    build_torch: Callable
    torch_inputs: Callable = staticmethod(lambda torch, x: torch.from_numpy(x))
    targets: dict = field(default_factory=dict)


# -- one framework per child process --------------------------------------------------------
def _accuracy(probabilities, labels):
    return float((probabilities.argmax(axis=-1) == labels).mean())


def _result(name, label, epoch_times, epoch_cpu_times, predict_times, probabilities, y_test,
            final_loss):
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


def _bench_keras_like(module, model, args, data, name, label):
    """fit / predict timing for minikeras and Keras 3, which share the API."""
    (x_train, y_train), (x_test, y_test) = data
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    timer = epoch_timer(module.callbacks.Callback)
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                        verbose=0, callbacks=[timer])
    predict_times = {bs: repeat_timed(lambda bs=bs: model.predict(x_test, batch_size=bs, verbose=0),
                                      args.repeats)
                     for bs in PREDICT_BATCH_SIZES}
    probabilities = model.predict(x_test, batch_size=128, verbose=0)
    return _result(name, label, timer.times, timer.cpu_times, predict_times, probabilities,
                   y_test, history.history["loss"][-1])


def bench_minikeras(workload, args, data):
    import minikeras
    minikeras.utils.set_random_seed(args.seed)
    return _bench_keras_like(minikeras, workload.build_minikeras(minikeras), args, data,
                             "minikeras", f"minikeras {minikeras.__version__}")


def bench_keras(workload, args, data):
    os.environ["KERAS_BACKEND"] = "torch"  # before the import; the parent sets it too
    import keras
    keras.utils.set_random_seed(args.seed)
    label = f"keras {keras.__version__} ({keras.backend.backend()})"
    return _bench_keras_like(keras, workload.build_keras(keras), args, data, "keras", label)


def bench_torch(workload, args, data):
    import torch
    from torch import nn

    (x_train, y_train), (x_test, y_test) = data
    torch.manual_seed(args.seed)
    model = workload.build_torch(torch)
    for module in model.modules():  # Keras's initial values: glorot-uniform weights, zero biases
        if isinstance(module, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            nn.init.xavier_uniform_(module.weight)
            nn.init.zeros_(module.bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    xt = workload.torch_inputs(torch, x_train)
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

    x_eval = workload.torch_inputs(torch, x_test)

    def predict(batch_size):
        model.eval()
        with torch.inference_mode():
            outputs = [torch.softmax(model(x_eval[i:i + batch_size]), dim=-1)
                       for i in range(0, len(x_eval), batch_size)]
            return torch.cat(outputs).numpy()

    predict_times = {b: repeat_timed(lambda b=b: predict(b), args.repeats) for b in PREDICT_BATCH_SIZES}
    return _result("torch", f"pytorch {torch.__version__} (plain loop)", epoch_times,
                   epoch_cpu_times, predict_times, predict(128), y_test, final_loss)


BENCHES = {"minikeras": bench_minikeras, "keras": bench_keras, "torch": bench_torch}


def run_one(workload, args):
    """Child process: import, set threads, measure, print the RESULT line."""
    name = args.only
    try:
        __import__(name)
    except Exception as error:  # noqa: BLE001 - any import failure means: skip this column
        emit_result({"name": name, "skipped": f"cannot import {name}: "
                                              f"{type(error).__name__}: {error}"})
        return
    torch_threads = None
    if "torch" in sys.modules:
        import torch
        if args.threads:
            torch.set_num_threads(args.threads)
        torch_threads = torch.get_num_threads()
    limiter = _common.limit_threads(args.threads) if args.threads else None
    data = workload.load_data()
    result = BENCHES[name](workload, args, data)
    result["torch_threads"] = torch_threads
    result["thread_pools"] = _common.thread_pools()
    if limiter is not None:
        limiter.restore_original_limits()
    emit_result(result)


# -- parent: run every framework, print the report -----------------------------------------
def _fmt(seconds):
    return "-" if seconds is None else f"{seconds:.3f}"


def _ratio_line(ours, theirs, other_label, targets, cpu=False):
    """'minikeras / Keras 3: epoch 0.61x (target <= 0.80: met), ...' on wall (or CPU) time."""
    epoch_key, predict_key = ("epoch_cpu", "predict_cpu") if cpu else ("epoch", "predict")
    parts = []
    for key, label in (("epoch", "epoch"), ("128", "predict b128"), ("32", "predict b32")):
        a = ours[epoch_key] if key == "epoch" else ours[predict_key][key]
        b = theirs[epoch_key] if key == "epoch" else theirs[predict_key][key]
        text = f"{label} {a / b:.2f}x"
        target = targets.get("epoch") if key == "epoch" else targets.get("predict") \
            if key == "128" else None
        if target is not None:
            text += f" (target <= {target:.2f}: {'met' if a / b <= target else 'MISSED'})"
        parts.append(text)
    kind = "CPU time" if cpu else "wall time"
    return f"minikeras / {other_label} ({kind}): " + ", ".join(parts)


def report(workload, args, results, steps, loads, n_test):
    print(f"{workload.title}, batch {args.batch_size}, {args.epochs} epochs, {steps} steps/epoch")
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
            torch_part = "" if r["torch_threads"] is None else \
                f"torch.get_num_threads()={r['torch_threads']}; "
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
           f"after a warm-up, {n_test:,} samples"
    if args.rounds > 1:
        note += f"; best of {args.rounds} interleaved rounds"
    print(note + ")")
    if args.rounds > 1:
        for r in results:
            if "round_epochs" in r:
                print(f"  {r['label']}: epoch s per round "
                      + ", ".join(f"{e:.3f}" for e in r["round_epochs"]))
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
            print(_ratio_line(ours, by_name["keras"], "Keras 3", {} if cpu else workload.targets,
                              cpu=cpu))
        if "torch" in by_name:
            print(_ratio_line(ours, by_name["torch"], "PyTorch", {}, cpu=cpu))
    print("(targets apply to wall time; CPU time = all threads' CPU seconds, which with one "
          "thread per library is the figure least moved by other processes on the machine)")


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


def run_all(workload, script, args):
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
            rounds[name].append(_common.run_child(script, name, argv, extra_env))
    results = [_best_round(rounds[name]) for name in args.frameworks]
    (x_train, _), (x_test, _) = workload.load_data()
    steps = -(-len(x_train) // args.batch_size)
    report(workload, args, results, steps, (load_before, _common.load_average()), len(x_test))


def argument_parser(description, default_epochs=6):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--epochs", type=int, default=default_epochs,
                        help=f"epochs per fit (>= 2; default {default_epochs})")
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
    parser.add_argument("--only", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    return parser


def main(workload, script, parser, args, profile=None):
    """Dispatch: a child run (--only), the profile (when `profile` is given and asked for), or
    every framework with the report."""
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (epoch 1 is warm-up)")
    if args.only:
        run_one(workload, args)
    elif profile is not None:
        profile(args)
    else:
        run_all(workload, script, args)
