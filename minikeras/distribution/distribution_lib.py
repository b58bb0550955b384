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
from minikeras.distribution import _mpi

_DISTRIBUTION = None


class DataParallel:
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

    # -- what the trainer asks (only when several processes run) ------------------------------
    def _local_verbose(self, verbose):
        """Only the chief process prints progress."""
        return verbose if is_chief() else 0

    def _local_callbacks(self, callbacks):
        """The callbacks this process runs: on processes other than the chief, those that write
        files or talk to servers (ModelCheckpoint, CSVLogger, BackupAndRestore, RemoteMonitor)
        are left out; the chief's restored state reaches the others at the start of `fit`."""
        if is_chief() or not callbacks:
            return callbacks
        from minikeras.callbacks import (BackupAndRestore, CSVLogger, ModelCheckpoint,
                                         RemoteMonitor)
        from minikeras.callbacks.callback_list import _flatten_callbacks
        chief_only = (BackupAndRestore, CSVLogger, ModelCheckpoint, RemoteMonitor)
        return [c for c in _flatten_callbacks(callbacks) if not isinstance(c, chief_only)]

    def _begin_fit(self, model, data, train_fn):
        from minikeras.distribution._training import FitRun
        return FitRun(self, model, data, train_fn)

    def _evaluation(self, model, data, test_fn):
        from minikeras.distribution._training import Evaluation
        return Evaluation(self, model, data, test_fn)


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


def active():
    """The distribution `fit` / `evaluate` must follow: the global DataParallel when more than
    one process runs, else None (then training takes the ordinary single-process path)."""
    value = _DISTRIBUTION
    if value is None or _mpi.world_size() < 2:
        return None
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
