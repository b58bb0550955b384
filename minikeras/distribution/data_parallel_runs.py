"""What DataParallel does inside `fit` and `evaluate` when several MPI processes run: the
`FitRun` and `EvaluationRun` of minikeras/distribution/runs.py, over MPI.

fit start (`DataParallelFitRun.__init__`, after `on_train_begin`, where BackupAndRestore may
have restored the chief):
    every rank checks that all ranks see data of the same length; the optimizer is built; the
    chief's weights (trainable and not), optimizer variables, shared random generator state and
    resume point are broadcast to every rank. Whatever `train_step` runs (the built-in one or a
    user's), its `optimizer.apply` hands the gradients to `reduce_gradients` first (the
    optimizers' documented hook, see runs.py), which all-reduces them.
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
    from those (then each rank's own states are put back). The built-in `train_step` updates
    its metrics before `optimizer.apply`, so its metric states travel in that one Allreduce.
    A step that changes the metric states after `apply` (a user's may) is noticed when it
    returns: a second, small Allreduce then reduces the metric states.
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
from minikeras.distribution.runs import EvaluationRun, FitRun
from minikeras.tree import flatten, map_structure


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
    pass updates (BatchNormalization's moving mean and variance). Frozen layers (and models)
    are skipped: their weights never change, and averaging them would only add rounding."""
    if not model.trainable:
        return []
    frozen = set()

    def collect_frozen(parent):
        for layer in getattr(parent, "layers", ()):  # a model's layers (nested models too)
            if not layer.trainable:
                frozen.update(id(v) for v in layer.weights)
            else:
                collect_frozen(layer)

    collect_frozen(model)
    found, seen = [], set()
    for variable in model.non_trainable_weights:
        if (id(variable) not in seen and id(variable) not in frozen
                and np.issubdtype(np.dtype(variable.dtype), np.floating)):
            seen.add(id(variable))
            found.append(variable)
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


def _global_metric_results(model, variables, buffer, offsets):
    """{name: result} of the model's metrics with their state `variables` set to the summed
    values in `buffer`; each variable's own value is put back afterwards."""
    saved = [v.data.copy() for v in variables]
    try:
        _unpack(variables, buffer, offsets)
        return model.get_metrics_result()
    finally:
        for variable, value in zip(variables, saved):
            variable.data[...] = value


def _timed_allreduce(comm, buffer, stats):
    MPI = _mpi.mpi_module()
    start = time.perf_counter()
    comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)
    stats["comm_seconds"] += time.perf_counter() - start
    stats["calls"] += 1
    stats["bytes"] = buffer.nbytes


# -- the pieces shared by fit and evaluate ----------------------------------------------------
class _ProcessGroup:
    """This process's place in the MPI job, and the collective steps fit and evaluate share."""

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

    def run_step(self, step_fn, batch, count, after_step=None):
        """`step_fn(batch)`; `after_step()` runs once the step is done; for an empty shard
        (count 0) the metrics are then put back, so the stand-in sample counts nowhere."""
        if count:
            logs = step_fn(batch)
            if after_step is not None:
                after_step()
            return logs
        saved = {id(v): v.data.copy() for v in metric_variables(self.model)}
        self.metrics_before_step = saved
        logs = step_fn(batch)
        if after_step is not None:
            after_step()
        for variable in metric_variables(self.model):
            before = saved.get(id(variable))
            variable.data[...] = 0 if before is None else before  # new ones start at zero
        self.metrics_before_step = None
        return logs

    metrics_before_step = None  # during an empty shard's step: {id(variable): value before it}

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
        results = _global_metric_results(model, variables, buffer, offsets)
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


class DataParallelEvaluationRun(EvaluationRun, _ProcessGroup):
    """One distributed evaluation pass: each rank tests its shard of every batch; the logs are
    global."""

    def __init__(self, distribution, model, data_adapter):
        _ProcessGroup.__init__(self, distribution, model)
        self.check_same("the number of evaluation batches", data_adapter.num_batches)

    def run_test_batch(self, step_fn, batch):
        local, count, _ = self.shard(batch)
        return self.reduce_logs(self.run_step(step_fn, local, count))


