"""Draw the pictures of docs/visualization.md, with minikeras itself.

    python docs/make_figures.py              # writes docs/images/*.png
    python docs/make_figures.py /tmp/figs    # or into another folder

The pictures are made by the code they document, so rerun this after changing a plot and
commit the PNGs it writes (they are the only PNGs in the repository that are not ignored).
tests/visualization/test_visualization.py runs it into a temporary folder, to prove that it
works and that it writes every picture the page shows. The model graphs are drawn with
matplotlib (what `plot_model` does on a machine without graphviz), whatever is installed here,
so that the pictures do not depend on the machine that made them. Needs matplotlib; trains three small
models on the bundled MNIST sample (about half a minute on a laptop).
"""
import os
import pathlib
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import minikeras  # noqa: E402
from minikeras import Input, Model, Sequential, layers, visualization  # noqa: E402
from minikeras.visualization.model_visualization import draw_graph, model_to_dot  # noqa: E402

DEFAULT_FOLDER = ROOT / "docs" / "images"


def mnist(n_train=4000):
    (x_train, y_train), (x_test, y_test) = minikeras.datasets.mnist.load_sample()
    x_train = x_train[:n_train].astype("float32") / 255
    x_test = x_test.astype("float32") / 255
    return (x_train, y_train[:n_train]), (x_test, y_test)


def mlp():
    return Sequential([Input((784,)), layers.Dense(128, activation="relu", name="hidden"),
                       layers.Dropout(0.2, name="dropout"),
                       layers.Dense(10, activation="softmax", name="output")], name="mnist_mlp")


def cnn():
    return Sequential([Input((28, 28, 1)), layers.Conv2D(16, 3, activation="relu", name="conv"),
                       layers.MaxPooling2D(2), layers.Flatten(),
                       layers.Dense(10, activation="softmax")], name="mnist_cnn")


def two_heads():
    """The shape of examples/functional_two_heads.py: two inputs, a merge, two outputs."""
    image = Input((784,), name="image")
    hint = Input((1,), name="hint")
    x = layers.Dense(64, activation="relu", name="encoder")(image)
    x = layers.Concatenate(name="merge")([x, hint])
    digit = layers.Dense(10, activation="softmax", name="digit")(x)
    ink = layers.Dense(1, name="ink")(layers.Dense(16, activation="relu", name="ink_hidden")(x))
    return Model([image, hint], [digit, ink], name="two_heads")


def nested():
    encoder = Sequential([Input((784,), name="pixels"), layers.Dense(64, activation="relu",
                                                                     name="hidden"),
                          layers.Dense(16, activation="relu", name="code")], name="encoder")
    left, right = Input((784,), name="left"), Input((784,), name="right")
    distance = layers.Subtract(name="difference")([encoder(left), encoder(right)])
    same = layers.Dense(1, activation="sigmoid", name="same")(distance)
    return Model([left, right], same, name="siamese")


def save_graph(model, path, **options):
    """What plot_model draws without graphviz (forced here, whatever is installed)."""
    figure = draw_graph(model_to_dot(model, **options), rankdir=options.get("rankdir", "TB"))
    figure.savefig(path, dpi=72, facecolor="white")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    folder = pathlib.Path(argv[0]) if argv else DEFAULT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    minikeras.utils.clear_session()
    minikeras.utils.set_random_seed(1337)
    written = []

    def out(name):
        path = folder / name
        written.append(str(path))
        return path

    # The course's pictures.
    visualization.plot_activations(["step", "sigmoid", "tanh", "relu", "elu", "gelu",
                                    "softplus", "silu"], to_file=out("activations.png"))
    visualization.plot_tangent_line(lambda x: 0.01 * x ** 2 + 0.1 * x, 5.0,
                                    x=np.arange(0, 20, 0.1), to_file=out("tangent_line.png"))
    visualization.plot_gradient_field(lambda p: p[0] ** 2 + p[1] ** 2,
                                      to_file=out("gradient_field.png"))

    # Model graphs.
    save_graph(mlp(), out("model_sequential.png"), show_shapes=True)
    save_graph(two_heads(), out("model_functional.png"), show_shapes=True,
               show_layer_names=True, show_layer_activations=True)
    save_graph(nested(), out("model_nested.png"), show_layer_names=True, expand_nested=True)
    save_graph(mlp(), out("model_left_to_right.png"), rankdir="LR")

    # A trained MLP: its curves and its mistakes.
    (x_train, y_train), (x_test, y_test) = mnist()
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train.reshape(-1, 784), y_train, epochs=8, batch_size=128,
                        validation_split=0.2, verbose=0)
    visualization.plot_history(history, to_file=out("history.png"))
    probabilities = model.predict(x_test.reshape(-1, 784), verbose=0)
    visualization.plot_confusion_matrix(y_test, probabilities,
                                        to_file=out("confusion_matrix.png"))
    visualization.plot_weights(model.layers[-1], to_file=out("weights_dense.png"))

    # A small convnet: its filters and what they see.
    convnet = cnn()
    convnet.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
    convnet.fit(x_train[..., None], y_train, epochs=2, batch_size=128, verbose=0)
    visualization.plot_weights(convnet.get_layer("conv"), to_file=out("weights_conv.png"))
    visualization.plot_feature_maps(convnet, "conv", x_test[0][..., None],
                                    to_file=out("feature_maps.png"))
    for path in written:
        print(os.path.relpath(path))
    return written


if __name__ == "__main__":
    main()
