"""The classic Keras MNIST convnet on the CPU: minikeras vs Keras 3 (torch backend) vs PyTorch.

    cd /path/to/repo
    KERAS_BACKEND=torch PYTHONPATH=. /path/to/refvenv/bin/python benchmarks/cnn.py
    python benchmarks/cnn.py --threads 1          # every framework on one core
    python benchmarks/cnn.py --profile            # where a minikeras epoch goes

Model (examples/mnist_cnn.py): Input(28, 28, 1) -> Conv2D(32, 3, relu) -> MaxPooling2D(2)
-> Conv2D(64, 3, relu) -> MaxPooling2D(2) -> Flatten -> Dropout(0.5) -> Dense(10, softmax);
Adam (Keras defaults); sparse categorical crossentropy; accuracy; batch size 128; data:
minikeras.datasets.mnist.load_sample() (8,000 train / 2,000 test digits).

Measured as in mlp.py (see benchmarks/_harness.py): seconds per epoch of fit(verbose=0), median
of epochs 2..N, and predict time on the 2,000 test digits at batch 128 and 32 (inference
throughput = 2,000 / predict s). The PyTorch column is the same network in NCHW layout.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _common  # noqa: E402
import _harness  # noqa: E402


def load_images():
    """The bundled sample as (n, 28, 28, 1) float32 images in [0, 1] and integer labels."""
    (x_train, y_train), (x_test, y_test) = _common.load_mnist_flat()
    return (x_train.reshape(-1, 28, 28, 1), y_train), (x_test.reshape(-1, 28, 28, 1), y_test)


def _convnet(module, input_layer):
    layers = module.layers
    return module.Sequential([
        input_layer((28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])


def build_torch(torch):
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5),
        nn.Linear(64 * 5 * 5, 10),  # softmax is fused into the loss (train) and applied in predict
    )


WORKLOAD = _harness.Workload(
    title="MNIST convnet benchmark: conv32-pool-conv64-pool-dropout-dense10, Adam, "
          "8,000 train / 2,000 test digits",
    load_data=load_images,
    build_minikeras=lambda minikeras: _convnet(minikeras, minikeras.layers.Input),
    build_keras=lambda keras: _convnet(keras, keras.Input),
    build_torch=build_torch,
    torch_inputs=lambda torch, x: torch.from_numpy(x.transpose(0, 3, 1, 2).copy()),
    targets={"epoch": 1.0})


def profile_minikeras(args):
    """cProfile of two epochs of minikeras fit: which kernels (im2col, GEMM, col2im, pooling)
    take the time."""
    import cProfile
    import pstats

    import minikeras

    if args.threads:
        _common.limit_threads(args.threads)
    (x_train, y_train), _ = load_images()
    minikeras.utils.set_random_seed(args.seed)
    model = WORKLOAD.build_minikeras(minikeras)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=1, verbose=0)  # warm-up
    profiler = cProfile.Profile()
    profiler.enable()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=2, verbose=0)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(args.profile_top)


def main(argv=None):
    parser = _harness.argument_parser(__doc__.splitlines()[0], default_epochs=4)
    parser.add_argument("--profile", action="store_true",
                        help="profile minikeras only (cProfile of two epochs)")
    parser.add_argument("--profile-top", type=int, default=25)
    args = parser.parse_args(argv)
    _harness.main(WORKLOAD, os.path.abspath(__file__), parser, args,
                  profile=profile_minikeras if args.profile else None)


if __name__ == "__main__":
    main()
