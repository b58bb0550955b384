"""EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, LearningRateScheduler, CSVLogger,
TerminateOnNaN, LambdaCallback and RemoteMonitor against Keras 3.15.1.

The expected values were recorded from Keras 3.15.1 (torch backend) running the same scripts:
a Dense(1) model trained with SGD(0.1) on four samples, with a `SetLogs` callback listed
first that overwrites the monitored value with a fixed sequence, so that both libraries see
exactly the same numbers. CSV files were written by Keras's CSVLogger from the same logs.
"""
import http.server
import json
import os
import threading
import urllib.parse

import numpy as np
import pytest

import minikeras
from minikeras import layers
from minikeras.callbacks.callback import Callback
from minikeras.callbacks.csv_logger import CSVLogger
from minikeras.callbacks.early_stopping import EarlyStopping
from minikeras.callbacks.history import History
from minikeras.callbacks.lambda_callback import LambdaCallback
from minikeras.callbacks.learning_rate_scheduler import LearningRateScheduler
from minikeras.callbacks.model_checkpoint import ModelCheckpoint
from minikeras.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from minikeras.callbacks.remote_monitor import RemoteMonitor
from minikeras.callbacks.terminate_on_nan import TerminateOnNaN

X = np.arange(8, dtype="float32").reshape(4, 2) / 8
Y = np.ones((4, 1), "float32")
SEQ = [1.0, 0.8, 0.9, 0.85, 0.79, 0.95, 0.7, 0.7, 0.72, 0.73, 0.74, 0.75, 0.76, 0.77]


class SetLogs(Callback):
    """Overwrites logs[key] with seq[epoch] and keeps a copy of the weights of every epoch."""

    def __init__(self, seq, key="val_loss"):
        super().__init__()
        self.seq = seq
        self.key = key
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = float(self.seq[epoch])
        self.weights.append(self.model.get_weights())


def make_model(lr=0.1, metrics=None, optimizer=None):
    model = minikeras.Sequential([layers.Input((2,)), layers.Dense(1)])
    model.compile(optimizer=optimizer or minikeras.optimizers.SGD(lr), loss="mse", metrics=metrics)
    return model


def same_weights(a, b):
    return len(a) == len(b) and all(np.array_equal(u, v) for u, v in zip(a, b))


# -- EarlyStopping ---------------------------------------------------------------------------
# name: (sequence, arguments, Keras's {epochs run, stopped_epoch, best_epoch, best, wait})
KERAS_EARLY_STOPPING = {
    "p0": (SEQ[:12], {}, (3, 2, 1, 0.8, 1)),
    "p1": (SEQ[:12], dict(patience=1), (3, 2, 1, 0.8, 1)),
    "p2": (SEQ[:12], dict(patience=2), (4, 3, 1, 0.8, 2)),
    "p3": (SEQ[:12], dict(patience=3), (10, 9, 6, 0.7, 3)),
    "min_delta": (SEQ[:12], dict(patience=1, min_delta=0.05), (3, 2, 1, 0.8, 1)),
    "negative_min_delta": (SEQ[:12], dict(patience=1, min_delta=-0.05), (3, 2, 1, 0.8, 1)),
    "max": (SEQ[:12], dict(patience=2, mode="max"), (3, 2, 0, 1.0, 2)),
    "baseline_never_reached": (SEQ[:12], dict(patience=2, baseline=0.1), (3, 2, 1, 0.8, 3)),
    "baseline_reached": (SEQ[:12], dict(patience=2, baseline=0.9), (4, 3, 1, 0.8, 2)),
    "start_from_epoch": (SEQ[:12], dict(patience=1, start_from_epoch=3), (6, 5, 4, 0.79, 1)),
    "runs_to_the_end": (SEQ[:12], dict(patience=20), (12, 0, 6, 0.7, 5)),
    # improving every epoch but never beating the baseline: Keras never stops
    "baseline_improving": ([1.0, 0.9, 0.8, 0.7, 0.6], dict(patience=1, baseline=0.1),
                           (5, 0, 4, 0.6, 5)),
    "flat": ([1.0, 1.0, 1.0, 1.0], dict(patience=2), (3, 2, 0, 1.0, 2)),
}


@pytest.mark.parametrize("name", sorted(KERAS_EARLY_STOPPING))
def test_early_stopping_stops_at_the_keras_epoch(name):
    seq, kwargs, expected = KERAS_EARLY_STOPPING[name]
    stop = EarlyStopping(**kwargs)
    history = make_model().fit(X, Y, epochs=len(seq), batch_size=4, verbose=0,
                               callbacks=[SetLogs(seq), stop])
    assert isinstance(history, History)
    assert (len(history.history["loss"]), stop.stopped_epoch, stop.best_epoch, stop.best,
            stop.wait) == expected
    assert history.epoch == list(range(expected[0]))


