"""The training loop behind `compile`, `fit`, `evaluate` and `predict`.

One training step, in order: forward pass with training=True (ops record the graph), loss plus
the layers' regularization losses, backward over the graph for the trainable weights, one
optimizer update, metric updates, callbacks. Everything outside the math (batching,
bookkeeping, logs) is kept cheap because it runs every step.
"""
from minikeras import losses as losses_module
from minikeras import metrics as metrics_module
from minikeras import optimizers as optimizers_module
from minikeras.backend.array_module import xp, to_numpy
from minikeras.backend.autodiff import Tensor, gradients, no_grad
from minikeras.callbacks.callback_list import CallbackList
from minikeras.models.data_adapter import (ArrayDataAdapter, flatten_structure,
                                           train_validation_split)


class Trainer:
    """Mixed into `Model`: compile / fit / evaluate / predict and the *_on_batch methods."""

    compiled = False

    # -- compile -------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1, jit_compile="auto",
                auto_scale_loss=True):
        """Choose the optimizer, the loss and the metrics (names, classes or functions).

        `metrics=["accuracy"]` picks Binary/Categorical/SparseCategorical accuracy from the
        shapes of the targets and predictions at the first batch, like Keras 3. `metrics` are
        unweighted; `weighted_metrics` also receive sample weights.
        """
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = loss
        self._loss_fn = None
        if loss is not None and not (isinstance(loss, str) and loss.lower() in ("crossentropy", "ce")):
            self._loss_fn = losses_module.get(loss)
        if loss_weights is not None and not isinstance(loss_weights, (int, float)):
            raise ValueError("loss_weights for several outputs needs a multi-output model "
                             "(the Functional API); a single-output model takes one number.")
        self.loss_weights = loss_weights
        self._metric_identifiers = _as_list(metrics, "metrics")
        self._weighted_metric_identifiers = _as_list(weighted_metrics, "weighted_metrics")
        for identifier in self._metric_identifiers + self._weighted_metric_identifiers:
            if not _depends_on_shapes(identifier):
                metrics_module.get(identifier)  # fail now, with the list of valid names
        self._compiled_metrics = None
        self._compiled_weighted_metrics = None
        self._loss_tracker = metrics_module.Mean(name="loss")
        self.run_eagerly = run_eagerly
        self.compiled = True
        self.stop_training = False

    def _assert_compiled(self, method):
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before using the model "
                             f"(called `{method}()`).")
        if method in ("fit", "train_on_batch", "evaluate", "test_on_batch") and self.loss is None:
            raise ValueError(f"No loss to compute. Provide a `loss` argument in `compile()` before "
                             f"calling `{method}()`.")

    @property
    def metrics(self):
        """The loss tracker followed by the compiled metrics (once resolved)."""
        result = [self._loss_tracker] if self.compiled else []
        return result + (self._compiled_metrics or []) + (self._compiled_weighted_metrics or [])

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def _build_metrics(self, y, y_pred):
        if self._compiled_metrics is not None:
            return
        self._compiled_metrics = [metrics_module.resolve_metric(m, y, y_pred)
                                  for m in self._metric_identifiers]
        weighted = []
        for identifier in self._weighted_metric_identifiers:
            metric = metrics_module.resolve_metric(identifier, y, y_pred)
            if isinstance(identifier, str) and any(m.name == metric.name for m in self._compiled_metrics):
                metric.name = "weighted_" + metric.name
            weighted.append(metric)
        self._compiled_weighted_metrics = weighted

    def reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    def _logs(self):
        return {m.name: float(m.result()) for m in self.metrics}

    # -- one step ------------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss on (y, y_pred) plus every regularization loss of the model."""
        if self._loss_fn is None:  # "crossentropy" / "ce": chosen from the shapes, like Keras
            self._loss_fn = losses_module.resolve_loss(self.loss, y, y_pred)
        loss = self._loss_fn(y, y_pred, sample_weight=sample_weight)
        if self.loss_weights is not None:
            loss = loss * float(self.loss_weights)
        extra = self.losses
        if extra:
            total = extra[0]
            for term in extra[1:]:
                total = total + term
            loss = loss + total
        return loss

    def _update_metrics(self, loss_value, batch_size, y, y_pred, sample_weight):
        self._loss_tracker.update_state(loss_value, sample_weight=batch_size)
        self._build_metrics(y, y_pred)
        for metric in self._compiled_metrics:
            metric.update_state(y, y_pred)
        for metric in self._compiled_weighted_metrics:
            metric.update_state(y, y_pred, sample_weight=sample_weight)

    def train_step(self, x, y, sample_weight, trainable_weights=None):
        """Forward, loss, backward, update, metrics for one batch. Returns nothing; see logs."""
        trainable_weights = self.trainable_weights if trainable_weights is None else trainable_weights
        y_pred = self(x, training=True)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        if trainable_weights:
            grads = gradients(loss, trainable_weights)
            self.optimizer.apply(grads, trainable_weights)
        self._update_metrics(loss.data, _batch_size(x), y, y_pred.data, sample_weight)

    def test_step(self, x, y, sample_weight):
        with no_grad():
            y_pred = self(x, training=False)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        self._update_metrics(loss.data, _batch_size(x), y, y_pred.data, sample_weight)

    def predict_step(self, x):
        with no_grad():
            return self(x, training=False).data

    # -- fit -----------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for `epochs` epochs over (x, y); returns a `History`.

        batch_size=None means 32. Batch gradient descent is batch_size=len(x), stochastic
        gradient descent batch_size=1, and anything in between is mini-batch gradient descent.
        """
        self._assert_compiled("fit")
        verbose = _verbose(verbose)
        batch_size = 32 if batch_size is None else batch_size
        if validation_data is None and validation_split:
            (x, y, sample_weight), validation_data = train_validation_split((x, y, sample_weight),
                                                                            validation_split)
        data = ArrayDataAdapter(x, y, sample_weight, batch_size, shuffle, class_weight)
        val_data = None
        if validation_data is not None:
            val_data = _validation_adapter(validation_data, validation_batch_size or batch_size)
        self._ensure_built(data.x)
        steps = data.num_batches if steps_per_epoch is None else min(steps_per_epoch, data.num_batches)

        callback_list = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                     model=self, verbose=verbose, epochs=epochs, steps=steps)
        self.stop_training = False
        trainable_weights = self.trainable_weights
        callback_list.on_train_begin({})
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callback_list.on_epoch_begin(epoch, {})
            for step, (x_batch, y_batch, w_batch) in enumerate(data.batches()):
                if step >= steps:
                    break
                callback_list.on_train_batch_begin(step, {})
                self.train_step(x_batch, y_batch, w_batch, trainable_weights)
                callback_list.on_train_batch_end(step, self._logs())
                if self.stop_training:
                    break
            epoch_logs = self._logs()
            if val_data is not None and _should_validate(epoch, validation_freq):
                val_logs = self._evaluate_loop(val_data, callback_list, validation_steps)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            callback_list.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        callback_list.on_train_end(epoch_logs)
        history = next(c for c in callback_list if type(c).__name__ == "History")
        history.params = callback_list.params
        self.history = history
        return history

    # -- evaluate ------------------------------------------------------------------------------
    def _evaluate_loop(self, data, callback_list, steps=None):
        self.reset_metrics()
        callback_list.on_test_begin({})
        for step, (x_batch, y_batch, w_batch) in enumerate(data.batches()):
            if steps is not None and step >= steps:
                break
            callback_list.on_test_batch_begin(step, {})
            self.test_step(x_batch, y_batch, w_batch)
            callback_list.on_test_batch_end(step, self._logs())
        logs = self._logs()
        callback_list.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Loss and metrics on (x, y): a scalar without metrics, else [loss, *metrics] (or a dict)."""
        self._assert_compiled("evaluate")
        verbose = _verbose(verbose)
        data = ArrayDataAdapter(x, y, sample_weight, 32 if batch_size is None else batch_size)
        self._ensure_built(data.x)
        callback_list = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1, steps=steps or data.num_batches)
        logs = self._evaluate_loop(data, callback_list, steps)
        return logs if return_dict else _flatten_logs(logs)

    # -- predict -------------------------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for `x` as a NumPy array, computed batch by batch with recording off."""
        verbose = _verbose(verbose)
        data = ArrayDataAdapter(x, None, None, 32 if batch_size is None else batch_size)
        callback_list = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1, steps=steps or data.num_batches)
        callback_list.on_predict_begin({})
        outputs = []
        for step, (x_batch, _, _) in enumerate(data.batches()):
            if steps is not None and step >= steps:
                break
            callback_list.on_predict_batch_begin(step, {})
            batch_outputs = self.predict_step(x_batch)
            outputs.append(batch_outputs)
            callback_list.on_predict_batch_end(step, {"outputs": batch_outputs})
        callback_list.on_predict_end({})
        return to_numpy(xp.concatenate(outputs, axis=0))

    # -- single batches ------------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on one batch; metrics describe that batch only."""
        self._assert_compiled("train_on_batch")
        data = ArrayDataAdapter(x, y, sample_weight, _num_samples(x), False, class_weight)
        self._ensure_built(data.x)
        self.reset_metrics()
        for x_batch, y_batch, w_batch in data.batches():
            self.train_step(x_batch, y_batch, w_batch)
        logs = self._logs()
        return logs if return_dict else _flatten_logs(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled("test_on_batch")
        data = ArrayDataAdapter(x, y, sample_weight, _num_samples(x))
        self._ensure_built(data.x)
        self.reset_metrics()
        for x_batch, y_batch, w_batch in data.batches():
            self.test_step(x_batch, y_batch, w_batch)
        logs = self._logs()
        return logs if return_dict else _flatten_logs(logs)

    def predict_on_batch(self, x):
        data = ArrayDataAdapter(x, None, None, _num_samples(x))
        return to_numpy(self.predict_step(data.x))

    def _ensure_built(self, x):
        if not self.built:
            self.build(_shape_with_none_batch(x))


def _as_list(value, argument):
    if value is None:
        return []
    if isinstance(value, dict):
        raise ValueError(f"`{argument}` as a dict needs a multi-output model (the Functional API).")
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _depends_on_shapes(identifier):
    """'accuracy', 'acc', 'crossentropy', 'ce' (any case) are resolved at the first batch."""
    return isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc", "crossentropy", "ce")


def _verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"`verbose` must be 'auto', 0, 1 or 2, received: {verbose!r}")
    return verbose


def _batch_size(x):
    return len(flatten_structure(x)[0])


def _num_samples(x):
    first = flatten_structure(x)[0]
    return max(len(first.data if isinstance(first, Tensor) else first), 1)


def _shape_with_none_batch(x):
    shapes = [(None,) + tuple(a.shape[1:]) for a in flatten_structure(x)]
    return shapes[0] if len(shapes) == 1 else shapes


def _flatten_logs(logs):
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def _should_validate(epoch, validation_freq):
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq


def _validation_adapter(validation_data, batch_size):
    if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
        raise ValueError("`validation_data` must be a tuple (x_val, y_val) or "
                         "(x_val, y_val, val_sample_weight), received "
                         f"{type(validation_data).__name__} of length "
                         f"{len(validation_data) if hasattr(validation_data, '__len__') else '?'}.")
    x_val, y_val = validation_data[0], validation_data[1]
    w_val = validation_data[2] if len(validation_data) == 3 else None
    return ArrayDataAdapter(x_val, y_val, w_val, batch_size)

