"""Products written by index: einsum and outer.

`einsum`'s VJP for operand k is another einsum: the output gradient contracted with every
other operand, producing operand k's subscripts. Indices that only operand k sums over are
broadcast back; an index repeated in operand k (a diagonal, "ii->i") is written back onto that
diagonal; ellipsis dimensions broadcast like NumPy's and their gradients are summed back.
"""
import string

from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import cast, convert_to_tensor
from minikeras.ops.manipulation import reshape
from minikeras.ops.math import multiply
from minikeras.ops.symbolic import op


def _common_dtype(tensors):
    """Keras's result dtype: the widest float if any operand is float, else NumPy's."""
    floats = [t.dtype for t in tensors if t.dtype.kind in "fc"]
    dtypes = floats or [t.dtype for t in tensors]
    dtype = xp.result_type(*dtypes)
    return xp.dtype("int32") if dtype.kind in "b" or dtype.itemsize < 4 and dtype.kind in "iu" \
        else dtype


def _explicit_subscripts(subscripts, shapes):
    """(input subscripts, output subscripts) with '...' spelled out as letters."""
    subscripts = subscripts.replace(" ", "")
    inputs, arrow, output = subscripts.partition("->")
    inputs = inputs.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(f"einsum: the subscripts {subscripts!r} name {len(inputs)} operands, "
                         f"received {len(shapes)}.")
    used = set(subscripts)
    free = [c for c in string.ascii_letters if c not in used]
    ellipsis_ndim = max((len(shape) - (len(sub) - 3) for sub, shape in zip(inputs, shapes)
                         if "..." in sub), default=0)
    spelled = free[:ellipsis_ndim]
    spelled_inputs = []
    for sub, shape in zip(inputs, shapes):
        if "..." in sub:
            count = len(shape) - (len(sub) - 3)
            sub = sub.replace("...", "".join(spelled[ellipsis_ndim - count:]))
        if len(sub) != len(shape):
            raise ValueError(f"einsum: subscripts {sub!r} do not match an operand of shape "
                             f"{shape}.")
        spelled_inputs.append(sub)
    if arrow:
        output = output.replace("...", "".join(spelled))
    else:  # NumPy's implicit output: the ellipsis, then the letters used once, sorted
        letters = "".join(s for s in inputs).replace("...", "")
        output = "".join(spelled) + "".join(sorted(c for c in set(letters)
                                                   if letters.count(c) == 1))
    return spelled_inputs, output


@op
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation over `operands` as NumPy's `einsum` (e.g. "bij,bjk->bik").

    dtype: the widest float among the operands (ints with floats give the float), int32 for
    bool and small integers, as in Keras. Keras passes `**kwargs` to its backend; the only one
    NumPy's einsum shares with the others, `optimize`, changes speed, not the result, and is
    accepted and ignored."""
    unknown = sorted(set(kwargs) - {"optimize"})
    if unknown:
        raise TypeError(f"einsum: unexpected keyword arguments {unknown}; only `optimize` is "
                        f"accepted besides the subscripts and operands.")
    tensors = [convert_to_tensor(t) for t in operands]
    dtype = _common_dtype(tensors)
    tensors = [cast(t, dtype) for t in tensors]
    datas = [t.data for t in tensors]
    try:
        out = xp.einsum(subscripts, *datas)
    except ValueError as error:
        raise ValueError(f"einsum: cannot apply {subscripts!r} to operands of shapes "
                         f"{[t.shape for t in tensors]}: {error}") from None
    out = xp.asarray(out).astype(dtype, copy=False)
    inputs, output = _explicit_subscripts(subscripts, [t.shape for t in tensors])

    def vjp(g):
        sizes = {}
        for sub, data in zip(inputs, datas):
            for c, n in zip(sub, data.shape):
                sizes[c] = max(sizes.get(c, 1), n)
        full = [xp.broadcast_to(d, tuple(sizes[c] for c in sub)) for sub, d in zip(inputs, datas)]
        return tuple(_operand_grad(k, g, inputs, output, full, sizes, datas[k].shape)
                     for k in range(len(inputs)))
    return record(out, tuple(tensors), vjp)


def _operand_grad(k, g, inputs, output, full, sizes, shape):
    sub = inputs[k]
    unique = "".join(dict.fromkeys(sub))
    others = [(s, d) for i, (s, d) in enumerate(zip(inputs, full)) if i != k]
    available = set(output).union(*(set(s) for s, _ in others))
    kept = "".join(c for c in unique if c in available)
    terms = ",".join([output] + [s for s, _ in others])
    grad = xp.einsum(f"{terms}->{kept}", g, *(d for _, d in others))
    # letters only this operand sums over: the gradient is constant along them
    grad = grad.reshape(tuple(sizes[c] if c in kept else 1 for c in unique))
    grad = xp.broadcast_to(grad, tuple(sizes[c] for c in unique))
    if len(unique) != len(sub):  # a repeated letter: write onto that diagonal
        written = xp.zeros(tuple(sizes[c] for c in sub), dtype=g.dtype)
        index = tuple(xp.arange(sizes[c]).reshape(
            tuple(-1 if u == c else 1 for u in unique)) for c in sub)
        written[index] = grad
        grad = written
    # ellipsis dimensions that this operand broadcast (size 1) sum back
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return xp.ascontiguousarray(grad)


@op
def outer(x1, x2):
    """The outer product of the flattened inputs: (m,), (n,) -> (m, n), out[i, j] = x1[i] x2[j]."""
    return multiply(reshape(x1, (-1, 1)), reshape(x2, (1, -1)))
