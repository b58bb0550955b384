"""`BackupAndRestore`: a `fit` that was killed resumes where its last backup left off.

    callback = callbacks.BackupAndRestore(backup_dir="/tmp/backup")
    model.fit(x, y, epochs=10, callbacks=[callback])   # killed during epoch 4 ...
    model.fit(x, y, epochs=10, callbacks=[callback])   # ... run again: continues from epoch 4

Unlike Keras (which restarts the interrupted epoch with whatever random numbers come next), the
resumed run is bit-identical to one that was never interrupted, given the same script (fixed
seed): the backup holds everything the rest of the run depends on:

- the model's weights (`model.weights`, trainable and not) and the optimizer's variables
  (iteration count, learning rate, slots, EMA averages, gradient accumulators);
- where training stood: the epoch to start at and, for `save_freq=N` batches, the steps of that
  epoch already done and the running logs at that step;
- where the pass over the training data stood: the shared random generator's state just before
  the pass drew its shuffle and how many batches it has handed out, so the restarted `fit`
  draws the same permutation and skips the batches already trained on;
- the random generators' states at the moment of the backup: minikeras's shared generator
  (shuffling, unseeded Dropout and noise layers), the `SeedGenerator`s of layers given their own
  `seed` (found by walking the model's layers), NumPy's legacy global generator and Python's
  `random`.

Everything is written to one HDF5 file, `<backup_dir>/latest.backup.h5`, through a temporary
file renamed into place, so a process killed mid-write leaves the previous backup intact.
With `double_checkpoint=True` the backup it replaces is kept as `previous.backup.h5`, and a
latest backup that cannot be read is skipped (with a warning) for that one. When training ends
normally the backup files are removed (`delete_checkpoint=True`) and `backup_dir` too if that
leaves it empty (Keras removes the whole directory; minikeras never deletes files it did not
write).

Differences from a run that was never interrupted: the callbacks' own state (EarlyStopping's
counters, ...) and the `History` of the epochs before the restart are not restored (as in
Keras); after a restart inside an epoch, that epoch's logged loss and metrics average only the
steps run after the restart (or are the logs of the backup when no step was left).
"""
import json
import os
import random as python_random
import warnings

import numpy as np

from minikeras.backend import random
from minikeras.callbacks.callback import Callback
from minikeras.random.seed_generator import find_seed_generators
from minikeras.utils.file_utils import remove_abandoned_save_temporaries

FORMAT = "minikeras.BackupAndRestore"
FORMAT_VERSION = 1
LATEST = "latest.backup.h5"
PREVIOUS = "previous.backup.h5"


