"""`Callback`: hooks that training, evaluation and prediction call at fixed points."""


class Callback:
    """Base class: override the hooks you need. `self.model` and `self.params`
    ({'verbose', 'epochs', 'steps'}) are set before training starts.

    Order inside `fit`: on_train_begin, then per epoch on_epoch_begin, per batch
    on_train_batch_begin / on_train_batch_end, validation (on_test_* hooks), on_epoch_end;
    finally on_train_end. Set `self.model.stop_training = True` to end training early.
    """

    def __init__(self):
        self.params = {}
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
