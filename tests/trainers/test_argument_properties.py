"""Property-based tests (issue 16): random arguments to fit / evaluate / predict and to a few
layer constructors never crash with anything but a ValueError or TypeError that names the
argument. Examples and derandomization come from the hypothesis profile in tests/conftest.py
("ci": few, fixed examples; HYPOTHESIS_PROFILE=thorough for a local hunt)."""
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minikeras as keras
from minikeras import layers

X = np.linspace(0, 1, 18, dtype="float32").reshape(6, 3)
Y = np.array([0, 1, 2, 0, 1, 2])

JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 12),
                 st.floats(-2, 12), st.just(float("nan")), st.text(max_size=3),
                 st.lists(st.integers(0, 3), max_size=2))


def classifier():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(3, activation="softmax")(inputs))
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


MODEL = classifier()  # one model: each example only trains it a step or two


def assert_names(error, *names):
    message = str(error)
    assert isinstance(error, (ValueError, TypeError)), repr(error)
    assert any(name in message for name in names), (names, message)


# -- fit / evaluate / predict: one plain argument at a time --------------------------------
FIT_ARGUMENTS = {
    "batch_size": JUNK,
    "epochs": JUNK,
    "initial_epoch": JUNK,
    "validation_split": JUNK,
    "steps_per_epoch": JUNK,
    "shuffle": st.one_of(JUNK, st.sampled_from(["batch", "yes", "Batch"])),
    "class_weight": st.one_of(JUNK, st.dictionaries(
        st.one_of(st.integers(-3, 5), st.floats(-1, 4), st.text(max_size=2)),
        st.one_of(st.floats(0, 5), st.text(max_size=2), st.none()), max_size=3)),
    "sample_weight": st.one_of(JUNK, st.integers(0, 8).map(lambda n: np.ones(n, "float32"))),
}


@given(name=st.sampled_from(sorted(FIT_ARGUMENTS)), data=st.data())
def test_fit_with_one_random_argument(name, data):
    value = data.draw(FIT_ARGUMENTS[name], label=name)
    kwargs = {name: value}
    if name == "initial_epoch":
        kwargs["epochs"] = 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            MODEL.fit(X, Y, verbose=0, **kwargs)
    except Exception as error:  # noqa: BLE001 - the property is about every exception
        assert_names(error, name, "Data cardinality", "validation_split")


@given(method=st.sampled_from(["evaluate", "predict"]),
       name=st.sampled_from(["batch_size", "steps"]), value=JUNK)
def test_evaluate_and_predict_with_one_random_argument(method, name, value):
    args = (X, Y) if method == "evaluate" else (X,)
    try:
        getattr(MODEL, method)(*args, verbose=0, **{name: value})
    except Exception as error:  # noqa: BLE001
        assert_names(error, name)


DTYPES = st.sampled_from(["float32", "float64", "int32", "int64", "bool", "U1", "object"])


@given(rows=st.integers(0, 4), features=st.integers(0, 4), x_dtype=DTYPES,
       y_rows=st.integers(0, 4), y_dtype=DTYPES, y_rank=st.integers(0, 2))
def test_fit_with_random_array_shapes_and_dtypes(rows, features, x_dtype, y_rows, y_dtype,
                                                 y_rank):
    x = np.zeros((rows, features)).astype(x_dtype)
    y = np.zeros((y_rows,) + (1,) * (y_rank - 1) if y_rank else ()).astype(y_dtype)
    try:
        MODEL.fit(x, y, verbose=0)
    except Exception as error:  # noqa: BLE001
        assert_names(error, "`x`", "`y`", "x:", "dtype", "y_true", "cardinality", "Input",
                     "input", "shape")


@given(x=st.one_of(JUNK, st.lists(st.lists(st.floats(-1, 1, width=32), max_size=4),
                                  max_size=4)))
def test_predict_with_python_values(x):
    try:
        MODEL.predict(x, verbose=0)
    except Exception as error:  # noqa: BLE001
        assert_names(error, "`x`", "x ", "input", "Input", "shape")


# -- layer constructors ---------------------------------------------------------------------
LAYERS = {
    "Dense": (lambda d: layers.Dense(d.draw(JUNK, "units"),
                                     activation=d.draw(st.one_of(
                                         st.sampled_from(["relu", "softmax", "linear", None]),
                                         JUNK), "activation")),
              (2, 3), ("units", "activation")),
    "Conv2D": (lambda d: layers.Conv2D(d.draw(JUNK, "filters"),
                                       d.draw(st.one_of(JUNK, st.tuples(st.integers(-1, 4),
                                                                        st.integers(-1, 4))),
                                              "kernel_size"),
                                       strides=d.draw(st.one_of(st.integers(-1, 3), JUNK),
                                                      "strides"),
                                       padding=d.draw(st.one_of(
                                           st.sampled_from(["valid", "same", "SAME", "full"]),
                                           JUNK), "padding")),
               (1, 4, 4, 2), ("filters", "kernel_size", "strides", "padding")),
    "Dropout": (lambda d: layers.Dropout(d.draw(JUNK, "rate")), (2, 3), ("rate",)),
    "Embedding": (lambda d: layers.Embedding(d.draw(JUNK, "input_dim"),
                                             d.draw(JUNK, "output_dim")),
                  (2, 3), ("input_dim", "output_dim")),
    "Reshape": (lambda d: layers.Reshape(d.draw(st.one_of(
        JUNK, st.lists(st.integers(-2, 6), max_size=3).map(tuple)), "target_shape")),
        (2, 6), ("target_shape",)),
}


@pytest.mark.parametrize("layer_name", sorted(LAYERS))
@given(data=st.data())
def test_layer_constructor_with_random_arguments(layer_name, data):
    make, input_shape, names = LAYERS[layer_name]
    try:
        layer = make(data)
        inputs = np.ones(input_shape, "int32" if layer_name == "Embedding" else "float32")
        outputs = layer(inputs, training=True) if layer_name == "Dropout" else layer(inputs)
        assert np.all(np.isfinite(np.asarray(getattr(outputs, "data", outputs))))
    except Exception as error:  # noqa: BLE001
        assert_names(error, *names)