# name: (sequence, arguments, epochs run, restored epoch (0-based), Keras's printed lines)
KERAS_RESTORE = {
    "stopped_early": ([1.0, 0.5, 0.7, 0.8, 0.9, 1.0], dict(patience=2), 4, 1,
                      "Epoch 4: early stopping\n"
                      "Restoring model weights from the end of the best epoch: 2.\n"),
    "ran_to_the_end": ([1.0, 0.5, 0.7, 0.8, 0.9, 1.0], dict(patience=10), 6, 1,
                       "Restoring model weights from the end of the best epoch: 2.\n"),
    "baseline_never_reached": ([1.0, 0.5, 0.7, 0.8, 0.9, 1.0], dict(patience=3, baseline=0.1),
                               3, 1, "Epoch 3: early stopping\n"
                               "Restoring model weights from the end of the best epoch: 2.\n"),
    "start_from_epoch": ([0.1, 0.5, 0.7, 0.8, 0.9, 1.0], dict(patience=10, start_from_epoch=2),
                         6, 2, "Restoring model weights from the end of the best epoch: 3.\n"),
}


@pytest.mark.parametrize("name", sorted(KERAS_RESTORE))
def test_early_stopping_restores_the_best_weights(name, capsys):
    seq, kwargs, epochs_run, best, printed = KERAS_RESTORE[name]
    model = make_model()
    record = SetLogs(seq)
    stop = EarlyStopping(verbose=1, restore_best_weights=True, **kwargs)
    history = model.fit(X, Y, epochs=len(seq), batch_size=2, verbose=0, callbacks=[record, stop])
    assert len(history.history["loss"]) == epochs_run
    assert stop.best_epoch == best
    final = model.get_weights()
    assert [i for i, w in enumerate(record.weights) if same_weights(w, final)] == [best]
    assert capsys.readouterr().out == printed


def test_early_stopping_without_restore_keeps_the_last_weights():
    model = make_model()
    record = SetLogs([1.0, 0.5, 0.7, 0.8])
    model.fit(X, Y, epochs=4, batch_size=2, verbose=0,
              callbacks=[record, EarlyStopping(patience=1)])
    assert len(record.weights) == 3 and same_weights(model.get_weights(), record.weights[-1])


def test_early_stopping_is_reset_by_each_fit():
    stop = EarlyStopping(patience=1, restore_best_weights=True)
    model = make_model()
    model.fit(X, Y, epochs=5, verbose=0, callbacks=[SetLogs([1.0, 1.0, 1.0, 1.0, 1.0]), stop])
    assert stop.stopped_epoch == 1
    history = model.fit(X, Y, epochs=3, verbose=0, callbacks=[SetLogs([3.0, 2.0, 1.0]), stop])
    assert len(history.history["loss"]) == 3
    assert (stop.stopped_epoch, stop.best_epoch, stop.best, stop.wait) == (0, 2, 1.0, 0)


def test_early_stopping_on_a_real_validation_loss():
    rng = np.random.RandomState(0)
    x = rng.rand(32, 2).astype("float32")
    model = make_model(lr=0.5)
    history = model.fit(x, x.sum(1, keepdims=True), epochs=50, batch_size=8, verbose=0,
                        validation_data=(x[:8], np.zeros((8, 1), "float32")),
                        callbacks=[EarlyStopping(patience=2)])
    val = history.history["val_loss"]
    assert len(val) < 50
    assert all(v >= min(val[:-2]) for v in val[-2:])  # the last `patience` epochs were worse


def test_early_stopping_warns_when_the_monitored_key_is_missing():
    with pytest.warns(UserWarning) as caught:
        history = make_model().fit(X, Y, epochs=2, verbose=0, callbacks=[EarlyStopping()])
    assert len(history.history["loss"]) == 2
    messages = [str(w.message) for w in caught if "Early stopping" in str(w.message)]
    assert messages == ["Early stopping conditioned on metric `val_loss` which is not "
                        "available. Available metrics are: loss"] * 2


def test_mode_auto_needs_a_known_direction():
    with pytest.raises(ValueError, match=r"EarlyStopping callback received monitor=foo, but "
                                         r"minikeras isn't able .* Pass `mode='max'`"):
        make_model(metrics=["mae"]).fit(X, Y, epochs=2, verbose=0,
                                        callbacks=[EarlyStopping(monitor="foo")])
    with pytest.warns(UserWarning, match="Available metrics are: loss,mae"):
        make_model(metrics=["mae"]).fit(X, Y, epochs=1, verbose=0,
                                        callbacks=[EarlyStopping(monitor="foo", mode="min")])
    with pytest.warns(UserWarning, match="EarlyStopping mode 'bogus' is unknown, fallback to auto"):
        stop = EarlyStopping(monitor="loss", mode="bogus")
    assert stop.mode == "auto"


