"""minikeras.visualization: the summary table (Keras's exact text) and the plots.

Every plot is checked on what it draws (the data of its lines, images and arrows) and on the
picture it saves: the PNG is read back with matplotlib and its pixels looked at. Everything
runs headless: the plots build Figures that belong to no window and never touch pyplot.
"""
import importlib.util
import os
import pathlib
import re

import numpy as np
import pytest

import minikeras
from minikeras import Input, Model, Sequential, layers
from minikeras import visualization
from tests.paths import ROOT


try:
    import matplotlib  # noqa: F401
    HAVE_MATPLOTLIB = True
except ImportError:
    HAVE_MATPLOTLIB = False
needs_matplotlib = pytest.mark.skipif(not HAVE_MATPLOTLIB, reason="matplotlib is not installed")


def summary_calls(model, **kwargs):
    calls = []
    model.summary(print_fn=calls.append, **kwargs)
    return calls


def small_sequential():
    return Sequential([Input((4,)), layers.Dense(3, name="d"), layers.Dropout(0.1, name="drop")],
                      name="s")


def deep_nesting():
    inner_in = Input((4,), name="inner_in")
    inner = Model(inner_in, layers.Dense(3, name="inner_dense", activation="relu")(inner_in),
                  name="inner")
    seq = Sequential([Input((3,), name="seq_in"), layers.Dense(2, name="seq_dense"),
                      layers.Dense(2, name="seq_dense2")], name="seq")
    a = Input((4,), name="outer_in")
    x = inner(a)
    outer = Model(a, layers.Add(name="total")([seq(x), layers.Dense(2, name="side")(x)]),
                  name="outer")
    d_in = Input((4,), name="d_in")
    deep = Model(d_in, outer(d_in), name="deep")
    return Sequential([Input((4,), name="s_in"), deep, layers.Dense(1, name="head")], name="wrap")


# ------------------------------------------------------------------------------------------------
# summary(): what Keras 3.15.1 prints with COLUMNS=80 (generated with its print_fn)
# ------------------------------------------------------------------------------------------------
KERAS_SEQUENTIAL_SHOW_TRAINABLE = """\
Model: "s"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━┓
┃ Layer (type)                ┃ Output Shape          ┃    Param # ┃ Trai… ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━┩
│ d (Dense)                   │ (None, 3)             │         15 │   Y   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ drop (Dropout)              │ (None, 3)             │          0 │   -   │
└─────────────────────────────┴───────────────────────┴────────────┴───────┘
 Total params: 15 (60.00 B)
 Trainable params: 15 (60.00 B)
 Non-trainable params: 0 (0.00 B)
"""

KERAS_SEQUENTIAL_LINE_LENGTH_50 = """\
Model: "s"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape   ┃ Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━┩
│ d (Dense)           │ (None, 3)      │      15 │
├─────────────────────┼────────────────┼─────────┤
│ drop (Dropout)      │ (None, 3)      │       0 │
└─────────────────────┴────────────────┴─────────┘
 Total params: 15 (60.00 B)
 Trainable params: 15 (60.00 B)
 Non-trainable params: 0 (0.00 B)
"""

KERAS_SEQUENTIAL_POSITIONS = """\
Model: "s"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape        ┃                      Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
│ d (Dense)           │ (None, 3)           │                           15 │
├─────────────────────┼─────────────────────┼──────────────────────────────┤
│ drop (Dropout)      │ (None, 3)           │                            0 │
└─────────────────────┴─────────────────────┴──────────────────────────────┘
 Total params: 15 (60.00 B)
 Trainable params: 15 (60.00 B)
 Non-trainable params: 0 (0.00 B)
"""

KERAS_DEEP_NESTING_EXPANDED = """\
Model: "wrap"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ deep (Functional)               │ (None, 2)              │            37 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│    └ d_in (InputLayer)          │ (None, 4)              │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│    └ outer (Functional)         │ (None, 2)              │            37 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│       └ outer_in (InputLayer)   │ (None, 4)              │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│       └ inner (Functional)      │ (None, 3)              │            15 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│          └ inner_in             │ (None, 4)              │             0 │
│ (InputLayer)                    │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│          └ inner_dense (Dense)  │ (None, 3)              │            15 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│       └ seq (Sequential)        │ (None, 2)              │            14 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│          └ seq_dense (Dense)    │ (None, 2)              │             8 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│          └ seq_dense2 (Dense)   │ (None, 2)              │             6 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│       └ side (Dense)            │ (None, 2)              │             8 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│       └ total (Add)             │ (None, 2)              │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ head (Dense)                    │ (None, 1)              │             3 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 40 (160.00 B)
 Trainable params: 40 (160.00 B)
 Non-trainable params: 0 (0.00 B)
"""

