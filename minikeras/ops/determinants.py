"""Log-determinants: slogdet (keras.ops.slogdet) and logdet (keras.ops.logdet, in Keras's math).

Both work on stacks of square float matrices (..., M, M) -> (...), from one LU factorisation
(numpy.linalg.slogdet). d log|det A| / dA = A^-T, so the gradient is G A^-T; a singular matrix
has no gradient and is reported as such. The sign carries no gradient.
"""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.math import where
from minikeras.ops.symbolic import op


def _square_float(name, x):
    x = convert_to_tensor(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: `x` must be a float tensor, received dtype {x.dtype} (Keras "
                        f"rejects integer matrices too).")
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{name}: `x` must be square matrices (..., M, M), received shape "
                         f"{x.shape}.")
    return x


def _log_abs_det(name, x):
    """(sign, log|det|) arrays and the Tensor of log|det| with its gradient."""
    sign, logabs = xp.linalg.slogdet(x.data)
    sign, logabs = sign.astype(x.dtype), logabs.astype(x.dtype)

    def vjp(g):
        try:
            inverse = xp.linalg.inv(x.data)
        except xp.linalg.LinAlgError:
            raise ValueError(f"{name}: a singular matrix has no gradient of its "
                             f"log-determinant, shape {x.shape}.") from None
        return (g[..., None, None] * xp.swapaxes(inverse, -1, -2),)
    return sign, record(logabs, (x,), vjp)


@op
def slogdet(x):
    """(sign, log|det x|) of square matrices: (..., M, M) -> two (...) tensors of x's dtype;
    sign is -1, 0 or 1 (0 with log|det| = -inf for a singular matrix)."""
    x = _square_float("slogdet", x)
    sign, logabs = _log_abs_det("slogdet", x)
    return record(sign, (), None), logabs


slogdet.eager.shape_run_on_identity = True


@op(keras_module="keras.src.ops.math")
def logdet(x):
    """log(det x) of square matrices, (..., M, M) -> (...): NaN where the determinant is
    negative, -inf where it is 0, as torch's logdet that Keras calls."""
    x = _square_float("logdet", x)
    sign, logabs = _log_abs_det("logdet", x)
    if xp.all(sign > 0):
        return logabs
    with xp.errstate(invalid="ignore"):
        undefined = xp.where(sign < 0, xp.nan, -xp.inf).astype(x.dtype)
    return where(sign > 0, logabs, undefined)
