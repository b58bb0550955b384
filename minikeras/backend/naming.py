"""Unique default names: `dense`, `dense_1`, `dense_2`, ... per snake_case class name."""
import re
from collections import defaultdict

_counters = defaultdict(int)


def to_snake_case(name):
    """'BatchNormalization' -> 'batch_normalization', 'Conv2D' -> 'conv2d'."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(base):
    """Return `base` the first time, then `base_1`, `base_2`, ... like Keras's auto names."""
    count = _counters[base]
    _counters[base] += 1
    return base if count == 0 else f"{base}_{count}"


def auto_name(class_name):
    return uniquify(to_snake_case(class_name))


def reset_names():
    """Forget every counter (what `minikeras.utils.clear_session()` does)."""
    _counters.clear()
