"""A GRU forecaster on a synthetic time series: predict the next value from the last 24.

    python examples/sequence_forecast.py            # 8 epochs, a few seconds
    python examples/sequence_forecast.py --plot forecast.png   # needs matplotlib

The series is clearly synthetic (no download): two seasonal sine waves (periods 24 and 7 * 24
steps, like hourly data with a daily and a weekly cycle), a slow trend and Gaussian noise.
Windows of 24 past values (batch, 24, 1) predict the next value. GRU(32) -> Dense(1), mean
squared error, Adam. Prints the test MSE next to two baselines: repeating the last value, and
the value one day (24 steps) earlier.
"""
import argparse

import numpy as np

import minikeras
from minikeras import layers

WINDOW = 24


def make_series(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype="float64")
    series = (np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(2 * np.pi * t / (7 * 24))
              + 0.0003 * t + rng.normal(0, 0.1, n))
    return series.astype("float32")


def make_windows(series, window=WINDOW):
    """x: (n, window, 1) past values; y: (n, 1) the value that follows each window."""
    view = np.lib.stride_tricks.sliding_window_view(series[:-1], window)
    return view[..., None].copy(), series[window:, None].copy()


def build_model():
    return minikeras.Sequential([
        layers.Input((WINDOW, 1)),
        layers.GRU(32),
        layers.Dense(1),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--verbose", type=int, default=1)
    parser.add_argument("--plot", help="save a plot of the test forecast to this file")
    args = parser.parse_args(argv)

    minikeras.utils.set_random_seed(args.seed)
    x, y = make_windows(make_series())
    split = int(len(x) * 0.8)  # the last 20 % of the series is the test period
    (x_train, y_train), (x_test, y_test) = (x[:split], y[:split]), (x[split:], y[split:])

    model = build_model()
    model.compile(optimizer="adam", loss="mse")
    model.fit(x_train, y_train, batch_size=32, epochs=args.epochs, verbose=args.verbose,
              validation_split=0.1)
    mse = model.evaluate(x_test, y_test, verbose=0)
    last_value = float(np.mean((x_test[:, -1] - y_test) ** 2))
    one_day_ago = float(np.mean((x_test[:, 0] - y_test) ** 2))  # 24 steps before the target
    print(f"Test MSE: {mse:.4f}  (repeat the last value: {last_value:.4f}, "
          f"value one day earlier: {one_day_ago:.4f})")
    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        figure, axes = plt.subplots(figsize=(10, 3))
        axes.plot(y_test[:200, 0], label="series")
        axes.plot(model.predict(x_test[:200], verbose=0)[:, 0], label="GRU forecast")
        axes.legend()
        figure.savefig(args.plot, dpi=100, bbox_inches="tight")
        print(f"saved {args.plot}")
    return mse, last_value


if __name__ == "__main__":
    main()
