"""The training loop behind `compile`, `fit`, `evaluate` and `predict`.

One training step, in order: forward pass with training=True (ops record the graph), loss plus
the layers' regularization losses, backward over the graph for the trainable weights, one
optimizer update, metric updates, callbacks. Everything outside the math (batching,
bookkeeping, logs) is kept cheap because it runs every step.
"""
import warnings

from minikeras import metrics as metrics_module
from minikeras import optimizers as optimizers_module
from minikeras.backend import config
from minikeras.backend.array_module import xp, to_numpy
from minikeras.backend.autodiff import Tensor, gradients, no_grad
from minikeras.callbacks.callback_list import CallbackList
from minikeras.distribution import distribution_lib
from minikeras import tree
from minikeras.layers.layer import all_sublayers_built
from minikeras.tree import flatten, map_structure, pack_sequence_as
from minikeras.trainers import argument_checks
from minikeras.trainers.compile_utils import CompileLoss, CompileMetrics, flatten_logs_in_order
from minikeras.trainers.data_adapters import (ArrayDataAdapter, flatten_arrays,
                                              get_data_adapter, is_generator,
                                              pack_x_y_sample_weight, train_validation_split,
                                              unpack_x_y_sample_weight)
from minikeras.trainers.epoch_iterator import RAN_OUT, EpochIterator
from minikeras.trainers.run_guard import one_thread_at_a_time
from minikeras.utils.py_dataset import PyDataset


