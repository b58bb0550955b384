"""`Callback`: hooks that training, evaluation and prediction call at fixed points."""


class Callback:
    """Base class: override the hooks you need.

    `fit`, `evaluate` and `predict` call `set_model(model)` then `set_params(params)` on every
    callback before the first hook, so `self.model` is the model and `self.params` is
    `{"verbose": 0|1|2, "epochs": epochs, "steps": batches per epoch}` (evaluate and predict:
    epochs=1). Before that, `params` is None, as in Keras.

    Order inside `fit` (each hook goes to every callback in list order before the next hook):
    on_train_begin({}); per epoch on_epoch_begin(epoch, {}); per step
    on_train_batch_begin(step, {}) and on_train_batch_end(step, running epoch logs), which by
    default call the legacy on_batch_begin / on_batch_end; the validation pass
    (on_test_begin, on_test_batch_begin/_end, on_test_end(val logs without the "val_" prefix));
    on_epoch_end(epoch, training logs + "val_*" logs); finally on_train_end(the last epoch's
    logs). Every `logs` is a dict (never None) with sorted keys and float values.

    Set `self.model.stop_training = True` in any hook to end `fit` after the current step
    (the epoch still validates and ends); `model.stop_evaluating` / `model.stop_predicting`
    do the same for evaluate / predict.

    `chief_only = True` (a class attribute) marks a callback that only the chief process runs
    in a data-parallel `fit` (minikeras.distribution): those that write files or send data
    (ModelCheckpoint, BackupAndRestore, CSVLogger, RemoteMonitor). Set it on your own callback
    class for the same effect.
    """

    chief_only = False

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    def on_batch_begin(self, batch, logs=None):
        """Legacy alias called together with on_train_batch_begin."""

    def on_batch_end(self, batch, logs=None):
        """Legacy alias called together with on_train_batch_end."""

    def on_epoch_begin(self, epoch, logs=None):
        """Start of an epoch (0-based `epoch`)."""

    def on_epoch_end(self, epoch, logs=None):
        """End of an epoch; `logs` holds loss, metrics and val_* values."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """`logs` holds the running epoch averages of loss and metrics so far."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Start of a batch in evaluate (also fit's validation)."""

    def on_test_batch_end(self, batch, logs=None):
        """End of a batch in evaluate (also fit's validation)."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Start of a batch in predict."""

    def on_predict_batch_end(self, batch, logs=None):
        """End of a batch in predict; `logs['outputs']` holds the batch predictions."""

    def on_train_begin(self, logs=None):
        """Start of fit."""

    def on_train_end(self, logs=None):
        """End of fit; `logs` holds the last epoch's values."""

    def on_test_begin(self, logs=None):
        """Start of evaluate (and of fit's validation pass)."""

    def on_test_end(self, logs=None):
        """End of evaluate; `logs` holds the final values."""

    def on_predict_begin(self, logs=None):
        """Start of predict."""

    def on_predict_end(self, logs=None):
        """End of predict."""
