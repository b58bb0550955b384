"""`@op`: the one registration of a public op, and what an op does on symbolic tensors.

    @op
    def exp(x):
        x = convert_to_tensor(x)
        out = xp.exp(x.data)
        return record(out, (x,), lambda g: (g * out,))

The decorated function is the op everywhere (`ops.exp is ops.math.exp`). Called on real
tensors it runs the function after one cheap scan of its arguments. Called with a `KerasTensor`
among its arguments (a functional model's symbolic tensor) it computes nothing, as in Keras 3:
it makes an operation for that op (an `Op` subclass named as Keras names its operation classes,
`true_divide` -> `TrueDivide`, `getitem` -> `GetItem`) and records the call as a graph node. So
summaries, auto names (`true_divide`, `true_divide_1`, ...) and saved configs read like Keras's:

    {"module": "keras.src.ops.numpy", "class_name": "TrueDivide", "config": {"name": "true_divide"},
     "inbound_nodes": [{"args": [<keras tensor>, 255.0], "kwargs": {}}]}

Positional arguments (tensors and constants) are the node's call arguments; keyword arguments
without tensors (`axis=1`) are the operation's config. At run time the op runs on real tensors.
Code that must skip even the scan (Tensor's operators) calls `fn.eager`, the undecorated function.
"""
import functools
import sys

import numpy as np

from minikeras.backend import config
from minikeras.backend.keras_tensor import (SYMBOLIC_OR_CONTAINER, KerasTensor,
                                            any_symbolic_tensors, contains_symbolic)
from minikeras.backend.autodiff import Tensor, no_grad
from minikeras.tree import flatten, map_structure
from minikeras.ops.operation import Operation, zeros_like_symbolic

#: public op name -> the undecorated function (filled by `@op`, in definition order)
_EAGER = {}
#: minikeras op name -> the op name Keras gives the operation (and its instances)
_CANONICAL = {"abs": "absolute", "getitem": "get_item", "allclose": "all_close"}
_classes = {}  # Keras class name -> Op subclass
_KERAS_MODULE_OF_OP = {}  # op name -> Keras module, where `@op(keras_module=...)` names one


def op(fn=None, *, name=None, keras_module=None):
    """Register `fn` as the public op `name` (default `fn.__name__`) and return its dispatcher.

    `op(fn, name="true_divide")` registers an alias that records under its own name.
    `keras_module` is the Keras module whose operation class a saved node names (e.g.
    "keras.src.ops.math"); by default the defining module's `KERAS_OPS_MODULE`, else
    "keras.src.ops.numpy"."""
    if fn is None:
        return functools.partial(op, name=name, keras_module=keras_module)
    fn = getattr(fn, "eager", fn)
    op_name = name or fn.__name__
    if keras_module is not None:
        _KERAS_MODULE_OF_OP[op_name] = keras_module

    @functools.wraps(fn)
    def dispatch(*args, **kwargs):
        # `any_symbolic_tensors` inlined: the eager path pays one isinstance per argument
        for value in args:
            if isinstance(value, SYMBOLIC_OR_CONTAINER) and contains_symbolic(value):
                return symbolic_op(op_name, args, kwargs)
        if kwargs:
            for value in kwargs.values():
                if isinstance(value, SYMBOLIC_OR_CONTAINER) and contains_symbolic(value):
                    return symbolic_op(op_name, args, kwargs)
        try:
            return fn(*args, **kwargs)
        except (ValueError, TypeError, IndexError) as error:
            named = name_the_op(op_name, error)
            if named is error:
                raise
            raise named from error

    dispatch.__name__ = dispatch.__qualname__ = op_name
    dispatch.eager = fn
    dispatch.op_name = op_name
    _EAGER[op_name] = fn
    return dispatch


def _config_value(value):
    """An op's keyword argument as JSON can hold it: an array (or Tensor) in Keras's
    {"class_name": "__numpy__", ...} spelling, a NumPy scalar as a Python number."""
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        return {"class_name": "__numpy__",
                "config": {"value": value.tolist(), "dtype": value.dtype.name}}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _from_config_value(value):
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        return np.asarray(value["config"]["value"], dtype=value["config"]["dtype"])
    return value


