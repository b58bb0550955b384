"""backend: numeric settings, the array-module indirection and the seeded generator."""
import types

import numpy as np
import pytest

import minikeras
from minikeras import backend, layers
from minikeras.backend import array_module


def test_keras_defaults():
    assert backend.floatx() == "float32"
    assert backend.epsilon() == 1e-7
    assert backend.image_data_format() == "channels_last"
    assert backend.backend() == "numpy"


def test_setters_validate_and_take_effect():
    backend.set_floatx("float64")
    try:
        assert layers.Dense(2)(np.ones((1, 3))).dtype == np.float64
    finally:
        backend.set_floatx("float32")
    with pytest.raises(ValueError, match="Unknown floatx"):
        backend.set_floatx("float8")
    backend.set_epsilon(1e-5)
    assert backend.epsilon() == 1e-5
    backend.set_epsilon(1e-7)
    with pytest.raises(ValueError, match="data_format"):
        backend.set_image_data_format("channels_middle")


class RecordingNumpy(types.ModuleType):
    """A NumPy-compatible module that remembers which names were looked up through it."""

    def __init__(self):
        super().__init__("recording_numpy")
        self.names = set()

    def __getattr__(self, name):
        self.names.add(name)
        return getattr(np, name)


def test_every_layer_and_optimizer_reaches_numpy_through_the_indirection():
    recorder = RecordingNumpy()
    minikeras.utils.set_random_seed(0)
    model = minikeras.Sequential([layers.Input((4,)), layers.Dense(3, activation="relu"),
                                  layers.Dropout(0.5), layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = np.random.default_rng(0).normal(size=(8, 4)), np.array([0, 1] * 4)
    reference = minikeras.models.Sequential.from_config(model.get_config())
    reference.set_weights(model.get_weights())
    reference.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    array_module.set_array_module(recorder)
    try:
        minikeras.utils.set_random_seed(1)
        logs = model.train_on_batch(x, y, return_dict=True)
    finally:
        array_module.set_array_module(np)
    minikeras.utils.set_random_seed(1)
    expected = reference.train_on_batch(x, y, return_dict=True)

    assert {"matmul", "maximum", "exp", "sqrt"} <= recorder.names
    assert logs == pytest.approx(expected)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_set_array_module_rejects_non_numpy_modules():
    with pytest.raises(TypeError, match="not NumPy-compatible"):
        array_module.set_array_module(types.ModuleType("empty"))


def test_set_random_seed_makes_init_and_dropout_reproducible():
    def run():
        minikeras.utils.set_random_seed(123)
        layer = layers.Dense(4)
        layer.build((None, 3))
        mask = layers.Dropout(0.5)(np.ones((2, 6)), training=True).numpy()
        return layer.kernel.numpy(), mask

    (k1, m1), (k2, m2) = run(), run()
    np.testing.assert_array_equal(k1, k2)
    np.testing.assert_array_equal(m1, m2)
    with pytest.raises(ValueError, match="integer seed"):
        minikeras.utils.set_random_seed("abc")


def test_over_batch_covers_the_batch_once_in_chunks_on_several_threads(monkeypatch):
    from minikeras.backend import parallel
    monkeypatch.setattr(parallel, "MIN_PARALLEL_SIZE", 0)
    monkeypatch.setattr(parallel, "CHUNK_SIZE", 10)
    calls = []
    parallel.over_batch(lambda start, stop: calls.append((start, stop)), 13, 100)
    assert sorted(calls) == [(13 * i // 10, 13 * (i + 1) // 10) for i in range(10)]
    seen = []

    def fails(start, stop):
        seen.append(start)
        if start == 0:
            raise RuntimeError("boom")
    with pytest.raises(RuntimeError, match="boom"):
        parallel.over_batch(fails, 8, 80)


def test_conv_and_pooling_give_the_same_bits_split_over_threads(monkeypatch):
    """The batch-parallel passes (im2col, col2im, bias + ReLU, ReLU mask, pooling) cut into
    small chunks on two threads give exactly the serial results, forward and backward."""
    from minikeras import ops
    from minikeras.backend import Tensor, gradients, parallel
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 10, 10, 2)).astype("float32")
    k1 = rng.standard_normal((3, 3, 2, 5)).astype("float32")
    k2 = rng.standard_normal((3, 3, 5, 6)).astype("float32")
    b1, b2 = rng.standard_normal(5).astype("float32"), rng.standard_normal(6).astype("float32")

    def run():
        tensors = [Tensor(a, requires_grad=True) for a in (x, k1, k2, b1, b2)]
        tx, tk1, tk2, tb1, tb2 = tensors
        h = ops.max_pool(ops.conv(tx, tk1, bias=tb1, relu=True), 2)      # 8x8 -> 4x4, tiled
        h = ops.conv(h, tk2, padding="same", bias=tb2, relu=True)
        y = ops.max_pool(h, 3, strides=2) + ops.average_pool(h, 2, strides=3)  # not tiled
        return [y.data] + gradients(ops.sum(y * y), tensors)
    serial = run()
    monkeypatch.setattr(parallel, "MIN_PARALLEL_SIZE", 0)
    monkeypatch.setattr(parallel, "CHUNK_SIZE", 50)
    monkeypatch.setattr(parallel, "_num_threads", 2)
    split = run()
    for a, b in zip(serial, split):
        np.testing.assert_array_equal(a, b)


def test_over_batch_called_from_inside_a_worker_runs_serially_instead_of_deadlocking(monkeypatch):
    from minikeras.backend import parallel
    monkeypatch.setattr(parallel, "MIN_PARALLEL_SIZE", 0)
    monkeypatch.setattr(parallel, "CHUNK_SIZE", 10)
    monkeypatch.setattr(parallel, "_num_threads", 2)
    inner = []

    def outer(start, stop):
        parallel.over_batch(lambda a, b: inner.append((start + a, start + b)), stop - start, 100)
    parallel.over_batch(outer, 12, 120)
    covered = sorted(i for a, b in inner for i in range(a, b))
    assert covered == list(range(12))
