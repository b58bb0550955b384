"""ops.pad's modes beyond the Keras reference cases: "symmetric" as numpy.pad (and Keras's JAX,
TensorFlow and NumPy backends) computes it, gradients of the mirrored modes, and bad input."""
import numpy as np
import pytest

from minikeras import ops
from minikeras.backend.autodiff import Tensor
from minikeras.utils import gradient_check

X = np.random.default_rng(0).normal(size=(3, 4))


@pytest.mark.parametrize("mode", ["reflect", "symmetric"])
def test_mirrored_modes_match_numpy_and_their_gradients_are_exact(mode):
    widths = ((1, 2), (3, 0))
    np.testing.assert_array_equal(ops.pad(X, widths, mode=mode).numpy(),
                                  np.pad(X, widths, mode=mode))
    assert gradient_check(lambda x: ops.pad(x, widths, mode=mode), [X]) < 1e-8


def test_constant_values_and_int_dtype():
    out = ops.pad(np.ones((2, 2), "int32"), 1, constant_values=7)
    assert out.dtype == np.int32 and out.numpy()[0, 0] == 7 and out.shape == (4, 4)


@pytest.mark.parametrize("kwargs, message", [
    (dict(pad_width=1, mode="wrap"), "`mode`"),
    (dict(pad_width=1, mode="reflect", constant_values=1), "`constant_values`"),
    (dict(pad_width=((1, 1), (1, 1), (1, 1))), "`pad_width`"),
    (dict(pad_width=-1), "must not be negative"),
    (dict(pad_width=((3, 0), (0, 0)), mode="reflect"), "pads at most 2"),
])
def test_bad_input_names_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ops.pad(Tensor(X), **kwargs)
