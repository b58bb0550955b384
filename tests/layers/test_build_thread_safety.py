"""Building is atomic: several threads making the first call on an unbuilt layer or model
build it once (issue 16, item 4: duplicated weights made a model that saved but did not load).

Each race is run many times with the threads lined up on a `threading.Barrier` and a tiny
thread switch interval, so that without the build lock it duplicates weights in most runs.
"""
import sys
import threading

import numpy as np
import pytest

import minikeras as mk
from minikeras import layers

REPEATS = 30
THREADS = 4


@pytest.fixture(autouse=True)
def frequent_thread_switches():
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def run_together(target, threads=THREADS, timeout=20.0):
    """Run `target(i)` in `threads` threads released at once; the exceptions they raised.
    A thread still running after `timeout` seconds (a deadlock) fails the test."""
    barrier = threading.Barrier(threads)
    errors = []

    def work(i):
        barrier.wait()
        try:
            target(i)
        except Exception as error:  # reported to the test below
            errors.append(error)

    workers = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout)
    assert not any(worker.is_alive() for worker in workers), "threads deadlocked while building"
    return errors


def assert_unique_weights(model, expected):
    paths = [w.path for w in model.weights]
    assert len(paths) == expected, paths
    assert len(set(paths)) == expected, paths


class Block(layers.Layer):
    """A layer without a `build` of its own: its sublayers are built by tracing `call`."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = layers.Dense(5, activation="relu")
        self.second = layers.Dense(3)

    def call(self, inputs):
        return self.second(self.first(inputs))


def test_first_call_from_several_threads_builds_a_sequential_once():
    x = np.ones((4, 3), "float32")
    for _ in range(REPEATS):
        model = mk.Sequential([layers.Dense(8, activation="relu"), layers.Dense(8),
                               layers.Dense(1)])
        assert run_together(lambda i: model(x)) == []
        assert_unique_weights(model, 6)


def test_first_call_builds_nested_layers_once_and_gives_the_same_outputs():
    x = np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3)
    for _ in range(REPEATS):
        model = mk.Sequential([Block(), mk.Sequential([layers.Dense(2)])])
        outputs = [None] * THREADS

        def call(i):
            outputs[i] = model(x).numpy()

        assert run_together(call) == []
        assert_unique_weights(model, 6)
        for output in outputs[1:]:
            np.testing.assert_array_equal(output, outputs[0])


def test_parent_and_shared_child_built_at_once_from_different_threads():
    """One thread builds the model while others build its (shared) sublayer directly: the
    locks are always taken parent first, so this neither deadlocks nor builds twice."""
    x = np.ones((2, 3), "float32")
    for _ in range(REPEATS):
        block = Block()
        model = mk.Sequential([block, layers.Dense(1)])

        def call(i):
            (model if i % 2 == 0 else block)(x)

        assert run_together(call) == []
        assert_unique_weights(model, 6)


def test_predict_on_an_unbuilt_model_from_several_threads_builds_it_once():
    x = np.ones((8, 3), "float32")
    for _ in range(REPEATS // 3):
        model = mk.Sequential([layers.Dense(4), layers.Dense(1)])
        assert run_together(lambda i: model.predict(x, verbose=0)) == []
        assert_unique_weights(model, 4)


def test_a_model_built_by_racing_threads_saves_and_loads(tmp_path):
    x = np.ones((4, 3), "float32")
    for repeat in range(5):
        model = mk.Sequential([layers.Dense(8), layers.Dense(1)])
        assert run_together(lambda i: model(x)) == []
        path = tmp_path / f"model_{repeat}.keras"
        model.save(path)
        loaded = mk.models.load_model(path)
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
