"""The classic Keras MNIST MLP, trained with minikeras on the bundled real digits.

    python examples/mnist_mlp.py            # 10 epochs on the 8,000 / 2,000 offline sample
    python examples/mnist_mlp.py --epochs 3
    python examples/mnist_mlp.py --full     # all 70,000 MNIST digits (downloaded once)
    mpirun -n 4 python -m mpi4py examples/mnist_mlp.py --distributed   # 4 processes (MPI)

Dense(512, relu) -> Dropout(0.2) -> Dense(512, relu) -> Dropout(0.2) -> Dense(10, softmax),
Adam, batch size 128, sparse categorical crossentropy. Prints the test accuracy.

The bundled sample (`mnist.load_sample()`, 8,000 / 2,000 real digits) is the offline default:
no network needed. `--full` uses the whole MNIST instead (`mnist.load_data()`: Keras's
mnist.npz, 60,000 / 10,000 digits, downloaded once into ~/.minikeras/datasets/, or
$MINIKERAS_HOME/datasets/).

`--distributed` adds the one line that makes `fit` data-parallel over the processes of an MPI
job (`pip install -e ".[mpi]"`; see docs/distributed.md): each process trains on its share of
every batch of 128 and all of them log the same, global loss and accuracy; only rank 0 prints.
"""
import argparse

import minikeras
from minikeras import layers


def build_model():
    return minikeras.Sequential([
        layers.Input((784,)),
        layers.Dense(512, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(512, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])


def load_data(full=False):
    (x_train, y_train), (x_test, y_test) = (
        minikeras.datasets.mnist.load_data() if full else minikeras.datasets.mnist.load_sample())
    x_train = x_train.reshape(-1, 784).astype("float32") / 255
    x_test = x_test.reshape(-1, 784).astype("float32") / 255
    return (x_train, y_train), (x_test, y_test)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--verbose", type=int, default=1)
    parser.add_argument("--full", action="store_true",
                        help="use the full MNIST (mnist.load_data(), downloaded once) "
                             "instead of the bundled offline sample")
    parser.add_argument("--plot", nargs="?", const="mnist_mlp_history.png", metavar="PNG",
                        help="save the loss and accuracy curves (plot_history; needs "
                             "matplotlib) to PNG, default mnist_mlp_history.png")
    parser.add_argument("--distributed", action="store_true",
                        help="data-parallel training over MPI: run with "
                             "mpirun -n N python -m mpi4py examples/mnist_mlp.py --distributed")
    args = parser.parse_args(argv)

    if args.distributed:
        minikeras.distribution.set_distribution(minikeras.distribution.DataParallel())
    chief = minikeras.distribution.is_chief()  # rank 0 (always, without MPI) prints and saves
    show = print if chief else (lambda *_: None)

    minikeras.utils.set_random_seed(args.seed)
    if args.distributed and not chief:
        minikeras.distribution.barrier()  # let rank 0 download --full first
    (x_train, y_train), (x_test, y_test) = load_data(args.full)
    if args.distributed and chief:
        minikeras.distribution.barrier()
    show(f"{len(x_train)} train samples, {len(x_test)} test samples")

    model = build_model()
    if chief:
        model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              verbose=args.verbose, validation_data=(x_test, y_test))
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    show(f"Test loss: {loss:.4f}")
    show(f"Test accuracy: {accuracy:.4f}")
    if args.plot and chief:
        from minikeras.visualization import plot_history
        plot_history(model.history, to_file=args.plot)
        print(f"Training curves saved to {args.plot}")
    return accuracy


if __name__ == "__main__":
    main()