def test_mode_auto_direction_comes_from_the_compiled_metric():
    monitors = ["loss", "val_loss", "acc", "val_accuracy", "auc", "val_mae"]
    stops = [EarlyStopping(monitor=m, min_delta=0.1, patience=5) for m in monitors]
    model = minikeras.Sequential([layers.Input((2,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy",
                  metrics=["acc", "accuracy", "auc", "mae"])
    model.fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y), callbacks=stops)
    assert [s.monitor_op for s in stops] == [np.less, np.less, np.greater, np.greater,
                                             np.greater, np.less]
    assert [s.min_delta for s in stops] == [-0.1, -0.1, 0.1, 0.1, 0.1, -0.1]


def test_fit_returns_history_after_an_early_stop():
    history = make_model().fit(X, Y, epochs=10, verbose=0,
                               callbacks=[SetLogs([1.0] * 10), EarlyStopping()])
    assert isinstance(history, History) and history.epoch == [0, 1]
    assert history.history["val_loss"] == [1.0, 1.0]


# -- ModelCheckpoint -------------------------------------------------------------------------
def fit_with_checkpoint(checkpoint, epochs=5, batch_size=4, seq=SEQ, model=None):
    model = model or make_model()
    record = SetLogs(seq)
    model.fit(X, Y, epochs=epochs, batch_size=batch_size, verbose=0,
              callbacks=[record, checkpoint])
    return model, record


def saved_files(folder):
    return sorted(os.path.relpath(os.path.join(root, name), folder)
                  for root, _, names in os.walk(folder) for name in names)


def test_checkpoint_files_are_named_by_the_pattern(tmp_path, capsys):
    pattern = os.path.join(tmp_path, "sub", "{epoch:02d}-{val_loss:.2f}.keras")
    model, record = fit_with_checkpoint(ModelCheckpoint(pattern, verbose=1))
    names = ["01-1.00.keras", "02-0.80.keras", "03-0.90.keras", "04-0.85.keras", "05-0.79.keras"]
    assert saved_files(tmp_path) == [os.path.join("sub", n) for n in names]
    expected = "".join(f"\nEpoch {i + 1}: saving model to {tmp_path}/sub/{n}\n"
                       f"\nEpoch {i + 1}: finished saving model to {tmp_path}/sub/{n}\n"
                       for i, n in enumerate(names))
    assert capsys.readouterr().out == expected
    loaded = minikeras.models.load_model(os.path.join(tmp_path, "sub", names[2]))
    assert same_weights(loaded.get_weights(), record.weights[2])


def test_checkpoint_best_only_saves_improvements(tmp_path, capsys):
    checkpoint = ModelCheckpoint(os.path.join(tmp_path, "m-{epoch}.keras"), save_best_only=True,
                                 verbose=1)
    _, record = fit_with_checkpoint(checkpoint)
    assert saved_files(tmp_path) == ["m-1.keras", "m-2.keras", "m-5.keras"]
    assert checkpoint.best == 0.79
    path = f"{tmp_path}/m-"
    assert capsys.readouterr().out == (
        f"\nEpoch 1: val_loss improved from None to 1.00000, saving model to {path}1.keras\n"
        f"\nEpoch 1: finished saving model to {path}1.keras\n"
        f"\nEpoch 2: val_loss improved from 1.00000 to 0.80000, saving model to {path}2.keras\n"
        f"\nEpoch 2: finished saving model to {path}2.keras\n"
        f"\nEpoch 3: val_loss did not improve from 0.80000\n"
        f"\nEpoch 4: val_loss did not improve from 0.80000\n"
        f"\nEpoch 5: val_loss improved from 0.80000 to 0.79000, saving model to {path}5.keras\n"
        f"\nEpoch 5: finished saving model to {path}5.keras\n")


def test_checkpoint_best_only_one_file_holds_the_best_model(tmp_path):
    path = os.path.join(tmp_path, "best.h5")
    seq = [1.0, 0.8, 0.9, 0.85, 0.95]
    checkpoint = ModelCheckpoint(path, save_best_only=True)
    writes = []

    class Watch(Callback):
        def on_epoch_end(self, epoch, logs=None):
            writes.append(os.stat(path).st_mtime_ns if os.path.exists(path) else None)

    model = make_model()
    record = SetLogs(seq)
    model.fit(X, Y, epochs=5, batch_size=2, verbose=0, callbacks=[record, checkpoint, Watch()])
    assert writes[2:] == [writes[1]] * 3  # not written again after epoch 2 (index 1)
    loaded = minikeras.models.load_model(path)
    assert same_weights(loaded.get_weights(), record.weights[1])
    assert not same_weights(loaded.get_weights(), model.get_weights())


def test_checkpoint_weights_only_with_threshold_and_max_mode(tmp_path, capsys):
    pattern = os.path.join(tmp_path, "m-{epoch}.weights.h5")
    checkpoint = ModelCheckpoint(pattern, save_weights_only=True, save_best_only=True,
                                 initial_value_threshold=0.85, verbose=1)
    _, record = fit_with_checkpoint(checkpoint)
    assert saved_files(tmp_path) == ["m-2.weights.h5", "m-5.weights.h5"]
    assert capsys.readouterr().out.startswith("\nEpoch 1: val_loss did not improve from 0.85000\n"
                                              "\nEpoch 2: val_loss improved from 0.85000 to "
                                              "0.80000, saving model to ")
    fresh = make_model()
    fresh.load_weights(os.path.join(tmp_path, "m-2.weights.h5"))
    assert same_weights(fresh.get_weights(), record.weights[1])

    max_checkpoint = ModelCheckpoint(os.path.join(tmp_path, "max", "m.h5"), save_best_only=True,
                                     mode="max")
    fit_with_checkpoint(max_checkpoint)
    assert max_checkpoint.best == 1.0


def test_checkpoint_every_n_batches(tmp_path, capsys):
    pattern = os.path.join(tmp_path, "e{epoch}-b{batch}.weights.h5")
    checkpoint = ModelCheckpoint(pattern, save_weights_only=True, save_freq=3, verbose=1)
    fit_with_checkpoint(checkpoint, epochs=3, batch_size=1)  # 4 batches per epoch
    names = ["e1-b3.weights.h5", "e2-b2.weights.h5", "e3-b1.weights.h5", "e3-b4.weights.h5"]
    assert saved_files(tmp_path) == names  # Keras 3.15.1's files
    assert capsys.readouterr().out.count("finished saving model") == 4

    single = ModelCheckpoint(os.path.join(tmp_path, "one", "last.keras"), save_freq=5)
    fit_with_checkpoint(single, epochs=2, batch_size=1)
    assert saved_files(os.path.join(tmp_path, "one")) == ["last.keras"]


def test_checkpoint_every_n_batches_best_only(tmp_path):
    # Keras 3.15.1 fails here ("'NoneType' object is not callable": its direction is only
    # chosen at the first epoch end); minikeras chooses it at the first save.
    pattern = os.path.join(tmp_path, "e{epoch}-b{batch}.weights.h5")
    checkpoint = ModelCheckpoint(pattern, monitor="loss", save_weights_only=True,
                                 save_best_only=True, save_freq=2)
    fit_with_checkpoint(checkpoint, epochs=2, batch_size=1)
    assert len(saved_files(tmp_path)) >= 1
    assert checkpoint.monitor_op is np.less


def test_checkpoint_errors(tmp_path):
    with pytest.raises(ValueError, match=r"The filepath provided must end in `.keras` \(Keras "
                                         r"model format\). Received: filepath=m.weights"):
        ModelCheckpoint("m.weights")
    for name in ("m.keras", "m.h5"):
        with pytest.raises(ValueError, match=r"When using `save_weights_only=True` in "
                                             r"`ModelCheckpoint`, the filepath provided must end "
                                             r"in `.weights.h5`"):
            ModelCheckpoint(name, save_weights_only=True)
    with pytest.raises(ValueError, match="Unrecognized save_freq: batch. Expected save_freq are "
                                         "'epoch' or integer values"):
        ModelCheckpoint("m.keras", save_freq="batch")
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        fit_with_checkpoint(ModelCheckpoint(os.path.join(tmp_path, "{val_acc}.keras")), epochs=1)
    folder = os.path.join(tmp_path, "x.keras")
    os.makedirs(folder)
    with pytest.raises(OSError, match="Please specify a non-directory filepath for "
                                      "ModelCheckpoint. Filepath used is an existing directory"):
        fit_with_checkpoint(ModelCheckpoint(folder), epochs=1)
    assert ModelCheckpoint(tmp_path / "m.keras").filepath == os.path.join(tmp_path, "m.keras")


def test_checkpoint_best_only_without_the_monitored_key_saves(tmp_path):
    checkpoint = ModelCheckpoint(os.path.join(tmp_path, "m.keras"), monitor="loss",
                                 save_best_only=True)
    checkpoint.set_model(make_model())
    checkpoint.on_epoch_begin(0)
    with pytest.warns(UserWarning, match="Can save best model only with loss available."):
        checkpoint.on_epoch_end(0, {"mae": 1.0})
    assert saved_files(tmp_path) == ["m.keras"]


# -- ReduceLROnPlateau -----------------------------------------------------------------------
# name: (arguments, Keras's logs["learning_rate"] per epoch, Keras's printed reductions)
KERAS_REDUCE_LR = {
    "patience_1": (dict(patience=1), [
        0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.009999999776482582,
        0.0009999999310821295, 0.0009999999310821295, 9.99999901978299e-05,
        9.99999901978299e-05, 9.99999883788405e-06, 9.99999883788405e-07,
        9.999998695775503e-08, 9.99999905104687e-09, 9.99999860695766e-10,
        9.999998745735539e-11], [
        (3, "0.010000000149011612"), (4, "0.0009999999776482583"),
        (6, "9.999999310821295e-05"), (8, "9.999999019782991e-06"),
        (9, "9.99999883788405e-07"), (10, "9.99999883788405e-08"),
        (11, "9.999998695775504e-09"), (12, "9.99999905104687e-10"),
        (13, "9.999998606957661e-11"), (14, "9.99999874573554e-12")]),
    "patience_2_cooldown_1": (dict(patience=2, cooldown=1), [
        0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.10000000149011612,
        0.009999999776482582, 0.009999999776482582, 0.009999999776482582,
        0.009999999776482582, 0.009999999776482582, 0.0009999999310821295,
        0.0009999999310821295, 9.99999901978299e-05, 9.99999901978299e-05,
        9.99999883788405e-06], [
        (4, "0.010000000149011612"), (9, "0.0009999999776482583"),
        (11, "9.999999310821295e-05"), (13, "9.999999019782991e-06")]),
    "cooldown_2_min_lr_factor_half": (dict(patience=1, cooldown=2, min_lr=0.0005, factor=0.5), [
        0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.05000000074505806,
        0.05000000074505806, 0.05000000074505806, 0.02500000037252903, 0.02500000037252903,
        0.012500000186264515, 0.012500000186264515, 0.0062500000931322575,
        0.0062500000931322575, 0.0031250000465661287, 0.0031250000465661287], [
        (3, "0.05000000074505806"), (6, "0.02500000037252903"), (8, "0.012500000186264515"),
        (10, "0.0062500000931322575"), (12, "0.0031250000465661287"),
        (14, "0.0015625000232830644")]),
    "patience_0_min_lr": (dict(patience=0, factor=0.2, min_lr=0.001), [
        0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.019999999552965164,
        0.003999999724328518, 0.003999999724328518] + [0.0010000000474974513] * 8, [
        (3, "0.020000000298023225"), (4, "0.003999999910593033"), (6, "0.001")]),
    "min_delta": (dict(patience=1, min_delta=0.05), [
        0.10000000149011612, 0.10000000149011612, 0.10000000149011612, 0.009999999776482582,
        0.0009999999310821295, 9.99999901978299e-05, 9.99999883788405e-06,
        9.99999883788405e-06, 9.99999883788405e-07, 9.999998695775503e-08,
        9.99999905104687e-09, 9.99999860695766e-10, 9.999998745735539e-11,
        9.999999092680234e-12], [
        (3, "0.010000000149011612"), (4, "0.0009999999776482583"),
        (5, "9.999999310821295e-05"), (6, "9.999999019782991e-06"),
        (8, "9.99999883788405e-07"), (9, "9.99999883788405e-08"),
        (10, "9.999998695775504e-09"), (11, "9.99999905104687e-10"),
        (12, "9.999998606957661e-11"), (13, "9.99999874573554e-12"),
        (14, "9.999999092680235e-13")]),
}


@pytest.mark.parametrize("name", sorted(KERAS_REDUCE_LR))
def test_reduce_lr_on_plateau_matches_keras(name, capsys):
    kwargs, rates, reductions = KERAS_REDUCE_LR[name]
    history = make_model().fit(X, Y, epochs=len(SEQ), batch_size=4, verbose=0,
                               callbacks=[SetLogs(SEQ), ReduceLROnPlateau(verbose=1, **kwargs)])
    assert list(history.history) == ["loss", "val_loss", "learning_rate"]
    assert history.history["learning_rate"] == rates
    assert capsys.readouterr().out == "".join(
        f"\nEpoch {e}: ReduceLROnPlateau reducing learning rate to {lr}.\n"
        for e, lr in reductions)


def sgd_steps_match(x, y, weights, rates):
    """Each epoch (one full batch) is one SGD step on the mse with that epoch's rate."""
    for before, after, lr in zip(weights, weights[1:], rates):
        kernel, bias = before
        error = x @ kernel + bias - y
        grad_kernel = 2 * x.T @ error / len(x)
        grad_bias = 2 * error.mean(0)
        np.testing.assert_allclose(after[0], kernel - lr * grad_kernel, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(after[1], bias - lr * grad_bias, rtol=1e-5, atol=1e-7)


def test_reduced_learning_rate_is_used_by_the_next_step():
    model = make_model()
    weights = [model.get_weights()]
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: weights.append(model.get_weights()))
    history = model.fit(X, Y, epochs=6, batch_size=4, verbose=0, shuffle=False, callbacks=[
        SetLogs([1.0, 1.0, 1.0, 1.0, 1.0, 1.0]), ReduceLROnPlateau(patience=1, factor=0.5),
        record])
    rates = history.history["learning_rate"]
    assert rates == [np.float32(r).item() for r in [0.1, 0.1, 0.05, 0.025, 0.0125, 0.00625]]
    sgd_steps_match(X.astype("float64"), Y.astype("float64"), weights, rates)


def test_reduce_lr_on_plateau_errors_and_warnings():
    with pytest.raises(ValueError, match="ReduceLROnPlateau does not support a factor >= 1.0. "
                                         "Received factor=1.0"):
        ReduceLROnPlateau(factor=1.0)
    with pytest.warns(UserWarning, match=r"ignoring unknown arguments \['epsilon'\]"):
        ReduceLROnPlateau(epsilon=1e-4)  # Keras 3 accepts and ignores **kwargs silently
    with pytest.warns(UserWarning, match=r"Learning rate reduction is conditioned on metric "
                                         r"`val_mae` which is not available. Available metrics "
                                         r"are: loss,mae,learning_rate\."):
        history = make_model(metrics=["mae"]).fit(
            X, Y, epochs=2, verbose=0, callbacks=[ReduceLROnPlateau(monitor="val_mae", mode="min")])
    assert history.history["learning_rate"] == [np.float32(0.1).item()] * 2
    schedule = minikeras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    model = make_model(optimizer=minikeras.optimizers.SGD(schedule))
    with pytest.raises(TypeError, match="ReduceLROnPlateau cannot change the learning rate .*"
                                        "`LearningRateSchedule`"):
        model.fit(X, Y, epochs=3, verbose=0,
                  callbacks=[SetLogs([1.0, 1.0, 1.0]), ReduceLROnPlateau(patience=1)])


def test_reduce_lr_on_plateau_with_adam_and_accuracy():
    model = minikeras.Sequential([layers.Input((2,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=minikeras.optimizers.Adam(0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    reduce_lr = ReduceLROnPlateau(monitor="val_accuracy", patience=1, factor=0.5)
    history = model.fit(X, Y, epochs=4, verbose=0, validation_data=(X, Y), callbacks=[
        SetLogs([0.5, 0.5, 0.75, 0.75], "val_accuracy"), reduce_lr])
    assert reduce_lr.monitor_op is np.greater
    assert history.history["learning_rate"] == [np.float32(r).item()
                                                for r in [0.01, 0.01, 0.005, 0.005]]
    assert model.optimizer.learning_rate == np.float32(0.0025).item()


# -- LearningRateScheduler -------------------------------------------------------------------
def test_learning_rate_scheduler_matches_keras(capsys):
    scheduler = LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch > 0 else lr, verbose=1)
    history = make_model().fit(X, Y, epochs=4, batch_size=4, verbose=0, callbacks=[scheduler])
    rates = [0.10000000149011612, 0.05000000074505806, 0.02500000037252903, 0.012500000186264515]
    assert list(history.history) == ["loss", "learning_rate"]
    assert history.history["learning_rate"] == rates
    assert capsys.readouterr().out == "".join(
        f"\nEpoch {i + 1}: LearningRateScheduler setting learning rate to {lr}.\n"
        for i, lr in enumerate(rates))


def test_learning_rate_scheduler_with_epoch_only_schedule():
    history = make_model().fit(X, Y, epochs=3, batch_size=4, verbose=0, callbacks=[
        LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))])
    assert history.history["learning_rate"] == [0.009999999776482582, 0.019999999552965164,
                                                0.029999999329447746]


def test_learning_rate_scheduler_rate_takes_effect_at_once():
    model = make_model()
    weights = [model.get_weights()]
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: weights.append(model.get_weights()))
    history = model.fit(X, Y, epochs=4, batch_size=4, verbose=0, callbacks=[
        LearningRateScheduler(lambda epoch, lr: [0.2, 0.0, 0.05, 0.3][epoch]), record])
    assert same_weights(weights[1], weights[2])  # rate 0.0 in epoch 1: no change at all
    sgd_steps_match(X.astype("float64"), Y.astype("float64"), weights,
                    history.history["learning_rate"])


def test_learning_rate_scheduler_errors():
    with pytest.raises(ValueError, match="The output of the `schedule` function should be a "
                                         "float. Got: 1"):
        make_model().fit(X, Y, epochs=1, verbose=0,
                         callbacks=[LearningRateScheduler(lambda epoch: 1)])
    schedule = minikeras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    model = make_model(optimizer=minikeras.optimizers.SGD(schedule))
    with pytest.raises(TypeError, match="LearningRateScheduler cannot change the learning rate"):
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(lambda e, lr: 0.1)])


