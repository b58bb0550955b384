"""Property-based tests: damaged `.keras`, `.h5` and `.weights.h5` files.

Random byte changes and truncations of small saved files must end in a clear error (a
ValueError, or a TypeError from a config whose values were changed into ones the layer refuses)
or in a load that gives a model of the saved shapes; never a crash of another kind, never more
memory than the file could justify, and nothing written next to the file or in the working
folder. The example counts come from the hypothesis profile of tests/conftest.py ("ci": few
and derandomized; `HYPOTHESIS_PROFILE=thorough` for a local hunt).
"""
import contextlib
import functools
import gc
import os
import tempfile
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, strategies as st

import minikeras
from minikeras import layers
from minikeras.models import Model, load_model

#: what loading a damaged file may allocate (a load of the intact file peaks near 2 MiB)
_MEMORY_LIMIT = 48 << 20
_FORMATS = ("keras", "h5", "weights.h5")


def _model():
    inputs = layers.Input((4,))
    hidden = layers.BatchNormalization(name="bn")(layers.Dense(3, name="d1")(inputs))
    return Model(inputs, layers.Dense(2, name="d2")(hidden), name="mutated")


@functools.lru_cache(maxsize=None)
def saved_files():
    """{format: bytes of a small compiled model saved in it}."""
    model = _model()
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    model.fit(rng.standard_normal((8, 4)), rng.standard_normal((8, 2)), epochs=1, verbose=0)
    files = {}
    with tempfile.TemporaryDirectory() as folder:
        for fmt in _FORMATS:
            path = os.path.join(folder, f"model.{fmt}")
            if fmt == "weights.h5":
                model.save_weights(path)
            else:
                model.save(path)
            with open(path, "rb") as f:
                files[fmt] = f.read()
    return files


def _load(path, fmt):
    if fmt == "weights.h5":
        model = _model()
        model.load_weights(path)
        return model
    return load_model(path)


def _check_load(data, fmt):
    """Write `data` as a file of format `fmt` in an empty folder, load it from another empty
    working folder, and check the properties of the module docstring. Returns the error the
    load raised, or None."""
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as cwd, \
            contextlib.chdir(cwd):
        path = os.path.join(folder, f"damaged.{fmt}")
        with open(path, "wb") as f:
            f.write(data)
        gc.collect()
        tracemalloc.start()
        try:
            try:
                model = _load(path, fmt)
            except (ValueError, TypeError) as error:
                model, outcome = None, error
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < _MEMORY_LIMIT, f"loading a {len(data)}-byte file took {peak >> 20} MiB"
        assert os.listdir(folder) == ["damaged.h5" if fmt == "h5" else f"damaged.{fmt}"]
        assert os.listdir(cwd) == []
    if model is None:
        return outcome
    reference = _model()
    assert [tuple(w.shape) for w in model.weights] == [tuple(w.shape) for w in reference.weights]
    out = model.predict(np.zeros((2, 4), "float32"), verbose=0)
    assert out.shape == (2, 2)
    return None


@pytest.mark.parametrize("fmt", _FORMATS)
def test_intact_files_load(fmt):
    assert _check_load(saved_files()[fmt], fmt) is None


@pytest.mark.parametrize("fmt", _FORMATS)
@given(data=st.data())
def test_random_byte_changes_give_a_clear_error_or_a_model(fmt, data):
    original = bytearray(saved_files()[fmt])
    changes = data.draw(st.lists(st.tuples(st.integers(0, len(original) - 1),
                                           st.integers(0, 255)), min_size=1, max_size=8))
    for position, value in changes:
        original[position] = value
    _check_load(bytes(original), fmt)


@pytest.mark.parametrize("fmt", _FORMATS)
@given(data=st.data())
def test_truncated_files_give_a_value_error(fmt, data):
    original = saved_files()[fmt]
    length = data.draw(st.integers(0, len(original) - 1))
    error = _check_load(original[:length], fmt)
    assert isinstance(error, ValueError), error
