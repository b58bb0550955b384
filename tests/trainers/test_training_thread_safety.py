"""One thread at a time trains a model (issue 16, item 5: two threads fitting one model left
NaN weights without a word). A second thread's fit / train_on_batch / evaluate / test_on_batch
/ compile on a model that is training raises a RuntimeError at once; so does training another
model with the same optimizer, or `optimizer.apply` entered from two threads. `predict` stays
allowed in any number of threads, and gives the same numbers as in one thread.

The conflicting calls are made while the first thread is held inside `fit` by a callback, so
the overlap is certain and each test takes a fraction of a second.
"""
import copy
import pickle
import sys
import threading

import numpy as np
import pytest

import minikeras as mk
from minikeras import callbacks, layers, optimizers

RUNNING = "is already running in another thread; a model trains in one thread at a time"


def data(samples=32, features=4):
    rng = np.random.default_rng(0)
    return (rng.normal(size=(samples, features)).astype("float32"),
            rng.normal(size=(samples, 1)).astype("float32"))


def small_model(optimizer="adam"):
    model = mk.Sequential([mk.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(1)])
    model.compile(optimizer, "mse", metrics=["mae"])
    return model


class HoldFit(callbacks.Callback):
    """Keeps its fit inside the first batch until `release` is set (10 s at most)."""

    def __init__(self):
        super().__init__()
        self.entered, self.release = threading.Event(), threading.Event()

    def on_train_batch_begin(self, batch, logs=None):
        self.entered.set()
        self.release.wait(10)


class Background:
    """`fit` running in another thread, held inside its first batch."""

    def __init__(self, model, **fit_kwargs):
        x, y = data()
        self.hold, self.errors = HoldFit(), []

        def fit():
            try:
                model.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[self.hold],
                          **fit_kwargs)
            except Exception as error:  # reported by __exit__
                self.errors.append(error)

        self.thread = threading.Thread(target=fit, name="background-fit", daemon=True)

    def __enter__(self):
        self.thread.start()
        assert self.hold.entered.wait(10)
        return self

    def __exit__(self, *exc_info):
        self.hold.release.set()
        self.thread.join(10)
        assert not self.thread.is_alive()
        assert self.errors == []


@pytest.mark.parametrize("method", ["fit", "train_on_batch", "evaluate", "test_on_batch"])
def test_training_calls_from_a_second_thread_raise_at_once(method):
    model = small_model()
    x, y = data()
    before = None
    with Background(model):
        before = [w.numpy().copy() for w in model.weights]
        kwargs = {"verbose": 0} if method in ("fit", "evaluate") else {}
        with pytest.raises(RuntimeError, match=f"model.fit {RUNNING}") as raised:
            getattr(model, method)(x, y, **kwargs)
        assert f"model.{method} on model {model.name!r}" in str(raised.value)
        assert "background-fit" in str(raised.value)
        # the refused call changed nothing
        for weight, value in zip(model.weights, before):
            np.testing.assert_array_equal(weight.numpy(), value)


def test_compile_from_a_second_thread_raises_while_the_model_trains():
    model = small_model()
    optimizer = model.optimizer
    with Background(model):
        with pytest.raises(RuntimeError, match=RUNNING):
            model.compile("sgd", "mae")
    assert model.optimizer is optimizer


def test_predict_runs_while_another_thread_trains():
    model = small_model()
    x, _ = data()
    with Background(model):
        assert model.predict(x, verbose=0).shape == (32, 1)
        assert model.predict_on_batch(x).shape == (32, 1)
        assert model(x).shape == (32, 1)


def test_the_claim_is_released_when_fit_returns_or_raises():
    model = small_model()
    x, y = data()
    with Background(model):
        pass
    # another thread may train now
    thread = threading.Thread(target=lambda: model.fit(x, y, epochs=1, verbose=0))
    thread.start()
    thread.join(10)
    with pytest.raises(ValueError):
        model.fit(x, y[:3], epochs=1, verbose=0)  # fails inside fit
    errors = []
    thread = threading.Thread(target=lambda: errors.append(model.evaluate(x, y, verbose=0)))
    thread.start()
    thread.join(10)
    assert len(errors) == 1 and np.isfinite(errors[0]).all()