def name_the_op(op_name, error):
    """`error` as an exception of the same type whose message starts with the op's name, for an
    error raised deep inside an op (NumPy's "axis 7 is out of bounds ...", "operands could not
    be broadcast ...", or another op's own check); `error` itself where its message already
    starts with this op's name or its type carries more than a message."""
    message = str(error)
    if message.startswith(f"{op_name}:"):
        return error
    if isinstance(error, np.exceptions.AxisError):
        inner = message if "`axis`" in message else f"`axis` out of range: {message}"
        return np.exceptions.AxisError(f"{op_name}: {inner}")
    if type(error) not in (ValueError, TypeError, IndexError):
        return error
    return type(error)(f"{op_name}: {message}")


def registered_ops():
    """{public op name: undecorated function} for every op registered with `@op`."""
    return dict(_EAGER)


def symbolic_op(op_name, args, kwargs):
    """`ops.<op_name>(*args, **kwargs)` with KerasTensors among the arguments: a graph node.

    Keyword arguments without tensors become the operation's config; the others stay call
    arguments of the node."""
    op_kwargs = {key: value for key, value in kwargs.items()
                 if not any(isinstance(x, KerasTensor) for x in flatten(value))}
    tensor_kwargs = {key: value for key, value in kwargs.items() if key not in op_kwargs}
    return op_class(op_name)(**op_kwargs)(*args, **tensor_kwargs)