# -- CSVLogger -------------------------------------------------------------------------------
def drive(callback, epoch_logs):
    callback.on_train_begin({})
    for epoch, logs in enumerate(epoch_logs):
        callback.on_epoch_end(epoch, dict(logs))
    callback.on_train_end({})


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read().decode()


LOGS = [{"loss": 0.5, "accuracy": 0.25, "val_loss": 0.75, "val_accuracy": 1 / 3},
        {"loss": 0.1 + 0.2, "accuracy": 1e-8, "val_loss": float("nan"),
         "val_accuracy": 12345678.9}]
# Written by Keras 3.15.1's CSVLogger from LOGS.
KERAS_CSV = ("epoch,accuracy,loss,val_accuracy,val_loss\r\n"
             "0,0.25,0.5,0.3333333333333333,0.75\r\n"
             "1,1e-08,0.30000000000000004,12345678.9,nan\r\n")


def test_csv_logger_writes_what_keras_writes(tmp_path):
    path = tmp_path / "log.csv"
    drive(CSVLogger(path), LOGS)
    assert read_bytes(path) == KERAS_CSV
    drive(CSVLogger(path), LOGS)  # not appending: overwritten
    assert read_bytes(path) == KERAS_CSV


def test_csv_logger_append_writes_no_second_header(tmp_path):
    path = tmp_path / "log.csv"
    drive(CSVLogger(path), LOGS)
    drive(CSVLogger(path, append=True), LOGS)
    assert read_bytes(path) == KERAS_CSV + KERAS_CSV.split("\r\n", 1)[1]
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    drive(CSVLogger(empty, append=True), [{"loss": 1.0}])
    assert read_bytes(empty) == "epoch,loss,val_loss\r\n0,1.0,NA\r\n"
    new = tmp_path / "new.csv"
    drive(CSVLogger(new, append=True), [{"loss": 1.0}])
    assert read_bytes(new) == "epoch,loss,val_loss\r\n0,1.0,NA\r\n"


