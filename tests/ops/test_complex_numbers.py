"""Complex tensors: what the Keras reference cases cannot show (real inputs where Keras's torch
backend raises, dtypes, errors, the gradient convention)."""
import numpy as np
import pytest

from minikeras import ops
from minikeras.backend.autodiff import Tensor, gradients


def test_a_tensor_carries_complex_data_and_its_dtype():
    z = ops.view_as_complex(np.array([[1.0, 2.0], [3.0, -4.0]], "float32"))
    assert isinstance(z, Tensor) and z.dtype == np.complex64
    np.testing.assert_allclose(z.numpy(), [1 + 2j, 3 - 4j])
    assert ops.view_as_complex(np.ones((2, 2))).dtype == np.complex128


def test_real_inputs_where_keras_raises():
    x = np.array([-1.0, 2.0], "float32")
    np.testing.assert_array_equal(ops.imag(x).numpy(), [0, 0])
    np.testing.assert_array_equal(ops.view_as_real(x).numpy(), [[-1, 0], [2, 0]])
    assert ops.angle(np.array([1, -2], "int32")).dtype == np.float32


def test_bad_input_names_the_op():
    with pytest.raises(ValueError, match="view_as_complex: the last axis of `x` must have size 2"):
        ops.view_as_complex(np.ones((2, 3), "float32"))
    with pytest.raises(TypeError, match="polar: `abs_` and `angle` must be real"):
        ops.polar(np.ones(2, "complex64"), np.ones(2, "float32"))


def test_gradients_follow_torchs_convention_through_complex_values():
    """L = sum(Re(z) * 2 + Im(conj(z)) * 3) with z = view_as_complex(x): dL/dx = (2, -3)."""
    x = Tensor(np.ones((4, 2), "float32"), requires_grad=True)
    z = ops.view_as_complex(x)
    loss = ops.sum(ops.real(z) * 2.0) + ops.sum(ops.imag(ops.conj(z)) * 3.0)
    np.testing.assert_allclose(gradients(loss, [x])[0], np.tile([2.0, -3.0], (4, 1)))


def test_polar_round_trips_with_abs_and_angle():
    r, t = np.array([1.0, 2.0], "float32"), np.array([0.5, -2.0], "float32")
    z = ops.polar(r, t)
    np.testing.assert_allclose(ops.angle(z).numpy(), t, rtol=1e-6)
    np.testing.assert_allclose(np.abs(z.numpy()), r, rtol=1e-6)
