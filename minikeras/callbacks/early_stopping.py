"""`EarlyStopping`: end `fit` when a monitored quantity has stopped improving."""
import warnings

from minikeras.callbacks.monitor_callback import MonitorCallback
from minikeras.utils.io_utils import print_msg


class EarlyStopping(MonitorCallback):
    """Stop training once `monitor` has not improved for `patience` epochs (Keras 3 rules).

        stop = callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
        history = model.fit(x, y, validation_split=0.2, epochs=100, callbacks=[stop])
        stop.stopped_epoch, stop.best_epoch        # 0-based epoch indices

    At every epoch end from `start_from_epoch` on, `wait` grows by one; an improvement over the
    best value so far (by more than `min_delta`) records the new best and resets `wait` to 0,
    but only if it also beats `baseline` when one is given. Training stops at the end of an
    epoch (never the first) that brings no improvement once `wait >= patience`.

    Args:
        monitor: the log key to watch. Defaults to "val_loss".
        min_delta: an improvement must exceed this much (its sign is ignored). Defaults to 0.
        patience: epochs without improvement before stopping. Defaults to 0.
        verbose: 1 prints "Epoch N: early stopping" and the restore message. Defaults to 0.
        mode: "auto", "min" or "max" ("auto" minimizes losses and maximizes accuracy, AUC...).
        baseline: a value to beat. Only an epoch that improves on both the best so far and
            `baseline` resets `wait`, so if the baseline is never reached training stops at
            the first epoch without improvement once `patience` epochs have passed.
        restore_best_weights: at the end of training (stopped early or not) put back the
            weights of the best epoch, even if that epoch never beat `baseline`.
        start_from_epoch: epochs of warm-up before monitoring begins. Defaults to 0.

    Attributes: `stopped_epoch` (0 if training was not stopped), `best_epoch`, `best`, `wait`,
    `best_weights`. A missing `monitor` key warns and is skipped for that epoch.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.best_epoch = 0
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        # Reset, so that one instance can serve several `fit` calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()  # here, once the compiled metrics are built
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # The first monitored epoch's weights are the best so far.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg(f"Restoring model weights from the end of the best epoch: "
                          f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        """`logs[monitor]`, or None with a warning that lists the available keys."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(list(logs.keys()))}",
                          stacklevel=2)
        return value
