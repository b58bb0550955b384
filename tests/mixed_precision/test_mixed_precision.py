"""`keras.mixed_precision`: Keras 2's names of the dtype policies."""
import pytest

import minikeras
from minikeras import mixed_precision


def test_legacy_names_are_the_policy_functions():
    assert mixed_precision.Policy is minikeras.DTypePolicy
    assert mixed_precision.DTypePolicy is minikeras.DTypePolicy
    try:
        mixed_precision.set_global_policy("mixed_float16")
        assert mixed_precision.global_policy().name == "mixed_float16"
        assert mixed_precision.dtype_policy() is minikeras.config.dtype_policy()
        mixed_precision.set_dtype_policy("float32")
        assert mixed_precision.global_policy().name == "float32"
    finally:
        minikeras.config.set_dtype_policy(None)


def test_loss_scale_optimizer_comes_from_optimizers_when_there():
    if hasattr(minikeras.optimizers, "LossScaleOptimizer"):
        assert mixed_precision.LossScaleOptimizer is minikeras.optimizers.LossScaleOptimizer
    else:
        with pytest.raises(AttributeError):
            mixed_precision.LossScaleOptimizer