def test_csv_logger_separator_missing_values_and_arrays(tmp_path):
    path = tmp_path / "b.csv"
    drive(CSVLogger(path, separator=";"),
          [{"loss": 1.0, "mae": 2.0}, {"loss": 0.5, "mae": 1.0, "extra": 3.0}])
    assert read_bytes(path) == ("epoch;loss;mae;val_loss;val_mae\r\n"
                                "0;1.0;2.0;NA;NA\r\n1;0.5;1.0;NA;NA\r\n")
    path = tmp_path / "c.csv"
    drive(CSVLogger(path), [{"loss": 1.0, "v": np.array([1.0, 2.0]), "s": "text",
                             "z": np.float32(0.1)}])
    assert read_bytes(path) == ('epoch,loss,s,v,z,val_loss,val_s,val_v,val_z\r\n'
                                '0,1.0,text,"""[1.0, 2.0]""",0.1,NA,NA,NA,NA\r\n')


def test_csv_logger_in_fit_with_two_fits_appending(tmp_path):
    path = tmp_path / "fit.csv"
    model = make_model(metrics=["mae"])
    for _ in range(2):
        history = model.fit(X, Y, epochs=2, batch_size=4, verbose=0, validation_data=(X, Y),
                            callbacks=[ReduceLROnPlateau(), CSVLogger(path, append=True)])
    lines = read_bytes(path).split("\r\n")
    assert lines[0] == "epoch,learning_rate,loss,mae,val_loss,val_mae"  # Keras's header
    assert len(lines) == 6 and lines[-1] == "" and lines[3].startswith("0,")
    last = history.history
    assert lines[4] == ",".join(["1"] + [str(last[k][1]) for k in
                                         ["learning_rate", "loss", "mae", "val_loss", "val_mae"]])


