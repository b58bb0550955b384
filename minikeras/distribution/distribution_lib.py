"""Keras 3's distribution names for minikeras: data parallelism over MPI processes.

    minikeras.distribution.set_distribution(minikeras.distribution.DataParallel())
    model.fit(x, y, batch_size=128, epochs=5)     # mpirun -n 4 python train.py

Each MPI process ("rank") runs the same script on the same data. In `fit`, every global batch
of `batch_size` samples is split into one contiguous shard per rank; each rank computes the
gradients of its shard, and one Allreduce per step over a single fused buffer sums them, each
weighted by its shard's share of the global batch, so every rank applies the gradient of the
whole batch's loss (what one process with the same batch size computes). The same Allreduce sums
the metrics' state variables, whose results are the logs: every rank logs the global loss and
metrics, and callbacks such as EarlyStopping decide the same everywhere.
See docs/distributed.md.

Without MPI, or with one process, a DataParallel distribution changes nothing.
"""
from minikeras import tree
from minikeras.distribution import _mpi
from minikeras.distribution.runs import EvaluationRun, FitRun

_DISTRIBUTION = None


class Distribution:
    """The base of distribution strategies, and what `fit` / `evaluate` / `predict` ask of one.

    The trainer calls these methods on every run; this base is a single process and changes
    nothing, so `minikeras.distribution.training_distribution()` returns one when no
    distribution is set (or only one process runs). A strategy overrides:

    - `local_verbose(verbose)`: the progress verbosity of this process (only the chief prints).
    - `local_callbacks(callbacks)`: the callbacks this process runs; processes other than the
      chief leave out those whose class says `chief_only = True` (they write files).
    - `begin_fit(model, epoch_iterator, resume_point)`: a `FitRun` for one `fit` call.
    - `begin_evaluation(model, data_adapter)`: an `EvaluationRun` for one evaluation pass.
    """

    @property
    def is_chief(self):
        """True on the process that prints progress and writes files."""
        return True

    def local_verbose(self, verbose):
        return verbose if self.is_chief else 0

    def local_callbacks(self, callbacks):
        if self.is_chief or not callbacks:
            return callbacks
        return [c for c in tree.flatten(callbacks) if not getattr(c, "chief_only", False)]

    def begin_fit(self, model, epoch_iterator, resume_point):
        return FitRun(resume_point)

    def begin_evaluation(self, model, data_adapter):
        return EvaluationRun()


class DataParallel(Distribution):
    """Data parallelism over the processes of an MPI job (`mpirun -n N python train.py`).

    Args:
        device_mesh: not supported (minikeras has no DeviceMesh); must be None.
        devices: None for every process of the MPI world, or a list with one entry per
            process (e.g. `list_devices()`); a different count is an error.
        auto_shard_dataset: True (default): every process passes the same, whole data to `fit`
            and takes its own shard of each global batch. False: each process passes its own
            part of the data already; a global batch is then the union of the processes'
            batches, and gradients are weighted by each process's number of samples.

    Attributes: `num_processes` (the MPI world size), `data_shard_id` (this process's rank),
    `num_model_replicas` (= num_processes), `stats` (time and bytes spent communicating,
    see `reset_stats`).
    """

    batch_dim_name = "batch"

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True):
        if device_mesh is not None:
            raise ValueError("DataParallel: minikeras has no DeviceMesh; pass `devices` (one "
                             "per MPI process) or nothing.")
        size = _mpi.world_size()
        if devices is None:
            devices = list_devices()
        else:
            devices = list(devices)
            if len(devices) != size:
                raise ValueError(f"DataParallel: `devices` must name one device per MPI "
                                 f"process; this job has {size} process(es) but received "
                                 f"{len(devices)} device(s): {devices!r}. Start as many "
                                 f"processes as devices (mpirun -n {len(devices)} ...).")
        self._devices = devices
        self.auto_shard_dataset = bool(auto_shard_dataset)
        self.reset_stats()

    @property
    def devices(self):
        return list(self._devices)

    @property
    def num_processes(self):
        return _mpi.world_size()

    @property
    def num_model_replicas(self):
        return _mpi.world_size()

    @property
    def data_shard_id(self):
        return _mpi.rank()

    def reset_stats(self):
        """Zero `stats`: per kind of Allreduce ("gradients": the fused one of each training
        step: gradients, layer statistics and, with the built-in train_step, the metric
        states; "logs": metric states alone, for evaluation batches and after a custom
        train_step), the number of calls, the seconds spent inside MPI (`comm_seconds`), the
        seconds of the whole reduction including packing and unpacking the buffer
        (`sync_seconds`) and the bytes of the last buffer (`bytes`)."""
        self.stats = {kind: {"calls": 0, "comm_seconds": 0.0, "sync_seconds": 0.0, "bytes": 0}
                      for kind in ("gradients", "logs")}

    def __repr__(self):
        return (f"<DataParallel num_processes={self.num_processes} "
                f"auto_shard_dataset={self.auto_shard_dataset}>")

    # -- what the trainer asks (see Distribution) --------------------------------------------
    @property
    def is_chief(self):
        return is_chief()

    def begin_fit(self, model, epoch_iterator, resume_point):
        from minikeras.distribution.data_parallel_runs import DataParallelFitRun
        return DataParallelFitRun(self, model, epoch_iterator, resume_point)

    def begin_evaluation(self, model, data_adapter):
        from minikeras.distribution.data_parallel_runs import DataParallelEvaluationRun
        return DataParallelEvaluationRun(self, model, data_adapter)


