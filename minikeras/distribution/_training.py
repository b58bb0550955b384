"""What DataParallel does inside `fit` and `evaluate` when several MPI processes run.

The trainer hands over at a few points (see `Trainer.fit` / `Trainer._evaluate_loop`); the
single-process path never comes here.

fit start (`FitRun.__init__`, after `on_train_begin`, where BackupAndRestore may have restored
the chief):
    every rank checks that all ranks see data of the same length; the optimizer is built; the
    chief's weights (trainable and not), optimizer variables, shared random generator state and
    resume point (`_initial_epoch` / `_initial_step_state`) are broadcast to every rank.
    `optimizer.apply` is wrapped for the duration of fit, so that whatever `train_step` runs
    (the built-in one or a user's) applies the all-reduced gradients.
each epoch (`on_epoch_begin`):
    the shared random generator is re-synchronized from the chief, so every rank draws the same
    shuffle; after the first batch (the shuffle is drawn), ranks other than 0 jump their
    generator to an independent stream, so that their dropout masks differ from rank 0's.
each step (`train_batch`):
    the global batch is cut into `world size` contiguous shards (sizes differ by at most one);
    the rank runs `train_step` on its shard. Its gradients, scaled by its share of the global
    batch (shard size / batch size), the moving statistics of its layers (BatchNormalization's,
    same weighting) and its metric state variables (loss tracker, compiled metrics, ...) are
    packed into one float32 buffer, and ONE Allreduce (sum) gives every rank the gradient of
    the mean loss over the whole batch and the global metric states; the logs are computed
    from those (then each rank's own states are put back). For that one Allreduce the built-in
    `train_step`'s `optimizer.apply` is held back until the step's metrics are updated (they
    come from predictions made before the update, so nothing changes); a user's `train_step`
    is not reordered: its `apply` all-reduces the gradients at once, and a second, small
    Allreduce reduces the metric states after it.
    A rank whose shard is empty (a last batch smaller than the world) runs the step on one
    sample with share 0 and its metric states put back, so the collectives still match.
evaluation (`Evaluation`, for validation data and `evaluate`):
    each rank tests its shard of every batch; one small Allreduce of the metric states per
    batch makes the logs global.
"""
import time

import numpy as np

from minikeras.backend import random
from minikeras.backend.array_module import get_array_module, to_numpy, xp
from minikeras.backend.autodiff import Tensor
from minikeras.distribution import _mpi
from minikeras.layers.node import flatten, map_structure


# -- what is reduced -------------------------------------------------------------------------
def metric_variables(model):
    """Every state variable of the model's metrics (loss tracker, compiled metrics, per-output
    loss trackers, metrics held as attributes), each once, in a fixed order."""
    found, seen = [], set()
    for metric in model.metrics:
        members = [metric] if hasattr(metric, "variables") else list(metric.metrics)
        for member in members:
            for variable in member.variables:
                if id(variable) not in seen:
                    seen.add(id(variable))
                    found.append(variable)
    return found


def layer_state_variables(model):
    """The floating-point non-trainable variables of trainable layers: what a training forward
    pass updates (BatchNormalization's moving mean and variance). Frozen layers are skipped:
    their weights never change, and averaging them would only add rounding."""
    found, seen_layers, seen = [], set(), set()

    def walk(layer):
        if id(layer) in seen_layers or not getattr(layer, "trainable", True):
            return
        seen_layers.add(id(layer))
        for variable in getattr(layer, "_non_trainable_variables", ()):
            if id(variable) not in seen and np.issubdtype(np.dtype(variable.dtype), np.floating):
                seen.add(id(variable))
                found.append(variable)
        for sublayer in getattr(layer, "_layers", ()):
            walk(sublayer)

    walk(model)
    return found


def shard_bounds(n, rank, size):
    """(start, stop) of `rank`'s contiguous shard of n samples: sizes differ by at most one,
    the first n % size ranks take one more."""
    base, extra = divmod(n, size)
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


def slice_batch(batch, start, stop):
    """Rows start:stop of every array in an (x, y, sample_weight) batch."""
    return map_structure(lambda a: None if a is None else a[start:stop], batch)


def _num_rows(batch):
    first = flatten(batch[0])[0]
    return int((first.data if isinstance(first, Tensor) else first).shape[0])