# -- TerminateOnNaN --------------------------------------------------------------------------
def nan_data(bad=np.nan):
    x = np.random.RandomState(0).rand(10, 2).astype("float32")
    x[5, 0] = bad  # sample 5: batch 2 with batch_size=2
    return x, np.ones((10, 1), "float32")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_terminate_on_nan_stops_in_the_batch_that_became_nan(capsys):
    x, y = nan_data()
    model = make_model()
    seen = []
    record = LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append((batch, np.isnan(logs["loss"]))),
        on_epoch_end=lambda epoch, logs: seen.append(("epoch_end", epoch, sorted(logs))))
    history = model.fit(x, y, batch_size=2, epochs=3, shuffle=False, verbose=0,
                        validation_data=(X, Y), callbacks=[TerminateOnNaN(), record])
    # Keras 3.15.1: batches 0, 1, 2 then the epoch's end (with validation), nothing more.
    assert seen == [(0, False), (1, False), (2, True), ("epoch_end", 0, ["loss", "val_loss"])]
    assert isinstance(history, History) and len(history.history["loss"]) == 1
    assert model.stop_training is True
    assert capsys.readouterr().out == "Batch 2: Invalid loss, terminating training\n"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_terminate_on_nan_raise_error_on_inf():
    x, y = nan_data(np.inf)
    with pytest.raises(RuntimeError, match=r"^NaN or Inf loss encountered at batch 2\. Loss "
                                           r"value: inf\. Terminating training immediately\.$"):
        make_model().fit(x, y, batch_size=2, epochs=3, shuffle=False, verbose=0,
                         callbacks=[TerminateOnNaN(raise_error=True)])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_terminate_on_nan_with_a_huge_learning_rate():
    x = np.random.RandomState(1).randn(64, 2).astype("float32") * 10
    model = make_model(lr=1e6)
    history = model.fit(x, x.sum(1, keepdims=True), batch_size=8, epochs=50, verbose=0,
                        callbacks=[TerminateOnNaN()])
    assert len(history.history["loss"]) < 50
    assert not np.isfinite(history.history["loss"][-1])


