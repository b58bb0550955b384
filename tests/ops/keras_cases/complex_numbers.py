"""Keras reference cases: complex tensors, pinned through real outputs (view_as_real, real,
imag, angle) so that values and gradients compare as floats."""
import numpy as np

from tests.ops.keras_cases import Case, integers, normal


def _as_complex(ops, x):
    return ops.view_as_complex(x)


KERAS_DTYPE_WHY = ("Keras declares complex64 for real/imag/angle of a complex tensor "
                   "symbolically; its eager result (ours) is float32")

CASES = [
    Case("view_as_complex", lambda ops, x: ops.view_as_real(ops.view_as_complex(x)),
         [normal(3, 4, 2)]),
    Case("real", lambda ops, x: ops.real(_as_complex(ops, x)), [normal(3, 2)],
         check_dtype=False, why=KERAS_DTYPE_WHY),
    Case("real_of_real", lambda ops, x: ops.real(x), [normal(4)]),
    Case("imag", lambda ops, x: ops.imag(_as_complex(ops, x)), [normal(3, 2, seed=1)],
         check_dtype=False, why=KERAS_DTYPE_WHY),
    Case("conj", lambda ops, x: ops.view_as_real(ops.conj(_as_complex(ops, x))),
         [normal(2, 3, 2)]),
    Case("conj_of_real", lambda ops, x: ops.conj(x), [normal(4)]),
    Case("conjugate", lambda ops, x: ops.imag(ops.conjugate(_as_complex(ops, x))),
         [normal(5, 2)],
         check_dtype=False, why=KERAS_DTYPE_WHY),
    Case("angle", lambda ops, x: ops.angle(_as_complex(ops, x)), [normal(6, 2)],
         check_dtype=False, why=KERAS_DTYPE_WHY),
    Case("angle_of_real", lambda ops, x: ops.angle(x), [np.array([-1.5, 2.0, 3.0], "float32")],
         grad=False),
    Case("angle_of_int", lambda ops, x: ops.angle(x), [integers(4, low=-3, high=3)], grad=False),
    Case("polar", lambda ops, r, t: ops.view_as_real(ops.polar(r, t)),
         [normal(3, 2), normal(3, 2, seed=1)], check_dtype=False,
         why="Keras declares float32 for polar's symbolic output, its eager result (ours) is "
             "complex64 (compared here through view_as_real)"),
    Case("polar_broadcast", lambda ops, r, t: ops.real(ops.polar(r, t)),
         [normal(3, 1), normal(4, seed=1)]),
]
