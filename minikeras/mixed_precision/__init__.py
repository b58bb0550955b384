"""`keras.mixed_precision`: Keras 2's names for the dtype policies, kept by Keras 3.

`Policy` is `DTypePolicy`; `global_policy` / `dtype_policy` read the global policy and
`set_global_policy` / `set_dtype_policy` set it (`keras.config.set_dtype_policy`).
`LossScaleOptimizer` is the one in `minikeras.optimizers`, looked up on first use."""
from minikeras.backend.config import dtype_policy, set_dtype_policy
from minikeras.backend.dtype_policy import DTypePolicy

Policy = DTypePolicy
global_policy = dtype_policy
set_global_policy = set_dtype_policy


def __getattr__(name):
    if name == "LossScaleOptimizer":
        from minikeras import optimizers
        if hasattr(optimizers, name):
            return optimizers.LossScaleOptimizer
    raise AttributeError(f"module 'minikeras.mixed_precision' has no attribute {name!r}")