def _to_device(array):
    """A host (NumPy) array as an array of the active module (CuPy backend: copied over)."""
    return array if get_array_module() is np else xp.asarray(array)


def _pack(variables, buffer, offsets, scale=None):
    for variable, (start, stop) in zip(variables, offsets):
        values = to_numpy(variable.data).reshape(-1)
        if scale is None:
            buffer[start:stop] = values
        else:
            np.multiply(values, scale, out=buffer[start:stop], casting="same_kind")


def _unpack(variables, buffer, offsets):
    for variable, (start, stop) in zip(variables, offsets):
        variable.data[...] = _to_device(buffer[start:stop].reshape(variable.data.shape))


def _offsets(sizes, start=0):
    result = []
    for size in sizes:
        result.append((start, start + size))
        start += size
    return result


def _timed_allreduce(comm, buffer, stats):
    MPI = _mpi.mpi_module()
    start = time.perf_counter()
    comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)
    stats["comm_seconds"] += time.perf_counter() - start
    stats["calls"] += 1
    stats["bytes"] = buffer.nbytes


# -- the pieces shared by fit and evaluate ----------------------------------------------------
class _Replica:
    def __init__(self, distribution, model):
        self.distribution = distribution
        self.model = model
        self.comm = _mpi.comm()
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self._logs_buffer = None

    def shard(self, batch):
        """(this rank's part of `batch`, its number of samples, its share of the batch; None
        when the data is not auto-sharded). An empty shard is given one sample to run on."""
        if not self.distribution.auto_shard_dataset:
            return batch, _num_rows(batch), None
        n = _num_rows(batch)
        start, stop = shard_bounds(n, self.rank, self.size)
        if stop == start:
            return slice_batch(batch, 0, 1), 0, 0.0
        if stop - start == n:
            return batch, n, 1.0
        return slice_batch(batch, start, stop), stop - start, (stop - start) / n

    def run_step(self, step_fn, batch, count):
        """`step_fn(batch)`; for an empty shard (count 0) the metrics are put back afterwards,
        so the stand-in sample counts nowhere."""
        if count:
            return step_fn(batch)
        saved = {id(v): v.data.copy() for v in metric_variables(self.model)}
        logs = step_fn(batch)
        for variable in metric_variables(self.model):
            before = saved.get(id(variable))
            variable.data[...] = 0 if before is None else before  # new ones start at zero
        return logs

    def reduce_logs(self, logs):
        """The logs with every value that comes from `model.metrics` replaced by its global
        value: the metric state variables are summed over the ranks (one Allreduce) and the
        results computed from the sums, then each rank's own states are put back."""
        model = self.model
        variables = metric_variables(model)
        if not variables:
            return logs
        stats = self.distribution.stats["logs"]
        start = time.perf_counter()
        sizes = [int(v.data.size) for v in variables]
        total = sum(sizes)
        if self._logs_buffer is None or self._logs_buffer.size != total:
            self._logs_buffer = np.empty(total, dtype=np.float64)
        buffer, offsets = self._logs_buffer, _offsets(sizes)
        _pack(variables, buffer, offsets)
        _timed_allreduce(self.comm, buffer, stats)
        saved = [v.data.copy() for v in variables]
        try:
            _unpack(variables, buffer, offsets)
            results = model.get_metrics_result()
        finally:
            for variable, value in zip(variables, saved):
                variable.data[...] = value
        stats["sync_seconds"] += time.perf_counter() - start
        return {key: results.get(key, value) for key, value in logs.items()}

    def check_same(self, what, value):
        """Raise on every rank when the ranks disagree on `value` (they would deadlock)."""
        values = self.comm.allgather(value)
        if any(v != values[0] for v in values):
            raise ValueError(f"DataParallel: the {self.size} processes disagree on {what}: "
                             f"{values} (one per rank). Every process must run the same script "
                             f"on the same data (with auto_shard_dataset=True, the whole data "
                             f"on every process), else they cannot stay in step.")


class Evaluation(_Replica):
    """One distributed pass of `_evaluate_loop`: each rank tests its shard of every batch; the
    logs are global."""

    def __init__(self, distribution, model, data, test_fn):
        super().__init__(distribution, model)
        self.test_fn = test_fn
        self.check_same("the number of evaluation batches", data.num_batches)

    def test_batch(self, batch):
        local, count, _ = self.shard(batch)
        return self.reduce_logs(self.run_step(self.test_fn, local, count))


