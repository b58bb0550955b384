"""The MPI world minikeras runs in: found lazily, so a plain `python train.py` never loads MPI.

A process counts as launched by MPI when the launcher left its usual environment variables
(`mpirun`/`mpiexec` of MPICH, Intel MPI and MVAPICH set PMI_SIZE, Open MPI sets
OMPI_COMM_WORLD_SIZE, PMIx launchers such as `srun --mpi=pmix` set PMIX_RANK) or when the
script imported `mpi4py.MPI` itself. Only then is mpi4py imported (which initializes MPI);
otherwise the world is one process, rank 0, and nothing is imported at all.
"""
import os
import sys

_LAUNCH_VARIABLES = ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK",
                     "MV2_COMM_WORLD_SIZE", "MPI_LOCALNRANKS")
_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")

_comm = None       # the mpi4py communicator, once looked up
_looked_up = False


def launched_by_mpi():
    """True when an MPI launcher started this process (its environment variables are set)."""
    return any(name in os.environ for name in _LAUNCH_VARIABLES)


def _launch_size():
    """The world size the launcher announced (1 when it did not say)."""
    for name in _SIZE_VARIABLES:
        try:
            return int(os.environ[name])
        except (KeyError, ValueError):
            continue
    return 1


def comm():
    """`mpi4py.MPI.COMM_WORLD` when running under MPI, else None (and mpi4py is not imported).

    Raises ImportError when an MPI launcher started several processes but mpi4py is missing:
    each process would otherwise train alone and they would all write the same files.
    """
    global _comm, _looked_up
    if _looked_up:
        return _comm
    if "mpi4py.MPI" in sys.modules or launched_by_mpi():
        try:
            from mpi4py import MPI
        except ImportError as error:
            if _launch_size() > 1:
                raise ImportError(
                    f"minikeras.distribution: this process was started by an MPI launcher "
                    f"({_launch_size()} processes) but mpi4py cannot be imported ({error}). "
                    f"Install the MPI extra: pip install \"minikeras[mpi]\" (mpi4py and the "
                    f"mpich runtime wheels).") from error
            MPI = None
        _comm = None if MPI is None else MPI.COMM_WORLD
    _looked_up = True
    return _comm


def rank():
    """This process's rank in the MPI world (0 without MPI)."""
    c = comm()
    return 0 if c is None else c.Get_rank()


def world_size():
    """How many processes the MPI world has (1 without MPI)."""
    c = comm()
    return 1 if c is None else c.Get_size()


def mpi_module():
    """`mpi4py.MPI` (only call this when `comm()` is not None)."""
    from mpi4py import MPI
    return MPI