# -- LambdaCallback --------------------------------------------------------------------------
def recorder(calls, name):
    def hook(*args):
        calls.append((name,) + tuple(a if isinstance(a, int) else sorted(a or {}) for a in args))
    return hook


def test_lambda_callback_calls_like_keras():
    calls = []
    names = ["on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end",
             "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end",
             "on_test_begin"]
    callback = LambdaCallback(**{n: recorder(calls, n) for n in names}, custom_attr=5)
    make_model().fit(X, Y, epochs=1, batch_size=2, verbose=0, callbacks=[callback],
                     validation_data=(X, Y))
    # Keras 3.15.1's calls (on_batch_* are not called: on_train_batch_* replace them)
    assert calls == [("on_train_begin", []), ("on_epoch_begin", 0, []),
                     ("on_train_batch_begin", 0, []), ("on_train_batch_end", 0, ["loss"]),
                     ("on_train_batch_begin", 1, []), ("on_train_batch_end", 1, ["loss"]),
                     ("on_test_begin", []), ("on_epoch_end", 0, ["loss", "val_loss"]),
                     ("on_train_end", ["loss", "val_loss"])]
    assert callback.custom_attr == 5


def test_lambda_callback_legacy_batch_names():
    batches = []
    callback = LambdaCallback(on_batch_end=lambda batch, logs: batches.append(batch))
    make_model().fit(X, Y, epochs=2, batch_size=2, verbose=0, callbacks=[callback])
    assert batches == [0, 1, 0, 1]
    plain = LambdaCallback()
    make_model().fit(X, Y, epochs=1, verbose=0, callbacks=[plain])  # every hook a no-op