class FitRun(_Replica):
    """The distributed state of one `fit` call (see the module doc)."""

    def __init__(self, distribution, model, data, train_fn):
        super().__init__(distribution, model)
        from minikeras.models.trainer import Trainer
        self.train_fn = train_fn
        self.share = 1.0
        self.count = 0
        self._layouts = {}
        self._state_variables = layer_state_variables(model)
        self._decorrelate = False
        # The built-in train_step updates the metrics after optimizer.apply, from predictions
        # made before it: its apply can wait until the step's metrics are in, and go out in
        # the same Allreduce. A user's train_step is not reordered (it may read the weights).
        self._fuse = getattr(type(model), "train_step", None) is Trainer.train_step
        self._defer = False
        self._deferred = None
        self._optimizer = model.optimizer
        self._saved_apply = self._optimizer.__dict__.get("apply")
        self._original_apply = self._optimizer.apply
        self._synchronize(data)
        self._optimizer.apply = self._apply  # removed again in end()

    # -- fit start ---------------------------------------------------------------------------
    def _synchronize(self, data):
        model, optimizer = self.model, self._optimizer
        adapter = data.adapter
        signature = {"batches per epoch": data.num_batches,
                     "samples": getattr(adapter, "num_samples", None),
                     "weights": [tuple(v.shape) for v in model.weights]}
        if not self.distribution.auto_shard_dataset:
            signature.pop("samples")
        self.check_same("the training data and model", signature)
        if not getattr(optimizer, "built", False):
            optimizer.build(model.trainable_weights)
        self._broadcast_variables(list(model.weights) + list(optimizer.variables))
        chief_state = None
        if self.rank == 0:
            chief_state = {"initial_epoch": model._initial_epoch,
                           "initial_step_state": model._initial_step_state,
                           "random": random.global_generator().bit_generator.state}
        chief_state = self.comm.bcast(chief_state, root=0)
        model._initial_epoch = chief_state["initial_epoch"]
        model._initial_step_state = chief_state["initial_step_state"]
        random.global_generator().bit_generator.state = chief_state["random"]

    def _broadcast_variables(self, variables):
        """The chief's values of `variables`, one Bcast per dtype."""
        groups = {}
        for variable in variables:
            groups.setdefault(np.dtype(variable.dtype).str, []).append(variable)
        for dtype, group in groups.items():
            offsets = _offsets([int(v.data.size) for v in group])
            buffer = np.empty(offsets[-1][1] if offsets else 0, dtype=dtype)
            if self.rank == 0:
                _pack(group, buffer, offsets)
            self.comm.Bcast(buffer, root=0)
            if self.rank != 0:
                _unpack(group, buffer, offsets)

    # -- each epoch and step -----------------------------------------------------------------
    def on_epoch_begin(self):
        generator = random.global_generator()
        state = self.comm.bcast(generator.bit_generator.state if self.rank == 0 else None,
                                root=0)
        generator.bit_generator.state = state
        self._decorrelate = self.rank != 0

    def _jump_generator(self):
        bit_generator = random.global_generator().bit_generator
        jumped = getattr(bit_generator, "jumped", None)
        if jumped is not None:
            bit_generator.state = jumped(self.rank).state

    def train_batch(self, batch):
        """One step on this rank's shard of `batch`; the global logs."""
        local, self.count, self.share = self.shard(batch)
        if self._decorrelate:  # the first batch of the epoch is drawn: the shuffle is done
            self._decorrelate = False
            self._jump_generator()
        if not self._fuse:  # the reduced gradients were applied inside the step
            return self.reduce_logs(self.run_step(self.train_fn, local, self.count))
        self._defer, self._deferred = True, None
        try:
            logs = self.run_step(self.train_fn, local, self.count)
        finally:
            self._defer = False
        if self._deferred is None:  # no optimizer update (no trainable weights)
            return self.reduce_logs(logs)
        grads, variables, argument = self._deferred
        self._deferred = None
        reduced, results = self._reduce(grads, variables, with_metrics=True)
        self._original_apply(reduced, argument)
        return {key: results.get(key, value) for key, value in logs.items()}

    def any(self, flag):
        """True on every rank when `flag` is true on any (e.g. a rank-local stop request)."""
        return bool(self.comm.allreduce(bool(flag), op=_mpi.mpi_module().LOR))

    def end(self):
        """Put `optimizer.apply` back as it was."""
        if self._saved_apply is None:
            self._optimizer.__dict__.pop("apply", None)
        else:
            self._optimizer.apply = self._saved_apply

    def barrier(self):
        self.comm.Barrier()

    # -- the Allreduce -----------------------------------------------------------------------
    def _apply(self, grads, trainable_variables=None):
        """`optimizer.apply` during fit: the built-in step's update waits for its metrics (see
        train_batch); any other is applied at once with the all-reduced gradients."""
        variables = (self._optimizer._trainable_variables if trainable_variables is None
                     else trainable_variables)
        if self._defer and self._deferred is None:
            self._deferred = (list(grads), list(variables), trainable_variables)
            return None
        reduced, _ = self._reduce(list(grads), list(variables), with_metrics=False)
        return self._original_apply(reduced, trainable_variables)

    def _layout(self, variables, metric_vars):
        """(buffer, gradient slots, layer-statistic slots, metric slots, count slot or None),
        made once per set of variables."""
        key = (tuple(map(id, variables)), tuple(map(id, metric_vars)))
        layout = self._layouts.get(key)
        if layout is None:
            floating = [np.dtype(v.dtype) for v in list(variables) + list(metric_vars)
                        if np.issubdtype(np.dtype(v.dtype), np.floating)]
            dtype = np.result_type(np.float32, *floating)
            grad_offsets = _offsets([int(v.data.size) for v in variables])
            end = grad_offsets[-1][1] if grad_offsets else 0
            state_offsets = _offsets([int(v.data.size) for v in self._state_variables], end)
            end = state_offsets[-1][1] if state_offsets else end
            metric_offsets = _offsets([int(v.data.size) for v in metric_vars], end)
            weighted_end = end
            end = metric_offsets[-1][1] if metric_offsets else end
            # one more slot for the sample count when the data comes pre-sharded
            count_slot = None if self.distribution.auto_shard_dataset else end
            size = end + (count_slot is not None)
            layout = (np.empty(size, dtype=dtype), grad_offsets, state_offsets, metric_offsets,
                      weighted_end, count_slot)
            self._layouts[key] = layout
        return layout

    def _reduce(self, grads, variables, with_metrics):
        """One Allreduce of this rank's gradients and layer statistics, weighted by its share
        of the global batch (summed: the gradient of the batch's mean loss), and, with
        `with_metrics`, its metric states (summed). Returns (gradients: views into the buffer,
        {name: global metric result} or None)."""
        stats = self.distribution.stats["gradients"]
        start = time.perf_counter()
        model = self.model
        metric_vars = metric_variables(model) if with_metrics else []
        buffer, grad_offsets, state_offsets, metric_offsets, weighted_end, count_slot = \
            self._layout(variables, metric_vars)
        weight = self.share if self.share is not None else float(self.count)
        for gradient, (begin, stop) in zip(grads, grad_offsets):
            if gradient is None or weight == 0:
                buffer[begin:stop] = 0
                continue
            values = gradient.data if isinstance(gradient, Tensor) else gradient
            values = to_numpy(values).reshape(-1)
            if weight == 1.0:
                buffer[begin:stop] = values
            else:
                np.multiply(values, weight, out=buffer[begin:stop], casting="same_kind")
        _pack(self._state_variables, buffer, state_offsets, scale=weight)
        _pack(metric_vars, buffer, metric_offsets)
        if count_slot is not None:
            buffer[count_slot] = weight
        _timed_allreduce(self.comm, buffer, stats)
        if count_slot is not None:  # pre-sharded data: divide by the global number of samples
            total = buffer[count_slot]
            buffer[:weighted_end] /= total if total else 1
        _unpack(self._state_variables, buffer, state_offsets)
        results = None
        if with_metrics:
            saved = [v.data.copy() for v in metric_vars]
            try:
                _unpack(metric_vars, buffer, metric_offsets)
                results = model.get_metrics_result()
            finally:
                for variable, value in zip(metric_vars, saved):
                    variable.data[...] = value
        reduced = []
        for gradient, variable, (begin, stop) in zip(grads, variables, grad_offsets):
            reduced.append(None if gradient is None else
                           _to_device(buffer[begin:stop].reshape(variable.data.shape)))
        stats["sync_seconds"] += time.perf_counter() - start
        return reduced, results
