"""`minikeras.distribution`: data-parallel training over MPI, with Keras 3's names.

    import minikeras
    minikeras.distribution.set_distribution(minikeras.distribution.DataParallel())
    model.fit(x, y, batch_size=128, epochs=5)        # run with: mpirun -n 4 python train.py

Each MPI process trains on its shard of every global batch; one Allreduce per step averages
the gradients; every process logs the global loss and metrics; only rank 0 prints progress and
writes checkpoints, CSV logs and backups. Without MPI (or with one process) nothing changes.
mpi4py is only imported when an MPI launcher started the process. See docs/distributed.md.
"""
from minikeras.distribution.distribution_lib import (DataParallel, barrier, distribution,
                                                     initialize, is_chief, list_devices, rank,
                                                     set_distribution, world_size)

__all__ = ["DataParallel", "barrier", "distribution", "initialize", "is_chief", "list_devices",
           "rank", "set_distribution", "world_size"]
