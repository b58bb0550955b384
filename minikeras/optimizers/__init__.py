"""`minikeras.optimizers`: the optimizers, their learning-rate schedules, and name lookup.

    get("adam") -> Adam()      get({"class_name": "SGD", "config": {...}})      get(instance)
"""
from minikeras.optimizers import schedules
from minikeras.optimizers.base_optimizer import Optimizer
from minikeras.optimizers.sgd import SGD
from minikeras.optimizers.adam import Adam
from minikeras.optimizers.rmsprop import RMSprop
from minikeras.optimizers.adamw import AdamW
from minikeras.optimizers.adamax import Adamax
from minikeras.optimizers.nadam import Nadam
from minikeras.optimizers.adagrad import Adagrad
from minikeras.optimizers.adadelta import Adadelta
from minikeras.optimizers.ftrl import Ftrl
from minikeras.optimizers.lion import Lion
from minikeras.optimizers.adafactor import Adafactor
from minikeras.optimizers.lamb import Lamb
from minikeras.optimizers.loss_scale_optimizer import LossScaleOptimizer
from minikeras.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from minikeras.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from minikeras.optimizers.muon import Muon
from minikeras.registry.serialization import serialize_object, deserialize_object

ALL_OPTIMIZERS = {cls.__name__: cls for cls in (SGD, Adam, RMSprop, AdamW, Adamax, Nadam, Adagrad,
                                                Adadelta, Ftrl, Lion, Adafactor, Lamb,
                                                LossScaleOptimizer, MultiOptimizer,
                                                ScheduleFreeAdamW, Muon)}
# Look-up table: lowercase names; `resolve` lowercases what it cannot find, so "Adam", "ADAM" and
# "adam" all work, and an unknown name lists just 'adam', 'rmsprop', 'sgd'.
_BY_NAME = {name.lower(): cls for name, cls in ALL_OPTIMIZERS.items()}
_MODULE = "keras.optimizers"  # the module name Keras writes into configs


def serialize(optimizer):
    """The Keras 3 config dict {"module", "class_name", "config", "registered_name"}."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizers.serialize expects an Optimizer, received "
                        f"{type(optimizer).__name__}.")
    return serialize_object(optimizer, _MODULE)


def deserialize(config, custom_objects=None):
    """An optimizer from a name or a config dict (class names match in any case)."""
    return deserialize_object(config, _BY_NAME, "optimizer", custom_objects)


def get(identifier):
    """An Optimizer for a name ("sgd", "Adam", ...), a config dict, or an instance (returned as is).

    None gives None. Unknown names raise a ValueError listing the valid ones.
    """
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, (str, dict)):
        optimizer = deserialize(identifier)
        if isinstance(optimizer, Optimizer):
            return optimizer
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. Expected an "
                     f"optimizer name ({', '.join(repr(n) for n in sorted(_BY_NAME))}), a config "
                     f"dict or an Optimizer instance.")
