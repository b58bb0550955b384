"""minikeras.distribution: data-parallel fit under `mpirun -n 2` equals one process's fit.

The MPI tests start this file as a script under `mpiexec -n 2` once (a module fixture); every
rank runs the SCENARIOS below with `DataParallel()` set and saves its weights and logs. Each
scenario also runs here, in the pytest process, without any distribution. Then:

- both ranks end with the same weights, and those equal the single process's to 1e-5 (same
  data, same global batch size, same seed) — with shuffling, an uneven last batch, a last batch
  of one sample (the second rank's shard is empty), sample weights, an L2 penalty, validation
  data, EarlyStopping, a custom `train_step`, and a fit interrupted and resumed by
  BackupAndRestore;
- the logged loss and metrics are the same on both ranks and equal the single process's;
- only rank 0 runs ModelCheckpoint / CSVLogger.

Each scenario seeds with `7 + rank`, so the two ranks build *different* initial weights and
random states: only the broadcast from rank 0 at the start of fit makes them agree.

The MPI tests are skipped (saying why) only where MPI cannot start: mpi4py or an `mpiexec`
missing (`pip install -e ".[mpi]"`, which `.[dev]` includes), or the launcher failing before
the processes ran. Once MPI has started, any error fails the test.
"""
import csv
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import minikeras
from minikeras import distribution, layers, optimizers
from minikeras.callbacks import (BackupAndRestore, Callback, CSVLogger, EarlyStopping,
                                 ModelCheckpoint)
from tests import paths

HERE = os.path.abspath(__file__)
ROOT = str(paths.ROOT)  # on the ranks' PYTHONPATH: they import minikeras and tests.paths
RANKS = 2
TOLERANCE = 1e-5


