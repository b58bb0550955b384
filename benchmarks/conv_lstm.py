"""One ConvLSTM2D training step on the CPU: minikeras vs Keras 3 (torch backend) vs PyTorch.

    cd /path/to/repo
    KERAS_BACKEND=torch PYTHONPATH=. /path/to/refvenv/bin/python benchmarks/conv_lstm.py
    python benchmarks/conv_lstm.py --rounds 3        # interleaved rounds, best kept
    python benchmarks/conv_lstm.py --profile         # cProfile of minikeras steps

Model: Input(10, 32, 32, 1) -> ConvLSTM2D(8, 3x3, padding="same") (the last state, 32x32x8)
-> GlobalAveragePooling2D -> Dense(10, softmax); Adam (Keras defaults); sparse categorical
crossentropy; batch 16 of random frames and labels (seeded).

Measured: wall and CPU seconds of one `train_on_batch` (forward + backward + optimizer update),
median of --steps timed steps after --warmup untimed ones. Each framework runs in its own child
process (benchmarks/_common.py); with --rounds R they are interleaved R times and each keeps its
best round. The PyTorch column is a hand-written ConvLSTM cell (one Conv2d over [x_t, h] giving
the four gates, Keras's gate order), the same head, CrossEntropyLoss on logits and Adam.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import _common  # noqa: E402
from _common import emit_result, median, repeat_timed  # noqa: E402

FRAMEWORKS = ("minikeras", "keras", "torch")
BATCH, STEPS, SIDE, FILTERS, CLASSES = 16, 10, 32, 8, 10


def make_data(seed):
    rng = np.random.default_rng(seed)
    x = rng.random((BATCH, STEPS, SIDE, SIDE, 1), dtype=np.float32)
    y = rng.integers(0, CLASSES, size=(BATCH,))
    return x, y


def build_keras_like(module, input_layer):
    layers = module.layers
    model = module.Sequential([
        input_layer((STEPS, SIDE, SIDE, 1)),
        layers.ConvLSTM2D(FILTERS, 3, padding="same"),
        layers.GlobalAveragePooling2D(),
        layers.Dense(CLASSES, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def bench_minikeras(args, x, y):
    import minikeras
    minikeras.utils.set_random_seed(args.seed)
    model = build_keras_like(minikeras, minikeras.layers.Input)
    times = repeat_timed(lambda: model.train_on_batch(x, y), args.steps, warmup=args.warmup)
    return f"minikeras {minikeras.__version__}", times


def bench_keras(args, x, y):
    os.environ["KERAS_BACKEND"] = "torch"
    import keras
    keras.utils.set_random_seed(args.seed)
    model = build_keras_like(keras, keras.Input)
    times = repeat_timed(lambda: model.train_on_batch(x, y), args.steps, warmup=args.warmup)
    return f"keras {keras.__version__} ({keras.backend.backend()})", times


def bench_torch(args, x, y):
    import torch
    from torch import nn

    torch.manual_seed(args.seed)

    class ConvLSTMNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.gates = nn.Conv2d(1 + FILTERS, 4 * FILTERS, 3, padding=1)
            self.dense = nn.Linear(FILTERS, CLASSES)

        def forward(self, seq):  # seq (batch, time, channels, rows, cols)
            b = seq.shape[0]
            h = seq.new_zeros(b, FILTERS, SIDE, SIDE)
            c = torch.zeros_like(h)
            for t in range(seq.shape[1]):
                i, f, g, o = self.gates(torch.cat([seq[:, t], h], dim=1)).chunk(4, dim=1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
            return self.dense(h.mean(dim=(2, 3)))

    model = ConvLSTMNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 1, 4, 2, 3)))
    yt = torch.from_numpy(y.astype("int64"))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xt), yt)
        loss.backward()
        optimizer.step()
        return float(loss)

    times = repeat_timed(step, args.steps, warmup=args.warmup)
    return f"pytorch {torch.__version__} (hand-written cell)", times


BENCHES = {"minikeras": bench_minikeras, "keras": bench_keras, "torch": bench_torch}


def run_one(args):
    name = args.only
    try:
        __import__(name)
    except Exception as error:  # noqa: BLE001 - any import failure means: skip this column
        emit_result({"name": name, "skipped": f"cannot import {name}: {error}"})
        return
    if "torch" in sys.modules:
        import torch
        if args.threads:
            torch.set_num_threads(args.threads)
    if args.threads:
        _common.limit_threads(args.threads)
    x, y = make_data(args.seed)
    label, (wall, cpu) = BENCHES[name](args, x, y)
    emit_result({"name": name, "label": label, "step": median(wall), "step_cpu": median(cpu),
                 "thread_pools": _common.thread_pools()})


def run_all(args):
    script = os.path.abspath(__file__)
    argv = ["--steps", str(args.steps), "--warmup", str(args.warmup), "--seed", str(args.seed)]
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
    print(f"ConvLSTM2D({FILTERS}, 3x3, same) training step on ({BATCH}, {STEPS}, {SIDE}, {SIDE}, "
          f"1) -> GlobalAveragePooling2D -> Dense({CLASSES}), Adam")
    print(f"machine: {_common.cpu_model()}, {os.cpu_count()} CPUs; threads: "
          f"{args.threads or 'library defaults'}; load average (1 min) before {load_before}, "
          f"after {_common.load_average()}")
    rows, best = [], {}
    for name in args.frameworks:
        good = [r for r in rounds[name] if "label" in r]
        if not good:
            r = rounds[name][0]
            print(f"{'skipped' if 'skipped' in r else 'FAILED'} {name}: "
                  f"{r.get('skipped') or r.get('error')}")
            continue
        best[name] = min(good, key=lambda r: r["step"])
        rows.append([best[name]["label"], f"{best[name]['step'] * 1e3:.1f}",
                     f"{best[name]['step_cpu'] * 1e3:.1f}",
                     ", ".join(f"{r['step'] * 1e3:.1f}" for r in good)])
    print(_common.format_table(["framework", "step ms", "step cpu ms", "ms per round"], rows))
    print(f"(median of {args.steps} steps after {args.warmup} warm-up steps; best of "
          f"{args.rounds} interleaved round(s))")
    ours = best.get("minikeras")
    for other, label in (("keras", "Keras 3"), ("torch", "PyTorch")):
        if ours and other in best:
            print(f"minikeras / {label}: wall {ours['step'] / best[other]['step']:.2f}x, "
                  f"CPU {ours['step_cpu'] / best[other]['step_cpu']:.2f}x")


def profile_minikeras(args):
    import cProfile
    import pstats

    import minikeras
    minikeras.utils.set_random_seed(args.seed)
    x, y = make_data(args.seed)
    model = build_keras_like(minikeras, minikeras.layers.Input)
    for _ in range(args.warmup):
        model.train_on_batch(x, y)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for _ in range(args.steps):
        model.train_on_batch(x, y)
    profiler.disable()
    print(f"{(time.perf_counter() - start) / args.steps * 1e3:.1f} ms per step (profiled)")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(args.profile_top)
    stats.sort_stats("cumulative").print_stats(args.profile_top)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5, help="timed steps (default 5)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first (default 2)")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--frameworks", nargs="+", choices=FRAMEWORKS, default=list(FRAMEWORKS))
    parser.add_argument("--profile", action="store_true", help="cProfile minikeras steps only")
    parser.add_argument("--profile-top", type=int, default=25)
    parser.add_argument("--only", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.only:
        run_one(args)
    elif args.profile:
        profile_minikeras(args)
    else:
        run_all(args)


if __name__ == "__main__":
    main()
