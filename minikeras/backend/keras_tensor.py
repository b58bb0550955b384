"""`KerasTensor`: a symbolic tensor, shape and dtype without values (Keras's `KerasTensor`).

`Input()` returns one; calling a layer or an op on it records a graph node instead of computing
(minikeras/ops/node.py), and the output KerasTensors point back at that node through
`_keras_history`. It lives in `backend/` because everything above (ops, layers, models, the
trainer) handles it. Its Python operators (`x / 255.0`, `x[:, 0]`) are the ops' symbolic calls;
minikeras/ops/overloads.py gives it them, as it gives `Tensor` its eager operators, because
ops sit above the backend.
"""
from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.backend import naming
from minikeras.backend.dtypes import is_string_dtype


class KerasTensor:
    """A symbolic tensor: shape and dtype, no values. `Input()` returns one; calling a layer on
    it infers the output shape without real data (used to build models before they see data).

    Attributes: shape (batch axis first, None for unknown sizes), dtype, name, and
    `_keras_history` = (operation, node_index, tensor_index) of the call that made it.
    """

    def __init__(self, shape, dtype=None, name=None, history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        # "string" for text (NumPy holds it as str / object arrays, which have no fixed name)
        self.dtype = "string" if is_string_dtype(dtype) else xp.dtype(dtype or config.floatx()).name
        self.name = name or naming.auto_name("keras_tensor")
        self._keras_history = history

    @property
    def ndim(self):
        return len(self.shape)

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"A KerasTensor ({self.name}, shape={self.shape}) is symbolic: it has no values. It "
            f"can be passed to layers (e.g. `Dense(4)(x)`, or `Lambda(fn)(x)` for your own "
            f"computation) and to `minikeras.ops` functions and operators (`x / 255.0`), which "
            f"record graph nodes, not to NumPy functions directly. To get values, build a "
            f"`Model(inputs, outputs)` and call it on data.")

    def __bool__(self):
        raise TypeError(f"A symbolic KerasTensor ({self.name}) has no truth value.")

    def __len__(self):
        raise TypeError(f"A symbolic KerasTensor ({self.name}) has no len(); use `.shape`.")

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    __array_ufunc__ = None  # `np.float32(2) * x` asks x.__rmul__
    # == and != stay identity-based: KerasTensors are dict keys and set members.
    __hash__ = object.__hash__


def is_keras_tensor(value):
    """Whether `value` is a symbolic tensor."""
    return isinstance(value, KerasTensor)


def any_symbolic_tensors(args=(), kwargs=None):
    """Whether a KerasTensor appears anywhere in `args` / `kwargs` (nested lists, tuples, dicts).

    Cheap on the eager path: one isinstance per argument unless an argument is a container."""
    for value in args:
        if isinstance(value, SYMBOLIC_OR_CONTAINER) and contains_symbolic(value):
            return True
    if kwargs:
        for value in kwargs.values():
            if isinstance(value, SYMBOLIC_OR_CONTAINER) and contains_symbolic(value):
                return True
    return False


#: the types `contains_symbolic` looks into: a cheap isinstance filter for hot loops
SYMBOLIC_OR_CONTAINER = (KerasTensor, list, tuple, dict)


def contains_symbolic(value):
    """Whether `value` is a KerasTensor or a list / tuple / dict holding one (at any depth)."""
    if isinstance(value, KerasTensor):
        return True
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, (list, tuple)):
        return False
    return any(contains_symbolic(item) for item in value)