class Trainer:
    """Mixed into `Model`: compile / fit / evaluate / predict and the *_on_batch methods.

    The per-batch work lives in `train_step(data)`, `test_step(data)` and `predict_step(data)`,
    with `data` = (x,), (x, y) or (x, y, sample_weight) as Keras passes it; override them (and
    use `compute_loss`, `compute_metrics`, `self.optimizer.apply`) to customize training while
    keeping `fit`'s loop, callbacks and progress bar.
    """

    compiled = False

    # -- compile -------------------------------------------------------------------------------
    @one_thread_at_a_time("compile")
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1, jit_compile="auto",
                auto_scale_loss=True):
        """Choose the optimizer, the loss(es) and the metrics (names, classes or functions).

        For a model with several outputs, `loss`, `loss_weights` and `metrics` can be lists (in
        output order) or dicts keyed by output name. `metrics=["accuracy"]` picks Binary /
        Categorical / SparseCategorical accuracy from the shapes of the targets and predictions
        at the first batch, like Keras 3. `metrics` are unweighted; `weighted_metrics` also
        receive sample weights.
        """
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = loss
        self.loss_weights = loss_weights
        output_names = self._compile_output_names()
        self._compile_loss = None if loss is None else CompileLoss(loss, loss_weights, output_names)
        self._compile_metrics = None
        if metrics is not None or weighted_metrics is not None:
            self._compile_metrics = CompileMetrics(metrics, weighted_metrics, output_names)
        self._loss_tracker = metrics_module.Mean(name="loss")
        self.run_eagerly = run_eagerly
        self.compiled = True
        self.stop_training = False

    def _compile_output_names(self):
        names = getattr(self, "output_names", None)
        return list(names) if names else None

    def _assert_compiled(self, method):
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before using the model "
                             f"(called `{method}()`).")

    @property
    def metrics(self):
        """Every metric the model logs: the loss tracker, the compiled metrics, the per-output
        loss trackers, then metrics assigned as attributes of the model or its layers."""
        result = []
        if self.compiled:
            result.append(self._loss_tracker)
            if self._compile_metrics is not None:
                result.append(self._compile_metrics)  # one entry; its result() is a dict
            if self._compile_loss is not None:
                result.extend(self._compile_loss.metrics)
        for metric in _tracked_metrics(self):
            if all(metric is not m for m in result):
                result.append(metric)
        return result

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    def get_metrics_result(self):
        """{name: float} for every metric in `metrics` (dict results merged in), keys sorted
        as Keras 3 logs them."""
        logs = {}
        for metric in self.metrics:
            if isinstance(metric, CompileMetrics) and not metric.built:
                continue
            result = metric.result()
            if isinstance(result, dict):
                logs.update({k: _to_float(v) for k, v in result.items()})
            else:
                logs[metric.name] = _to_float(result)
        return dict(sorted(logs.items()))

    # -- one step ------------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss on (y, y_pred) plus every loss the layers added (regularization)."""
        total = None
        if self._compile_loss is not None:
            total = self._compile_loss(y, y_pred, sample_weight)
        for term in self.losses:
            total = term if total is None else total + term
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with this batch and return every metric's result."""
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def train_step(self, data):
        """Forward, loss, backward, one optimizer update, metrics, for one batch of `data`.

        Returns the logs: {metric name: value} over the epoch so far.
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        trainable_weights = getattr(self, "_fit_trainable_weights", None)
        if trainable_weights is None:
            trainable_weights = self.trainable_weights
        y_pred = self(x, training=True)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
        self._loss_tracker.update_state(loss.data, sample_weight=_batch_size(x))
        # The metrics see this step's predictions, made before the update; updating them first
        # lets a distributed fit reduce them with the gradients (minikeras/distribution/).
        logs = self.compute_metrics(x, y, _values(y_pred), sample_weight)
        if trainable_weights:
            # Keras differentiates the optimizer's scaled loss (loss_scale_factor, or a
            # LossScaleOptimizer's dynamic scale); the optimizer divides the gradients back
            grads = gradients(self.optimizer.scale_loss(loss), trainable_weights)
            self.optimizer.apply(grads, trainable_weights)
        return logs

    def test_step(self, data):
        """Loss and metrics for one batch, recording off. Returns the logs so far."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with no_grad():
            y_pred = self(x, training=False)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(loss.data, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, _values(y_pred), sample_weight)

    def predict_step(self, data):
        """The model's outputs for one batch (arrays, in the model's output structure)."""
        x, _, _ = unpack_x_y_sample_weight(data)
        with no_grad():
            return _values(self(x, training=False))

    # -- fit -----------------------------------------------------------------------------------
    _initial_epoch = None       # set in on_train_begin (BackupAndRestore): resume at this epoch
    _initial_step_state = None  # ... and, for a resume inside that epoch, where (see fit)
    _fit_epoch_iterator = None  # the running fit's batches (its data position is backed up)

    @one_thread_at_a_time("fit", claims_optimizer=True)
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for `epochs` epochs over (x, y); returns a `History`.

        batch_size=None means 32. Batch gradient descent is batch_size=len(x), stochastic
        gradient descent batch_size=1, and anything in between is mini-batch gradient descent.

        Callbacks are called as Keras 3 calls them: `on_train_begin`; per epoch
        `on_epoch_begin`, per step `on_train_batch_begin` / `on_train_batch_end` (running epoch
        averages), the validation pass (`on_test_begin` ... `on_test_end`, every
        `validation_freq` epochs: an int, or a list of 1-based epochs), `on_epoch_end` (training
        logs plus `val_*`); finally `on_train_end` with the last epoch's logs. The list is the
        user's callbacks in order, then History, then ProgbarLogger (verbose != 0).

        `steps_per_epoch` with arrays works like Keras: an epoch takes the next
        `steps_per_epoch` batches of the current pass over the data, and a pass that runs out
        ends the epoch early (with a warning); the next epoch starts a new (reshuffled) pass.

        With `minikeras.distribution.set_distribution(DataParallel())` in a job of several MPI
        processes, each process trains on its shard of every batch of `batch_size` samples and
        the gradients and logs are reduced over the processes (see minikeras/distribution/).
        """
        self._assert_compiled("fit")
        argument_checks.check_fit_arguments(batch_size, epochs, initial_epoch, validation_split,
                                            shuffle, steps_per_epoch, validation_steps,
                                            validation_batch_size)
        max_epochs = config.max_epochs()   # a debugging cap, as in Keras
        if max_epochs and max_epochs < epochs:
            warnings.warn(f"Limiting epochs to {max_epochs}", stacklevel=2)
            epochs = max_epochs
        verbose = _verbose(verbose)
        distribution = distribution_lib.training_distribution()  # one process: does nothing
        verbose = distribution.local_verbose(verbose)
        if not isinstance(callbacks, CallbackList):
            callbacks = distribution.local_callbacks(callbacks)
        batch_size = 32 if batch_size is None else batch_size
        if validation_data is None and validation_split:
            (x, y, sample_weight), validation_data = train_validation_split((x, y, sample_weight),
                                                                            validation_split)
        data = EpochIterator(get_data_adapter(x, y, sample_weight, batch_size, steps_per_epoch,
                                               shuffle, class_weight), steps_per_epoch)
        argument_checks.check_has_samples(data.adapter, "fit")
        if self._compile_loss is not None:
            self._compile_loss.check_targets_next_call = True  # labels in range (BCE)
        val_data = None
        if validation_data is not None:
            _check_validation_freq(validation_freq)
            val_data = _validation_adapter(validation_data, validation_batch_size or batch_size,
                                           validation_steps)
            argument_checks.check_has_samples(val_data, "fit", "validation_data")
        self._ensure_built(data.adapter.peek()[0])

        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                     model=self, verbose=verbose, epochs=epochs,
                                     steps=data.num_batches)
        self.stop_training = False
        self._fit_trainable_weights = self.trainable_weights
        self._fit_epoch_iterator = data
        training_logs = {}
        fit_run = None
        try:
            callbacks.on_train_begin()
            # after on_train_begin: a callback (BackupAndRestore) may have set a resume point
            fit_run = distribution.begin_fit(self, data, {
                "initial_epoch": self._initial_epoch,
                "initial_step_state": self._initial_step_state})
            with fit_run:
                training_logs = self._fit_epochs(data, val_data, callbacks, fit_run, epochs,
                                                 initial_epoch, validation_steps, validation_freq)
            if epochs > 0 and getattr(self.optimizer, "built", False):
                # With use_ema, the weights end as their moving averages (as in Keras).
                self.optimizer.finalize_variable_values(self.trainable_weights)
        finally:
            self._fit_trainable_weights = None
            self._fit_epoch_iterator = None
            self._initial_epoch = self._initial_step_state = None
        callbacks.on_train_end(training_logs)
        fit_run.barrier()  # the chief's last checkpoint is written when fit returns
        return self.history

    def _fit_epochs(self, data, val_data, callbacks, fit_run, epochs, initial_epoch,
                    validation_steps, validation_freq):
        """The epochs of `fit`, from where `fit_run.resume_point` says; the last epoch's logs."""
        training_logs = {}
        first_epoch, first_step, logs = self._take_initial_state(initial_epoch, data,
                                                                 fit_run.resume_point)
        for epoch in range(first_epoch, epochs):
            self.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            data.adapter.on_epoch_begin()
            fit_run.on_epoch_begin()
            if epoch != first_epoch:
                first_step, logs = 0, {}
            for step, batch in data.epoch(first_step):
                callbacks.on_train_batch_begin(step)
                logs = fit_run.run_train_batch(self._fit_step, batch)  # global logs
                callbacks.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            data.adapter.on_epoch_end()
            if data.exhausted and epoch + 1 < epochs:
                self.stop_training = True  # a used-up generator: no further epoch can run
                if not data.warned:
                    warnings.warn(RAN_OUT, stacklevel=3)
            epoch_logs = dict(logs) if logs else self.get_metrics_result()
            if val_data is not None and _should_validate(epoch, validation_freq):
                val_logs = self._evaluate_loop(val_data, callbacks, validation_steps)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            self.stop_training = fit_run.any_stop(self.stop_training)  # any process: all stop
            if self.stop_training:
                break
        return training_logs

    def _fit_step(self, batch):
        """One training step on an (x, y, sample_weight) batch, logs as Python numbers."""
        return _pythonify(self.train_step(pack_x_y_sample_weight(*batch)))

    def _take_initial_state(self, initial_epoch, data, resume_point):
        """(first epoch, first step, logs so far) after on_train_begin, where a callback may
        have asked to resume (`resume_point`, which the fit run made every process agree on):
        "initial_epoch" (Keras's `model._initial_epoch`) alone restarts at that epoch;
        "initial_step_state" = {"step": steps of that epoch already done, "data_position":
        where the pass over the data stood, "logs": the logs at that step} resumes inside it,
        replaying the pass's shuffle (see `EpochIterator.restore`)."""
        first_epoch = resume_point.get("initial_epoch") or initial_epoch
        state = resume_point.get("initial_step_state") or {}
        self._initial_epoch = self._initial_step_state = None
        if state.get("data_position") is not None:
            data.restore(state["data_position"])
        return first_epoch, int(state.get("step", 0)), dict(state.get("logs") or {})

    def _fit_data_position(self):
        """Where the running fit stands in its pass over the training data (for backups)."""
        iterator = self._fit_epoch_iterator
        return None if iterator is None else iterator.position()

    # -- evaluate ------------------------------------------------------------------------------
    def _evaluate_loop(self, data, callbacks, steps=None):
        """One pass over `data` (an ArrayDataAdapter) with the on_test_* hooks; the logs."""
        self.stop_evaluating = False
        callbacks.on_test_begin()
        self.reset_metrics()
        logs = {}
        evaluation = distribution_lib.training_distribution().begin_evaluation(self, data)
        data.on_epoch_begin()
        for step, batch in EpochIterator(data, steps).epoch():
            callbacks.on_test_batch_begin(step)
            logs = evaluation.run_test_batch(self._test_step_logs, batch)  # global logs
            callbacks.on_test_batch_end(step, logs)
            if self.stop_evaluating:
                break
        data.on_epoch_end()
        logs = dict(logs) if logs else self.get_metrics_result()
        callbacks.on_test_end(logs)
        return logs

    def _test_step_logs(self, batch):
        return _pythonify(self.test_step(pack_x_y_sample_weight(*batch)))

    @one_thread_at_a_time("evaluate")
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Loss and metrics on (x, y): a scalar without metrics, else [loss, *metrics] (or a dict).

        Callbacks get on_test_begin, on_test_batch_begin / on_test_batch_end per batch (running
        values) and on_test_end (the final values); a callback may set
        `model.stop_evaluating = True` to end the pass early."""
        self._assert_compiled("evaluate")
        argument_checks.check_evaluate_arguments(batch_size, steps)
        verbose = _verbose(verbose)
        verbose = distribution_lib.training_distribution().local_verbose(verbose)
        data = get_data_adapter(x, y, sample_weight, batch_size, steps)
        argument_checks.check_has_samples(data, "evaluate")
        self._ensure_built(data.peek()[0])
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1, steps=steps or data.num_batches)
        logs = self._evaluate_loop(data, callbacks, steps)
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    # -- predict -------------------------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for `x`, computed batch by batch with recording off: a NumPy array, or a
        list / dict of arrays for a model with several outputs.

        Callbacks get on_predict_begin, on_predict_batch_begin / on_predict_batch_end (with
        `{"outputs": the batch's outputs}`) and on_predict_end; a callback may set
        `model.stop_predicting = True` to end early."""
        verbose = _verbose(verbose)
        # every process predicts all of x; only the chief prints
        verbose = distribution_lib.training_distribution().local_verbose(verbose)
        argument_checks.check_evaluate_arguments(batch_size, steps)
        data = get_data_adapter(x, None, None, batch_size, steps)
        argument_checks.check_has_samples(data, "predict")
        if not isinstance(callbacks, CallbackList):
            callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                     verbose=verbose, epochs=1, steps=steps or data.num_batches)
        self.stop_predicting = False
        callbacks.on_predict_begin()
        outputs = []
        data.on_epoch_begin()
        for step, (x_batch, _, _) in EpochIterator(data, steps).epoch():
            callbacks.on_predict_batch_begin(step)
            batch_outputs = self.predict_step((x_batch,))
            outputs.append(batch_outputs)
            callbacks.on_predict_batch_end(step, {"outputs": batch_outputs})
            if self.stop_predicting:
                break
        data.on_epoch_end()
        callbacks.on_predict_end()
        if not outputs:
            raise ValueError("Unexpected result of `predict_step`: no batch was run (empty input).")
        flat_batches = [flatten(batch) for batch in outputs]
        # a scalar output (ops.size, ops.allclose) gives one value per batch, stacked
        concatenated = [to_numpy(xp.concatenate(parts, axis=0) if parts[0].ndim
                                 else xp.stack(parts)) for parts in zip(*flat_batches)]
        return pack_sequence_as(outputs[0], concatenated)

    # -- single batches ------------------------------------------------------------------------
    @one_thread_at_a_time("train_on_batch", claims_optimizer=True)
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on one batch; metrics describe that batch only."""
        self._assert_compiled("train_on_batch")
        data = ArrayDataAdapter(x, y, sample_weight, _num_samples(x), False, class_weight)
        argument_checks.check_has_samples(data, "train_on_batch")
        self._ensure_built(data.x)
        self.reset_metrics()
        logs = {}
        for batch in data.batches():
            logs = _pythonify(self.train_step(pack_x_y_sample_weight(*batch)))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    @one_thread_at_a_time("test_on_batch")
    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled("test_on_batch")
        data = ArrayDataAdapter(x, y, sample_weight, _num_samples(x))
        argument_checks.check_has_samples(data, "test_on_batch")
        self._ensure_built(data.x)
        self.reset_metrics()
        logs = {}
        for batch in data.batches():
            logs = _pythonify(self.test_step(pack_x_y_sample_weight(*batch)))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def predict_on_batch(self, x):
        data = ArrayDataAdapter(x, None, None, _num_samples(x))
        return map_structure(to_numpy, self.predict_step((data.x,)))

    def _flatten_metrics_in_order(self, logs):
        """Keras's list order for evaluate: the names in `metrics` order (compiled metrics by
        their own names), then every other key sorted."""
        names = []
        for metric in self.metrics:
            if isinstance(metric, CompileMetrics):
                names += [m.name for m in metric.metrics]
            else:
                names.append(metric.name)
        return flatten_logs_in_order(logs, names)

    def _ensure_built(self, x):
        """Build the model and every sublayer from the first batch `x` before training starts
        (so that the weights to train are all there): the shapes (batch size unknown) and
        dtypes nested like `x`, so a `call` taking a dict or list builds too."""
        if not (self.built and all_sublayers_built(self)):
            self._maybe_build(_shape_with_none_batch(x), _dtype_structure(x),
                              strict=not self.built)


def _tracked_metrics(model):
    """Metrics assigned as attributes of the model (Keras tracks them like layers)."""
    return [value for value in vars(model).values() if isinstance(value, metrics_module.Metric)]


def _values(outputs):
    """The arrays inside the model's output structure of Tensors."""
    return map_structure(lambda t: t.data if isinstance(t, Tensor) else t, outputs)


