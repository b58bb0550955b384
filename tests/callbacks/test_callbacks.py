"""Callback hooks: the exact call sequence Keras 3.15.1 produces, logs keys, params."""
import numpy as np

import minikeras
from minikeras import callbacks, layers

HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
         "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin",
         "on_test_batch_end", "on_predict_begin", "on_predict_end", "on_predict_batch_begin",
         "on_predict_batch_end"]


class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        if name in HOOKS:
            calls = object.__getattribute__(self, "calls")

            def hook(*args):
                logs = args[-1] if args else None
                calls.append((name,) + tuple(args[:-1]) + (sorted(logs or {}),))
            return hook
        return object.__getattribute__(self, name)


def make_model():
    model = minikeras.Sequential([layers.Input((2,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


# Recorded from Keras 3.15.1 (torch backend): fit(batch_size=2, epochs=2) on 4 samples with
# 2 validation samples; then evaluate and predict with batch_size=2 on 4 samples.
KERAS_FIT_SEQUENCE = [
    ("on_train_begin", []), ("on_epoch_begin", 0, []),
    ("on_train_batch_begin", 0, []), ("on_train_batch_end", 0, ["loss", "mae"]),
    ("on_train_batch_begin", 1, []), ("on_train_batch_end", 1, ["loss", "mae"]),
    ("on_test_begin", []), ("on_test_batch_begin", 0, []), ("on_test_batch_end", 0, ["loss", "mae"]),
    ("on_test_end", ["loss", "mae"]), ("on_epoch_end", 0, ["loss", "mae", "val_loss", "val_mae"]),
    ("on_epoch_begin", 1, []),
    ("on_train_batch_begin", 0, []), ("on_train_batch_end", 0, ["loss", "mae"]),
    ("on_train_batch_begin", 1, []), ("on_train_batch_end", 1, ["loss", "mae"]),
    ("on_test_begin", []), ("on_test_batch_begin", 0, []), ("on_test_batch_end", 0, ["loss", "mae"]),
    ("on_test_end", ["loss", "mae"]), ("on_epoch_end", 1, ["loss", "mae", "val_loss", "val_mae"]),
    ("on_train_end", ["loss", "mae", "val_loss", "val_mae"]),
]
KERAS_EVALUATE_SEQUENCE = [
    ("on_test_begin", []), ("on_test_batch_begin", 0, []), ("on_test_batch_end", 0, ["loss", "mae"]),
    ("on_test_batch_begin", 1, []), ("on_test_batch_end", 1, ["loss", "mae"]),
    ("on_test_end", ["loss", "mae"]),
]
KERAS_PREDICT_SEQUENCE = [
    ("on_predict_begin", []), ("on_predict_batch_begin", 0, []),
    ("on_predict_batch_end", 0, ["outputs"]), ("on_predict_batch_begin", 1, []),
    ("on_predict_batch_end", 1, ["outputs"]), ("on_predict_end", []),
]


def test_fit_evaluate_predict_hook_sequences_match_keras():
    model = make_model()
    x, y = np.zeros((4, 2)), np.zeros((4, 1))
    recorder = Recorder()
    model.fit(x, y, batch_size=2, epochs=2, verbose=0, validation_data=(x[:2], y[:2]),
              callbacks=[recorder])
    assert recorder.calls == KERAS_FIT_SEQUENCE
    assert recorder.params == {"verbose": 0, "epochs": 2, "steps": 2}
    assert recorder.model is model

    recorder.calls.clear()
    model.evaluate(x, y, batch_size=2, verbose=0, callbacks=[recorder])
    assert recorder.calls == KERAS_EVALUATE_SEQUENCE
    assert recorder.params == {"verbose": 0, "epochs": 1, "steps": 2}

    recorder.calls.clear()
    model.predict(x, batch_size=2, verbose=0, callbacks=[recorder])
    assert recorder.calls == KERAS_PREDICT_SEQUENCE


def test_callbacks_run_in_list_order_and_history_is_returned():
    order = []

    class Named(callbacks.Callback):
        def __init__(self, tag):
            super().__init__()
            self.tag = tag

        def on_epoch_end(self, epoch, logs=None):
            order.append(self.tag)

    model = make_model()
    history = model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=2, verbose=0,
                        callbacks=[Named("a"), Named("b")])
    assert order == ["a", "b", "a", "b"]
    assert isinstance(history, callbacks.History)
    assert model.history is history
    assert set(history.history) == {"loss", "mae"}
    assert history.params["epochs"] == 2


def test_batch_logs_are_running_epoch_averages():
    seen = []

    class Logs(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(logs["loss"])

    model = minikeras.Sequential([layers.Input((1,)), layers.Dense(1, use_bias=False,
                                                                   kernel_initializer="zeros")])
    model.compile(optimizer=minikeras.optimizers.SGD(0.0), loss="mse")
    x = np.array([[1.0], [1.0], [1.0]])
    y = np.array([[1.0], [2.0], [4.0]])  # batch losses 1 and 2.5 (2 samples), then 16 (1 sample)
    model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0, callbacks=[Logs()])
    np.testing.assert_allclose(seen, [2.5, (2.5 * 2 + 16) / 3], rtol=1e-6)


def test_callback_list_rejects_non_callbacks():
    model = make_model()
    try:
        model.fit(np.zeros((4, 2)), np.zeros((4, 1)), verbose=0, callbacks=[print])
    except TypeError as error:
        assert "Callback" in str(error)
    else:
        raise AssertionError("expected a TypeError")