KERAS_DEEP_NESTING_LAYER_RANGE_60 = """\
Model: "wrap"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┓
┃ Layer (type)             ┃ Output Shape      ┃   Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━┩
│ deep (Functional)        │ (None, 2)         │        37 │
├──────────────────────────┼───────────────────┼───────────┤
│    └ d_in (InputLayer)   │ (None, 4)         │         0 │
├──────────────────────────┼───────────────────┼───────────┤
│    └ outer (Functional)  │ (None, 2)         │        37 │
├──────────────────────────┼───────────────────┼───────────┤
│       └ outer_in         │ (None, 4)         │         0 │
│ (InputLayer)             │                   │           │
├──────────────────────────┼───────────────────┼───────────┤
│       └ inner            │ (None, 3)         │        15 │
│ (Functional)             │                   │           │
├──────────────────────────┼───────────────────┼───────────┤
│          └ inner_in      │ (None, 4)         │         0 │
│ (InputLayer)             │                   │           │
├──────────────────────────┼───────────────────┼───────────┤
│          └ inner_dense   │ (None, 3)         │        15 │
│ (Dense)                  │                   │           │
├──────────────────────────┼───────────────────┼───────────┤
│       └ seq (Sequential) │ (None, 2)         │        14 │
├──────────────────────────┼───────────────────┼───────────┤
│          └ seq_dense     │ (None, 2)         │         8 │
│ (Dense)                  │                   │           │
├──────────────────────────┼───────────────────┼───────────┤
│          └ seq_dense2    │ (None, 2)         │         6 │
│ (Dense)                  │                   │           │
├──────────────────────────┼───────────────────┼───────────┤
│       └ side (Dense)     │ (None, 2)         │         8 │
├──────────────────────────┼───────────────────┼───────────┤
│       └ total (Add)      │ (None, 2)         │         0 │
└──────────────────────────┴───────────────────┴───────────┘
 Total params: 40 (160.00 B)
 Trainable params: 40 (160.00 B)
 Non-trainable params: 0 (0.00 B)
"""


def test_print_fn_receives_the_whole_summary_once_like_keras():
    calls = summary_calls(small_sequential())
    assert len(calls) == 1 and calls[0].endswith("\n")
    assert calls[0].splitlines()[0] == 'Model: "s"'


def test_summary_without_print_fn_goes_to_stdout(capsys):
    small_sequential().summary()
    out = capsys.readouterr().out
    assert out == summary_calls(small_sequential())[0]


@pytest.mark.parametrize("kwargs, expected", [
    (dict(show_trainable=True), KERAS_SEQUENTIAL_SHOW_TRAINABLE),
    (dict(line_length=50), KERAS_SEQUENTIAL_LINE_LENGTH_50),
    (dict(positions=[0.3, 0.6, 1.0]), KERAS_SEQUENTIAL_POSITIONS),
])
def test_column_widths_follow_keras(kwargs, expected):
    assert summary_calls(small_sequential(), **kwargs) == [expected]


def test_expand_nested_indents_every_level_like_keras():
    assert summary_calls(deep_nesting(), expand_nested=True) == [KERAS_DEEP_NESTING_EXPANDED]


def test_layer_range_keeps_the_nested_rows_of_the_layers_in_range():
    assert summary_calls(deep_nesting(), expand_nested=True, layer_range=["deep", "deep"],
                         line_length=60) == [KERAS_DEEP_NESTING_LAYER_RANGE_60]
    with pytest.raises(ValueError, match="do not match"):
        deep_nesting().summary(layer_range=["nope", "head"])


def test_summary_errors_like_keras():
    with pytest.raises(ValueError, match="Insufficient console width"):
        small_sequential().summary(line_length=10)