def set_distribution(value):
    """Make `value` (a DataParallel, or None to turn distribution off) the global setting."""
    global _DISTRIBUTION
    if value is not None and not isinstance(value, DataParallel):
        raise ValueError(f"set_distribution expects a DataParallel instance or None, received "
                         f"{type(value).__name__}.")
    _DISTRIBUTION = value


def distribution():
    """The global distribution set with `set_distribution` (None when none is set)."""
    return _DISTRIBUTION


_SINGLE_PROCESS = Distribution()


def training_distribution():
    """The distribution `fit` / `evaluate` / `predict` follow: the global DataParallel when
    more than one process runs, else a single-process `Distribution` (which changes nothing)."""
    value = _DISTRIBUTION
    if value is None or _mpi.world_size() < 2:
        return _SINGLE_PROCESS
    return value


def list_devices(device_type=None):
    """One entry per MPI process, "cpu:<rank>" (["cpu:0"] without MPI). minikeras computes on
    the CPU of each process, so any other `device_type` lists nothing."""
    if device_type not in (None, "cpu", "CPU"):
        return []
    return [f"cpu:{r}" for r in range(_mpi.world_size())]


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Start MPI now (it otherwise starts the first time a rank or world size is needed) and
    check `num_processes` / `process_id` when given. `job_addresses` is not used: MPI's
    launcher (mpirun, srun) already connected the processes."""
    c = _mpi.comm()
    if c is None:
        try:
            from mpi4py import MPI  # noqa: F401  (initializes MPI when installed)
        except ImportError:
            pass
        _mpi._looked_up = False
        c = _mpi.comm()
    size, rank_ = (1, 0) if c is None else (c.Get_size(), c.Get_rank())
    if num_processes is not None and int(num_processes) != size:
        raise ValueError(f"initialize: num_processes={num_processes} but the MPI world has "
                         f"{size} process(es).")
    if process_id is not None and int(process_id) != rank_:
        raise ValueError(f"initialize: process_id={process_id} but this process is rank "
                         f"{rank_}.")


def rank():
    """This process's rank in the MPI job (0 without MPI)."""
    return _mpi.rank()


def world_size():
    """The number of processes in the MPI job (1 without MPI)."""
    return _mpi.world_size()


def is_chief():
    """True on rank 0, the process that prints progress and writes files."""
    return _mpi.rank() == 0


def barrier():
    """Wait until every process got here (nothing to wait for without MPI)."""
    c = _mpi.comm()
    if c is not None and c.Get_size() > 1:
        c.Barrier()
