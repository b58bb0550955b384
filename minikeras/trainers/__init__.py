"""The training machinery behind `Model`: `Trainer` (compile / fit / evaluate / predict and
the steps), `EpochIterator` (the batches of each epoch), the compiled losses and metrics
(`compile_utils`) and the data adapters (whatever the user passes, as batches).

Laid out as Keras 3's `keras/src/trainers/`. `minikeras.models.Model` mixes `Trainer` in.
"""
from minikeras.trainers.epoch_iterator import EpochIterator
from minikeras.trainers.trainer import Trainer, pack_x_y_sample_weight, unpack_x_y_sample_weight

__all__ = ["EpochIterator", "Trainer", "pack_x_y_sample_weight", "unpack_x_y_sample_weight"]