# ------------------------------------------------------------------------------------------------
# helpers for pictures
# ------------------------------------------------------------------------------------------------
def saved(figure, path):
    """Save `figure` as PNG at 100 dpi and read the pixels back (RGB floats in [0, 1])."""
    import matplotlib.image
    figure.savefig(path, dpi=100)
    assert os.path.getsize(path) > 1000
    return matplotlib.image.imread(str(path))[..., :3]


def color_mask(image, rgb, tolerance=0.08):
    return np.all(np.abs(image - np.asarray(rgb)) < tolerance, axis=-1)


BLUE, ORANGE = (0.122, 0.467, 0.706), (1.0, 0.498, 0.055)  # matplotlib's C0 and C1


def pixel_of(figure, ax, x, y, image):
    """The pixel (row, column) of data point (x, y) in a figure saved at 100 dpi."""
    px, py = ax.transData.transform((x, y))
    scale = 100 / figure.dpi
    return int(round(image.shape[0] - py * scale)), int(round(px * scale))


# ------------------------------------------------------------------------------------------------
# plot_history
# ------------------------------------------------------------------------------------------------
@needs_matplotlib
def test_plot_history_two_curves(tmp_path):
    history = {"loss": [1.0, 0.6, 0.4, 0.3], "val_loss": [1.2, 0.9, 0.8, 0.75]}
    figure = visualization.plot_history(history, to_file=tmp_path / "h.png")
    assert (tmp_path / "h.png").stat().st_size > 1000
    assert figure.canvas.manager is None  # not a pyplot figure: nothing to close, no window
    (ax,) = figure.axes
    lines = ax.get_lines()
    assert len(lines) == 2
    np.testing.assert_allclose(lines[0].get_ydata(), history["loss"])
    np.testing.assert_allclose(lines[1].get_ydata(), history["val_loss"])
    np.testing.assert_allclose(lines[0].get_xdata(), [1, 2, 3, 4])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training", "validation"]
    assert ax.get_title() == "loss" and ax.get_xlabel() == "epoch"
    # In the picture the validation curve (orange) lies above the training curve (blue), and
    # both go down from left to right.
    image = saved(figure, tmp_path / "h100.png")
    blue, orange = color_mask(image, BLUE), color_mask(image, ORANGE)
    assert blue.sum() > 100 and orange.sum() > 100
    assert np.nonzero(orange)[0].mean() < np.nonzero(blue)[0].mean()
    rows, cols = np.nonzero(blue)
    left, right = cols < np.median(cols), cols > np.median(cols)
    assert rows[left].mean() < rows[right].mean()


