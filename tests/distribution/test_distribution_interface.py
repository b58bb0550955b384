"""The distribution interface the trainer calls on every run (minikeras/distribution/runs.py).

`fit`, `evaluate` and `predict` always go through `training_distribution()`: a single-process
`Distribution` that changes nothing unless a DataParallel job of several processes runs. These
tests drive the loop with a recording distribution and check which hooks it calls, that the
optimizer's gradient hook is the only way gradients are changed, that callbacks declare
themselves chief-only, and that nothing in minikeras/distribution/ patches other objects.
"""
import pathlib
import re

import numpy as np
import pytest

import minikeras
from minikeras import callbacks, layers
from minikeras.distribution import distribution_lib, runs

DISTRIBUTION_DIR = pathlib.Path(minikeras.__file__).parent / "distribution"


def small_model(learning_rate=0.01):
    minikeras.utils.set_random_seed(3)
    model = minikeras.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile(optimizer=minikeras.optimizers.SGD(learning_rate), loss="mse", metrics=["mae"])
    return model


def data(n=8):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 3)).astype("float32"), rng.normal(size=(n, 2)).astype("float32")


class RecordingFitRun(runs.FitRun):
    def __init__(self, calls, resume_point, scale=1.0):
        super().__init__(resume_point)
        self.calls, self.scale = calls, scale

    def on_epoch_begin(self):
        self.calls.append("on_epoch_begin")

    def run_train_batch(self, step_fn, batch):
        self.calls.append("run_train_batch")
        return step_fn(batch)

    def reduce_gradients(self, grads, variables):
        self.calls.append("reduce_gradients")
        assert runs.active_fit_run() is self
        return [g * self.scale for g in grads]

    def any_stop(self, flag):
        self.calls.append("any_stop")
        return flag

    def end(self):
        self.calls.append("end")

    def barrier(self):
        self.calls.append("barrier")


class RecordingEvaluationRun(runs.EvaluationRun):
    def __init__(self, calls):
        self.calls = calls

    def run_test_batch(self, step_fn, batch):
        self.calls.append("run_test_batch")
        return step_fn(batch)


class RecordingDistribution(distribution_lib.Distribution):
    def __init__(self, chief=True, scale=1.0):
        self.calls, self.chief, self.scale = [], chief, scale

    @property
    def is_chief(self):
        return self.chief

    def begin_fit(self, model, epoch_iterator, resume_point):
        self.calls.append("begin_fit")
        return RecordingFitRun(self.calls, resume_point, self.scale)

    def begin_evaluation(self, model, data_adapter):
        self.calls.append("begin_evaluation")
        return RecordingEvaluationRun(self.calls)


@pytest.fixture
def recording(monkeypatch):
    def use(**kwargs):
        distribution = RecordingDistribution(**kwargs)
        monkeypatch.setattr(distribution_lib, "training_distribution", lambda: distribution)
        return distribution
    return use


def test_single_process_default_is_a_do_nothing_distribution():
    default = distribution_lib.training_distribution()
    assert type(default) is distribution_lib.Distribution
    assert default.is_chief and default.local_verbose(2) == 2
    run = default.begin_fit(None, None, {"initial_epoch": 3})
    assert type(run) is runs.FitRun and run.resume_point == {"initial_epoch": 3}
    grads = [np.ones(2)]
    with run:
        assert runs.active_fit_run() is run
        assert runs.reduce_gradients(grads, [None]) is grads
        assert run.any_stop(True) is True and run.run_train_batch(lambda b: b, 5) == 5
    assert runs.active_fit_run() is not run
    assert default.begin_evaluation(None, None).run_test_batch(lambda b: b * 2, 4) == 8


def test_fit_calls_the_interface_in_order(recording):
    distribution = recording()
    model = small_model()
    x, y = data()
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, validation_data=(x, y))
    per_epoch = (["on_epoch_begin"] + ["run_train_batch", "reduce_gradients"] * 2
                 + ["begin_evaluation", "run_test_batch", "run_test_batch", "any_stop"])
    assert distribution.calls == ["begin_fit"] + per_epoch * 2 + ["end", "barrier"]
    distribution.calls.clear()
    model.evaluate(x, y, batch_size=8, verbose=0)
    assert distribution.calls == ["begin_evaluation", "run_test_batch"]


def test_the_optimizer_hook_is_what_changes_gradients(recording):
    """Doubling the gradients in the hook equals doubling the learning rate (plain SGD)."""
    x, y = data()
    recording(scale=2.0)
    doubled = small_model()
    doubled.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    recording(scale=1.0)
    reference = small_model(learning_rate=0.02)
    reference.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(doubled.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_a_custom_train_step_goes_through_the_hook(recording):
    class Custom(minikeras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            x, y = data
            with minikeras.GradientTape() as tape:
                loss = minikeras.ops.mean(minikeras.ops.square(self(x, training=True) - y))
            grads = tape.gradient(loss, self.trainable_weights)
            self.optimizer.apply(grads, self.trainable_weights)
            return {"loss": loss}

    distribution = recording()
    model = Custom()
    model.compile(optimizer="sgd")
    x, y = data()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert distribution.calls.count("reduce_gradients") == 1


def test_outside_fit_the_optimizer_applies_gradients_unchanged():
    variable = minikeras.Variable(np.ones(2, dtype="float32"))
    optimizer = minikeras.optimizers.SGD(learning_rate=1.0)
    optimizer.apply([np.full(2, 0.5, dtype="float32")], [variable])
    np.testing.assert_array_equal(variable.numpy(), [0.5, 0.5])


def test_non_chief_processes_leave_out_chief_only_callbacks(recording, tmp_path):
    class Mine(callbacks.Callback):
        chief_only = True

    class Other(callbacks.Callback):
        pass

    given = [callbacks.CSVLogger(str(tmp_path / "log.csv")), [Mine(), Other()],
             callbacks.ModelCheckpoint(str(tmp_path / "m.keras")), callbacks.EarlyStopping(),
             callbacks.BackupAndRestore(str(tmp_path / "backup")),
             callbacks.RemoteMonitor()]
    non_chief = RecordingDistribution(chief=False)
    kept = non_chief.local_callbacks(given)
    assert [type(c).__name__ for c in kept] == ["Other", "EarlyStopping"]
    assert RecordingDistribution(chief=True).local_callbacks(given) is given
    assert non_chief.local_verbose(1) == 0
    # and fit uses it: a non-chief writes no CSV log
    recording(chief=False)
    model = small_model()
    x, y = data()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.CSVLogger(str(tmp_path / "n.csv"))])
    assert not (tmp_path / "n.csv").exists()


def test_every_file_writing_callback_is_chief_only():
    writers = {callbacks.CSVLogger, callbacks.ModelCheckpoint, callbacks.BackupAndRestore,
               callbacks.RemoteMonitor, callbacks.TensorBoard}
    for name in dir(callbacks):
        cls = getattr(callbacks, name)
        if isinstance(cls, type) and issubclass(cls, callbacks.Callback):
            assert cls.chief_only == (cls in writers), name


def test_the_distribution_package_patches_nothing():
    """No method replaced, no attribute of a model, optimizer or layer written from outside."""
    patching = re.compile(r"(\.apply\s*=[^=]|__dict__|setattr\(|"
                          r"\b(?:model|optimizer|layer|self\.model|self\._optimizer)"
                          r"\.\w+\s*=[^=])")
    for path in DISTRIBUTION_DIR.glob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not patching.search(line), f"{path.name}:{number}: {line.strip()}"
