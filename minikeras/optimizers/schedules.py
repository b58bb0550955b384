"""Learning-rate schedules, as in `keras.optimizers.schedules`.

A schedule is a callable `schedule(step) -> learning rate`. An optimizer given a schedule as its
`learning_rate` calls it with `optimizer.iterations` (the number of batches applied so far,
starting at 0) before every update, so the rate changes per batch, not per epoch.

The value is a float32 NumPy scalar, computed like Keras does it: the step and the constants are
cast to float32 first. These are host-side scalar computations, so plain NumPy is used here even
when `xp` is a GPU library.
"""
import bisect
from numbers import Real

import numpy as np

from minikeras.backend.autodiff import Tensor
from minikeras.saving.serialization import serialize_keras_object, deserialize_keras_object

_MODULE = "keras.optimizers.schedules"  # the module name Keras writes into configs


def _step_value(step):
    """The step as a Python number, whether it came as an int, an array or a Variable."""
    if isinstance(step, Tensor):
        step = step.data
    return step if isinstance(step, Real) else step.item()


class LearningRateSchedule:
    """Base class: subclasses implement `__call__(step)` and `get_config()`.

        class InverseStep(LearningRateSchedule):
            def __init__(self, initial_learning_rate):
                self.initial_learning_rate = initial_learning_rate
            def __call__(self, step):
                return self.initial_learning_rate / (step + 1)
            def get_config(self):
                return {"initial_learning_rate": self.initial_learning_rate}
    """

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override "
                                  f"`__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override "
                                  f"`get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        """Rebuild the schedule from the dict `get_config()` returned."""
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    With `staircase=True` the exponent is floored, so the rate drops by `decay_rate` every
    `decay_steps` steps instead of smoothly.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        if not isinstance(decay_steps, Real) or decay_steps <= 0:
            raise ValueError(f"ExponentialDecay: argument `decay_steps` must be > 0. "
                             f"Received: decay_steps={decay_steps!r}")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        exponent = np.float32(_step_value(step)) / np.float32(self.decay_steps)
        if self.staircase:
            exponent = np.floor(exponent)
        return np.float32(self.initial_learning_rate) * np.float32(self.decay_rate) ** exponent

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """A step function: `values[0]` while `step <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < step <= boundaries[i]`, and `values[-1]` once `step > boundaries[-1]`.

    `boundaries` are increasing step numbers; `values` has one more entry than `boundaries`.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"PiecewiseConstantDecay: the length of `boundaries` should be 1 less "
                             f"than the length of `values`. Received: boundaries={boundaries} of "
                             f"length {len(boundaries)}, and values={values} of length {len(values)}.")
        if any(later <= earlier for earlier, later in zip(boundaries, boundaries[1:])):
            raise ValueError(f"PiecewiseConstantDecay: `boundaries` must be strictly increasing. "
                             f"Received: boundaries={boundaries}")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        # bisect_left counts the boundaries strictly below `step`: that is the interval's index.
        return np.float32(self.values[bisect.bisect_left(self.boundaries, _step_value(step))])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


ALL_SCHEDULES = {cls.__name__: cls for cls in (ExponentialDecay, PiecewiseConstantDecay)}


def serialize(learning_rate_schedule):
    """The Keras 3 config dict of a schedule: {"module", "class_name", "config", "registered_name"}."""
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise TypeError(f"schedules.serialize expects a LearningRateSchedule, received "
                        f"{type(learning_rate_schedule).__name__}.")
    return serialize_keras_object(learning_rate_schedule, _MODULE)


def deserialize(config, custom_objects=None):
    """Rebuild a schedule from the dict `serialize` produced (or a Keras-written config)."""
    return deserialize_keras_object(config, ALL_SCHEDULES, "learning rate schedule", custom_objects)