@needs_matplotlib
def test_plot_history_of_fit_with_metrics_and_selection(tmp_path):
    minikeras.utils.set_random_seed(0)
    model = Sequential([Input((3,)), layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    history = model.fit(rng.normal(size=(32, 3)), rng.integers(0, 2, 32), epochs=3, verbose=0,
                        validation_split=0.25)
    figure = visualization.plot_history(history)
    assert [ax.get_title() for ax in figure.axes] == ["loss", "accuracy"]
    for ax, name in zip(figure.axes, ["loss", "accuracy"]):
        train, val = ax.get_lines()
        np.testing.assert_allclose(train.get_ydata(), history.history[name])
        np.testing.assert_allclose(val.get_ydata(), history.history["val_" + name])
        np.testing.assert_allclose(train.get_xdata(), np.array(history.epoch) + 1)
    only = visualization.plot_history(history.history, metrics=["accuracy"])
    assert [ax.get_title() for ax in only.axes] == ["accuracy"]
    assert len(visualization.plot_history(history, metrics="val_loss").axes[0].get_lines()) == 1
    with pytest.raises(ValueError, match="auc"):
        visualization.plot_history(history, metrics=["auc"])
    with pytest.raises(ValueError, match="empty"):
        visualization.plot_history({})


@needs_matplotlib
def test_plot_history_one_row_per_output(tmp_path):
    x = Input((3,), name="x")
    h = layers.Dense(4, activation="relu")(x)
    model = Model(x, [layers.Dense(2, activation="softmax", name="digit")(h),
                      layers.Dense(1, name="ink")(h)])
    model.compile("adam", {"digit": "sparse_categorical_crossentropy", "ink": "mse"},
                  metrics={"digit": ["accuracy"], "ink": ["mae"]})
    rng = np.random.default_rng(1)
    history = model.fit(rng.normal(size=(16, 3)), {"digit": rng.integers(0, 2, 16),
                                                    "ink": rng.normal(size=(16, 1))},
                        epochs=2, verbose=0, validation_split=0.25)
    figure = visualization.plot_history(history, to_file=tmp_path / "multi.png")
    titles = [ax.get_title() for ax in figure.axes]
    assert titles == ["loss", "digit_loss", "digit_accuracy", "ink_loss", "ink_mae"]
    rows = {ax.get_title(): ax.get_subplotspec().rowspan.start for ax in figure.axes}
    assert rows == {"loss": 0, "digit_loss": 1, "digit_accuracy": 1, "ink_loss": 2, "ink_mae": 2}
    for ax in figure.axes:
        assert len(ax.get_lines()) == 2
        np.testing.assert_allclose(ax.get_lines()[1].get_ydata(),
                                   history.history["val_" + ax.get_title()])


# ------------------------------------------------------------------------------------------------
# The course's pictures
# ------------------------------------------------------------------------------------------------
@needs_matplotlib
def test_plot_activations_draws_each_function_and_its_autodiff_derivative(tmp_path):
    figure = visualization.plot_activations(["step", "sigmoid", "tanh", "relu"],
                                            to_file=tmp_path / "a.png")
    assert [ax.get_title() for ax in figure.axes] == ["step", "sigmoid", "tanh", "relu"]
    x = figure.axes[0].get_lines()[0].get_xdata()
    assert len(x) == 401 and x[0] == -5 and x[-1] == 5
    expected = {
        "step": ((x > 0).astype(float), np.zeros_like(x)),
        "sigmoid": (1 / (1 + np.exp(-x)), np.exp(-x) / (1 + np.exp(-x)) ** 2),
        "tanh": (np.tanh(x), 1 - np.tanh(x) ** 2),
        "relu": (np.maximum(x, 0), (x > 0).astype(float)),
    }
    for ax in figure.axes:
        function, derivative = ax.get_lines()
        value, slope = expected[ax.get_title()]
        np.testing.assert_allclose(function.get_ydata(), value, atol=1e-6)
        mask = x != 0  # the kink of step and relu
        np.testing.assert_allclose(derivative.get_ydata()[mask], slope[mask], atol=1e-6)
        assert derivative.get_linestyle() == "--"
    image = saved(figure, tmp_path / "a100.png")
    assert image.shape[1] > 2 * image.shape[0]  # four panels side by side
    assert color_mask(image, (0.839, 0.153, 0.157)).sum() > 100  # the red dashed derivatives


@needs_matplotlib
def test_plot_activations_takes_callables_and_refuses_softmax():
    figure = visualization.plot_activations(lambda t: t * t, x=np.array([-1.0, 0.5, 2.0]))
    function, derivative = figure.axes[0].get_lines()
    np.testing.assert_allclose(derivative.get_ydata(), [-2.0, 1.0, 4.0])
    figure = visualization.plot_activations("gelu", derivatives=False)
    assert len(figure.axes[0].get_lines()) == 1
    with pytest.raises(ValueError, match="elementwise"):
        visualization.plot_activations(["softmax"])


@needs_matplotlib
def test_plot_tangent_line_touches_the_curve_with_the_numerical_slope(tmp_path):
    def f(x):
        return 0.01 * x ** 2 + 0.1 * x

    x = np.arange(0, 20, 0.1)
    figure = visualization.plot_tangent_line(f, 5.0, x=x, to_file=tmp_path / "t.png")
    (ax,) = figure.axes
    curve, tangent = ax.get_lines()
    np.testing.assert_allclose(curve.get_ydata(), f(x))
    np.testing.assert_allclose(tangent.get_ydata(), f(5.0) + 0.2 * (x - 5.0), atol=1e-8)
    assert ax.get_title() == "f'(5) = 0.2"
    # a function of one number only (no arrays) works too
    figure = visualization.plot_tangent_line(lambda v: float(max(v, 0.0)) ** 2, 1.0)
    np.testing.assert_allclose(figure.axes[0].get_lines()[1].get_ydata()[-1], 1 + 2 * 5.0)


@needs_matplotlib
def test_plot_gradient_field_arrows_are_minus_the_numerical_gradient(tmp_path):
    def f(p):
        return (p[0] - 1) ** 2 + 3 * (p[1] + 0.5) ** 2

    figure = visualization.plot_gradient_field(f, xlim=(-2, 2), ylim=(-2, 2), num=9,
                                               to_file=tmp_path / "g.png")
    (ax,) = figure.axes
    (quiver,) = [c for c in ax.collections if type(c).__name__ == "Quiver"]
    X, Y = np.meshgrid(np.linspace(-2, 2, 9), np.linspace(-2, 2, 9))
    np.testing.assert_allclose(quiver.X, X.ravel())
    np.testing.assert_allclose(quiver.U, -2 * (X - 1).ravel(), atol=1e-6)
    np.testing.assert_allclose(quiver.V, -6 * (Y + 0.5).ravel(), atol=1e-6)
    # every arrow points towards the minimum at (1, -0.5)
    assert np.all(quiver.U * (X - 1).ravel() + quiver.V * (Y + 0.5).ravel() <= 1e-9)
    plain = visualization.plot_gradient_field(lambda p: np.sum(p ** 2), num=5, contour=False)
    assert [type(c).__name__ for c in plain.axes[0].collections] == ["Quiver"]
    image = saved(figure, tmp_path / "g100.png")
    assert abs(image.shape[0] - image.shape[1]) < 0.2 * image.shape[1]


# ------------------------------------------------------------------------------------------------
# Weights, feature maps, confusion matrix
# ------------------------------------------------------------------------------------------------
@needs_matplotlib
def test_plot_weights_of_a_dense_layer_is_its_kernel_red_positive_blue_negative(tmp_path):
    dense = layers.Dense(6)
    dense.build((None, 8))
    kernel = np.zeros((8, 6), "float32")
    kernel[:, :3], kernel[:, 3:] = 1.0, -1.0
    dense.kernel.assign(kernel)
    figure = visualization.plot_weights(dense, to_file=tmp_path / "w.png")
    image_artist = figure.axes[0].images[0]
    np.testing.assert_array_equal(image_artist.get_array(), kernel)
    assert len(figure.axes) == 2  # the heat map and its colour bar
    image = saved(figure, tmp_path / "w100.png")
    ax = figure.axes[0]
    red_row, red_col = pixel_of(figure, ax, 1, 4, image)  # column 1 (kernel +1)
    blue_row, blue_col = pixel_of(figure, ax, 4, 4, image)  # column 4 (kernel -1)
    red, blue = image[red_row, red_col], image[blue_row, blue_col]
    assert red[0] > 0.3 > red[2] and blue[2] > 0.3 > blue[0]


@needs_matplotlib
def test_plot_weights_of_conv2d_is_a_grid_of_filters():
    minikeras.utils.set_random_seed(3)
    conv = layers.Conv2D(5, 3)
    conv.build((None, 10, 10, 1))
    figure = visualization.plot_weights(conv)
    assert len(figure.axes) == 5
    kernel = conv.kernel.numpy()
    for i, ax in enumerate(figure.axes):
        np.testing.assert_allclose(ax.images[0].get_array(), kernel[:, :, 0, i])
    assert len(visualization.plot_weights(conv, max_filters=2).axes) == 2
    rgb = layers.Conv2D(4, 3)
    rgb.build((None, 10, 10, 3))
    figure = visualization.plot_weights(rgb)
    first = figure.axes[0].images[0].get_array()
    assert first.shape == (3, 3, 3) and first.min() == 0 and first.max() == 1
    many = layers.Conv2D(2, 3)
    many.build((None, 10, 10, 4))
    np.testing.assert_allclose(visualization.plot_weights(many).axes[1].images[0].get_array(),
                               many.kernel.numpy()[:, :, :, 1].mean(axis=2), rtol=1e-6)
    np.testing.assert_allclose(
        visualization.plot_weights(many, channel=2).axes[0].images[0].get_array(),
        many.kernel.numpy()[:, :, 2, 0])
    with pytest.raises(ValueError, match="no weight matrix"):
        visualization.plot_weights(layers.Dropout(0.5))


@needs_matplotlib
def test_plot_feature_maps_shows_what_the_layer_computes(tmp_path):
    minikeras.utils.set_random_seed(1)
    model = Sequential([Input((12, 12, 1)), layers.Conv2D(4, 3, activation="relu", name="conv"),
                        layers.Flatten(), layers.Dense(3, name="out")])
    x = np.zeros((2, 12, 12, 1), "float32")
    x[0, 3:9, 3:9, 0] = 1.0  # a bright square
    figure = visualization.plot_feature_maps(model, "conv", x[0], to_file=tmp_path / "f.png")
    assert len(figure.axes) == 4
    expected = Model(model.inputs, model.get_layer("conv").output).predict(x[:1], verbose=0)[0]
    for i, ax in enumerate(figure.axes):
        np.testing.assert_allclose(ax.images[0].get_array(), expected[..., i], rtol=1e-5)
    assert len(visualization.plot_feature_maps(model, "conv", x, max_maps=2).axes) == 2
    dense = visualization.plot_feature_maps(model, "out", x[:1])
    np.testing.assert_allclose(dense.axes[0].images[0].get_array(),
                               model.predict(x[:1], verbose=0), rtol=1e-5)


@needs_matplotlib
def test_plot_confusion_matrix_counts_and_colours(tmp_path):
    y_true = np.array([0, 0, 0, 0, 0, 1, 1, 2, 2, 2])
    y_pred = np.array([0, 0, 0, 0, 1, 1, 2, 2, 2, 0])
    expected = np.array([[4, 1, 0], [0, 1, 1], [1, 0, 2]])
    figure = visualization.plot_confusion_matrix(y_true, y_pred, labels=["a", "b", "c"],
                                                 to_file=tmp_path / "c.png")
    ax = figure.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), expected)
    assert [t.get_text() for t in ax.texts] == [str(v) for v in expected.ravel()]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert ax.get_xlabel() == "Predicted label" and ax.get_ylabel() == "True label"
    # the cell with the most samples is the darkest, an empty cell the lightest
    image = saved(figure, tmp_path / "c100.png")
    darkest = image[pixel_of(figure, ax, 0, 0, image)].mean()
    lightest = image[pixel_of(figure, ax, 2, 0, image)].mean()
    middle = image[pixel_of(figure, ax, 2, 2, image)].mean()
    assert darkest < middle < lightest
    # probabilities and one-hot labels; normalised rows
    probabilities = np.eye(3)[y_pred] * 0.8 + 0.1
    figure = visualization.plot_confusion_matrix(np.eye(3)[y_true], probabilities,
                                                 normalize="true")
    rows = figure.axes[0].images[0].get_array()
    np.testing.assert_allclose(rows, expected / expected.sum(axis=1, keepdims=True))
    assert figure.axes[0].texts[0].get_text() == "0.80"
    np.testing.assert_array_equal(
        visualization.confusion_matrix([0, 1, 1], np.array([[0.2], [0.7], [0.4]])),
        [[1, 0], [1, 1]])
    with pytest.raises(ValueError, match="normalize"):
        visualization.plot_confusion_matrix(y_true, y_pred, normalize="rows")


