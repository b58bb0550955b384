"""BackupAndRestore: a training process killed with SIGKILL at any point and started again with
the same `fit` call ends with bit-identical weights to a run that was never interrupted.

The end-to-end tests run TRAIN_SCRIPT in subprocesses: it kills itself (once per kill point; a
marker file remembers) at the end of a given batch, in the middle of writing a backup, or
between writing and renaming it; the test starts it again until it finishes, then compares
every weight and optimizer variable with np.array_equal against an uninterrupted run.
"""
import json
import os
import signal
import subprocess
import sys

import h5py
import numpy as np
import pytest

import minikeras
from minikeras import layers, optimizers
from minikeras.callbacks.backup_and_restore import BackupAndRestore
from tests.paths import ROOT

TRAIN_SCRIPT = r'''
import json, os, signal, sys
import numpy as np
import minikeras
from minikeras import callbacks, layers, optimizers
from minikeras.callbacks import backup_and_restore
from minikeras.callbacks.backup_and_restore import BackupAndRestore

config = json.loads(sys.argv[1])
out = config["out"]


def kill_once(name):
    """SIGKILL this process unless the kill `name` already happened."""
    marker = f"{out}.{name}"
    if not os.path.exists(marker):
        open(marker, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)


# Kill in the middle of the n-th backup write (some arrays written, the file still open) ...
writes = [0]
original_write_arrays = backup_and_restore._write_arrays
def write_arrays(group, arrays):
    original_write_arrays(group, arrays)
    if group.name == "/model_weights":
        writes[0] += 1
        if writes[0] == config.get("kill_in_write"):
            kill_once("in_write")
backup_and_restore._write_arrays = write_arrays
# ... or after the n-th complete write, just before it is renamed into place.
renames = [0]
original_replace = os.replace
def replace(source, target):
    if os.path.basename(source).startswith(".tmp-latest.backup.h5"):
        renames[0] += 1
        if renames[0] == config.get("kill_at_rename"):
            kill_once("at_rename")
    return original_replace(source, target)
os.replace = replace


class KillAt(callbacks.Callback):
    def __init__(self, epoch, batch, name):
        super().__init__()
        self.at, self.name, self.epoch = (epoch, batch), name, None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            kill_once(self.name)


minikeras.utils.set_random_seed(7)
rng = np.random.default_rng(0)
x = rng.standard_normal((100, 8)).astype("float32")
y = rng.integers(0, 3, 100)
model = minikeras.Sequential([
    layers.Input((8,)), layers.Dense(16, activation="relu"),
    layers.Dropout(0.3),                 # draws from the shared generator
    layers.Dense(16, activation="relu"),
    layers.Dropout(0.2, seed=3),         # draws from its own generator
    layers.Dense(3, activation="softmax")])
model.compile(optimizer=optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
cbs = []
if config.get("backup_dir"):
    cbs.append(BackupAndRestore(config["backup_dir"], save_freq=config.get("save_freq", "epoch"),
                                double_checkpoint=config.get("double_checkpoint", False)))
cbs += [KillAt(epoch, batch, f"kill{i}")
        for i, (epoch, batch) in enumerate(config.get("kills", []))]
history = model.fit(x, y, batch_size=16, epochs=config.get("epochs", 4), shuffle=True,
                    validation_data=(x[:20], y[:20]), steps_per_epoch=config.get("steps_per_epoch"),
                    callbacks=cbs, verbose=0)
np.savez(out, *model.get_weights(), *[v.numpy() for v in model.optimizer.variables])
with open(out + ".history.json", "w") as f:
    json.dump({"epoch": history.epoch, "history": history.history}, f)
'''