class BackupAndRestore(Callback):
    """Back up the whole training state regularly; restore it when `fit` starts again.

    Args:
        backup_dir: folder for the backup files (created when needed). Use a different folder
            for each training job.
        save_freq: "epoch" (back up at the end of every epoch) or an integer N (back up every N
            training steps, counted across epochs, so a restart resumes inside an epoch).
        double_checkpoint: keep the previous backup too, and fall back to it if the latest
            one cannot be read.
        delete_checkpoint: remove the backup when `fit` ends normally (not when it raised or
            was killed).

    The model must be built when `fit` starts (fit builds it from the data).
    """

    chief_only = True  # writes files / sends data: only the chief runs it under DataParallel

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and (not isinstance(save_freq, (int, np.integer))
                                     or isinstance(save_freq, bool) or save_freq < 1):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: "
                             f"save_freq={save_freq}. Expected either 'epoch' or an integer "
                             f"value (a number of batches, >= 1).")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._backup_path = os.path.join(self.backup_dir, LATEST)
        self._previous_path = os.path.join(self.backup_dir, PREVIOUS)
        self._batches_since_save = 0
        self._current_epoch = 0

    # -- hooks ---------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._batches_since_save = 0
        self._remove_temporaries()
        state = self._read_backup()
        if state is not None:
            self._restore(state)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(epoch=self._current_epoch, step=batch + 1, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        if self.save_freq == "epoch":
            self._save(epoch=epoch + 1, step=0, logs=None)

    def on_train_end(self, logs=None):
        if not self.delete_checkpoint:
            return
        for path in (self._backup_path, self._previous_path):
            if os.path.exists(path):
                os.remove(path)
        self._remove_temporaries()
        try:
            os.rmdir(self.backup_dir)  # only when empty: other files are not ours
        except OSError:
            pass

    # -- writing -------------------------------------------------------------------------------
    def _save(self, epoch, step, logs):
        import h5py

        from minikeras.utils.file_utils import atomic_path

        model = self.model
        optimizer = getattr(model, "optimizer", None)
        optimizer_variables = (optimizer.variables if optimizer is not None
                               and getattr(optimizer, "built", False) else [])
        position_of = getattr(model, "_fit_data_position", None)
        metadata = {
            "format_version": FORMAT_VERSION,
            "epoch": int(epoch),
            "step": int(step),
            "logs": dict(logs) if (logs and step) else None,
            "data_position": position_of() if position_of is not None else None,
            "random_state": capture_random_state(model),
        }
        os.makedirs(self.backup_dir, exist_ok=True)
        with atomic_path(self._backup_path) as temporary:
            with h5py.File(temporary, "w") as f:
                f.attrs["format"] = FORMAT
                f.attrs["metadata"] = json.dumps(metadata, default=_to_json)
                _write_arrays(f.create_group("model_weights"), [v.numpy() for v in model.weights])
                _write_arrays(f.create_group("optimizer_variables"),
                              [v.numpy() for v in optimizer_variables])
            if self.double_checkpoint and os.path.exists(self._backup_path):
                os.replace(self._backup_path, self._previous_path)
            # atomic_path renames the complete file onto latest.backup.h5 on leaving the block

    def _remove_temporaries(self):
        """The backup writes of killed runs (only this callback's own temporary names)."""
        remove_abandoned_save_temporaries(self._backup_path)

    # -- reading -------------------------------------------------------------------------------
    def _read_backup(self):
        """The newest readable backup as (metadata, weights, optimizer variables), or None."""
        latest_exists = os.path.exists(self._backup_path)
        previous_exists = os.path.exists(self._previous_path)
        if latest_exists:
            try:
                return _read_file(self._backup_path)
            except _UNREADABLE as error:
                if not previous_exists:
                    raise ValueError(f"BackupAndRestore: the backup {self._backup_path!r} cannot "
                                     f"be read ({type(error).__name__}: {error}). Delete it to "
                                     f"start training from scratch.") from error
                warnings.warn(f"BackupAndRestore: the backup {self._backup_path!r} cannot be "
                              f"read ({type(error).__name__}: {error}); restoring the previous "
                              f"one, {self._previous_path!r}.", stacklevel=2)
        if previous_exists:  # also when killed between rotating and renaming the new backup
            try:
                return _read_file(self._previous_path)
            except _UNREADABLE as error:
                raise ValueError(f"BackupAndRestore: neither backup in {self.backup_dir!r} can "
                                 f"be read ({type(error).__name__}: {error}).") from error
        return None

    def _restore(self, state):
        metadata, weights, optimizer_values = state
        model = self.model
        if not model.built:
            raise ValueError(f"To use the BackupAndRestore callback, your model must be built "
                             f"before you call `fit()`. Model {model} is unbuilt. You can build "
                             f"it beforehand by calling it on a batch of data.")
        variables = model.weights
        _check_shapes("model", variables, weights, self.backup_dir)
        optimizer = getattr(model, "optimizer", None)
        if optimizer_values:
            if not optimizer.built:
                optimizer.build(model.trainable_weights)
            _check_shapes("optimizer", optimizer.variables, optimizer_values, self.backup_dir)
        for variable, value in zip(variables, weights):
            variable.assign(value)
        if optimizer_values:
            for variable, value in zip(optimizer.variables, optimizer_values):
                variable.assign(value)
        restore_random_state(model, metadata["random_state"])
        model._initial_epoch = int(metadata["epoch"])
        step, position = int(metadata.get("step") or 0), _from_json(metadata.get("data_position"))
        if step or position is not None:
            model._initial_step_state = {"step": step, "data_position": position,
                                         "logs": metadata.get("logs")}
        self._current_epoch = int(metadata["epoch"])


# -- random generators ------------------------------------------------------------------------
def capture_random_state(model=None):
    """The states of every random generator a training run draws from (JSON-ready dict)."""
    state = {
        "global": random.global_generator().bit_generator.state,
        "numpy_legacy": np.random.get_state(legacy=False),
        "python": python_random.getstate(),
        "layers": {},
    }
    if model is not None:
        state["layers"] = {path: seed_generator.state
                           for path, seed_generator in _layer_seed_generators(model).items()}
    return state


def restore_random_state(model, state):
    """Put back what `capture_random_state` recorded (after a JSON round trip)."""
    state = _from_json(state)
    _set_generator_state(random.global_generator(), state["global"], "the shared generator")
    np.random.set_state(state["numpy_legacy"])
    version, internal, gauss = state["python"]
    python_random.setstate((version, tuple(internal), gauss))
    seed_generators = _layer_seed_generators(model) if model is not None else {}
    for path, generator_state in state.get("layers", {}).items():
        seed_generator = seed_generators.get(_current_path(path))
        if seed_generator is None:
            warnings.warn(f"BackupAndRestore: the backup holds a random generator at {path!r} "
                          f"that this model does not have; it is ignored.", stacklevel=3)
            continue
        _set_generator_state(seed_generator.next(), generator_state, path)


def _set_generator_state(generator, state, where):
    name = type(generator.bit_generator).__name__
    if state.get("bit_generator") != name:
        raise ValueError(f"BackupAndRestore: {where} is a {name} generator but the backup holds a "
                         f"{state.get('bit_generator')} state.")
    generator.bit_generator.state = state


def _layer_seed_generators(model):
    """{attribute path: SeedGenerator} for the seeded `SeedGenerator`s of the model's layers
    (unseeded ones draw from the shared generator, saved on its own)."""
    from minikeras.layers.layer import Layer

    return {path: seed_generator
            for path, seed_generator in find_seed_generators(model, Layer, "model").items()
            if seed_generator.owns_state}


def _current_path(path):
    """The path of a layer's SeedGenerator for a path a backup holds: backups written before
    layers kept a `seed_generator` name the NumPy generator they held as `.../_generator`."""
    prefix, _, name = path.rpartition("/")
    return f"{prefix}/seed_generator" if name == "_generator" else path


# -- file helpers -----------------------------------------------------------------------------
_UNREADABLE = (OSError, KeyError, ValueError, TypeError)


def _write_arrays(group, arrays):
    group.attrs["count"] = len(arrays)
    for i, array in enumerate(arrays):
        group.create_dataset(str(i), data=np.asarray(array))


def _read_arrays(group):
    return [np.array(group[str(i)][()]) for i in range(int(group.attrs["count"]))]


def _read_file(path):
    import h5py

    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != FORMAT:
            raise ValueError(f"{path!r} is not a minikeras BackupAndRestore file.")
        metadata = json.loads(f.attrs["metadata"])
        if metadata.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{path!r} has backup format version "
                             f"{metadata.get('format_version')}, expected {FORMAT_VERSION}.")
        return metadata, _read_arrays(f["model_weights"]), _read_arrays(f["optimizer_variables"])


def _check_shapes(owner, variables, values, backup_dir):
    if len(variables) != len(values) or any(
            tuple(v.shape) != tuple(np.shape(a)) for v, a in zip(variables, values)):
        raise ValueError(f"BackupAndRestore: the backup in {backup_dir!r} does not match this "
                         f"{owner}: it holds {len(values)} arrays of shapes "
                         f"{[tuple(np.shape(a)) for a in values]}, the {owner} has "
                         f"{len(variables)} of shapes {[tuple(v.shape) for v in variables]}. "
                         f"Use a new backup_dir for a different model.")


def _to_json(value):
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"Cannot store {type(value).__name__} in a backup.")


def _from_json(value):
    if isinstance(value, dict):
        if "__ndarray__" in value:
            return np.asarray(value["__ndarray__"], dtype=value["dtype"])
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value