def test_the_training_thread_may_reenter_evaluate_and_compile_from_callbacks():
    model = small_model()
    x, y = data()
    seen = {}

    class Reenter(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen["evaluate"] = self.model.evaluate(x, y, verbose=0)
            seen["train_on_batch"] = self.model.train_on_batch(x[:8], y[:8])

    model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y), callbacks=[Reenter()])
    assert np.isfinite(seen["evaluate"]).all() and np.isfinite(seen["train_on_batch"]).all()


def test_two_models_sharing_an_optimizer_cannot_train_at_once():
    optimizer = optimizers.Adam()
    first, second = small_model(optimizer), small_model(optimizer)
    x, y = data()
    with Background(first):
        with pytest.raises(RuntimeError, match="optimizer 'adam.*' of model .* is already "
                                               "updating weights in another thread"):
            second.fit(x, y, epochs=1, verbose=0)
        # a model with an optimizer of its own trains meanwhile
        third = small_model()
        third.fit(x, y, epochs=1, verbose=0)
        assert all(np.isfinite(w.numpy()).all() for w in third.weights)


class HeldAdam(optimizers.Adam):
    """Adam that waits inside its first `update_step` until released."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.entered, self.release = threading.Event(), threading.Event()

    def update_step(self, gradient, variable, learning_rate):
        self.entered.set()
        self.release.wait(10)
        super().update_step(gradient, variable, learning_rate)


@pytest.mark.parametrize("make", [HeldAdam, type("HeldNadam", (HeldAdam, optimizers.Nadam), {})])
def test_optimizer_apply_from_two_threads_raises(make):
    """A custom training loop calling `apply` in two threads: the second call is refused."""
    variable = mk.Variable(np.ones((3,), "float32"))
    optimizer = make()
    optimizer.build([variable])
    gradient = np.full((3,), 0.5, "float32")
    thread = threading.Thread(target=lambda: optimizer.apply([gradient], [variable]),
                              daemon=True)
    thread.start()
    assert optimizer.entered.wait(10)
    try:
        with pytest.raises(RuntimeError, match="`apply` is already running in another thread"):
            optimizer.apply([gradient], [variable])
    finally:
        optimizer.release.set()
        thread.join(10)
    assert int(optimizer.iterations.numpy()) == 1  # only the first call stepped
    optimizer.apply([gradient], [variable])  # and the lock was released
    assert int(optimizer.iterations.numpy()) == 2


def test_an_optimizer_still_pickles_and_deep_copies_after_training():
    model = small_model()
    x, y = data()
    model.fit(x, y, epochs=1, verbose=0)
    for copied in (copy.deepcopy(model.optimizer), pickle.loads(pickle.dumps(model.optimizer))):
        np.testing.assert_array_equal(copied.iterations.numpy(),
                                      model.optimizer.iterations.numpy())
        variable = mk.Variable(np.ones((2,), "float32"))
        fresh = type(copied).from_config(copied.get_config())
        fresh.apply([np.ones((2,), "float32")], [variable])  # a working lock


def test_concurrent_predict_gives_the_same_outputs_as_one_thread():
    """Dropout, BatchNormalization (inference: moving statistics), a convolution (thread-local
    work buffers) and an LSTM: predict shares no scratch state between threads."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(48, 6, 4)).astype("float32")
    y = rng.normal(size=(48, 1)).astype("float32")
    model = mk.Sequential([mk.Input((6, 4)), layers.Conv1D(8, 3, padding="same"),
                           layers.BatchNormalization(), layers.Dropout(0.5),
                           layers.LSTM(5), layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    expected = model.predict(x, batch_size=16, verbose=0)
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(5):
            barrier, results = threading.Barrier(4), [None] * 4

            def predict(i):
                barrier.wait()
                results[i] = model.predict(x, batch_size=16, verbose=0)

            threads = [threading.Thread(target=predict, args=(i,)) for i in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(20)
            for result in results:
                np.testing.assert_array_equal(result, expected)
    finally:
        sys.setswitchinterval(previous)