class Op(Operation):
    """One `minikeras.ops` function applied in a functional graph (subclassed once per op).

    It has no weights and needs no build; `model.layers` leaves it out and `model.operations`
    lists it, as in Keras.

    Args:
        name: the operation's name (default: the op's Keras name, made unique).
        **op_kwargs: the op's non-tensor keyword arguments (e.g. `axis=1`), its config.
    """

    op_name = None  # the public name in `minikeras.ops`
    keras_module = "keras.src.ops.numpy"
    built = True
    trainable = True
    weights = trainable_weights = non_trainable_weights = ()
    losses = ()

    def __init__(self, name=None, **op_kwargs):
        super().__init__(name=name)
        self.dtype = config.floatx()
        self.op_kwargs = op_kwargs

    def __call__(self, *args, **kwargs):
        if any_symbolic_tensors(args, kwargs):
            return self.symbolic_call(*args, **kwargs)
        kwargs.pop("training", None)
        kwargs.pop("mask", None)
        return self.call(*args, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        declared = getattr(_EAGER[self.op_name], "output_spec", None)
        if declared is not None:  # ops a run on zeros might never finish (while_loop) say it
            return declared(*args, **self.op_kwargs, **kwargs)
        with np.errstate(all="ignore"):  # the shapes come from a run on zeros (e.g. 2 / x)
            spec = super().compute_output_spec(*args, **kwargs)
            if getattr(_EAGER[self.op_name], "data_dependent_shape", False):
                spec = map_structure(_unknown_where_sizes_differ, spec,
                                     self._call_on_distinct(args, kwargs))
            return spec

    def _call_on_distinct(self, args, kwargs):
        """The shape run of ops flagged `data_dependent_shape` (unique, nonzero: their output
        sizes follow the values): a second run on distinct non-zero values 1, 2, 3, ...; the
        output sizes that differ from the run on zeros are unknown."""
        args, kwargs = zeros_like_symbolic(args, kwargs, 2, 8)

        def distinct(x):
            if isinstance(x, Tensor):
                return Tensor(np.arange(1, x.size + 1).reshape(x.shape).astype(x.dtype))
            return x
        with no_grad():
            return self.call(*map_structure(distinct, args), **map_structure(distinct, kwargs))

    def _call_on_zeros(self, args, kwargs, batch, other):
        """The shape run; ops flagged `shape_run_on_identity` (inv, solve, cholesky ...: zeros
        are singular for them) run on stacks of identity matrices instead of zeros."""
        if not getattr(_EAGER[self.op_name], "shape_run_on_identity", False):
            return super()._call_on_zeros(args, kwargs, batch, other)
        args, kwargs = zeros_like_symbolic(args, kwargs, batch, other)

        def identity(x):
            if isinstance(x, Tensor) and x.ndim >= 2:
                return Tensor(np.broadcast_to(np.eye(*x.shape[-2:], dtype=x.dtype), x.shape))
            return x
        with no_grad():
            return self.call(*map_structure(identity, args), **map_structure(identity, kwargs))

    def call(self, *args, **kwargs):
        if self.op_name == "getitem" and len(args) == 2 and isinstance(args[1], list):
            args = (args[0], tuple(args[1]))  # a JSON config writes the index tuple as a list
        return _EAGER[self.op_name](*args, **self.op_kwargs, **kwargs)

    def count_params(self):
        return 0

    def get_config(self):
        for key, value in self.op_kwargs.items():
            if callable(value) and not isinstance(value, type):
                raise TypeError(f"Cannot save the op {self.name!r}: its argument `{key}` is a "
                                f"Python function, which a model config cannot hold. Put the "
                                f"computation in a `Lambda` layer or a custom layer.")
        return {"name": self.name, **{key: _config_value(value)
                                      for key, value in self.op_kwargs.items()}}

    @classmethod
    def from_config(cls, config):
        return cls(**{key: _from_config_value(value) for key, value in config.items()})

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _unknown_where_sizes_differ(spec, other):
    """`spec` (a KerasTensor) with None for the sizes `other` (a Tensor) does not share."""
    if not isinstance(spec, KerasTensor):
        return spec
    return KerasTensor(tuple(p if p == q else None for p, q in zip(spec.shape, other.shape)),
                       spec.dtype)


#: op name -> Keras's operation class name, where it is not the op's name in CamelCase
_KERAS_CLASS_NAMES = {"rgb_to_grayscale": "RGBToGrayscale", "rgb_to_hsv": "RGBToHSV",
                      "hsv_to_rgb": "HSVToRGB", "ssim": "SSIM"}


def _class_name(op_name):
    if op_name in _KERAS_CLASS_NAMES:
        return _KERAS_CLASS_NAMES[op_name]
    canonical = _CANONICAL.get(op_name, op_name)
    return "".join(part[:1].upper() + part[1:] for part in canonical.split("_"))


#: ops Keras keeps in keras.src.ops.linalg / .math although minikeras defines them elsewhere
_KERAS_LINALG_OPS = {"cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq",
                     "lu_factor", "matrix_rank", "norm", "pinv", "qr", "solve",
                     "solve_triangular", "svd"}
_KERAS_MATH_OPS = {"top_k"}


def _keras_module(op_name):
    if op_name in _KERAS_MODULE_OF_OP:
        return _KERAS_MODULE_OF_OP[op_name]
    fn = _EAGER[op_name]
    name = getattr(fn, "__name__", "")
    declared = getattr(sys.modules.get(getattr(fn, "__module__", "")), "KERAS_OPS_MODULE", None)
    if declared:
        return declared
    if name in _KERAS_LINALG_OPS:
        return "keras.src.ops.linalg"
    if name in _KERAS_MATH_OPS:
        return "keras.src.ops.math"
    module = getattr(fn, "__module__", "") or ""
    for ours, theirs in (("nn", "nn"), ("special", "math"), ("core", "core")):
        if module.endswith("ops." + ours):
            return "keras.src.ops." + theirs
    return "keras.src.ops.numpy"


def op_class(op_name):
    """The `Op` subclass for the public op `op_name` (created once)."""
    class_name = _class_name(op_name)
    cls = _classes.get(class_name)
    if cls is None:
        cls = type(class_name, (Op,), {
            "op_name": op_name, "keras_module": _keras_module(op_name),
            "__doc__": f"`minikeras.ops.{op_name}` in a functional graph (Keras's {class_name})."})
        cls.__module__ = __name__
        _classes[class_name] = cls
    return cls


def keras_op_class(class_name):
    """The `Op` class for a Keras op class name in a config (None if there is none)."""
    if class_name not in _classes:
        for op_name in _EAGER:
            if _class_name(op_name) == class_name:
                return op_class(op_name)
        return None
    return _classes[class_name]
