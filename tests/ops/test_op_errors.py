"""Bad input to any op gives an error naming the op (and, for an axis, the argument), never a
bare NumPy message from deep inside: the ops' own checks, and `@op`'s naming of what NumPy
raises (minikeras/ops/symbolic.py `name_the_op`)."""
import inspect

import numpy as np
import pytest

from minikeras import ops
from minikeras.ops.symbolic import registered_ops

X = np.random.default_rng(0).uniform(0.1, 1, (3, 4)).astype("float32")


def _ops_with_an_axis():
    """Ops of one required tensor argument and an `axis` keyword."""
    names = []
    for name, fn in sorted(registered_ops().items()):
        if not fn.__module__.startswith("minikeras.ops"):
            continue
        parameters = inspect.signature(fn).parameters
        required = [p for p in parameters.values() if p.default is inspect.Parameter.empty
                    and p.kind is p.POSITIONAL_OR_KEYWORD]
        if "axis" in parameters and len(required) == 1 and list(parameters)[0] != "axis":
            names.append(name)
    return names


AXIS_OPS = _ops_with_an_axis()


def test_the_sweep_finds_the_axis_ops():
    assert {"sum", "softmax", "cumsum", "sort", "nanmean", "flip"} <= set(AXIS_OPS)
    assert len(AXIS_OPS) > 40


@pytest.mark.parametrize("name", AXIS_OPS)
def test_an_axis_out_of_range_names_the_op_and_the_axis(name):
    with pytest.raises((ValueError, IndexError, TypeError)) as caught:
        getattr(ops, name)(X, axis=7)
    message = str(caught.value)
    if name == "multi_hot":  # it asks for num_classes first
        assert message.startswith("multi_hot:")
        return
    assert message.startswith(f"{name}:") and "axis" in message, message


def test_numpy_errors_from_inside_an_op_are_named_and_keep_their_type():
    with pytest.raises(ValueError, match=r"^add: operands could not be broadcast"):
        ops.add(np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(np.exceptions.AxisError, match=r"^sum: `axis` out of range"):
        ops.sum(X, axis=5)
    with pytest.raises(ValueError, match=r"^std: var: mean: `axis` out of range"):
        ops.std(X, axis=3)   # an op built on others names each


def test_an_ops_own_error_is_left_as_it_is():
    with pytest.raises(ValueError, match=r"^top_k: `k` must be an integer"):
        ops.top_k(X, 9)