def run_script(tmp_path, config):
    script = tmp_path / "train.py"
    if not script.exists():
        script.write_text(TRAIN_SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return subprocess.run([sys.executable, str(script), json.dumps(config)], env=env,
                          capture_output=True, text=True, timeout=300)


def train_until_done(tmp_path, config, max_runs=8):
    """Run the script until it exits normally; the return codes of every run."""
    codes = []
    for _ in range(max_runs):
        result = run_script(tmp_path, config)
        codes.append(result.returncode)
        if result.returncode == 0:
            return codes, result
        assert result.returncode == -signal.SIGKILL, result.stderr
    raise AssertionError(f"training never finished: {codes}")


def load_result(path):
    with np.load(path) as arrays:
        values = [arrays[k] for k in arrays.files]
    with open(str(path) + ".history.json") as f:
        return values, json.load(f)


def assert_bit_identical(a, b):
    assert len(a) == len(b)
    for i, (x, y) in enumerate(zip(a, b)):
        assert x.dtype == y.dtype and np.array_equal(x, y), f"array {i} differs"


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Uninterrupted runs (no BackupAndRestore), one per training setup."""
    folder = tmp_path_factory.mktemp("reference")
    cache = {}

    def get(**setup):
        key = json.dumps(setup, sort_keys=True)
        if key not in cache:
            out = str(folder / f"ref{len(cache)}.npz")
            result = run_script(folder, dict(setup, out=out))
            assert result.returncode == 0, result.stderr
            cache[key] = load_result(out)
        return cache[key]
    return get


def resume_test(tmp_path, reference, setup, **backup):
    out, backup_dir = str(tmp_path / "run.npz"), tmp_path / "backup"
    codes, _ = train_until_done(tmp_path, dict(setup, out=out, backup_dir=str(backup_dir),
                                               **backup))
    weights, history = load_result(out)
    ref_weights, ref_history = reference(**setup)
    assert_bit_identical(weights, ref_weights)
    assert not backup_dir.exists()  # delete_checkpoint=True removed it at the end
    return codes, history, ref_history


def test_killed_mid_epoch_resumes_bit_identical_epoch_backups(tmp_path, reference):
    codes, history, ref_history = resume_test(tmp_path, reference, {}, kills=[[2, 3]])
    assert codes == [-signal.SIGKILL, 0]
    assert history["epoch"] == [2, 3]  # epoch 2 is trained again from its start
    assert history["history"]["loss"] == ref_history["history"]["loss"][2:]


def test_killed_three_times_resumes_bit_identical_batch_backups(tmp_path, reference):
    # 7 batches per epoch, a backup every 3 steps (counted across epochs): the restarts
    # resume inside epochs, replaying the epoch's shuffle and skipping the steps done.
    codes, history, _ = resume_test(tmp_path, reference, {}, save_freq=3,
                                    kills=[[1, 4], [2, 0], [3, 6]])
    assert codes == [-signal.SIGKILL] * 3 + [0]
    assert history["epoch"] == [3]  # the last restart resumed at step 6 of epoch 3


def test_resume_with_steps_per_epoch_continuing_the_pass(tmp_path, reference):
    # 7 batches per pass, 5 steps per epoch: epochs start in the middle of a pass.
    setup = {"steps_per_epoch": 5, "epochs": 5}
    codes, _, _ = resume_test(tmp_path, reference, setup, save_freq=2,
                              kills=[[1, 1], [3, 1]])
    assert codes == [-signal.SIGKILL] * 2 + [0]
    (tmp_path / "epochs").mkdir()
    codes, _, _ = resume_test(tmp_path / "epochs", reference, setup, kills=[[1, 1], [3, 1]])
    assert codes == [-signal.SIGKILL] * 2 + [0]


def test_killed_while_writing_or_renaming_a_backup(tmp_path, reference):
    codes, _, _ = resume_test(tmp_path, reference, {}, save_freq=2, kill_in_write=5,
                              kill_at_rename=9)
    assert codes == [-signal.SIGKILL] * 2 + [0]


def test_backup_at_the_last_step_of_an_epoch_resumes_with_its_logs(tmp_path, reference):
    # save_freq=7 = the steps of an epoch: the restart has no step left in epoch 1, only its
    # validation and end; its logs are the backed-up ones, equal to the uninterrupted run's.
    codes, history, ref_history = resume_test(tmp_path, reference, {}, save_freq=7,
                                              kills=[[1, 6]])
    assert codes == [-signal.SIGKILL, 0]
    assert history["epoch"] == [1, 2, 3]
    for key, values in ref_history["history"].items():
        assert history["history"][key] == values[1:], key


def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path, reference):
    out, backup_dir = str(tmp_path / "run.npz"), tmp_path / "backup"
    config = dict(out=out, backup_dir=str(backup_dir), save_freq=2, double_checkpoint=True,
                  kills=[[2, 3]])
    assert run_script(tmp_path, config).returncode == -signal.SIGKILL
    assert sorted(os.listdir(backup_dir)) == ["latest.backup.h5", "previous.backup.h5"]
    (backup_dir / "latest.backup.h5").write_bytes(b"\0" * 100)  # corrupt
    result = run_script(tmp_path, config)
    assert result.returncode == 0, result.stderr
    assert "cannot be read" in result.stderr and "previous" in result.stderr
    assert_bit_identical(load_result(out)[0], reference()[0])
    assert not backup_dir.exists()


# -- in-process tests -------------------------------------------------------------------------
def small_model():
    minikeras.utils.set_random_seed(1)
    model = minikeras.Sequential([layers.Input((3,)), layers.Dense(4, activation="relu"),
                                  layers.Dense(2, activation="softmax")])
    model.compile(optimizer=optimizers.SGD(0.1, momentum=0.9),
                  loss="sparse_categorical_crossentropy")
    return model


X = np.random.default_rng(2).standard_normal((20, 3)).astype("float32")
Y = (X[:, 0] > 0).astype("int64")


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        BackupAndRestore("")
    for bad in ("batch", 0, 1.5, True):
        with pytest.raises(ValueError, match="save_freq"):
            BackupAndRestore("/tmp/x", save_freq=bad)


def test_backup_file_holds_weights_optimizer_counters_and_random_state(tmp_path):
    model = small_model()
    callback = BackupAndRestore(tmp_path / "b", save_freq=3, delete_checkpoint=False)
    model.fit(X, Y, batch_size=4, epochs=2, verbose=0, callbacks=[callback])  # 10 steps
    with h5py.File(tmp_path / "b" / "latest.backup.h5", "r") as f:
        metadata = json.loads(f.attrs["metadata"])
        assert f.attrs["format"] == "minikeras.BackupAndRestore"
        weights = [f["model_weights"][str(i)][()] for i in range(len(model.weights))]
        assert int(f["optimizer_variables"].attrs["count"]) == len(model.optimizer.variables)
    assert (metadata["epoch"], metadata["step"]) == (1, 4)  # saved after global step 9
    assert metadata["data_position"]["batches"] == 4
    assert set(metadata["random_state"]) == {"global", "numpy_legacy", "python", "layers"}
    assert sorted(metadata["logs"]) == ["loss"]
    assert len(weights) == len(model.weights)
    assert [n for n in os.listdir(tmp_path / "b")] == ["latest.backup.h5"]


def test_without_delete_checkpoint_a_finished_run_restores_as_finished(tmp_path):
    model = small_model()
    callback = BackupAndRestore(tmp_path / "b", delete_checkpoint=False)
    model.fit(X, Y, batch_size=4, epochs=2, verbose=0, callbacks=[callback])
    trained = model.get_weights()
    fresh = small_model()
    history = fresh.fit(X, Y, batch_size=4, epochs=2, verbose=0, callbacks=[callback])
    assert history.epoch == []
    assert_bit_identical(fresh.get_weights(), trained)
    assert fresh.optimizer.iterations.numpy() == model.optimizer.iterations.numpy() == 10
    # a later fit of the same model is not affected by the restored epoch
    assert fresh.fit(X, Y, batch_size=4, epochs=1, verbose=0).epoch == [0]


def test_successful_training_removes_only_its_own_files(tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    small_model().fit(X, Y, batch_size=4, epochs=2, verbose=0,
                      callbacks=[BackupAndRestore(folder, double_checkpoint=True)])
    assert os.listdir(folder) == ["notes.txt"]


def test_only_the_backups_own_abandoned_temporaries_are_removed(tmp_path):
    """A killed run's temporary goes; a user's file that merely looks like one stays."""
    folder = tmp_path / "b"
    folder.mkdir()
    dead_pid = 2 ** 22 + 12345  # above Linux's pid_max default: no such process
    abandoned = folder / f".tmp-latest.backup.h5-{dead_pid}-0abc1234.saving"
    lookalike = folder / f".tmp-latest.backup.h5-{dead_pid}-my-notes.txt"
    abandoned.write_bytes(b"half a backup")
    lookalike.write_text("mine")
    small_model().fit(X, Y, batch_size=4, epochs=1, verbose=0,
                      callbacks=[BackupAndRestore(folder)])
    assert sorted(os.listdir(folder)) == [lookalike.name]


def test_unreadable_backup_without_a_previous_one_is_an_error(tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "latest.backup.h5").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="cannot be read"):
        small_model().fit(X, Y, epochs=1, verbose=0, callbacks=[BackupAndRestore(folder)])


def test_a_backup_of_another_model_is_refused(tmp_path):
    callback = BackupAndRestore(tmp_path / "b", delete_checkpoint=False)
    small_model().fit(X, Y, batch_size=4, epochs=1, verbose=0, callbacks=[callback])
    other = minikeras.Sequential([layers.Input((3,)), layers.Dense(2, activation="softmax")])
    other.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="does not match"):
        other.fit(X, Y, epochs=2, verbose=0, callbacks=[callback])
