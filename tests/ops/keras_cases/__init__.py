"""Cases on which minikeras's ops are pinned against Keras 3's: one module per op family
(`tests/ops/keras_cases/<family>.py`), each defining `CASES`, a list of `Case`s.

A case is a call written against an ops module, `call(ops, *args)`, so the same line runs with
`keras.ops` (tools/keras_reference.py, in a reference venv with Keras 3 on the torch backend,
records the outputs and torch autograd's gradients in tests/data/keras_reference/<family>.npz)
and with `minikeras.ops` (tests/ops/test_keras_reference.py compares with the record, checks the
float64 gradient numerically and runs the call on symbolic tensors). This module needs only
NumPy: the reference venv imports it without minikeras.

    CASES = [
        Case("arctan2", lambda ops, y, x: ops.arctan2(y, x), [normal(3, 4), normal(3, 4, seed=1)]),
        Case("sort_axis0", lambda ops, x: ops.sort(x, axis=0), [normal(3, 4)]),
        Case("argsort", lambda ops, x: ops.argsort(x), [normal(5)], grad=False),
    ]

Array arguments become tensors (float32 unless built otherwise); anything that is not a NumPy
array (a Python number, a shape, a list of tensors ...) is passed as it is. The gradient taken
is that of sum(output_i * w_i) over the float outputs, w_i fixed random arrays recorded with
the outputs, with respect to every float array argument.
"""
import dataclasses
import typing

import numpy as np


@dataclasses.dataclass
class Case:
    """One call pinned against Keras.

    name: unique within the family (the op's name, or the op's name and a suffix).
    call: `call(ops, *args)`, returning a tensor or a tuple/list of tensors.
    args: the call's arguments, NumPy arrays for tensors.
    grad: compare gradients (and run the float64 numerical check); False for
        non-differentiable ops (comparisons, argsort, integer outputs).
    check_dtype: the output dtypes must equal Keras's; False only with `why` saying why not.
    rtol, atol: value tolerances (gradients: 10 x rtol).
    symbolic: also run the call on KerasTensors shaped like the arguments.
    grad64: run the float64 numerical gradient check (False where the op is not smooth at the
        inputs the check nudges, with `why`).
    why: the reason for any check switched off.
    """
    name: str
    call: typing.Callable
    args: list
    grad: bool = True
    check_dtype: bool = True
    rtol: float = 1e-4
    atol: float = 1e-5
    symbolic: bool = True
    grad64: bool = True
    why: str = ""


def normal(*shape, seed=0, dtype="float32", scale=1.0):
    """Standard normal values (times `scale`) of `shape`, reproducible from `seed`."""
    return (scale * np.random.default_rng(seed).standard_normal(shape)).astype(dtype)


def uniform(*shape, low=-1.0, high=1.0, seed=0, dtype="float32"):
    """Uniform values in [low, high) of `shape`, reproducible from `seed`."""
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


def integers(*shape, low=0, high=10, seed=0, dtype="int32"):
    """Uniform integers in [low, high) of `shape`, reproducible from `seed`."""
    return np.random.default_rng(seed).integers(low, high, shape).astype(dtype)


def cotangent(name, index, shape, dtype):
    """The fixed random array w_i the gradient of case `name`'s output `index` is taken with."""
    seed = sum(ord(c) * 31 ** i for i, c in enumerate(f"{name}/{index}")) % 2 ** 32
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def families():
    """{family name: module} of every case module of this package."""
    import importlib
    import pkgutil
    return {info.name: importlib.import_module(f"{__name__}.{info.name}")
            for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)}
