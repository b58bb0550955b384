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
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _common  # noqa: E402
import _harness  # noqa: E402
from _common import epoch_timer, median, repeat_timed, steady_epoch_time  # noqa: E402


def build_minikeras(minikeras):
    layers = minikeras.layers
    return minikeras.Sequential([
        layers.Input((784,)),
        layers.Dense(512, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(512, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])


def build_keras(keras):
    layers = keras.layers
    return keras.Sequential([
        keras.Input((784,)),
        layers.Dense(512, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(512, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])


def build_torch(torch):
    nn = torch.nn
    return nn.Sequential(
        nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(512, 10),  # softmax is fused into the loss (train) and applied in predict
    )


WORKLOAD = _harness.Workload(
    title="MNIST MLP benchmark: 784-512-512-10 (dropout 0.2), Adam, 8,000 train / 2,000 test digits",
    load_data=_common.load_mnist_flat, build_minikeras=build_minikeras, build_keras=build_keras,
    build_torch=build_torch, targets={"epoch": 0.8, "predict": 0.7})


# -- profile: where does a minikeras step go? ---------------------------------------------
def profile_minikeras(args):
    """Per-phase time of a training step, a pure-NumPy floor for the same math, and cProfile."""
    import cProfile
    import pstats

    import numpy as np

    import minikeras
    from minikeras.backend.autodiff import gradients

    if args.threads:
        _common.limit_threads(args.threads)
    (x_train, y_train), (x_test, _) = _common.load_mnist_flat()
    minikeras.utils.set_random_seed(args.seed)
    model = build_minikeras(minikeras)
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
    parser = _harness.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true",
                        help="profile minikeras only (step phases, NumPy floor, cProfile)")
    parser.add_argument("--profile-top", type=int, default=25)
    args = parser.parse_args(argv)
    _harness.main(WORKLOAD, os.path.abspath(__file__), parser, args,
                  profile=profile_minikeras if args.profile else None)


if __name__ == "__main__":
    main()