class DataParallelFitRun(FitRun, _ProcessGroup):
    """The distributed state of one `fit` call (see the module doc)."""

    def __init__(self, distribution, model, epoch_iterator, resume_point):
        FitRun.__init__(self, resume_point)
        _ProcessGroup.__init__(self, distribution, model)
        self.share = 1.0
        self.count = 0
        self._layouts = {}
        self._state_variables = layer_state_variables(model)
        self._decorrelate = False
        self._fused = None  # during a step: what the gradient Allreduce also gave (see below)
        self._synchronize(epoch_iterator)

    # -- fit start ---------------------------------------------------------------------------
    def _synchronize(self, data):
        model, optimizer = self.model, self.model.optimizer
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
            chief_state = {"resume_point": self.resume_point,
                           "random": random.global_generator().bit_generator.state}
        chief_state = self.comm.bcast(chief_state, root=0)
        self.resume_point = chief_state["resume_point"]
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

    def run_train_batch(self, step_fn, batch):
        """One step on this rank's shard of `batch`; the global logs.

        The step's `optimizer.apply` calls `reduce_gradients`, whose one Allreduce also carries
        the metric states as they are then. If the step leaves them so (the built-in step
        updates its metrics before applying), the logs come from that Allreduce; if it changes
        them afterwards, or applies nothing, a second small Allreduce reduces the metrics."""
        local, self.count, self.share = self.shard(batch)
        if self._decorrelate:  # the first batch of the epoch is drawn: the shuffle is done
            self._decorrelate = False
            self._jump_generator()
        self._fused = None
        metrics_moved = []

        def check_metrics():
            fused = self._fused
            metrics_moved.append(fused is None or len(metric_variables(self.model)) != len(
                fused["variables"]) or any(
                not np.array_equal(to_numpy(v.data), value)
                for v, value in zip(fused["variables"], fused["values"])))

        try:
            logs = self.run_step(step_fn, local, self.count, after_step=check_metrics)
            if metrics_moved[0]:
                return self.reduce_logs(logs)
            results = self._fused["results"]
            return {key: results.get(key, value) for key, value in logs.items()}
        finally:
            self._fused = None

    def reduce_gradients(self, grads, variables):
        """The optimizers' hook during fit: the all-reduced gradients (see the module doc)."""
        grads, variables = list(grads), list(variables)
        metric_vars = metric_variables(self.model)
        values = [to_numpy(v.data).copy() for v in metric_vars]
        reduced, results = self._reduce(grads, variables, metric_vars)
        self._fused = {"variables": metric_vars, "values": values, "results": results}
        return reduced

    def any_stop(self, flag):
        """True on every rank when `flag` is true on any (e.g. a rank-local stop request)."""
        return bool(self.comm.allreduce(bool(flag), op=_mpi.mpi_module().LOR))

    def barrier(self):
        self.comm.Barrier()

    # -- the Allreduce -----------------------------------------------------------------------
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

    def _reduce(self, grads, variables, metric_vars):
        """One Allreduce of this rank's gradients and layer statistics, weighted by its share
        of the global batch (summed: the gradient of the batch's mean loss), and its metric
        states (summed). Returns (gradients: views into the buffer, {name: global metric
        result}). During an empty shard's step the metric states sent are those from before
        the step (the stand-in sample counts nowhere)."""
        stats = self.distribution.stats["gradients"]
        start = time.perf_counter()
        model = self.model
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
        before = self.metrics_before_step
        if before is None:
            _pack(metric_vars, buffer, metric_offsets)
        else:  # an empty shard: the states from before the stand-in sample
            for variable, (begin, stop) in zip(metric_vars, metric_offsets):
                value = before.get(id(variable))
                buffer[begin:stop] = 0 if value is None else to_numpy(value).reshape(-1)
        if count_slot is not None:
            buffer[count_slot] = weight
        _timed_allreduce(self.comm, buffer, stats)
        if count_slot is not None:  # pre-sharded data: divide by the global number of samples
            total = buffer[count_slot]
            buffer[:weighted_end] /= total if total else 1
        _unpack(self._state_variables, buffer, state_offsets)
        results = _global_metric_results(model, metric_vars, buffer, metric_offsets)
        reduced = []
        for gradient, variable, (begin, stop) in zip(grads, variables, grad_offsets):
            reduced.append(None if gradient is None else
                           _to_device(buffer[begin:stop].reshape(variable.data.shape)))
        stats["sync_seconds"] += time.perf_counter() - start
        return reduced, results