# -- RemoteMonitor ---------------------------------------------------------------------------
@pytest.fixture
def server():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append((self.path, self.headers.get("Content-Type"),
                             self.headers.get("X-Token"), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_remote_monitor_posts_the_logs(server):
    root, received = server
    seq = SetLogs([0.25, 0.125])
    make_model().fit(X, Y, epochs=2, verbose=0, callbacks=[seq, RemoteMonitor(root=root)])
    assert [r[:2] for r in received] == [("/publish/epoch/end/",
                                          "application/x-www-form-urlencoded")] * 2
    form = urllib.parse.parse_qs(received[1][3])
    data = json.loads(form["data"][0])
    assert data["epoch"] == 1 and data["val_loss"] == 0.125 and set(data) == {"epoch", "loss",
                                                                             "val_loss"}
    received.clear()
    make_model().fit(X, Y, epochs=1, verbose=0, callbacks=[
        seq, RemoteMonitor(root=root, path="/j", headers={"X-Token": "t"}, send_as_json=True)])
    path, content_type, token, body = received[0]
    assert (path, content_type, token) == ("/j", "application/json", "t")
    assert json.loads(body)["val_loss"] == 0.25


def test_remote_monitor_warns_when_the_server_is_unreachable():
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server at "
                                         "http://127.0.0.1:1"):
        make_model().fit(X, Y, epochs=1, verbose=0,
                         callbacks=[RemoteMonitor(root="http://127.0.0.1:1")])
