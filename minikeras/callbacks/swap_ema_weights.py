"""`SwapEMAWeights`: evaluate (and predict) with the optimizer's moving averages of the weights.

    optimizer = optimizers.SGD(use_ema=True)
    model.compile(optimizer=optimizer, loss=..., metrics=...)
    model.fit(x, y, validation_data=(x_val, y_val), callbacks=[callbacks.SwapEMAWeights()])
    # val_* metrics are computed with the EMA weights; training continues on the raw weights

    # EMA weights for the callbacks that follow at each epoch end (e.g. ModelCheckpoint):
    model.fit(x, y, callbacks=[callbacks.SwapEMAWeights(swap_on_epoch=True),
                               callbacks.ModelCheckpoint(...)])

The weights and their averages trade places in place (no extra copy of the model is kept).
"""
from minikeras.backend.array_module import xp
from minikeras.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Swap the model's weights with the optimizer's EMA weights around evaluation.

    Before validation (`on_test_begin`, also inside `fit`) and prediction the model's trainable
    weights take the values of the optimizer's exponential moving averages (`use_ema=True`),
    and the raw weights come back afterwards.

    Args:
        swap_on_epoch: also swap at each epoch end (so callbacks placed after this one, such as
            ModelCheckpoint, see the EMA weights) and back at the next epoch begin. At the end
            of the last epoch the averages are made equal to the EMA weights now in the model,
            so the model keeps them (fit then finalizes the weights to the averages anyway).

    Raises ValueError at the first swap if the optimizer was not created with `use_ema=True`.
    (Keras 3.15.1 leaves the EMA weights in the model after `predict`; minikeras swaps them
    back as the callback's documentation describes.)
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    # -- the swaps -----------------------------------------------------------------------------
    def _ema_optimizers(self):
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        inner = getattr(optimizer, "optimizers", None)
        if inner is not None:
            chosen = [opt for opt in inner if getattr(opt, "use_ema", False)]
            if not chosen:
                raise ValueError("SwapEMAWeights must be used when at least one inner optimizer "
                                 "has `use_ema=True` set. Received a MultiOptimizer with all "
                                 "inner optimizers having `use_ema=False`.")
            return chosen
        if not getattr(optimizer, "use_ema", False):
            raise ValueError(f"SwapEMAWeights must be used when `use_ema=True` is set on the "
                             f"optimizer. Received: use_ema={getattr(optimizer, 'use_ema', None)}")
        return [optimizer]

    @staticmethod
    def _pairs(optimizer):
        averages = getattr(optimizer, "_ema_averages", None)
        if averages is None:
            averages = getattr(optimizer, "_model_variables_moving_average", [])
        return zip(optimizer._trainable_variables, averages)

    def _swap_variables(self):
        for optimizer in self._ema_optimizers():
            for variable, average in self._pairs(optimizer):
                raw = variable.data.copy()
                xp.copyto(variable.data, average.data)
                xp.copyto(average.data, raw)

    def _finalize_ema_values(self):
        for optimizer in self._ema_optimizers():
            for variable, average in self._pairs(optimizer):
                xp.copyto(average.data, variable.data)

    def _swap_in(self):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def _swap_out(self):
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    # -- hooks ---------------------------------------------------------------------------------
    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._swap_out()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_in()
            if self.params and epoch == self.params["epochs"] - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        self._swap_in()

    def on_test_end(self, logs=None):
        self._swap_out()

    def on_predict_begin(self, logs=None):
        self._swap_in()

    def on_predict_end(self, logs=None):
        self._swap_out()
