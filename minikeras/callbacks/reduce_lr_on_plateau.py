"""`ReduceLROnPlateau`: lower the learning rate when a monitored quantity stops improving."""
import warnings

import numpy as np

from minikeras.callbacks.learning_rate_scheduler import set_optimizer_learning_rate
from minikeras.callbacks.monitor_callback import MonitorCallback
from minikeras.utils.io_utils import print_msg


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by `factor` after `patience` epochs without improvement.

        reduce_lr = callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5,
                                                min_lr=0.001)
        model.fit(x, y, validation_split=0.2, callbacks=[reduce_lr])
        history.history["learning_rate"]   # the rate used in each epoch

    At each epoch end the current rate is written to `logs["learning_rate"]` (before any
    change, so it is the rate that epoch trained with). Then, like Keras 3: during a cooldown
    the counter ticks down and `wait` is reset; an improvement (by more than `min_delta`)
    records the new best and resets `wait`; otherwise, outside a cooldown, `wait` grows and at
    `wait >= patience` the rate becomes `max(lr * factor, min_lr)` (only while
    `lr > min_lr`), after which `cooldown` epochs pass before `wait` counts again. The new rate
    is used from the very next training step.

    Args:
        monitor: the log key to watch. Defaults to "val_loss".
        factor: new_lr = lr * factor; must be below 1. Defaults to 0.1.
        patience: epochs without improvement before the rate is lowered. Defaults to 10.
        verbose: 1 prints a message when the rate is lowered. Defaults to 0.
        mode: "auto", "min" or "max" (see EarlyStopping).
        min_delta: an improvement must exceed this much. Defaults to 1e-4.
        cooldown: epochs to wait after a reduction before counting again. Defaults to 0.
        min_lr: the rate never goes below this. Defaults to 0.0.

    The optimizer must hold its rate as a float (a Variable); one built with a
    `LearningRateSchedule` has no settable rate, and lowering it raises a TypeError.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received "
                             f"factor={factor}")
        if kwargs:
            warnings.warn(f"ReduceLROnPlateau: ignoring unknown arguments {sorted(kwargs)}.",
                          stacklevel=2)
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = {} if logs is None else logs
        optimizers = _sub_optimizers(self.model.optimizer)
        if optimizers is None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        else:
            for optimizer in optimizers:
                logs[f"learning_rate_{optimizer.name}"] = float(optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` "
                          f"which is not available. Available metrics are: "
                          f"{','.join(list(logs.keys()))}.", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                if optimizers is None:
                    reduced = self._reduce_optimizer_lr(self.model.optimizer, epoch)
                else:
                    reduced = False
                    for optimizer in optimizers:
                        reduced = self._reduce_optimizer_lr(optimizer, epoch,
                                                            optimizer.name) or reduced
                if reduced:
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def _reduce_optimizer_lr(self, optimizer, epoch, name=""):
        old_lr = float(optimizer.learning_rate)
        if old_lr <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        set_optimizer_learning_rate(optimizer, new_lr, "ReduceLROnPlateau")
        if self.verbose > 0:
            name_str = f" {name}" if name else ""
            print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{name_str} learning rate "
                      f"to {new_lr}.")
        return True

    def in_cooldown(self):
        return self.cooldown_counter > 0


def _sub_optimizers(optimizer):
    """The parts of a multi-optimizer (Keras logs and changes each), else None."""
    return getattr(optimizer, "optimizers", None)

