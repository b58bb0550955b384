"""minikeras's ops against Keras 3's own runs, case by case (tests/ops/keras_cases/).

For every case: the outputs equal those Keras recorded (tools/keras_reference.py, stored in
tests/data/keras_reference/<family>.npz) in shape, dtype and value; the gradients equal torch
autograd's through Keras's op; the float64 gradient agrees with central differences; and the
call on KerasTensors records outputs of the eager call's shapes and dtypes.
"""
import numpy as np
import pytest

from minikeras import layers, ops
from minikeras.backend.autodiff import Tensor, gradients
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.utils import gradient_check
from tests.ops.keras_cases import cotangent, families
from tests.paths import DATA

REFERENCE_DIR = DATA / "keras_reference"
GRAD64_TOL = 1e-5

FAMILIES = families()
CASES = [(family, case) for family, module in FAMILIES.items() for case in module.CASES]
_records = {}


def record(family):
    if family not in _records:
        path = REFERENCE_DIR / f"{family}.npz"
        if not path.exists():
            pytest.fail(f"no Keras record for {family}: run tools/keras_reference.py {family}")
        with np.load(path) as data:
            _records[family] = dict(data)
    return _records[family]


def _flatten(value):
    if isinstance(value, (tuple, list)):
        return [leaf for item in value for leaf in _flatten(item)]
    return [value]


def _numpy(value):
    return np.asarray(value.numpy() if isinstance(value, Tensor) else value)


def _differentiable(case):
    return [i for i, a in enumerate(case.args)
            if case.grad and isinstance(a, np.ndarray) and a.dtype.kind == "f"]


def _weighted_sum(case, outputs):
    """sum(output_i * w_i) over the float outputs, the scalar the gradients are taken of."""
    total = None
    for i, out in enumerate(outputs):
        if isinstance(out, Tensor) and out.dtype.kind == "f":
            term = ops.sum(out * cotangent(case.name, i, out.shape, out.dtype))
            total = term if total is None else total + term
    return total


def test_cases_have_unique_names():
    for family, module in FAMILIES.items():
        names = [case.name for case in module.CASES]
        assert len(names) == len(set(names)), family


@pytest.mark.parametrize("family, case", CASES, ids=[f"{f}/{c.name}" for f, c in CASES])
def test_values_and_gradients_match_keras(family, case):
    reference = record(family)
    if f"{case.name}/out0" not in reference:
        pytest.fail(f"no Keras record for {family}/{case.name}: run tools/keras_reference.py "
                    f"{family}")
    differentiable = _differentiable(case)
    args = [Tensor(a, requires_grad=i in differentiable) if isinstance(a, np.ndarray) else a
            for i, a in enumerate(case.args)]
    outputs = _flatten(case.call(ops, *args))
    count = sum(1 for key in reference if key.startswith(f"{case.name}/out"))
    assert len(outputs) == count, f"{len(outputs)} outputs, Keras gives {count}"
    for i, out in enumerate(outputs):
        want, got = reference[f"{case.name}/out{i}"], _numpy(out)
        assert got.shape == want.shape, f"output {i}: shape {got.shape}, Keras {want.shape}"
        if case.check_dtype:  # the dtype Keras declares, else the one its torch backend gave
            declared = reference.get(f"{case.name}/dtype{i}")
            want_dtype = np.dtype(str(declared)) if declared is not None else want.dtype
            assert got.dtype == want_dtype, f"output {i}: dtype {got.dtype}, Keras {want_dtype}"
        np.testing.assert_allclose(got, want, rtol=case.rtol, atol=case.atol,
                                   err_msg=f"output {i}")
    if differentiable:
        loss = _weighted_sum(case, outputs)
        sources = [args[i] for i in differentiable]
        grads = (gradients(loss, sources) if loss is not None
                 else [np.zeros_like(s.data) for s in sources])
        for i, g in zip(differentiable, grads):
            np.testing.assert_allclose(np.asarray(g), reference[f"{case.name}/grad{i}"],
                                       rtol=10 * case.rtol, atol=10 * case.atol,
                                       err_msg=f"gradient of argument {i}")


GRAD_CASES = [(f, c) for f, c in CASES if _differentiable(c) and c.grad64]


@pytest.mark.parametrize("family, case", GRAD_CASES, ids=[f"{f}/{c.name}" for f, c in GRAD_CASES])
def test_float64_gradient_matches_central_differences(family, case):
    differentiable = _differentiable(case)

    def f(*tensors):
        args = list(case.args)
        for i, t in zip(differentiable, tensors):
            args[i] = t
        args = [Tensor(a.astype("float64") if a.dtype.kind == "f" else a)
                if isinstance(a, np.ndarray) else a for a in args]
        return _weighted_sum(case, _flatten(case.call(ops, *args)))

    inputs = [case.args[i].astype("float64") for i in differentiable]
    assert gradient_check(f, inputs) < GRAD64_TOL


SYMBOLIC_CASES = [(f, c) for f, c in CASES if c.symbolic]


@pytest.mark.parametrize("family, case", SYMBOLIC_CASES,
                         ids=[f"{f}/{c.name}" for f, c in SYMBOLIC_CASES])
def test_symbolic_call_has_the_eager_shapes_and_dtypes(family, case):
    symbolic = [layers.Input(batch_shape=a.shape, dtype=str(a.dtype))
                if isinstance(a, np.ndarray) else a for a in case.args]
    eager = _flatten(case.call(ops, *[Tensor(a) if isinstance(a, np.ndarray) else a
                                      for a in case.args]))
    outputs = _flatten(case.call(ops, *symbolic))
    assert len(outputs) == len(eager)
    for out, want in zip(outputs, eager):
        if isinstance(out, KerasTensor):
            assert tuple(out.shape) == tuple(want.shape)
            assert out.dtype == str(want.dtype)
