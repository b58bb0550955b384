"""`ModelCheckpoint`: save the model (or its weights) during training."""
import os
import warnings

import numpy as np

from minikeras.callbacks.monitor_callback import MonitorCallback
from minikeras.utils.io_utils import print_msg


class ModelCheckpoint(MonitorCallback):
    """Save the whole model or its weights every epoch or every `save_freq` batches.

        checkpoint = callbacks.ModelCheckpoint("ckpt/{epoch:02d}-{val_loss:.2f}.keras",
                                               save_best_only=True)
        model.fit(x, y, validation_split=0.2, epochs=10, callbacks=[checkpoint])

    Args:
        filepath: where to save; `str.format` fields are filled with `epoch` (1-based), `batch`
            (1-based, when saving every N batches) and the keys of the logs, e.g.
            "{epoch:02d}-{val_loss:.2f}.keras". A whole model needs a name ending in ".keras"
            or ".h5"; with `save_weights_only=True` the name must end in ".weights.h5".
            Missing folders are created.
        monitor: the log key that decides which model is best. Defaults to "val_loss".
        verbose: 1 prints a line for each save (or skipped save). Defaults to 0.
        save_best_only: save only when `monitor` improves on the best value so far.
        save_weights_only: `model.save_weights(path)` instead of `model.save(path)`.
        mode: "auto", "min" or "max" for `monitor` (see EarlyStopping).
        save_freq: "epoch", or an integer N: save after every N training batches (counted
            across epochs); the logs are then the running values of the current epoch.
        initial_value_threshold: the starting best value for `save_best_only`.

    Attributes: `best`, the best monitored value saved so far.
    """

    chief_only = True  # writes files / sends data: only the chief runs it under DataParallel

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if self.save_freq != "epoch" and not isinstance(self.save_freq, int):
            raise ValueError(f"Unrecognized save_freq: {self.save_freq}. Expected save_freq are "
                             f"'epoch' or integer values")
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(f"When using `save_weights_only=True` in `ModelCheckpoint`, the "
                                 f"filepath provided must end in `.weights.h5` (Keras weights "
                                 f"format). Received: filepath={self.filepath}")
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError(f"The filepath provided must end in `.keras` (Keras model format). "
                             f"Received: filepath={self.filepath}")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)

    def _should_save_on_batch(self, batch):
        """Count batches (the index restarts at 0 every epoch); True every `save_freq`."""
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch began: batches 0..batch were run
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch, batch, logs, filepath):
        """Always when not `save_best_only`; else when `logs[monitor]` improves on `best`."""
        logs = logs or {}
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=2)
            return True
        if isinstance(current, np.ndarray) and current.ndim > 0:
            warnings.warn(f"Can save best model only when `monitor` is a scalar value. Received: "
                          f"{current}. Falling back to `save_best_only=False`.")
            return True
        if self.monitor_op is None:
            self._set_monitor_op()  # saving every N batches: before the first epoch end
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to "
                          f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def _save_model(self, epoch, batch, logs):
        filepath = self._get_file_path(epoch, batch, logs)
        try:
            if self._should_save_model(epoch, batch, logs, filepath):
                dirname = os.path.dirname(filepath)
                if dirname and not os.path.exists(dirname):
                    os.makedirs(dirname, exist_ok=True)
                if self.save_weights_only:
                    self.model.save_weights(filepath, overwrite=True)
                else:
                    self.model.save(filepath, overwrite=True)
                if self.verbose > 0:
                    print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")
        except IsADirectoryError:
            raise IOError(f"Please specify a non-directory filepath for ModelCheckpoint. Filepath "
                          f"used is an existing directory: {filepath}") from None

    def _get_file_path(self, epoch, batch, logs):
        """`filepath` with `epoch` (1-based), `batch` (1-based, batch saves) and the logs."""
        logs = logs or {}
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {e}") from None
