"""Learning-rate schedules, as in `keras.optimizers.schedules`.

A schedule is a callable `schedule(step) -> learning rate`. An optimizer given a schedule as its
`learning_rate` calls it with `optimizer.iterations` (the number of batches applied so far,
starting at 0) before every update, so the rate changes per batch, not per epoch.

The value is a float32 NumPy scalar, computed like Keras does it: the step and the constants are
cast to float32 first. These are host-side scalar computations, so plain NumPy is used here even
when `xp` is a GPU library.
"""
import bisect
import math
from numbers import Real

import numpy as np

from minikeras.backend.autodiff import Tensor
from minikeras.registry.serialization import serialize_object, deserialize_object

_MODULE = "keras.optimizers.schedules"  # the module name Keras writes into configs


_F32 = np.float32


def _check_decay_steps(owner, argument, value):
    if not isinstance(value, Real) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: argument `{argument}` must be > 0. "
                         f"Received: {argument}={value!r}")


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
        _check_decay_steps("ExponentialDecay", "decay_steps", decay_steps)
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


class PolynomialDecay(LearningRateSchedule):
    """From `initial_learning_rate` to `end_learning_rate` in `decay_steps` steps, along a
    polynomial of degree `power` (1: a straight line).

        p = min(step, decay_steps) / decay_steps
        lr = (initial_learning_rate - end_learning_rate) * (1 - p) ** power + end_learning_rate

    With `cycle=True` the decay restarts instead of staying at the end value: `decay_steps` is
    stretched to the first multiple of itself that is >= step (1x at step 0).
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _check_decay_steps("PolynomialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step = _F32(_step_value(step))
        decay_steps = _F32(self.decay_steps)
        if self.cycle:
            multiplier = _F32(1) if step == 0 else np.ceil(step / decay_steps)
            decay_steps = decay_steps * multiplier
        else:
            step = min(step, decay_steps)
        initial, end = _F32(self.initial_learning_rate), _F32(self.end_learning_rate)
        return (initial - end) * (_F32(1) - step / decay_steps) ** _F32(self.power) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power,
                "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`; with `staircase=True`
    the ratio step / decay_steps is floored, so the rate changes every `decay_steps` steps."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        _check_decay_steps("InverseTimeDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        progress = _F32(_step_value(step)) / _F32(self.decay_steps)
        if self.staircase:
            progress = np.floor(progress)
        return _F32(self.initial_learning_rate) / (_F32(1) + _F32(self.decay_rate) * progress)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


def _cosine_factor(fraction, alpha):
    """(1 - alpha) * 0.5 * (1 + cos(pi * fraction)) + alpha, in float32."""
    cosine = _F32(0.5) * (_F32(1) + np.cos(_F32(math.pi) * _F32(fraction)))
    return (_F32(1) - _F32(alpha)) * cosine + _F32(alpha)


class CosineDecay(LearningRateSchedule):
    """Half a cosine from the start rate down to `alpha` times it over `decay_steps` steps,
    optionally after a linear warmup (Loshchilov & Hutter's SGDR without restarts).

    Without `warmup_target`: lr = initial_learning_rate * f(min(step, decay_steps) / decay_steps)
    with f(x) = (1 - alpha) * 0.5 * (1 + cos(pi x)) + alpha.
    With `warmup_target`: for step < warmup_steps the rate rises linearly from
    `initial_learning_rate` to `warmup_target`; after that it is
    warmup_target * f(min(step - warmup_steps, decay_steps) / decay_steps).
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _check_decay_steps("CosineDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def __call__(self, step):
        step = _F32(_step_value(step))
        initial, decay_steps = _F32(self.initial_learning_rate), _F32(self.decay_steps)
        if self.warmup_target is None:
            return initial * _cosine_factor(min(step, decay_steps) / decay_steps, self.alpha)
        target, warmup_steps = _F32(self.warmup_target), _F32(self.warmup_steps)
        step = min(step, decay_steps + warmup_steps)
        if step < warmup_steps:
            return (target - initial) * (step / warmup_steps) + initial
        return target * _cosine_factor((step - warmup_steps) / decay_steps, self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay that restarts (SGDR): the first period lasts `first_decay_steps` steps, each
    next one `t_mul` times longer, and each restart begins at `m_mul` times the previous start.

    With x = step / first_decay_steps, the period index is i = floor(x) when t_mul == 1, else
    i = floor(log(1 - x (1 - t_mul)) / log(t_mul)); the fraction done within period i is
    (x - (1 - t_mul**i) / (1 - t_mul)) / t_mul**i, and
    lr = initial_learning_rate * ((1 - alpha) * m_mul**i * 0.5 * (1 + cos(pi * fraction)) + alpha).
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        _check_decay_steps("CosineDecayRestarts", "first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self.t_mul = t_mul
        self.m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        fraction = _F32(_step_value(step)) / _F32(self.first_decay_steps)
        t_mul, alpha = _F32(self.t_mul), _F32(self.alpha)
        if t_mul == 1:
            restart = np.floor(fraction)
            fraction = fraction - restart
        else:
            restart = np.floor(np.log(_F32(1) - fraction * (_F32(1) - t_mul)) / np.log(t_mul))
            done_before = (_F32(1) - t_mul ** restart) / (_F32(1) - t_mul)
            fraction = (fraction - done_before) / t_mul ** restart
        cosine = _F32(0.5) * _F32(self.m_mul) ** restart * (
            _F32(1) + np.cos(_F32(math.pi) * fraction))
        return _F32(self.initial_learning_rate) * ((_F32(1) - alpha) * cosine + alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul,
                "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


ALL_SCHEDULES = {cls.__name__: cls for cls in (ExponentialDecay, PiecewiseConstantDecay,
                                               PolynomialDecay, InverseTimeDecay, CosineDecay,
                                               CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    """The Keras 3 config dict of a schedule: {"module", "class_name", "config", "registered_name"}."""
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise TypeError(f"schedules.serialize expects a LearningRateSchedule, received "
                        f"{type(learning_rate_schedule).__name__}.")
    return serialize_object(learning_rate_schedule, _MODULE)


def deserialize(config, custom_objects=None):
    """Rebuild a schedule from the dict `serialize` produced (or a Keras-written config)."""
    return deserialize_object(config, ALL_SCHEDULES, "learning rate schedule", custom_objects)