# ------------------------------------------------------------------------------------------------
# Examples and the docs' figures
# ------------------------------------------------------------------------------------------------
def load_example(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_matplotlib
@pytest.mark.slow
def test_mnist_mlp_example_saves_its_training_curves(tmp_path, capsys):
    path = tmp_path / "curves.png"
    load_example("mnist_mlp").main(["--epochs", "2", "--verbose", "0", "--plot", str(path)])
    assert str(path) in capsys.readouterr().out
    import matplotlib.image
    image = matplotlib.image.imread(str(path))[..., :3]
    assert color_mask(image, BLUE).sum() > 50 and color_mask(image, ORANGE).sum() > 50


def figures_in_the_docs():
    text = (ROOT / "docs" / "visualization.md").read_text(encoding="utf-8")
    return set(re.findall(r"\]\(images/([\w.-]+\.png)\)", text))


@needs_matplotlib
@pytest.mark.slow
def test_make_figures_writes_every_picture_the_docs_show(tmp_path):
    spec = importlib.util.spec_from_file_location("make_figures", ROOT / "docs" / "make_figures.py")
    make_figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_figures)
    written = make_figures.main([str(tmp_path)])
    names = {pathlib.Path(p).name for p in written}
    assert names == {p.name for p in tmp_path.glob("*.png")}
    assert figures_in_the_docs() <= names and len(names) >= 8
    for path in tmp_path.glob("*.png"):
        assert path.stat().st_size > 5000