# -- the scenarios (run by each MPI rank and by the pytest process) ----------------------------
def _classification_data(n, seed, features=12, classes=3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = (x[:, :classes].argmax(axis=1) + (rng.random(n) < 0.2)) % classes
    return x, y


def _classifier(features=12):
    return minikeras.Sequential([
        layers.Input((features,)),
        layers.Dense(16, activation="relu"),
        layers.Dense(8, activation="tanh"),
        layers.Dense(3, activation="softmax"),
    ])


def scenario_classifier(workdir):
    """Adam, accuracy, shuffled; 203 samples = 6 batches of 32 + 11 (shards 6 / 5);
    validation data of 57 samples (last validation batch 25: shards 13 / 12); evaluate."""
    x, y = _classification_data(203, seed=0)
    x_val, y_val = _classification_data(57, seed=1)
    model = _classifier()
    model.compile(optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=3, validation_data=(x_val, y_val),
                        verbose=0)
    evaluated = model.evaluate(x_val, y_val, batch_size=16, verbose=0, return_dict=True)
    return model, {"history": history.history, "evaluate": evaluated}


def scenario_weighted(workdir):
    """SGD with momentum, sample weights, an L2 penalty, mse + mae; 65 samples = 2 batches of
    32 + 1: in the last batch the second rank's shard is empty."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(65, 5)).astype("float32")
    y = (x @ rng.normal(size=(5, 2)) + 0.1 * rng.normal(size=(65, 2))).astype("float32")
    weights = rng.uniform(0.5, 2.0, size=65).astype("float32")
    model = minikeras.Sequential([
        layers.Input((5,)),
        layers.Dense(8, activation="relu", kernel_regularizer=minikeras.regularizers.L2(0.01)),
        layers.Dense(2),
    ])
    model.compile(optimizers.SGD(0.02, momentum=0.9), "mse", metrics=["mae"])
    history = model.fit(x, y, sample_weight=weights, batch_size=32, epochs=4, verbose=0)
    return model, {"history": history.history}


class CountingCheckpoint(ModelCheckpoint):
    """A ModelCheckpoint that also counts its epochs (it runs on rank 0 only)."""
    epochs_seen = 0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_seen += 1
        super().on_epoch_end(epoch, logs)


def scenario_callbacks(workdir):
    """EarlyStopping on val_loss (the logs are global, so every rank stops at the same epoch),
    ModelCheckpoint and CSVLogger (rank 0 only), validation_split."""
    x, y = _classification_data(160, seed=3)
    model = _classifier()
    model.compile(optimizers.Adam(0.05), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    checkpoint = CountingCheckpoint(os.path.join(workdir, "best.weights.h5"),
                                    save_best_only=True, save_weights_only=True)
    history = model.fit(x, y, batch_size=16, epochs=30, validation_split=0.25, verbose=0,
                        callbacks=[EarlyStopping(patience=1), checkpoint,
                                   CSVLogger(os.path.join(workdir, "log.csv"))])
    return model, {"history": history.history, "checkpoint_epochs": checkpoint.epochs_seen}


class _Interrupted(Exception):
    pass


class _InterruptAfter(Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise _Interrupted()


def scenario_resume(workdir):
    """A fit stopped after its second epoch; a new model (other initial weights on each rank)
    resumes it from rank 0's BackupAndRestore backup."""
    x, y = _classification_data(100, seed=4)
    backup_dir = os.path.join(workdir, "backup")

    def compiled():
        model = _classifier()
        model.compile(optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        return model

    try:
        compiled().fit(x, y, batch_size=16, epochs=4, verbose=0,
                       callbacks=[BackupAndRestore(backup_dir), _InterruptAfter(1)])
    except _Interrupted:
        pass
    minikeras.utils.set_random_seed(100 + distribution.rank())
    model = compiled()
    history = model.fit(x, y, batch_size=16, epochs=4, verbose=0,
                        callbacks=[BackupAndRestore(backup_dir)])
    return model, {"history": history.history}


class TapeModel(minikeras.Model):
    """Keras 3's "customizing what happens in fit" pattern: an own train_step."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(8, activation="relu")
        self.head = layers.Dense(1)

    def call(self, x, training=None):
        return self.head(self.hidden(x))

    def train_step(self, data):
        x, y = data
        with minikeras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(grads, self.trainable_variables)
        return self.compute_metrics(x, y, y_pred)


def scenario_custom_step(workdir):
    """A subclassed model with its own train_step: its optimizer.apply gets the reduced
    gradients. 90 samples = 2 batches of 40 + 10 (shards 5 / 5)."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(90, 4)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5], [0.0]]) + 0.25).astype("float32")
    model = TapeModel()
    model.compile(optimizers.Adam(0.01), "mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=40, epochs=3, verbose=0)
    return model, {"history": history.history}


def scenario_presharded(workdir):
    """auto_shard_dataset=False: each rank passes its own part of the data (its half of every
    global batch of 32, not shuffled) and its half of the validation data; one process trains
    on all of it."""
    x, y = _classification_data(96, seed=9)
    x_val, y_val = _classification_data(40, seed=10)
    size, rank = distribution.world_size(), distribution.rank()
    batch_size = 32
    if size > 1:
        def part(a, rows):  # rank's `rows` of each consecutive group of size * rows
            return a.reshape((-1, size, rows) + a.shape[1:])[:, rank].reshape((-1,) + a.shape[1:])
        x, y = part(x, 32 // size), part(y, 32 // size)
        x_val, y_val = part(x_val, 20 // size), part(y_val, 20 // size)
        batch_size //= size
        previous = distribution.distribution()
        distribution.set_distribution(distribution.DataParallel(auto_shard_dataset=False))
    try:
        model = _classifier()
        model.compile(optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        history = model.fit(x, y, batch_size=batch_size, epochs=2, shuffle=False, verbose=0,
                            validation_data=(x_val, y_val),
                            validation_batch_size=20 // max(size, 1))
    finally:
        if size > 1:
            distribution.set_distribution(previous)
    return model, {"history": history.history}


def scenario_batchnorm_dropout(workdir):
    """BatchNormalization and Dropout: each rank normalizes with its shard's statistics and
    draws its own dropout masks, so only agreement between the ranks is checked (weights,
    moving statistics, logs), not equality with one process."""
    x, y = _classification_data(120, seed=6)
    model = minikeras.Sequential([
        layers.Input((12,)), layers.Dense(16), layers.BatchNormalization(),
        layers.Activation("relu"), layers.Dropout(0.3), layers.Dense(3, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=2, validation_split=0.2, verbose=0)
    return model, {"history": history.history}


SCENARIOS = {name[len("scenario_"):]: function for name, function in globals().items()
             if name.startswith("scenario_")}
SAME_AS_ONE_PROCESS = ["classifier", "weighted", "callbacks", "resume", "custom_step", "presharded"]


def run_scenario(name, workdir):
    """Run one scenario; (weights, info). Seeds with 7 + rank (see the module doc)."""
    os.makedirs(workdir, exist_ok=True)
    minikeras.utils.set_random_seed(7 + distribution.rank())
    model, info = SCENARIOS[name](workdir)
    return [np.asarray(w) for w in model.get_weights()], info


def worker_main(out_dir):
    """What each MPI rank runs: every scenario with DataParallel, results saved per rank."""
    from mpi4py import MPI
    rank = MPI.COMM_WORLD.Get_rank()
    with open(os.path.join(out_dir, f"started.{rank}"), "w") as f:  # MPI is up
        f.write(str(MPI.COMM_WORLD.Get_size()))
    data_parallel = distribution.DataParallel()
    distribution.set_distribution(data_parallel)
    for name in SCENARIOS:
        data_parallel.reset_stats()
        weights, info = run_scenario(name, os.path.join(out_dir, name))
        info["calls"] = {kind: stats["calls"] for kind, stats in data_parallel.stats.items()}
        np.savez(os.path.join(out_dir, f"{name}.weights.{rank}.npz"), *weights)
        with open(os.path.join(out_dir, f"{name}.info.{rank}.json"), "w") as f:
            json.dump(info, f, default=float)


# -- starting MPI ----------------------------------------------------------------------------
def _mpiexec():
    """The launcher that belongs to this Python's mpi4py: the one installed next to it (the
    mpich wheel's), else the first on PATH."""
    for name in ("mpiexec", "mpirun"):
        beside = os.path.join(os.path.dirname(sys.executable), name)
        if os.path.exists(beside):
            return beside
    return shutil.which("mpiexec") or shutil.which("mpirun")


@pytest.fixture(scope="module")
def mpi_results(tmp_path_factory):
    try:
        import mpi4py  # noqa: F401  (only checks that it is installed; MPI is not started)
    except ImportError:
        pytest.skip("MPI cannot start: mpi4py is not installed (pip install -e \".[mpi]\"; "
                    "the dev extra includes it)")
    launcher = _mpiexec()
    if launcher is None:
        pytest.skip("MPI cannot start: no mpiexec/mpirun next to this Python or on PATH "
                    "(pip install mpich)")
    out_dir = tmp_path_factory.mktemp("mpi")
    env = dict(os.environ)
    for name in list(env):  # a test run inside an MPI job must not look like one of its ranks
        if name.startswith(("PMI_", "PMIX_", "OMPI_", "MPI_LOCAL", "HYDRA_")):
            del env[name]
    env.update(PYTHONPATH=ROOT + os.pathsep + env.get("PYTHONPATH", ""), OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", MINIKERAS_NUM_THREADS="1",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    command = [launcher, "-n", str(RANKS), sys.executable, "-m", "mpi4py", HERE, str(out_dir)]
    try:
        proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"`{' '.join(command)}` did not finish in 240 s (a deadlock?)\n"
                    f"{error.stdout}\n{error.stderr}")
    started = [os.path.exists(os.path.join(out_dir, f"started.{r}")) for r in range(RANKS)]
    if not all(started):
        pytest.skip(f"MPI cannot start: `{' '.join(command)}` exited with {proc.returncode} "
                    f"before its {RANKS} processes ran:\n{proc.stderr[-2000:]}")
    assert proc.returncode == 0, f"the MPI run failed:\n{proc.stdout}\n{proc.stderr[-6000:]}"
    results = {}
    for name in SCENARIOS:
        per_rank = []
        for r in range(RANKS):
            with np.load(os.path.join(out_dir, f"{name}.weights.{r}.npz")) as f:
                weights = [f[f"arr_{i}"] for i in range(len(f.files))]
            with open(os.path.join(out_dir, f"{name}.info.{r}.json")) as f:
                per_rank.append((weights, json.load(f)))
        results[name] = per_rank
    results["_dir"] = out_dir
    return results


@pytest.fixture(scope="module")
def single_results(tmp_path_factory):
    """Every scenario in this process, without distribution."""
    assert distribution.distribution() is None
    out_dir = tmp_path_factory.mktemp("single")
    return {name: run_scenario(name, os.path.join(out_dir, name))
            for name in SAME_AS_ONE_PROCESS}


def _assert_weights_close(actual, expected, what):
    assert len(actual) == len(expected), what
    for i, (a, e) in enumerate(zip(actual, expected)):
        np.testing.assert_allclose(a, e, rtol=TOLERANCE, atol=TOLERANCE,
                                   err_msg=f"{what}: weight {i}")


def _assert_logs_close(actual, expected, what):
    assert sorted(actual) == sorted(expected), what
    for key in expected:
        np.testing.assert_allclose(actual[key], expected[key], rtol=TOLERANCE, atol=TOLERANCE,
                                   err_msg=f"{what}: {key}")


# -- the tests -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_rank_ends_with_the_same_weights_and_logs(mpi_results, name):
    (weights_0, info_0), (weights_1, info_1) = mpi_results[name]
    for a, b in zip(weights_0, weights_1):
        np.testing.assert_array_equal(a, b)  # bit for bit: same reduced gradients everywhere
    assert info_0["history"] == info_1["history"]
    assert info_0.get("evaluate") == info_1.get("evaluate")


@pytest.mark.parametrize("name", SAME_AS_ONE_PROCESS)
def test_two_ranks_train_like_one_process_with_the_same_global_batch(mpi_results,
                                                                     single_results, name):
    single_weights, single_info = single_results[name]
    for rank, (weights, info) in enumerate(mpi_results[name]):
        _assert_weights_close(weights, single_weights, f"{name}, rank {rank}")
        assert list(info["history"]) == list(single_info["history"])
        for key, values in single_info["history"].items():
            np.testing.assert_allclose(info["history"][key], values, rtol=TOLERANCE,
                                       atol=TOLERANCE, err_msg=f"{name}, rank {rank}: {key}")
        if "evaluate" in single_info:
            _assert_logs_close(info["evaluate"], single_info["evaluate"], f"{name} evaluate")


def test_one_allreduce_per_training_step(mpi_results):
    # classifier: 3 epochs of 7 steps, each ONE fused Allreduce (gradients + metric states);
    # the metric-state Allreduce runs only for the 2 validation batches of each epoch and the
    # 4 batches of evaluate.
    for _, info in mpi_results["classifier"]:
        assert info["calls"] == {"gradients": 3 * 7, "logs": 3 * 2 + 4}
    # a custom train_step is not reordered: its apply reduces the gradients at once, and its
    # logs take a second, small Allreduce (3 epochs of 3 steps)
    for _, info in mpi_results["custom_step"]:
        assert info["calls"] == {"gradients": 3 * 3, "logs": 3 * 3}


def test_early_stopping_stops_every_rank_at_the_epoch_one_process_stops(mpi_results,
                                                                        single_results):
    epochs = len(single_results["callbacks"][1]["history"]["loss"])
    assert epochs < 30  # it did stop early
    for weights, info in mpi_results["callbacks"]:
        assert len(info["history"]["loss"]) == epochs


def test_only_rank_0_writes_checkpoints_and_csv_logs(mpi_results):
    (_, info_0), (_, info_1) = mpi_results["callbacks"]
    epochs = len(info_0["history"]["loss"])
    assert info_0["checkpoint_epochs"] == epochs
    assert info_1["checkpoint_epochs"] == 0  # left out on rank 1
    workdir = os.path.join(mpi_results["_dir"], "callbacks")
    assert os.path.exists(os.path.join(workdir, "best.weights.h5"))
    with open(os.path.join(workdir, "log.csv")) as f:
        rows = list(csv.DictReader(f))
    assert [int(row["epoch"]) for row in rows] == list(range(epochs))  # one writer, no doubles
    np.testing.assert_allclose([float(row["val_loss"]) for row in rows],
                               info_0["history"]["val_loss"], rtol=1e-6)


def test_resume_restored_the_backup_on_every_rank(mpi_results):
    for _, info in mpi_results["resume"]:
        assert len(info["history"]["loss"]) == 2  # epochs 2 and 3 of 4
    backup_dir = os.path.join(mpi_results["_dir"], "resume", "backup")
    assert not os.path.exists(os.path.join(backup_dir, "latest.backup.h5"))  # removed at end


# -- without MPI -----------------------------------------------------------------------------
def test_shards_partition_every_batch():
    from minikeras.distribution.data_parallel_runs import shard_bounds
    for n in range(0, 40):
        for size in (1, 2, 3, 4, 7):
            bounds = [shard_bounds(n, r, size) for r in range(size)]
            assert bounds[0][0] == 0 and bounds[-1][1] == n
            assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
            counts = [stop - start for start, stop in bounds]
            assert max(counts) - min(counts) <= 1


def test_helpers_without_mpi_describe_one_process():
    assert distribution.rank() == 0
    assert distribution.world_size() == 1
    assert distribution.is_chief()
    assert distribution.list_devices() == ["cpu:0"]
    distribution.barrier()  # nothing to wait for


def test_a_plain_process_does_not_import_mpi4py():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PMI_", "PMIX_", "OMPI_", "MPI_LOCAL"))}
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    code = ("import sys, minikeras\n"
            "d = minikeras.distribution\n"
            "d.set_distribution(d.DataParallel())\n"
            "assert (d.rank(), d.world_size(), d.is_chief()) == (0, 1, True)\n"
            "assert 'mpi4py' not in sys.modules, 'mpi4py was imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_data_parallel_on_one_process_changes_nothing():
    def train():
        minikeras.utils.set_random_seed(11)
        x, y = _classification_data(70, seed=8)
        model = _classifier()
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, batch_size=16, epochs=2, validation_split=0.2, verbose=0)
        return model.get_weights(), history.history

    plain_weights, plain_history = train()
    distribution.set_distribution(distribution.DataParallel())
    try:
        assert distribution.distribution() is not None
        weights, history = train()
    finally:
        distribution.set_distribution(None)
    for a, b in zip(weights, plain_weights):
        np.testing.assert_array_equal(a, b)
    assert history == plain_history


def test_set_distribution_checks_its_argument():
    with pytest.raises(ValueError, match="DataParallel"):
        distribution.set_distribution("data_parallel")
    with pytest.raises(ValueError, match="one device per MPI process"):
        distribution.DataParallel(devices=["cpu:0", "cpu:1"])
    with pytest.raises(ValueError, match="DeviceMesh"):
        distribution.DataParallel(device_mesh=object())


if __name__ == "__main__":  # one MPI rank: mpiexec -n 2 python tests/distribution/test_data_parallel_mpi.py DIR
    worker_main(sys.argv[1])