def _to_float(value):
    if isinstance(value, Tensor):
        value = value.data
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _pythonify(logs):
    """Logs returned by a (possibly user-written) step as plain Python numbers."""
    if not isinstance(logs, dict):
        raise TypeError(f"`train_step` / `test_step` must return a dict of logs "
                        f"({{metric name: value}}), received {type(logs).__name__}.")
    result = {}
    for key, value in logs.items():
        if isinstance(value, dict):  # e.g. `compile_metrics`' result: merged in, like Keras
            result.update(_pythonify(value))
        else:
            result[key] = _to_float(value)
    return result


def _verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"`verbose` must be 'auto', 0, 1 or 2, received: {verbose!r}")
    return verbose


def _batch_size(x):
    return len(flatten_arrays(x)[0])


def _num_samples(x):
    first = flatten_arrays(x)[0]
    return max(len(first.data if isinstance(first, Tensor) else first), 1)


def _shape_with_none_batch(x):
    """The shapes of the arrays in `x` with the batch size unknown, nested like `x` (a list for a
    list or tuple, a dict with the same keys for a dict): what `build(input_shape)` gets."""
    return tree.structure_of_shapes(x, lambda a: (None,) + tuple(a.shape[1:]))


def _dtype_structure(x):
    """The dtypes of the arrays in `x`, nested like `_shape_with_none_batch(x)`."""
    return tree.structure_of_shapes(x, lambda a: a.dtype)


def _check_validation_freq(validation_freq):
    if isinstance(validation_freq, bool) or not isinstance(validation_freq, (int, list)):
        raise ValueError(f"Expected `validation_freq` to be a list or int. Received: "
                         f"validation_freq={validation_freq} of the type "
                         f"{type(validation_freq)}.")


def _should_validate(epoch, validation_freq):
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq


def _validation_adapter(validation_data, batch_size, steps=None):
    if is_generator(validation_data) or isinstance(validation_data, PyDataset):
        return get_data_adapter(validation_data, batch_size=batch_size, steps_per_epoch=steps)
    if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
        raise ValueError("`validation_data` must be a tuple (x_val, y_val) or "
                         "(x_val, y_val, val_sample_weight), received "
                         f"{type(validation_data).__name__} of length "
                         f"{len(validation_data) if hasattr(validation_data, '__len__') else '?'}.")
    x_val, y_val = validation_data[0], validation_data[1]
    w_val = validation_data[2] if len(validation_data) == 3 else None
    return get_data_adapter(x_val, y_val, w_val, batch_size, steps)

